"""Errors the domain and services raise; the API maps each one to an HTTP status."""


class ConcertoError(Exception):
    """Base of every expected error. `code` is a stable, machine-readable identifier."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationError(ConcertoError):
    code = "validation_error"
    status = 422


class BadRequestError(ConcertoError):
    code = "bad_request"
    status = 400


class PayloadTooLargeError(ConcertoError):
    code = "payload_too_large"
    status = 413


class UnauthorizedError(ConcertoError):
    code = "unauthorized"
    status = 401


class ForbiddenError(ConcertoError):
    code = "forbidden"
    status = 403


class NotFoundError(ConcertoError):
    code = "not_found"
    status = 404


class ConflictError(ConcertoError):
    code = "conflict"
    status = 409


class GoneError(ConcertoError):
    code = "gone"
    status = 410


class TooManyRequestsError(ConcertoError):
    code = "too_many_requests"
    status = 429


class AnalysisError(ConcertoError):
    """An analyzer could not produce a result (throttled, down, unsupported input)."""

    code = "analysis_error"
    status = 503


class DeliveryError(ConcertoError):
    """An outbound message (e-mail, social reply) could not be handed to its provider."""

    code = "delivery_error"
    status = 502
    # False when trying again cannot help (an expired token, a refused recipient).
    retryable = True
