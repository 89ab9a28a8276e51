"""Topics in the console (issue 18), in Debian's chromium on the runtime `make run` starts:
the dashboard's « Sujets » panel, a topic's page (quotes, summary, threads), the inbox
filtered by topic and the thread's topic, for an admin and for a viewer (masked); axe on each."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import axe_violations, screenshot, script_problems
from tests.e2e.test_console_browser import log_in, log_in_admin

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOPIC_LINK = "#sujets .topic__title a"
# The rebuild is over when its button is enabled again (it is disabled while it runs).
REBUILT = """() => ![...document.querySelectorAll('#sujets button')]
  .some((b) => b.textContent === 'Recalculer les sujets' && b.disabled)"""


def violations(page: Any, name: str) -> list[str]:
    return axe_violations(page, "console", name)


def topics_shown(page: Any, admin: bool, want: int = 2, timeout_s: float = 240) -> None:
    """Waits for the panel to list `want` topics (one at least once `timeout_s` is over).
    The demo opinions are analysed (and embedded) by the worker after start: until enough
    are, the panel has none or few; an admin then asks for a rebuild, a viewer reloads."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.get_by_role("heading", name="Sujets", exact=True).wait_for(timeout=90_000)
        panel = page.locator("#sujets")
        panel.locator(".topic-list, .topics__empty, .message-box--error").first.wait_for(
            timeout=60_000
        )
        shown = page.locator(TOPIC_LINK).count()
        if shown >= want or (shown and time.monotonic() > deadline):
            return
        assert time.monotonic() < deadline, "the seeded commune has no topic: " + panel.inner_text()
        rebuild = panel.get_by_role("button", name="Recalculer les sujets")
        if admin and rebuild.count():
            rebuild.click()
            page.wait_for_function(REBUILT, timeout=180_000)
            if page.locator(TOPIC_LINK).count() >= want:
                return
            failed = panel.locator(".message-box--error")
            assert not failed.count(), failed.inner_text()
        page.wait_for_timeout(10_000)
        page.reload()


def open_first_topic(page: Any) -> tuple[str, str]:
    link = page.locator(TOPIC_LINK).first
    label = link.inner_text()
    topic_id = re.search(r"#/sujets/([^?]+)", link.get_attribute("href")).group(1)
    link.click()
    page.get_by_role("heading", level=1, name=f"Sujet : {label}").wait_for(timeout=60_000)
    return topic_id, label


def test_an_admin_reads_the_topics_opens_one_and_filters_the_inbox_by_it(page, runtime):
    log_in_admin(page, runtime)
    page.goto("/console#/tableau-de-bord")
    topics_shown(page, admin=True)
    panel = page.locator("#sujets")
    first = panel.locator(".topic").first
    assert re.search(r"\d+ avis", first.inner_text())
    assert "Sentiment :" in first.inner_text()
    assert panel.get_by_role("button", name="Recalculer les sujets").count() == 1
    page.wait_for_load_state("networkidle")
    panel.scroll_into_view_if_needed()
    screenshot(page, "console-sujets", panel)
    assert violations(page, "tableau-de-bord-sujets") == []

    topic_id, label = open_first_topic(page)
    page.get_by_role("heading", name="Avis sur ce sujet dans le temps").wait_for()
    quotes = page.get_by_role("list", name=f"Citations pour le sujet « {label} »")
    assert quotes.get_by_role("listitem").count() >= 1
    page.get_by_role("heading", name="Ce que disent les habitants").wait_for()
    page.get_by_role("status").filter(has_text=re.compile("Synthèse affichée")).wait_for(
        timeout=120_000
    )
    threads = page.locator(".topic-page .thread-list .thread-item__link")
    threads.first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    screenshot(
        page,
        "console-sujet-resume",
        page.locator(
            "section", has=page.get_by_role("heading", name="Ce que disent les habitants")
        ).first,
    )
    assert violations(page, "sujet") == []

    # Its threads in the inbox: the « Sujet » filter is set from the URL, and kept there.
    page.get_by_role("link", name="Les ouvrir dans la boîte de réception").click()
    page.get_by_role("heading", name="Boîte de réception").wait_for()
    assert page.get_by_label("Sujet", exact=True).input_value() == topic_id
    page.locator(".thread-list .thread-item__link").first.wait_for(timeout=30_000)
    filtered = page.locator(".thread-list .thread-item__link").count()
    page.get_by_role("button", name="Réinitialiser").click()
    page.wait_for_function("() => !location.hash.includes('topic=')")
    page.get_by_label("Sujet", exact=True).select_option(topic_id)
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_function(f"() => location.hash.includes('topic={topic_id}')")
    page.locator(".thread-list .thread-item__link").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".thread-list .thread-item__link").count() == filtered
    assert parse_qs(urlparse(page.url).fragment.split("?", 1)[1])["topic"] == [topic_id]
    assert violations(page, "boite-sujet") == []

    # A thread of the topic names its topic, as a link to the topic's page. (Not asserted to be
    # `label`: the schedule may rebuild the topics meanwhile, as the demo opinions come in.)
    page.locator(".thread-list .thread-item__link").first.click()
    page.get_by_role("heading", name="Messages").wait_for()
    topic_link = page.locator(".summary dd a[href^='#/sujets/']")
    topic_link.wait_for()
    named = topic_link.inner_text()
    topic_link.click()
    page.get_by_role("heading", level=1, name=f"Sujet : {named}").wait_for(timeout=60_000)
    assert script_problems(page) == []


def test_a_viewer_sees_the_topics_and_a_topics_page_masked(page, runtime):
    log_in(page, "viewer@biot.demo", runtime.password)
    page.goto("/console#/tableau-de-bord")
    topics_shown(page, admin=False)
    assert page.get_by_role("button", name="Recalculer les sujets").count() == 0
    page.wait_for_load_state("networkidle")
    assert violations(page, "sujets-elu") == []

    open_first_topic(page)
    page.get_by_role("status").filter(has_text=re.compile("Synthèse affichée")).wait_for(
        timeout=120_000
    )
    page.locator(".topic-page .thread-list .thread-item__link").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    # Masked: no citizen's e-mail address (staff ones may show) nor phone number.
    emails = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
    assert all(email.endswith("@biot.demo") for email in emails), emails
    assert not re.search(r"\b0[1-9](?:[ .]?\d{2}){4}\b", text)
    assert violations(page, "sujet-elu") == []
    assert script_problems(page) == []
