"""Functions that read the environment. Nothing is read at import time."""

import os

from chalicelib.domain.abuse import Limit
from chalicelib.resources import Bucket, Queue, Table


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"


def endpoint_url() -> str | None:
    """Set only by the embedded runtime and tests (moto's server)."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


def table_name(table: Table) -> str:
    return os.environ.get(table.env_var, f"concerto-{table.name}")


def queue_url(queue: Queue) -> str:
    try:
        return os.environ[queue.env_var]
    except KeyError as error:
        raise RuntimeError(f"{queue.env_var} is not set") from error


def bucket_name(bucket: Bucket) -> str:
    return os.environ.get(bucket.env_var, f"concerto-{bucket.name}")


def api_url() -> str:
    return os.environ.get("CONCERTO_API_URL", "").rstrip("/")


def cognito_region() -> str:
    return os.environ.get("CONCERTO_COGNITO_REGION", region())


def user_pool_id() -> str:
    return os.environ.get("CONCERTO_USER_POOL_ID", "")


def user_pool_client_id() -> str:
    return os.environ.get("CONCERTO_USER_POOL_CLIENT_ID", "")


def cognito_endpoint() -> str:
    """Where clients call Cognito (InitiateAuth); moto's server under `make run`."""
    default = f"https://cognito-idp.{cognito_region()}.amazonaws.com"
    return os.environ.get("CONCERTO_COGNITO_ENDPOINT", default)


def cognito_issuer() -> str:
    # moto signs tokens with the real AWS issuer URL, so the issuer is always this one.
    return f"https://cognito-idp.{cognito_region()}.amazonaws.com/{user_pool_id()}"


def jwks_url() -> str:
    return os.environ.get("CONCERTO_JWKS_URL", f"{cognito_issuer()}/.well-known/jwks.json")


def comprehend_enabled() -> bool:
    """Off in the embedded runtime (moto's Comprehend answers canned values) and for stacks
    whose communes all opted out; communes can also opt out one by one in their settings."""
    return os.environ.get("CONCERTO_COMPREHEND", "on").lower() not in ("off", "0", "false")


def bedrock_enabled() -> bool:
    """Off in the embedded runtime (moto has no Bedrock) and for stacks whose communes all
    opted out; communes can also opt out one by one (`bedrockEnabled`)."""
    return os.environ.get("CONCERTO_BEDROCK", "on").lower() not in ("off", "0", "false")


def bedrock_model() -> str:
    # Claude 3 Haiku: writes French, offered on demand in eu-west-1, the cheapest that does.
    return os.environ.get("CONCERTO_BEDROCK_MODEL", "anthropic.claude-3-haiku-20240307-v1:0")


def bedrock_region() -> str:
    return os.environ.get("CONCERTO_BEDROCK_REGION") or region()


def max_body_bytes() -> int:
    return int(os.environ.get("CONCERTO_MAX_BODY_BYTES", "65536"))


def aws_timeouts() -> tuple[int, int]:
    """(connect, read) seconds for AWS calls: well below API Gateway's 29 s limit."""
    return 3, 10


def mail_from() -> str:
    """The sender of staff e-mails: an address of an identity verified in SES."""
    return os.environ.get("CONCERTO_MAIL_FROM", "Concerto <alertes@concerto.local>")


def realtime_management_url() -> str:
    """API Gateway's WebSocket management endpoint (https://<api>.execute-api.<region>.
    amazonaws.com/<stage>), the local gateway's under `make run`; empty: no real time."""
    return os.environ.get("CONCERTO_REALTIME_MANAGEMENT_URL", "")


def realtime_url() -> str:
    """The wss:// (ws:// locally) URL consoles connect to, served by GET /config."""
    return os.environ.get("CONCERTO_REALTIME_URL", "")


def console_origins() -> set[str]:
    """Origins whose pages may open the console WebSocket (comma-separated); empty: any."""
    raw = os.environ.get("CONCERTO_CONSOLE_ORIGINS", "")
    return {origin.strip() for origin in raw.split(",") if origin.strip()}


def seal_key() -> str:
    """The Fernet key (32 url-safe base64 bytes) sealing follow-up tokens at rest: from the
    stack's secret in AWS, generated per run locally."""
    key = os.environ.get("CONCERTO_SEAL_KEY", "")
    if not key:
        raise RuntimeError("CONCERTO_SEAL_KEY is not set")
    return key


