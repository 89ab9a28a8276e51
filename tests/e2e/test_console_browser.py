"""The staff console in Debian's chromium (Playwright), on the runtime `make run` starts:
a keyboard-only login and answer, axe-core on every screen, live updates, and hostile
opinions rendered as text (nothing they carry ever runs)."""

from __future__ import annotations

import json
import random
import re
import time
from typing import Any

import pytest

from local import mfa
from tests.e2e.conftest import axe_violations, screenshot, script_problems
from tests.e2e.story import Citizen, Staff

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def violations(page: Any, name: str) -> list[str]:
    return axe_violations(page, "console", name)


def problems(page: Any) -> list[str]:
    return script_problems(page)


def log_in(page: Any, email: str, password: str, totp_secret: str | None = None) -> None:
    """Signs in from the login page; with `totp_secret`, answers the two-factor step."""
    page.goto("/console")
    page.get_by_role("heading", name="Connexion à la console").wait_for()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if totp_secret is not None:
        page.get_by_role("heading", name="Double authentification").wait_for()
        page.get_by_label("Code à 6 chiffres").fill(mfa.fresh_code(totp_secret))
        page.get_by_role("button", name="Valider le code").click()
    page.get_by_role("navigation", name="Navigation principale").wait_for()


def log_in_admin(page: Any, runtime: Any) -> None:
    log_in(page, "admin@biot.demo", runtime.password, mfa.DEMO_SECRET)


