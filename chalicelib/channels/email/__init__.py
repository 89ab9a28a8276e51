"""Inbound e-mail: raw MIME bytes parsed into text, attachments and auto-reply flags."""

from chalicelib.channels.email.parse import Attachment, AttachmentLimits, ParsedEmail, parse
from chalicelib.channels.email.quotes import new_text

__all__ = ["Attachment", "AttachmentLimits", "ParsedEmail", "new_text", "parse"]
