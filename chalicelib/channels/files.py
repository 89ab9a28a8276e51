"""What may be kept of a file a citizen sent, whatever the channel: the e-mail limits, the
types agents can open, and the legacy office formats that may carry macros — kept only
once a virus scan passed (SES scans e-mail; nothing scans what social networks send)."""

from __future__ import annotations

from chalicelib.channels.email.parse import _DANGEROUS_EXTENSIONS as DANGEROUS_EXTENSIONS
from chalicelib.channels.email.parse import DEFAULT_LIMITS, AttachmentLimits

# Refusal reasons beside the MIME parser's (too_large, type_not_allowed, too_many,
# total_too_large), shown to agents next to the file's name.
NOT_SCANNED = "not_scanned"
DOWNLOAD_FAILED = "download_failed"

# Binary Office formats (OLE2) and RTF run or embed macros and exploits that a type check
# cannot see; their macro-enabled XML successors too. Content types are checked as well as
# extensions: a ".pdf" named file declared application/msword is still a Word file.
MACRO_EXTENSIONS = frozenset(
    {"doc", "dot", "wbk", "xls", "xlt", "xla", "xlw", "xlsb", "ppt", "pps", "pot", "ppa"}
    | {"rtf", "dotm", "xltm", "xlam", "potm", "ppsm", "ppam", "sldm"}
)
MACRO_TYPES = frozenset(
    {
        "application/msword",
        "application/rtf",
        "text/rtf",
        "text/richtext",
        "application/x-rtf",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-word",
        "application/x-msexcel",
        "application/x-excel",
        "application/x-mspowerpoint",
        "application/vnd.ms-office",
    }
)
# Families of macro-enabled types (application/vnd.ms-excel.sheet.binary.macroEnabled.12…).
_MACRO_TYPE_PREFIXES = (
    "application/vnd.ms-excel.",
    "application/vnd.ms-word.",
    "application/vnd.ms-powerpoint.",
)

# What phones send on social networks beside the e-mail types: WhatsApp voice notes are
# Ogg/Opus, older Android ones AMR or AAC, and phone videos 3GPP; stickers are WebP.
SOCIAL_TYPES = DEFAULT_LIMITS.allowed_types | frozenset(
    {"audio/ogg", "audio/opus", "audio/aac", "audio/amr", "video/3gpp", "audio/wav"}
)
SOCIAL_LIMITS = AttachmentLimits(allowed_types=SOCIAL_TYPES)


def extension(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return suffix.lower() if dot and stem else ""


def base_type(content_type: str) -> str:
    """The media type without its parameters: audio/ogg for "audio/ogg; codecs=opus"."""
    return content_type.partition(";")[0].strip().lower()


def macro_capable(name: str, content_type: str) -> bool:
    kind = base_type(content_type)
    return (
        extension(name) in MACRO_EXTENSIONS
        or kind in MACRO_TYPES
        or kind.startswith(_MACRO_TYPE_PREFIXES)
    )


def refusal(
    name: str,
    content_type: str,
    size: int,
    kept: tuple[int, int],
    limits: AttachmentLimits = SOCIAL_LIMITS,
) -> str:
    """Why a file may not be kept ("" when it may), given how many files and bytes of the
    same message are already kept (`kept`): the e-mail limits, in the parser's order."""
    count, total = kept
    if size > limits.max_bytes:
        return "too_large"
    if extension(name) in DANGEROUS_EXTENSIONS:
        return "type_not_allowed"
    if base_type(content_type) not in limits.allowed_types:
        return "type_not_allowed"
    if count >= limits.max_count:
        return "too_many"
    if total + size > limits.max_total_bytes:
        return "total_too_large"
    return ""
