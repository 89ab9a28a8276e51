"""What staff who may not see personal data read of a thread: elected officials (viewers),
and agents without the two-factor sign-in their commune requires, see what citizens say,
never who they are or whom they name (GDPR art. 9). Texts come masked
by the analysis; until it has run, a placeholder stands in for them, never the raw text."""

from __future__ import annotations

import re
from dataclasses import replace

from chalicelib.domain.contacts import Contact
from chalicelib.domain.staff import Role, StaffIdentity
from chalicelib.domain.templates import UNNAMED
from chalicelib.domain.threads import Analysis, AnalysisStatus, Author, Message, Thread, preview_of

PENDING_TEXT = "[texte en attente d'analyse]"
FAILED_TEXT = "[texte indisponible : analyse en échec]"
SKIPPED_TEXT = "[pas de texte : pièces jointes seules]"


def sees_personal_data(staff: StaffIdentity) -> bool:
    """Agents and admins answer citizens: they read texts as written and contacts — when
    they signed in as their commune requires of agents (two-factor, if it does)."""
    return staff.may(Role.AGENT)


def masked_text(analysis: Analysis) -> str:
    """The analysed text with its personal data masked, or a placeholder. An empty masked
    text (a record from before masking existed) proves nothing: it fails closed."""
    result = analysis.result
    if result is not None and result.masked_text:
        return result.masked_text
    if analysis.status is AnalysisStatus.SKIPPED:
        return SKIPPED_TEXT
    return FAILED_TEXT if analysis.status is AnalysisStatus.FAILED else PENDING_TEXT


def thread_for_viewer(thread: Thread) -> Thread:
    """The thread with its preview masked and no e-mail subject (it may name someone)."""
    return replace(thread, preview=preview_of(masked_text(thread.analysis)), subject="")


def message_for_viewer(message: Message, contact: Contact | None) -> Message:
    """A citizen's message masked by its analysis; a staff answer or note with the personal
    data it quotes masked; no e-mail envelope (subject, original, attachments)."""
    if message.author is Author.CITIZEN:
        text = masked_text(message.analysis)
    else:
        text = mask_answer(message.text, contact)
    return replace(message, text=text, envelope=None, delivery_detail="")


def mask_answer(text: str, contact: Contact | None) -> str:
    """A staff text with any personal data it quotes (an address, a phone number…) masked,
    and the citizen's own name and address too ("Bonjour Marie Curie" would otherwise name
    them next to their opinion)."""
    from chalicelib.analysis import pii  # regexes only; paid when such a text is shown

    masked = pii.mask(text)
    if contact is None:
        return masked
    return _replaced(masked, ((contact.name, "[nom]"), (contact.email, "[courriel]")))


def readdressed(text: str, addressee: Contact | None, other: Contact | None) -> str:
    """An answer written to `addressee` as another citizen (`other`) must get it: with the
    addressee's name and address replaced by the other's (or a neutral greeting)."""
    if addressee is None:
        return text
    replacements = (
        (addressee.name, other.name if other and other.name else UNNAMED),
        (addressee.email, other.email if other and other.email else "[courriel]"),
    )
    return _replaced(text, replacements)


def _replaced(text: str, replacements: tuple[tuple[str, str], ...]) -> str:
    """`text` with each value (case ignored) replaced, literally, by its replacement."""
    for value, replacement in replacements:
        if value.strip():
            # Literally: a replacement may hold characters `re.sub` reads as escapes.
            literal = replacement.replace("\\", r"\\")
            text = re.sub(re.escape(value.strip()), literal, text, flags=re.I)
    return text
