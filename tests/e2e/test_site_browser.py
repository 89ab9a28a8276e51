"""The citizen site in Debian's chromium (Playwright), on the runtime `make run` starts:
axe-core finds no WCAG 2.1 A/AA violation on any page or state, the opinion form works
with the keyboard alone and without JavaScript, the follow-up page shows the answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, screenshot, script_problems
from tests.e2e.story import Citizen, Staff, call

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def violations(page: Any, name: str) -> list[str]:
    return axe_violations(page, "site", name)


def problems(page: Any) -> list[str]:
    return script_problems(page)


def followed_opinion(runtime) -> tuple[Citizen, str]:
    citizen = Citizen(runtime.api_url, "biot")
    accepted = citizen.submits(
        theme="proprete", text="Les poubelles du chemin des Aspres débordent.", rating=2
    )
    return citizen, accepted.body["id"]


def test_every_citizen_page_and_state_passes_axe(page, runtime):
    citizen, thread_id = followed_opinion(runtime)
    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    agent.replies(thread_id, "Bonjour, le ramassage passe demain.")
    pages = {
        "accueil": ("/", "Donnez votre avis"),
        "commune": ("/biot", "Biot"),
        "avis": ("/biot/avis", "Donner mon avis"),
        "barometre": ("/biot/barometre", "Biot"),
        "merci": (f"/biot/merci#{citizen.token}", "Merci"),
        "suivi": (f"/suivi#{citizen.token}", "Le suivi de mon avis"),
        "suivi-inconnu": ("/suivi#06018.inconnu", "Le suivi de mon avis"),
        "verification": ("/verification#inconnu", ""),
        "desabonnement": ("/desabonnement#inconnu", ""),
        "accessibilite": ("/accessibilite", "accessibilité"),
        "confidentialite": ("/confidentialite", ""),
        "introuvable": ("/biot/nulle-part/ici", ""),
    }
    failures = {}
    for name, (path, heading) in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert heading in page.locator("h1").first.inner_text()
        found = violations(page, name)
        if found:
            failures[name] = found
    assert failures == {}
    assert problems(page) == []


def test_form_errors_are_announced_and_the_page_still_passes_axe(page, runtime):
    page.goto("/biot/avis")
    page.get_by_label("Thème").wait_for()
    page.get_by_role("button", name="Envoyer mon avis").click()
    summary = page.locator("#resume-erreurs")
    summary.wait_for(state="visible")
    assert summary.get_attribute("role") == "alert"
    assert page.get_by_label("Votre avis").get_attribute("aria-invalid") == "true"
    assert violations(page, "avis-erreurs") == []


def test_a_citizen_gives_an_opinion_with_the_keyboard_alone(page, runtime):
    page.goto("/biot/avis")
    theme = page.get_by_label("Thème")
    theme.wait_for()

    def tab_to(element_id: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        pytest.fail(f"Tab never reached #{element_id}")

    tab_to(theme.get_attribute("id"))
    page.keyboard.press("ArrowDown")
    tab_to("avis-texte")
    page.keyboard.type("Le trottoir de l'avenue Saint-Philippe est défoncé depuis l'hiver.")
    tab_to("note-0")
    page.keyboard.press("ArrowRight")  # the radio group: « 1 »
    tab_to("envoyer")
    # Focus is visible: the focused control is outlined.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    page.wait_for_url("**/biot/merci#*")
    link = page.get_by_role("textbox", name="Lien de suivi").input_value()
    assert "/suivi#06018." in link
    screenshot(page, "site-merci-clavier")
    assert problems(page) == []


def test_the_opinion_form_works_without_javascript(browser, runtime):
    context = browser.new_context(base_url=runtime.web_origin, java_script_enabled=False)
    page = context.new_page()
    page.goto("/biot/avis")
    page.get_by_label("Votre avis").fill("Sans JavaScript : le parc des Bachettes est très propre.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    page.get_by_role("heading", name="Merci, votre avis a bien été envoyé").wait_for()
    link = page.get_by_role("link", name="Suivre mon avis").get_attribute("href")
    token = link.split("#", 1)[1]
    followup = call(runtime.api_url, "GET", "/followup", headers={"X-Followup-Token": token})
    assert followup.status == 200
    assert followup.body["messages"][0]["text"].startswith("Sans JavaScript")
    screenshot(page, "site-sans-javascript")
    context.close()


def test_the_follow_up_page_shows_the_answer_and_takes_the_citizens_reply(page, runtime):
    citizen, thread_id = followed_opinion(runtime)
    agent = Staff(runtime.api_url, "agent@biot.demo", runtime.password)
    agent.replies(thread_id, "Bonjour, une équipe passe jeudi.")
    page.goto(f"/suivi#{citizen.token}")
    page.get_by_text("Bonjour, une équipe passe jeudi.").wait_for()
    page.get_by_label("Votre message").fill("Merci, c'est noté !")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.get_by_text("Merci, c'est noté !").first.wait_for()
    messages = citizen.reads_follow_up()["messages"]
    assert messages[-1]["text"] == "Merci, c'est noté !"
    assert problems(page) == []


def test_pages_come_with_a_strict_content_security_policy(page, runtime):
    response = page.goto("/biot/avis")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    # The browser enforces it: an inline script injected into the page does not run.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__inline = 1'; document.body.append(s); }"
    )
    assert page.evaluate("window.__inline") is None


def test_a_citizen_rates_the_town_theme_by_theme(page, runtime):
    page.goto("/biot/barometre")
    group = page.get_by_role("group", name="Propreté")
    group.get_by_label("7", exact=True).check()
    page.get_by_role("group", name="Transports").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Envoyer mes notes").click()
    page.get_by_text("Vous avez déjà noté ce thème ce mois-ci.").first.wait_for()
    barometer = call(runtime.api_url, "GET", "/communes/biot/barometer").body
    votes = {t["id"]: t.get("votes") for t in barometer["themes"]}
    assert votes["proprete"] >= 1 and votes["transports"] >= 1
    assert violations(page, "barometre-note") == []
    assert problems(page) == []


def test_the_embeddable_form_works_on_a_communes_own_website(page, runtime):
    """The snippet a commune pastes in its site (another origin: a server of its own) draws
    a form that posts across origins to the API; the opinion arrives on the « Formulaire »
    channel."""
    agent = Staff(runtime.api_url, "admin@biot.demo", runtime.password)
    snippet = agent.asks("GET", "/console/channels").body["forms"]["embedSnippet"]
    assert 'data-commune="biot"' in snippet
    website = (
        '<!doctype html><html lang="fr"><head><title>Mairie</title></head><body><main>'
        f"<h1>Mairie de Biot</h1>{snippet}</main></body></html>"
    ).encode()

    class Mairie(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(website)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Mairie)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.get_by_role("heading", name="Donnez votre avis à la mairie de Biot").wait_for()
        page.get_by_label("Thème").select_option(index=1)
        text = "Depuis le site de la mairie : le marché de Noël est une réussite."
        page.get_by_label("Votre avis").fill(text)
        page.get_by_role("button", name="Envoyer mon avis").click()
        page.get_by_role("link", name="Suivre la réponse de la mairie").wait_for()
    finally:
        server.shutdown()
        server.server_close()
    listed = agent.inbox("?channel=form").body["items"]
    assert text in [item["preview"] for item in listed]
    assert problems(page) == []


def test_a_citizen_downloads_and_erases_their_data_from_the_follow_up_page(page, runtime):
    citizen = Citizen(runtime.api_url, "biot")
    citizen.submits(
        theme="proprete",
        text="Je m'appelle Léa Roux, la rue des Roses est mal éclairée.",
        email="lea.roux@example.org",
        consent=True,
    )
    page.goto(f"/suivi#{citizen.token}")
    page.get_by_role("heading", name="Vos données personnelles").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger mes données").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["contact"]["email"] == "lea.roux@example.org"

    page.get_by_role("button", name="Effacer mes données").click()
    page.get_by_role("button", name="Confirmer l'effacement").click()
    page.get_by_text("Vos données personnelles ont été effacées.").wait_for()
    assert citizen.reads_follow_up()["messages"][0]["text"] != data["messages"][0]["text"]
    erased = call(runtime.api_url, "GET", "/followup/data", headers=citizen.link).body
    assert erased["contact"] is None
    assert violations(page, "suivi-donnees") == []
    assert problems(page) == []


def test_a_citizen_without_their_link_gets_one_by_email_and_erases_their_data(page, runtime):
    import re
    import time

    from tests.e2e.test_channels_story import read_json, wait_for

    address = f"sans.lien.{time.time_ns()}@example.org"
    Citizen(runtime.api_url, "biot").submits(
        theme="proprete",
        text="Le square Saint-Roch manque de poubelles.",
        email=address,
        consent=True,
    )
    page.goto("/mes-donnees")
    page.get_by_role("heading", name="Mes données").wait_for()
    assert violations(page, "mes-donnees-demande") == []
    page.get_by_label("Votre commune").fill("Biot")
    page.get_by_label("Votre adresse e-mail").fill(address)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_text("C'est envoyé.").wait_for()

    def link_mail() -> Any:
        sent = read_json(f"{runtime.outbox_url}/messages.json")
        return next((m for m in sent if m["to"] == address and "Vos données" in m["subject"]), None)

    mail = wait_for(link_mail)
    assert mail is not None, "the link never reached the outbox"
    link = re.search(r"https?://\S+/mes-donnees#\S+", mail["text"]).group(0)
    page.goto("/mes-donnees#" + link.split("#", 1)[1])
    page.get_by_text("Le square Saint-Roch manque de poubelles.").wait_for()
    assert violations(page, "mes-donnees-avis") == []
    page.get_by_role("button", name="Effacer mes données").click()
    page.get_by_role("button", name="Confirmer l'effacement").click()
    status = page.locator("#donnees-etat")
    status.get_by_text("Vos données personnelles ont été effacées (1 avis concerné(s)).").wait_for()
    assert status.get_attribute("role") == "status"
    assert problems(page) == []
