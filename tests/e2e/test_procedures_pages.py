"""Online procedures and knowledge pages in a real browser: a request's whole life, the
citizen filling and sending it and the agent deciding, driven from the keyboard (focus,
typing, Enter); every page met on the way and the agents' pages checked with axe (WCAG 2.1
AA) and at 320 px, including their error states."""

import io
import re

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    from django.core.management import call_command

    for command, *args in [
        ("load_territory",),
        ("seed_demo", "--force"),
        ("seed_knowledge_demo",),
        ("seed_procedures_demo",),
    ]:
        call_command(command, *args, verbosity=0, stdout=io.StringIO())


def press(page, selector: str) -> None:
    """Focus an element and activate it with Enter, waiting for the next page."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, selector: str, text: str) -> None:
    page.focus(selector)
    page.keyboard.type(text)


def test_request_life_keyboard_only_and_pages_accessible(demo, live_server, browser):
    from territoire.procedures.models import Procedure, Request

    base = live_server.url
    report = Report(label="Procedures and knowledge")
    road = Procedure.objects.get(title="Signalement sur la voirie")

    citizen_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(citizen_context)
    citizen = citizen_context.new_page()
    login(citizen, base, "habitant@demo.territoire.fr")

    for url, label in [
        ("/aide/", "knowledge search"),
        ("/aide/?q=demarche", "knowledge results"),
        ("/aide/?q=zzzz", "knowledge no result"),
        ("/demarches/", "catalogue"),
        ("/demarches/?q=atelier", "catalogue search"),
        ("/demarches/mes-demandes/", "my requests"),
        ("/demarches/suivre/", "track"),
    ]:
        citizen.goto(base + url)
        check_page(citizen, report, label)
    citizen.goto(base + "/aide/?q=signaler+voirie")
    press(citizen, "main .result-list a")
    check_page(citizen, report, "knowledge entry with linked procedure")

    citizen.goto(f"{base}/demarches/{road.pk}/")
    check_page(citizen, report, "procedure page")
    press(citizen, "main form button[type=submit]")
    assert "/page-1/" in citizen.url
    check_page(citizen, report, "request page 1")
    press(citizen, "button[value=next]")
    assert citizen.locator(".error-summary").is_visible()
    check_page(citizen, report, "request page 1, errors")
    citizen.focus("#id_nature")
    citizen.select_option("#id_nature", "Nid-de-poule")
    type_into(citizen, "#id_adresse", "Rue Gambetta, devant le numéro 12")
    press(citizen, "button[value=next]")
    assert "/verifier/" in citizen.url
    check_page(citizen, report, "request review")
    press(citizen, "main form button[type=submit]")
    number = re.search(r"DM-[A-Z0-9]{4}-[A-Z0-9]{4}", citizen.url).group(0)
    assert "Envoyée" in citizen.content()
    check_page(citizen, report, "request sent")
    # A message with a file: a renamed non-image is refused and the typed text stays.
    from territoire.procedures.testing import PNG

    type_into(citizen, "#id_body", "Voici une photo du trou.")
    citizen.set_input_files(
        "#id_attachment", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"<a>"}]
    )
    press(citizen, "form:has(#id_body) button[type=submit]")
    assert citizen.locator(".error-summary").is_visible()
    assert "pas accepté" in citizen.content()
    assert citizen.input_value("#id_body") == "Voici une photo du trou."
    check_page(citizen, report, "request message, refused file")
    citizen.set_input_files(
        "#id_attachment", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    press(citizen, "form:has(#id_body) button[type=submit]")
    assert "photo.png" in citizen.locator(".timeline").inner_text()

    agent_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(agent_context)
    agent = agent_context.new_page()
    login(agent, base, "agent.arras@demo.territoire.fr")
    agent.goto(f"{base}/demarches/guichet/")
    check_page(agent, report, "queue")
    press(agent, f"a[href$='/guichet/{number}/']")
    assert "photo.png" in agent.locator(".timeline").inner_text()
    check_page(agent, report, "agent request file")
    type_into(agent, "form:has(input[value=note]) textarea", "Vu sur place, trou profond.")
    agent.set_input_files(
        "form:has(input[value=note]) input[type=file]",
        files=[{"name": "constat.png", "mimeType": "image/png", "buffer": PNG}],
    )
    press(agent, "form:has(input[value=note]) button[type=submit]")
    assert "constat.png" in agent.locator(".timeline").inner_text()
    agent.select_option("#id_status", "refused")
    press(agent, "form:has(#id_status) button[type=submit]")
    assert agent.locator(".error-summary").is_visible()
    check_page(agent, report, "agent request file, errors")
    agent.select_option("#id_status", "accepted")
    type_into(agent, "#id_message", "Intervention programmée la semaine prochaine.")
    press(agent, "form:has(#id_status) button[type=submit]")
    assert Request.objects.get(tracking_number=number).status == "accepted"

    for url, label in [
        ("/demarches/guichet/?overdue=on", "queue overdue"),
        ("/demarches/guichet/?status=zzz", "queue invalid filter"),
        ("/demarches/guichet/statistiques/", "statistics"),
        ("/demarches/catalogue/", "catalogue management"),
        (f"/demarches/catalogue/{road.pk}/", "form builder"),
        (f"/demarches/catalogue/{road.pk}/apercu/", "form preview"),
        (f"/demarches/catalogue/{road.pk}/informations/", "procedure info"),
        ("/demarches/catalogue/nouvelle/", "new procedure"),
        ("/aide/gestion/", "knowledge management"),
        ("/aide/gestion/nouvelle/", "new entry"),
    ]:
        agent.goto(base + url)
        check_page(agent, report, label)
    agent.goto(f"{base}/demarches/catalogue/{road.pk}/")
    press(agent, "form:has(#id_label) button[type=submit]")
    check_page(agent, report, "form builder, errors")
    agent.goto(f"{base}/demarches/catalogue/{road.pk}/courriels/")
    check_page(agent, report, "e-mail texts")
    agent.fill("#id_accepted", "")
    type_into(agent, "#id_accepted", "Accord pour {numero} {inconnu}")
    press(agent, "button[value=save]")
    assert agent.locator(".error-summary").is_visible()
    check_page(agent, report, "e-mail texts, errors")
    agent.fill("#id_accepted", "")
    type_into(agent, "#id_accepted", "Accord pour {numero}.")
    press(agent, "button[value=preview]")
    assert "Accord pour DM-7K4P-Q9XA." in agent.locator("#apercu + p + dl").inner_text()
    check_page(agent, report, "e-mail texts, preview")
    agent.goto(f"{base}/aide/gestion/nouvelle/")
    press(agent, "main form.form button[type=submit]")
    check_page(agent, report, "new entry, errors")

    citizen.goto(f"{base}/demarches/demande/{number}/")
    assert "Acceptée" in citizen.content() and "semaine prochaine" in citizen.content()
    assert "constat.png" not in citizen.content() and "trou profond" not in citizen.content()
    check_page(citizen, report, "request accepted")
    citizen.goto(f"{base}/demarches/mes-demandes/")
    check_page(citizen, report, "my requests, with requests")

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(visitor)
    anonymous = visitor.new_page()
    anonymous.goto(f"{base}/demarches/{road.pk}/")
    check_page(anonymous, report, "procedure page, anonymous")
    anonymous.goto(f"{base}/demarches/suivre/")
    type_into(anonymous, "#id_tracking_number", number)
    type_into(anonymous, "#id_email", "habitant@demo.territoire.fr")
    press(anonymous, "main form button[type=submit]")
    check_page(anonymous, report, "track, not found")
    report.assert_clean()


def test_conditional_fields_hidden_by_script_keyboard_and_without_script(live_server, browser):
    """Same-page conditions: with the script, the conditional field is hidden, appears when
    the answer is chosen from the keyboard (focus stays on the list, a live region says so)
    and hides again, its typed value not sent; without the script it stays visible with its
    help text."""
    from django.core.management import call_command

    from territoire.core.models import Commune, Role
    from territoire.core.testing import TEST_PASSWORD, person_with_role
    from territoire.procedures.models import Request
    from territoire.procedures.testing import make_procedure

    call_command("load_territory", verbosity=0, stdout=io.StringIO())
    arras = Commune.objects.get(insee_code="62041")
    procedure = make_procedure(arras)
    person_with_role(Role.CITIZEN, arras, email="habitant@exemple.fr")
    base = live_server.url
    report = Report(label="Procedures conditional fields")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    login(page, base, "habitant@exemple.fr", TEST_PASSWORD)
    page.goto(f"{base}/demarches/{procedure.pk}/")
    press(page, "main form button[type=submit]")
    assert "/page-1/" in page.url
    height = page.locator("#id_precision")
    assert height.is_hidden() and height.is_disabled()
    check_page(page, report, "request page with a hidden conditional field")
    page.focus("#id_objet")
    page.keyboard.press("ArrowDown")  # Terrasse
    page.keyboard.press("ArrowDown")  # Échafaudage
    assert page.input_value("#id_objet") == "Échafaudage"
    assert height.is_visible() and height.is_enabled()
    assert page.evaluate("document.activeElement.id") == "id_objet"
    assert "Hauteur de l'échafaudage" in page.locator("#conditions-status").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_precision"
    page.keyboard.type("12")
    check_page(page, report, "request page with the conditional field shown")
    page.focus("#id_objet")
    page.keyboard.press("ArrowUp")  # Terrasse
    assert height.is_hidden()
    assert "masquée" in page.locator("#conditions-status").inner_text()
    type_into(page, "#id_debut", "01062026")
    type_into(page, "#id_adresse", "1 place des Héros, Arras")
    type_into(page, "#id_vehicules__0__immatriculation", "AB-123-CD")
    press(page, "button[value=next]")
    assert "/page-2/" in page.url, page.locator(".error-summary").all_inner_texts()
    req = Request.objects.get(procedure=procedure)
    assert req.data["objet"] == "Terrasse" and req.data["precision"] is None

    no_script = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", java_script_enabled=False
    )
    plain = no_script.new_page()
    login(plain, base, "habitant@exemple.fr", TEST_PASSWORD)
    plain.goto(f"{base}/demarches/demande/{req.tracking_number}/page-1/")
    assert plain.locator("#id_precision").is_visible()
    assert "À remplir seulement si" in plain.locator("#id_precision_help").inner_text()
    context.close()
    no_script.close()
    report.assert_clean()
