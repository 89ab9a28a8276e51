"""E-mails to citizens: a staff answer goes to the address the citizen left, with a link
to their follow-up page. At least once: a send is claimed first, and a claim left by a
worker that died is taken over."""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from chalicelib import config
from chalicelib.domain.addresses import reply_address, secret_from
from chalicelib.domain.commune import Commune
from chalicelib.domain.contacts import Contact
from chalicelib.domain.errors import DeliveryError, NotFoundError
from chalicelib.domain.sla import PARIS
from chalicelib.domain.threads import Author, Channel, Delivery, Message, Thread
from chalicelib.ports import DeliveryJob, OutboundEmail, Ports
from chalicelib.services.channels import MESSAGE_KEY

logger = logging.getLogger(__name__)
# A send claimed longer ago than this was lost with its worker: send again.
STALE_CLAIM = timedelta(minutes=5)


def deliver_answer(ports: Ports, job: DeliveryJob) -> Delivery:
    """Sends the answer if it still waits to be (SENT, FAILED or NONE otherwise). Raises
    DeliveryError when the provider did not take it: SQS tries again."""
    message = ports.threads.get_message(job.commune_id, job.thread_id, job.message_id)
    if message.author is not Author.COMMUNE or message.delivery in (Delivery.NONE, Delivery.SENT):
        return message.delivery
    now = ports.clock()
    # FAILED too: a record replayed from the dead-letter queue tries again.
    claimed = ports.threads.set_delivery(
        message,
        Delivery.SENDING,
        now,
        expected=[Delivery.PENDING, Delivery.FAILED],
        stale_before=now - STALE_CLAIM,
    )
    if not claimed:
        current = ports.threads.get_message(job.commune_id, job.thread_id, job.message_id)
        if current.delivery is Delivery.SENDING:
            # Another worker has it. This copy of the job comes back later (SQS retries it)
            # rather than going: should that worker die, the claim goes stale and is taken
            # over here, instead of the answer staying `sending` for ever.
            raise DeliveryError("another worker is sending this answer", code="send_in_progress")
        return current.delivery
    thread = ports.threads.get(job.commune_id, job.thread_id)
    contact = ports.contacts.get(job.commune_id, thread.contact_id) if thread.contact_id else None
    # Erased since: nobody to write to (a public reply to a comment needs no contact).
    if contact is None and not thread.channel_ref:
        ports.threads.set_delivery(message, Delivery.NONE, now, "contact erased")
        return Delivery.NONE
    commune = ports.communes.get(job.commune_id)
    try:
        provider_id = _send(ports, commune, thread, message, contact)
    except DeliveryError as error:
        if not error.retryable:  # trying again cannot help: staff see why at once
            ports.threads.set_delivery(message, Delivery.FAILED, ports.clock(), error.message)
            return Delivery.FAILED
        ports.threads.set_delivery(message, Delivery.PENDING, now, "provider refused; retrying")
        raise
    ports.threads.set_delivery(message, Delivery.SENT, ports.clock(), provider_id)
    return Delivery.SENT


def _send(
    ports: Ports, commune: Commune, thread: Thread, message: Message, contact: Contact | None
) -> str:
    """Sends the answer on the channel the citizen used; returns the provider's id."""
    if thread.channel is Channel.SOCIAL:
        from chalicelib.services import social

        return social.deliver(ports, thread, message, contact)
    if contact is None:
        raise DeliveryError("nobody to write to", code="no_contact")
    if thread.channel is Channel.EMAIL:
        email = email_reply(ports, commune, thread, message, contact)
        return ports.mailer.send(email)
    # The thread's own link only: a contact gathers several opinions once proven, and an
    # answer must never carry the link to another of them.
    link = _follow_up_link(ports, thread.sealed_followup)
    return ports.mailer.send(
        answer_email(commune, thread, message, contact.email, contact.name, link)
    )


