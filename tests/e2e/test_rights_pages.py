"""Zéro non-recours in a real browser: a citizen answers the questionnaire with the keyboard
only and reads the result; every page of the module (questionnaire steps, errors, result,
saved simulations, local aids, pooled import and its report, detected rights, a household,
statistics) is checked with axe at WCAG 2.1 AA and at 320 px."""

import io

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rights_data(live_server):
    from django.core.management import call_command

    from territoire.core.models import Commune, User
    from territoire.rights import services
    from territoire.rights.demo import demo_rows, to_csv

    call_command("load_territory", verbosity=0, stdout=io.StringIO())
    call_command("seed_demo", "--force", verbosity=0, stdout=io.StringIO())
    admin = User.objects.get(email="admin.cua@demo.territoire.fr")
    agent = User.objects.get(email="agent.arras@demo.territoire.fr")
    arras = Commune.objects.get(insee_code="62041")
    services.local_aid_create(
        actor=agent, commune=arras, name="Aide arrageoise aux familles",
        institution="CCAS d'Arras", claim_url="https://www.arras.fr",
    )  # fmt: skip
    rows = demo_rows(12, ["62041", "62099"], seed=3)
    rows[1]["loyer"] = "beaucoup"
    record = services.pooled_import(
        actor=admin, partner="caf", legal_basis="Art. 133 loi 3DS", period="2026-10",
        content=to_csv(rows), scan=False,
    )  # fmt: skip
    services.scan_import(record.pk)
    from territoire.rights.models import Detection

    detection = Detection.objects.filter(commune=arras).exclude(benefit="css").first()
    for status in ("contacted", "claim_filed", "opened"):
        detection = services.detection_update(actor=agent, detection=detection, status=status)
    return record


def tab_to(page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never took the focus")


def type_into(page, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def submit_with_keyboard(page, name: str) -> None:
    tab_to_button(page, name)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def tab_to_button(page, name: str, limit: int = 80) -> None:
    for _ in range(limit):
        if (
            page.evaluate("() => document.activeElement && document.activeElement.innerText")
            == name
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"button {name!r} never took the focus")


def test_citizen_keyboard_journey(rights_data, live_server, browser):
    base = live_server.url
    report = Report(label="Rights questionnaire (keyboard)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    page.goto(f"{base}/droits/")
    check_page(page, report, "simulator home")
    tab_to_button(page, "Commencer")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, report, "step 1")
    submit_with_keyboard(page, "Continuer")  # nothing typed: errors
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "step 1, errors")
    type_into(page, "id_adult1_birth", "01/05/1990")
    tab_to(page, "id_children")
    page.keyboard.type("1")
    submit_with_keyboard(page, "Continuer")
    type_into(page, "id_c1_birth", "03/03/2016")
    check_page(page, report, "children")
    submit_with_keyboard(page, "Continuer")
    check_page(page, report, "situation")
    submit_with_keyboard(page, "Continuer")
    tab_to(page, "id_commune")
    page.keyboard.type("Arras")
    type_into(page, "id_rent", "550")
    check_page(page, report, "housing")
    submit_with_keyboard(page, "Continuer")
    type_into(page, "id_a1_salary_m1", "700")
    check_page(page, report, "resources")
    submit_with_keyboard(page, "Continuer")
    tab_to(page, "id_a1_micro_kind")
    page.keyboard.press("ArrowDown")  # sales
    type_into(page, "id_a1_micro_last3", "900")
    check_page(page, report, "other income")
    submit_with_keyboard(page, "Continuer")
    check_page(page, report, "benefits received")
    submit_with_keyboard(page, "Continuer")
    assert "/droits/resultat/" in page.url
    content = page.content()
    assert "Vos droits estimés" in content and "Arras" in content
    assert "Aide arrageoise aux familles" in content
    check_page(page, report, "result")
    report.assert_clean()


def test_adviser_and_admin_pages(rights_data, live_server, browser, tmp_path):
    from territoire.rights.models import Detection

    base = live_server.url
    report = Report(label="Rights back-office")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    login(page, base, "admin.cua@demo.territoire.fr")
    page.goto(f"{base}/droits/import/")
    check_page(page, report, "import")
    with page.expect_navigation():
        page.get_by_role("button", name="Importer et repérer les droits").click()
    check_page(page, report, "import, errors")
    page.goto(f"{base}/droits/import/{rights_data.pk}/")
    assert "beaucoup" in page.content()
    check_page(page, report, "import report")
    page.goto(f"{base}/droits/aides-locales/")
    check_page(page, report, "local aids")
    page.goto(f"{base}/droits/aides-locales/nouvelle/")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'aide").click()
    check_page(page, report, "local aid, errors")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/droits/statistiques/")
    page.wait_for_selector(".chart canvas")
    check_page(page, report, "statistics, chart and table")
    assert not errors
    page.goto(f"{base}/droits/simulations/")
    check_page(page, report, "saved simulations")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    login(page, base, "agent.arras@demo.territoire.fr")
    page.goto(f"{base}/droits/non-reclames/")
    check_page(page, report, "detections")
    detection = Detection.objects.filter(commune__insee_code="62041").first()
    assert detection is not None
    page.goto(f"{base}/droits/non-reclames/foyer/{detection.household_id}/")
    check_page(page, report, "household")
    report.assert_clean()
