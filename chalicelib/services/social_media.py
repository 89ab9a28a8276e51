"""The photos, voice notes, videos and files citizens send on social networks, fetched
through the Graph API and kept like e-mail attachments: same limits, same bucket, same
download links for agents. A file that cannot be fetched is listed as refused, with the
reason; the message is filed all the same."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from chalicelib.channels import files
from chalicelib.channels.email.parse import sanitize_filename
from chalicelib.channels.meta.events import Media
from chalicelib.domain.errors import DeliveryError
from chalicelib.domain.ids import CommuneId
from chalicelib.domain.threads import AttachmentRef
from chalicelib.ports import Ports

logger = logging.getLogger(__name__)
LIMITS = files.SOCIAL_LIMITS
# What Meta calls each kind of file, and the name agents see for it (« photo-1.jpg »).
# Shares, story mentions, reels, locations and templates are links, not files: listed as
# refused without a download.
_NAMES = {
    "image": "photo",
    "photo": "photo",
    "video": "video",
    "audio": "audio",
    "file": "fichier",
    "document": "fichier",
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "application/pdf": "pdf",
}
_SAFE_NAME = re.compile(r"[^\w.\- ]+")


def keep(
    ports: Ports, commune_id: CommuneId, external_id: str, media: Sequence[Media], token: str
) -> tuple[AttachmentRef, ...]:
    """Downloads each file within the e-mail limits and stores it under a key derived from
    the message's id and the file's rank: a redelivered message writes the same objects
    again, never new ones. Never raises for a file: a failure is a refused reference."""
    folder = hashlib.sha256(external_id.encode()).hexdigest()[:32]
    kept: list[AttachmentRef] = []
    count = total = 0
    for index, item in enumerate(media):
        reference, content = _fetched(ports, item, index, token, (count, total))
        if not reference.refused:
            key = f"{commune_id}/{folder}/{index}-{_SAFE_NAME.sub('_', reference.name)[-120:]}"
            ports.attachments.put_bytes(key, content, reference.content_type)
            reference = replace(reference, key=key)
            count, total = count + 1, total + reference.size
        kept.append(reference)
    return tuple(kept)


def _fetched(
    ports: Ports, item: Media, index: int, token: str, kept: tuple[int, int]
) -> tuple[AttachmentRef, bytes]:
    """The file's reference and content, or a refused reference and no content."""
    declared = files.base_type(item.mime_type)
    name = _name(item, index, declared)
    if item.kind not in _NAMES:
        return AttachmentRef(name, declared, 0, refused="type_not_allowed"), b""
    if kept[0] >= LIMITS.max_count:
        return AttachmentRef(name, declared, 0, refused="too_many"), b""
    try:
        content, served = ports.social.download_media(
            item.url, item.media_id, token, LIMITS.max_bytes
        )
    except DeliveryError as error:
        reason = "too_large" if error.code == "too_large" else files.DOWNLOAD_FAILED
        # The error's code only: links and ids may identify the citizen.
        logger.warning("a social network file was not kept", extra={"reason": error.code})
        return AttachmentRef(name, declared, 0, refused=reason), b""
    content_type = files.base_type(served)
    if content_type in ("", "application/octet-stream", "binary/octet-stream"):
        content_type = declared or content_type or "application/octet-stream"
    name = _name(item, index, content_type)
    reason = files.refusal(name, content_type, len(content), kept, LIMITS)
    if not reason and files.macro_capable(name, content_type):
        # Nothing scans what social networks send: there is no virus PASS, so never kept.
        reason = files.NOT_SCANNED
    if reason:
        return AttachmentRef(name, content_type, len(content), refused=reason), b""
    return AttachmentRef(name, content_type, len(content)), content


def _name(item: Media, index: int, content_type: str) -> str:
    """The file's own name when it has one (a WhatsApp document), else « photo-1.jpg »."""
    if item.filename:
        return sanitize_filename(item.filename, index + 1)
    extension = _EXTENSIONS.get(content_type)
    stem = f"{_NAMES.get(item.kind, 'fichier')}-{index + 1}"
    return f"{stem}.{extension}" if extension else stem