def email_reply(
    ports: Ports, commune: Commune, thread: Thread, message: Message, contact: Contact
) -> OutboundEmail:
    """The answer to a citizen who wrote by e-mail, as a reply in their conversation: from
    the thread's reply address (their answer comes back to the thread), with In-Reply-To
    and References naming their e-mails, under their subject."""
    domain = config.mail_domain()
    sender = reply_address(commune.slug, thread.thread_id, domain, secret_from(config.seal_key()))
    earlier = [
        m.external_id
        for m in ports.threads.messages(thread.commune_id, thread.thread_id)
        if m.external_id and m.message_id != message.message_id
    ]
    # One Message-ID per answer, whatever the retries: a citizen's reply to it finds the
    # thread even when their client drops the reply address.
    message_id = f"<{message.message_id}.{thread.commune_id}@{domain}>"
    expires = ports.clock() + timedelta(days=commune.settings.retention_days)
    ports.channels.link(thread.commune_id, MESSAGE_KEY + message_id, thread.thread_id, expires)
    subject = thread.subject.strip()
    if not subject:
        subject = f"Réponse de la mairie de {commune.name}"
    elif not subject.lower().startswith(("re:", "re :")):
        subject = f"Re: {subject}"
    # The agent writes the whole answer (greeting included); the signature says who sends it.
    signature = f"Mairie de {commune.name}"
    text = f"{message.text}\n\n-- \n{signature}"
    paragraphs = html.escape(message.text).replace("\n", "<br>")
    body = (
        f'<!doctype html><html lang="fr"><body><p>{paragraphs}</p>'
        f"<p>-- <br>{html.escape(signature)}</p></body></html>"
    )
    return OutboundEmail(
        to=contact.email,
        subject=subject,
        text=text,
        html=body,
        sender=f"Mairie de {commune.name} <{sender}>",
        message_id=message_id,
        in_reply_to=earlier[-1] if earlier else "",
        references=tuple(earlier[-10:]),
    )


def send_verification(ports: Ports, job: DeliveryJob) -> bool:
    """E-mails a new contact the link that proves the address is theirs. False when there
    is nothing to do (erased, or verified already). Raises DeliveryError: SQS retries."""
    from chalicelib.services.feedback import verification_token

    contact = ports.contacts.get(job.commune_id, job.thread_id)
    if contact is None or contact.verified_at is not None:
        return False
    commune = ports.communes.get(job.commune_id)
    site = config.site_url()
    link = f"{site}/verification#{verification_token(ports, contact)}" if site else ""
    ports.mailer.send(verification_email(commune, contact.email, contact.name, link))
    return True


def send_rights_link(ports: Ports, job: DeliveryJob) -> bool:
    """E-mails the link to a citizen's data to the address they gave (found through one of
    its contacts). False when nobody of the commune has that address: nothing is sent.
    Raises DeliveryError: SQS retries."""
    from chalicelib.services.privacy import rights_token

    contact = ports.contacts.get(job.commune_id, job.thread_id) if job.thread_id else None
    if contact is None or not contact.email:
        return False
    commune = ports.communes.get(job.commune_id)
    site = config.site_url()
    # In the fragment: browsers never send it to servers, so it stays out of their logs.
    link = f"{site}/mes-donnees#{rights_token(ports, contact)}" if site else ""
    ports.mailer.send(rights_email(commune, contact.email, link))
    return True


def rights_email(commune: Commune, to: str, link: str) -> OutboundEmail:
    intro = (
        f"Vous avez demandé à consulter ou effacer les données que la mairie de {commune.name} "
        "détient sur les avis envoyés avec cette adresse."
    )
    action = (
        f"Voir, télécharger ou effacer mes données (lien valable 24 heures) : {link}"
        if link
        else ""
    )
    footer = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne change."
    text = "\n\n".join(part for part in ("Bonjour,", intro, action, footer) if part)
    button = (
        f'<p><a href="{html.escape(link)}">Voir, télécharger ou effacer mes données</a> '
        "(lien valable 24 heures)</p>"
        if link
        else ""
    )
    body = (
        f'<!doctype html><html lang="fr"><body><p>Bonjour,</p><p>{html.escape(intro)}</p>'
        f"{button}<p><small>{html.escape(footer)}</small></p></body></html>"
    )
    subject = f"Vos données — mairie de {commune.name}"
    return OutboundEmail(to=to, subject=subject, text=text, html=body)


