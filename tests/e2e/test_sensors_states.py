"""Sensor hub pages in their error and one-time states (forms with errors, import report,
replay result, new secret), checked with axe and at 320 px; the chart is drawn without a
script error."""

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_sensor_pages_in_their_error_and_one_time_states(site_data, live_server, browser, tmp_path):
    base = live_server.url
    report = Report(label="Sensor states")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "admin.arras@demo.territoire.fr")

    page.goto(f"{base}/capteurs/24e124136b000001/")
    page.wait_for_selector(".chart canvas")
    assert page.locator(".chart").is_visible()
    page.locator("details.chart-data summary").click()
    check_page(page, report, "device page, chart and open table")
    page.select_option("#id_periode", "jours")
    page.select_option("#id_serie", "temperature")
    _submit(page, "Afficher")
    page.wait_for_selector(".chart canvas")
    check_page(page, report, "device page, daily")
    page.goto(f"{base}/capteurs/24e124136b000002/?serie=impulsions")
    page.wait_for_selector(".chart canvas")
    check_page(page, report, "device page, counter")

    page.goto(f"{base}/capteurs/?model=zzz")
    check_page(page, report, "list, invalid filter")
    page.goto(f"{base}/capteurs/?q=zzzz")
    check_page(page, report, "list, no result")

    page.goto(f"{base}/capteurs/enregistrer/")
    page.fill("#id_dev_eui", "pas-un-eui")
    page.fill("#id_latitude", "abc")
    _submit(page, "Enregistrer le capteur")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "register, errors")

    page.goto(f"{base}/capteurs/importer/")
    _submit(page, "Importer le fichier")
    check_page(page, report, "import, no file")
    csv = tmp_path / "capteurs.csv"
    csv.write_text(
        "dev_eui;nom;modele\n24E124136B0000AA;Nouveau;dragino-lwl02\nzz;Mauvais;dragino-lwl02\n"
    )
    page.set_input_files("#id_file", str(csv))
    _submit(page, "Importer le fichier")
    assert "1 ligne refusée" in page.content()
    check_page(page, report, "import, report")

    page.goto(f"{base}/capteurs/quarantaine/")
    _submit(page, "Rejouer les messages cochés")
    check_page(page, report, "quarantine, nothing chosen")
    _submit(page, "Rejouer tous les messages affichés")
    check_page(page, report, "quarantine, replayed")

    page.goto(f"{base}/capteurs/integrations/")
    _submit(page, "Créer l'intégration")
    check_page(page, report, "integrations, errors")
    page.fill("#id_name", "Essai")
    _submit(page, "Créer l'intégration")
    assert page.locator("#new-secret").is_visible()
    check_page(page, report, "integrations, secret shown once")

    response = page.goto(f"{base}/capteurs/24e124136b000004/")
    assert response.status == 404
    check_page(page, report, "another commune's device")
    context.close()
    print(report.summary())
    report.assert_clean()
    assert not errors, errors  # no script error (CSP, Chart.js)
