"""Seeds the demo communes (Biot, Valbonne), their staff, and Biot's demo opinions through
the same repositories and queue the product uses, so the worker analyses them for real."""

from __future__ import annotations

import json
import os
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from chalicelib import config
from chalicelib.adapters.dynamo.codec import quartiers_from_json
from chalicelib.analysis.themes import default_themes
from chalicelib.domain import followup, sla
from chalicelib.domain.commune import Commune, CommuneSettings
from chalicelib.domain.contacts import Contact
from chalicelib.domain.ids import CommuneId, new_id
from chalicelib.domain.threads import (
    Author,
    Channel,
    Message,
    Thread,
    ThreadStatus,
    Visibility,
    preview_of,
)
from chalicelib.ports import AnalysisJob, Ports
from chalicelib.services.inbox import first_answer_counters
from local import mfa
from local.provision import create_staff

DATA = Path(__file__).parent / "seed_data"
ROLES = ("admin", "agent", "viewer")


def demo_communes() -> list[Commune]:
    return [
        Commune(
            commune_id=CommuneId(item["communeId"]),
            slug=item["slug"],
            name=item["name"],
            themes=default_themes(),
            # Biot publishes its indicators (the transparency page); Valbonne does not.
            # Pages served from this machine may embed the form (any port: a loopback
            # origin without one matches them all).
            settings=CommuneSettings(
                public_indicators=item["slug"] == "biot",
                allowed_origins=("http://127.0.0.1", "http://localhost"),
            ),
            quartiers=quartiers_from_json(item["quartiers"]),
        )
        for item in json.loads((DATA / "communes.json").read_text(encoding="utf-8"))
    ]


def staff_email(role: str, slug: str) -> str:
    return f"{role}@{slug}.demo"


DEFAULT_META_SECRET = "demo-meta-app-secret"
DEFAULT_META_VERIFY_TOKEN = "demo-meta-verify-token"


def demo_accounts(index: int) -> list[tuple[str, str, str, str]]:
    """Each demo commune's Page, Instagram account and WhatsApp number (fake Graph ids)."""
    base = 1000 + index
    return [
        ("facebook", f"{base}01", "Page Facebook de la mairie", "demo-page-token"),
        ("instagram", f"{base}02", "Compte Instagram de la mairie", "demo-instagram-token"),
        ("whatsapp", f"{base}03", "WhatsApp de la mairie", "demo-whatsapp-token"),
    ]


def _connect_social(ports: Ports, commune: Commune, index: int) -> None:
    """The demo communes' Meta channel, signed with $CONCERTO_DEMO_META_SECRET."""
    from chalicelib.services import social

    social.connect(
        ports,
        commune.commune_id,
        os.environ.get("CONCERTO_DEMO_META_SECRET") or DEFAULT_META_SECRET,
        os.environ.get("CONCERTO_DEMO_META_VERIFY_TOKEN") or DEFAULT_META_VERIFY_TOKEN,
        demo_accounts(index),
    )


def seed(ports: Ports, region: str, pool_id: str, password: str, opinions: bool = True) -> int:
    """Returns the number of demo opinions queued for analysis."""
    communes = demo_communes()
    for index, commune in enumerate(communes):
        ports.communes.save(commune)
        for role in ROLES:
            email = staff_email(role, commune.slug)
            create_staff(region, pool_id, email, password, commune.commune_id, role)
            if role == "admin":
                # Admin actions need two-factor sign-in: the demo admins have it set up
                # (their code: `make totp`).
                mfa.enrol(
                    boto3.client("cognito-idp", region_name=region),
                    pool_id,
                    config.user_pool_client_id(),
                    email,
                    password,
                )
        _connect_social(ports, commune, index)
    if not opinions:
        return 0
    biot = next(commune for commune in communes if commune.slug == "biot")
    items = json.loads((DATA / "biot_opinions.json").read_text(encoding="utf-8"))
    for index, item in enumerate(items):
        _seed_opinion(ports, biot, item, random.Random(index))
    return len(items)


def _seed_opinion(ports: Ports, commune: Commune, item: dict[str, Any], rng: random.Random) -> None:
    created = datetime.now(UTC) - timedelta(days=item["daysAgo"], minutes=rng.randint(0, 600))
    channel = Channel(item["channel"])
    thread_id = new_id()
    contact_id = None
    if item.get("contact"):
        contact_id = new_id()
        ports.contacts.save(
            Contact(
                commune.commune_id,
                contact_id,
                item["contact"]["email"],
                item["contact"]["name"],
                created,
                created + timedelta(days=commune.settings.retention_days),
            )
        )
    thread = Thread(
        commune_id=commune.commune_id,
        thread_id=thread_id,
        channel=channel,
        status=ThreadStatus.NEW,
        theme=item["theme"],
        created_at=created,
        last_activity_at=created,
        preview=preview_of(item["text"]),
        quartier=item.get("quartier"),
        rating=item.get("rating"),
        contact_id=contact_id,
        followup_hash=followup.hash_token(followup.new_token(commune.commune_id)),
        due_at=sla.answer_due(created, commune.settings.answer_sla_days),
    )
    opinion = Message(
        commune.commune_id, thread_id, thread_id, Author.CITIZEN, item["text"], channel, created
    )
    ports.threads.create(thread, opinion)
    answer = item.get("answer")
    if answer:
        at = created + timedelta(hours=answer["afterHours"])
        reply = Message(
            commune.commune_id,
            thread_id,
            new_id(),
            Author.COMMUNE,
            answer["text"],
            channel,
            at,
            visibility=Visibility(answer["visibility"]),
            staff_email=staff_email("agent", commune.slug),
        )
        counters = first_answer_counters(thread, at)
        thread = ports.threads.add_message(thread.after_staff_reply(at), reply, counters)
    status = ThreadStatus(item["status"])
    if status is not thread.status:
        settled = status in (ThreadStatus.ANSWERED, ThreadStatus.CLOSED)
        due_at = None if settled else thread.due_at
        thread = ports.threads.update(replace(thread, status=status, due_at=due_at))
    ports.analysis_queue.enqueue(AnalysisJob(commune.commune_id, thread_id, thread_id))