def previous_seal_keys() -> tuple[str, ...]:
    """Keys being rotated out (comma-separated): what they sealed still unseals; new seals
    use CONCERTO_SEAL_KEY."""
    raw = os.environ.get("CONCERTO_SEAL_KEY_PREVIOUS", "")
    return tuple(key.strip() for key in raw.split(",") if key.strip())


def ses_configuration_set() -> str:
    """The SES configuration set whose bounce and complaint metrics the stack's alarms watch."""
    return os.environ.get("CONCERTO_SES_CONFIGURATION_SET", "")


def site_url() -> str:
    """The citizen site, for links in e-mails (its follow-up page reads the token)."""
    return os.environ.get("CONCERTO_SITE_URL", "").rstrip("/")


def mail_domain() -> str:
    """The domain of the communes' addresses (`<slug>@<domain>`), received by SES (by
    the local SMTP server under `make run`)."""
    return os.environ.get("CONCERTO_MAIL_DOMAIN", "concerto.local").strip().lower()


def graph_url() -> str:
    """Meta's Graph API (the fake Graph server under `make run` and in tests)."""
    return os.environ.get("CONCERTO_GRAPH_URL", "https://graph.facebook.com").rstrip("/")


def staff_standing_seconds() -> float:
    """How long an API container trusts what the staff directory said of an account (a
    deleted account's token is refused at most this long after the deletion)."""
    return float(os.environ.get("CONCERTO_STAFF_STANDING_SECONDS", "30"))


def rate_limit_per_ip() -> Limit:
    """Public submissions one client address may make to one commune per window."""
    return _limit(
        "CONCERTO_RATE_LIMIT_PER_IP", os.environ.get("CONCERTO_RATE_LIMIT_PER_IP", "20/600")
    )


def rate_limit_per_commune() -> Limit:
    """Public submissions one commune accepts per window, all clients together: a ceiling
    on what a distributed flood costs (storage, analysis)."""
    raw = os.environ.get("CONCERTO_RATE_LIMIT_PER_COMMUNE", "6000/60")
    return _limit("CONCERTO_RATE_LIMIT_PER_COMMUNE", raw)


def flood_limit() -> Limit:
    """How often the same (normalised) text may reach one commune per window, from any
    address: CONCERTO_FLOOD_THRESHOLD times per CONCERTO_FLOOD_WINDOW_SECONDS."""
    threshold = os.environ.get("CONCERTO_FLOOD_THRESHOLD", "5")
    seconds = os.environ.get("CONCERTO_FLOOD_WINDOW_SECONDS", "600")
    return _limit("CONCERTO_FLOOD_THRESHOLD/_WINDOW_SECONDS", f"{threshold}/{seconds}")


def barometer_ballots_per_address() -> int:
    """Barometer ballots (POST /communes/{slug}/barometer) one client address may cast to
    one commune per month (CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS, default 10)."""
    return _positive("CONCERTO_BAROMETER_BALLOTS_PER_ADDRESS", "10")


def consultation_answers_per_address() -> int:
    """Answers to one consultation one client address may give
    (CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS, default 10)."""
    return _positive("CONCERTO_CONSULTATION_ANSWERS_PER_ADDRESS", "10")


def _positive(name: str, default: str) -> int:
    raw = os.environ.get(name, default).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise RuntimeError(f"{name} must be an integer ≥ 1, not {raw!r}")
    return int(raw)


def origin_secret_id() -> str:
    """The Secrets Manager secret CloudFront sends with every API request (its name or
    ARN; CONCERTO_ORIGIN_SECRET_ID). Set, the API answers only requests carrying it and
    keys per-address limits on the viewer address CloudFront gives; empty (`make run`,
    tests), neither (docs/decisions/0011-origin-secret-and-viewer-address.md)."""
    return os.environ.get("CONCERTO_ORIGIN_SECRET_ID", "").strip()


def trusted_proxy_hops() -> int:
    """How many proxies in front of API Gateway append to X-Forwarded-For (1 behind
    CloudFront); 0 ignores the header, which any client can write."""
    raw = os.environ.get("CONCERTO_TRUSTED_PROXY_HOPS", "0")
    if not raw.strip().isdigit():
        raise RuntimeError(f"CONCERTO_TRUSTED_PROXY_HOPS must be an integer ≥ 0, not {raw!r}")
    return int(raw)


def _limit(name: str, raw: str) -> Limit:
    """Raises RuntimeError naming the variable: a typo must stop the first submission
    loudly, not silently lift the limit."""
    try:
        return Limit.parse(raw)
    except ValueError as error:
        raise RuntimeError(f"{name}: {error}") from error