def test_an_agent_logs_in_and_answers_a_thread_with_the_keyboard_alone(page, runtime):
    text = f"Clavier seul : le banc du square est cassé ({time.time_ns()})."
    thread_id = Citizen(runtime.api_url, "biot").submits(theme="proprete", text=text).body["id"]
    page.goto("/console")
    page.get_by_role("heading", name="Connexion à la console").wait_for()
    assert violations(page, "connexion") == []

    def tab_until(check: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(check):
                return
        pytest.fail(f"Tab never reached: {check}")

    tab_until("document.activeElement.type === 'email'")
    page.keyboard.type("agent@biot.demo")
    tab_until("document.activeElement.type === 'password'")
    page.keyboard.type(runtime.password)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Boîte de réception").wait_for()
    page.get_by_role("link", name=text).wait_for()

    tab_until(f"document.activeElement.textContent === {json.dumps(text)}")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Répondre au citoyen").wait_for()
    tab_until("document.activeElement.name === 'text'")
    page.keyboard.type("Bonjour, le banc sera remplacé la semaine prochaine.")
    tab_until("document.activeElement.textContent === 'Envoyer la réponse'")
    page.keyboard.press("Enter")

    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        messages = agent.opens(thread_id).body["messages"]
        if messages[-1]["author"] == "commune":
            break
        time.sleep(0.3)
    assert messages[-1]["text"] == "Bonjour, le banc sera remplacé la semaine prochaine."
    assert violations(page, "fil") == []
    assert problems(page) == []


SCREENS = {
    "boite": ("#/boite", "Boîte de réception"),
    "tableau-de-bord": ("#/tableau-de-bord", "Tableau de bord"),
    "alertes": ("#/alertes", "Alertes"),
    "exports": ("#/exports", "Exports"),
    "moderation": ("#/moderation", "Modération"),
    "consultations": ("#/consultations", "Concertations"),
    "modeles": ("#/modeles", "Modèles de réponse"),
    "reglages": ("#/reglages", "Réglages de la commune"),
    "services": ("#/reglages/services", "Services et aiguillage"),
    "canaux": ("#/reglages/canaux", "Canaux de contact"),
    "referentiel": ("#/reglages/referentiel", "Thèmes et quartiers"),
    "equipe": ("#/reglages/equipe", "Équipe"),
    "abonnements": ("#/abonnements", "Mes abonnements"),
    "journal": ("#/journal", "Journal d'audit"),
}


def test_every_console_screen_passes_axe(page, runtime):
    log_in_admin(page, runtime)
    failures = {}
    for name, (route, heading) in SCREENS.items():
        page.goto(f"/console{route}")
        page.get_by_role("heading", level=1, name=heading, exact=True).wait_for()
        page.wait_for_load_state("networkidle")
        found = violations(page, name)
        if found:
            failures[name] = found
    page.goto("/console#/boite")
    page.keyboard.press("?")
    page.get_by_role("dialog").wait_for()
    if found := violations(page, "raccourcis"):
        failures["raccourcis"] = found
    assert failures == {}
    assert problems(page) == []


def test_a_viewer_sees_the_dashboard_but_not_who_wrote(page, runtime):
    citizen = Citizen(runtime.api_url, "biot")
    text = f"Vue élu ({time.time_ns()}) : le marché du samedi est très agréable."
    accepted = citizen.submits(
        theme="proprete", text=text, email="elu.test@example.org", consent=True
    )
    # A viewer reads the analysis' masked text: wait for it (behind the seeded backlog).
    viewer = Staff(runtime.api_url, "viewer@biot.demo", runtime.password)
    assert viewer.waits_for_analysis(accepted.body["id"])["analysis"]["status"] == "done"
    log_in(page, "viewer@biot.demo", runtime.password)
    page.goto(f"/console#/fils/{accepted.body['id']}")
    page.get_by_text(text).first.wait_for()
    assert page.get_by_text("elu.test@example.org").count() == 0
    assert page.get_by_role("heading", name="Répondre au citoyen").count() == 0
    assert violations(page, "fil-elu") == []


def test_a_new_opinion_appears_in_an_open_inbox_without_reload(page, runtime):
    log_in(page, "agent@biot.demo", runtime.password)
    page.get_by_role("heading", name="Boîte de réception").wait_for()
    text = f"En direct ({time.time_ns()}) : un lampadaire clignote rue Saint-Sébastien."
    Citizen(runtime.api_url, "biot").submits(theme="proprete", text=text)
    page.get_by_role("link", name=text).wait_for(timeout=20_000)
    assert problems(page) == []


HOSTILE = [
    "<script>window.__pwned = 'script'</script> bonjour",
    '<img src="x" onerror="window.__pwned = \'img\'"> photo',
    "<a href=\"javascript:window.__pwned='lien'\">cliquez ici</a>",
    "<svg onload=\"window.__pwned='svg'\"></svg> dessin",
    "Très long : " + "blabla " * 700,
]


def test_hostile_opinions_are_shown_as_text_and_nothing_they_carry_runs(page, runtime):
    citizen = Citizen(runtime.api_url, "biot")
    ids = [citizen.submits(theme="proprete", text=text).body["id"] for text in HOSTILE]
    log_in(page, "agent@biot.demo", runtime.password)
    page.get_by_role("link", name=HOSTILE[0]).wait_for()
    for thread_id in ids:
        page.goto(f"/console#/fils/{thread_id}")
        page.get_by_role("heading", name="Messages").wait_for()
        page.wait_for_load_state("networkidle")
    page.goto("/console#/boite")
    page.get_by_role("link", name=HOSTILE[1]).wait_for()
    screenshot(page, "console-hostile")

    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x'], svg[onload], a[href^='javascript:']").count() == 0
    assert page.locator("script:not([src])").count() == 0
    assert page.get_by_role("link", name=HOSTILE[2]).count() == 1  # the text, as text
    assert problems(page) == []


def summaries_shown(page, timeout_s: float = 120) -> None:
    """Waits for the summaries section to show one at least; the demo opinions are analysed
    by the worker after start, so an early dashboard may have none yet: it reloads then."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.get_by_role("heading", name="Ce que disent les habitants").wait_for(timeout=60_000)
        done = page.get_by_role("status").filter(has_text=re.compile("affichée|Aucun avis"))
        done.wait_for(timeout=90_000)
        if "affichée" in done.inner_text():
            return
        assert time.monotonic() < deadline, "no opinion analysed in time for a summary"
        page.wait_for_timeout(3_000)
        page.reload()


def test_the_dashboard_draws_its_charts_each_with_its_data_table(page, runtime):
    log_in(page, "viewer@biot.demo", runtime.password)
    page.goto("/console#/tableau-de-bord")
    page.get_by_role("heading", name="Chiffres clés").wait_for(timeout=90_000)
    page.wait_for_load_state("networkidle")
    charts = page.locator("section.chart")
    assert charts.count() >= 5
    # Chart.js drew on the canvases (self-hosted: loaded from /vendor, the CSP allows no CDN).
    drawn = page.evaluate(
        "[...document.querySelectorAll('section.chart canvas')]"
        ".filter(c => c.width > 0 && c.toDataURL().length > 3000).length"
    )
    assert drawn >= 3
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.locator("summary").click()
        assert chart.locator("table caption").count() == 1
    # The period ends today: it says it is not over, and so does its last week in the table.
    assert page.get_by_role("status").filter(has_text="Période en cours").count() == 1
    assert page.get_by_role("cell", name="non (en cours ou partielle)").count() >= 1
    # "Ce que disent les habitants": summaries of the most cited themes, each quoted opinion
    # linked to its thread (extractive in the embedded runtime: moto has no Bedrock).
    summaries_shown(page)
    quoted = page.get_by_role("link", name=re.compile("Ouvrir le fil de l'avis cité"))
    assert quoted.count() >= 1
    assert page.get_by_text("Phrases citées telles quelles").count() >= 1
    screenshot(page, "console-tableau-de-bord")
    assert violations(page, "tableau-de-bord-graphiques") == []
    assert problems(page) == []


def test_an_admin_erases_a_citizens_data_from_the_thread(page, runtime):
    citizen = Citizen(runtime.api_url, "biot")
    text = f"Effacement ({time.time_ns()}) : je m'appelle Marc Petit, la fontaine fuit."
    thread_id = citizen.submits(
        theme="proprete", text=text, email="marc.petit@example.org", consent=True
    ).body["id"]
    log_in_admin(page, runtime)
    page.goto(f"/console#/fils/{thread_id}")
    page.get_by_text("marc.petit@example.org").wait_for()
    page.get_by_role("button", name="Effacer les données du citoyen").click()
    dialog = page.get_by_role("dialog")
    assert violations(page, "effacement-dialogue") == []
    dialog.get_by_role("button", name="Effacer définitivement").click()
    page.get_by_text("Le citoyen n'a pas laissé de coordonnées.").wait_for()
    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    assert admin.opens(thread_id).body["contact"] is None
    assert problems(page) == []


def test_a_new_admin_sets_up_two_factor_sign_in_from_the_console(page, runtime):
    import boto3

    email = f"dgs-{time.time_ns()}@biot.demo"
    admin = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    assert admin.asks("POST", "/console/staff", {"email": email, "role": "admin"}).status == 201
    config = admin.asks("GET", "/config").body["cognito"]
    boto3.client(
        "cognito-idp",
        endpoint_url=config["endpoint"],
        region_name=config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).admin_set_user_password(
        UserPoolId=config["userPoolId"], Username=email, Password=runtime.password, Permanent=True
    )

    log_in(page, email, runtime.password)  # no code asked yet
    banner = page.locator("#bandeau-mfa")  # a region named « Double authentification »
    banner.wait_for()
    assert banner.get_attribute("role") == "region"
    assert violations(page, "bandeau-double-authentification") == []
    banner.get_by_role("link", name="Activer la double authentification").click()
    page.get_by_role("heading", name="Mon compte").wait_for()
    page.get_by_role("button", name="Activer la double authentification").click()
    secret = page.locator("#cle-secrete").inner_text().replace(" ", "")
    assert len(secret) >= 12
    assert violations(page, "compte-double-authentification") == []
    page.get_by_label("Code à 6 chiffres").fill("000000")
    page.get_by_role("button", name="Vérifier et activer").click()
    page.get_by_text("Code incorrect").wait_for()
    page.get_by_label("Code à 6 chiffres").fill(mfa.fresh_code(secret))
    page.get_by_role("button", name="Vérifier et activer").click()
    page.get_by_text("Activée : votre application").wait_for()
    assert banner.count() == 0
    page.goto("/console#/reglages/equipe")
    page.get_by_role("heading", name="Équipe").wait_for()

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, email, runtime.password, secret)  # the code is now asked at sign-in
    assert page.locator("#bandeau-mfa").count() == 0
    assert problems(page) == []


def test_a_thread_shows_its_similar_reports_and_an_agent_merges_one(page, runtime):
    # Two reports of one streetlight on a street no other test names: the analysis worker
    # groups them (same place, close words), and the console shows the group.
    citizen = Citizen(runtime.api_url, "biot")
    street = "".join(random.choice("bdfglmnprstv") + random.choice("aeiou") for _ in range(3))
    first_text = f"Le lampadaire de la rue {street.title()} est en panne depuis lundi soir."
    first = citizen.submits(theme="proprete", text=first_text).body["id"]
    second_text = f"Lampadaire en panne rue {street.title()}, la rue est dans le noir le soir."
    second = citizen.submits(theme="proprete", text=second_text).body["id"]
    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    agent.waits_for_analysis(first)
    agent.waits_for_analysis(second)
    deadline = time.monotonic() + 30
    while not agent.opens(first).body["similar"]:
        assert time.monotonic() < deadline, "the worker did not group the two reports"
        time.sleep(0.5)
    assert [s["threadId"] for s in agent.opens(first).body["similar"]] == [second]

    log_in(page, "agent@biot.demo", runtime.password)
    page.goto(f"/console#/fils/{first}")
    panel = page.locator("section[data-similar]")
    panel.get_by_role("heading", name="1 signalement similaire").wait_for()
    assert panel.get_by_role("link", name=second_text).get_attribute("href") == f"#/fils/{second}"
    assert panel.get_by_role("button", name="Répondre à tous").count() == 1
    assert violations(page, "fil-similaires") == []
    panel.get_by_role("button", name=re.compile("^Fusionner")).click()
    page.get_by_role("dialog").get_by_role("button", name="Fusionner").click()
    panel.get_by_text("Signalement fusionné dans ce fil.").wait_for()
    assert agent.opens(second).body["mergedInto"] == first
    assert panel.get_by_role("button", name="Répondre à tous").is_hidden()
    assert problems(page) == []

    context = page.context.browser.new_context(base_url=runtime.web_origin, locale="fr-FR")
    try:
        elected = context.new_page()
        log_in(elected, "viewer@biot.demo", runtime.password)
        elected.goto(f"/console#/fils/{first}")
        shown = elected.locator("section[data-similar]")
        shown.get_by_role("heading", name="1 signalement similaire").wait_for()
        assert shown.get_by_role("link").count() == 1
        assert shown.get_by_role("button").count() == 0
    finally:
        context.close()