def verification_email(commune: Commune, to: str, name: str, link: str) -> OutboundEmail:
    greeting = f"Bonjour {name.strip()}," if name.strip() else "Bonjour,"
    intro = (
        f"Vous avez donné votre avis à la mairie de {commune.name} avec cette adresse. "
        "Confirmez qu'elle est bien la vôtre : vos prochains avis seront alors réunis, et "
        "la mairie verra l'historique de vos échanges."
    )
    action = f"Confirmer mon adresse : {link}" if link else ""
    footer = "Si vous n'êtes pas à l'origine de cet avis, ignorez ce message."
    text = "\n\n".join(part for part in (greeting, intro, action, footer) if part)
    button = f'<p><a href="{html.escape(link)}">Confirmer mon adresse</a></p>' if link else ""
    body = (
        f'<!doctype html><html lang="fr"><body><p>{html.escape(greeting)}</p>'
        f"<p>{html.escape(intro)}</p>{button}<p><small>{html.escape(footer)}</small></p>"
        "</body></html>"
    )
    subject = f"Confirmez votre adresse — mairie de {commune.name}"
    return OutboundEmail(to=to, subject=subject, text=text, html=body)


def give_up(ports: Ports, job: DeliveryJob, reason: str) -> None:
    """After the last attempt: staff see that the citizen did not get the e-mail."""
    if job.verify or job.rights:
        return  # the address simply stays unverified; the citizen may ask the link again
    try:
        message = ports.threads.get_message(job.commune_id, job.thread_id, job.message_id)
    except NotFoundError:
        return
    if message.delivery is not Delivery.SENT:
        ports.threads.set_delivery(message, Delivery.FAILED, ports.clock(), reason)


def _follow_up_link(ports: Ports, sealed: str) -> str | None:
    site = config.site_url()
    if not site or not sealed:
        return None
    try:
        token = ports.sealer.unseal(sealed)
    except ValueError:  # sealed under an older key: the e-mail goes without the link
        logger.warning("follow-up token of a contact could not be unsealed")
        return None
    # In the fragment: browsers never send it to servers, so it stays out of their logs.
    return f"{site}/suivi#{token}"


def answer_email(
    commune: Commune, thread: Thread, message: Message, to: str, name: str, link: str | None
) -> OutboundEmail:
    theme = commune.theme(thread.theme)
    topic = theme.label if theme else thread.theme
    day = thread.created_at.astimezone(PARIS).strftime("%d/%m/%Y")
    greeting = f"Bonjour {name.strip()}," if name.strip() else "Bonjour,"
    intro = f"La mairie de {commune.name} a répondu à votre avis du {day} ({topic}) :"
    follow = (
        f"Pour lire toute la conversation et y répondre : {link}"
        if link
        else "Vous pouvez lire toute la conversation avec le lien reçu lors de votre envoi."
    )
    footer = (
        f"Vous recevez ce message parce que vous avez laissé votre adresse à la mairie de "
        f"{commune.name} avec votre avis. Elle est effacée au terme de sa durée de conservation."
    )
    text = "\n\n".join([greeting, intro, message.text, follow, footer])
    link_html = (
        f'<p><a href="{html.escape(link)}">Lire la conversation et répondre</a></p>' if link else ""
    )
    answer_html = html.escape(message.text).replace("\n", "<br>")
    body = (
        f'<!doctype html><html lang="fr"><body><p>{html.escape(greeting)}</p>'
        f"<p>{html.escape(intro)}</p><blockquote>{answer_html}</blockquote>{link_html}"
        f"<p><small>{html.escape(footer)}</small></p></body></html>"
    )
    subject = f"Réponse de la mairie de {commune.name} à votre avis"
    return OutboundEmail(to=to, subject=subject, text=text, html=body)
