"""Pages and services of the rights module: the questionnaire journey in the session, saving
only with consent, local aids beside national ones, the pooled import (a malformed line is
reported, not imported, and does not stop the others), the scan, the advisers' follow-up
and its audit, and commune isolation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoire.core.models import AuditEntry, Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    cua_admin,
    logged_in_client,
    person_with_role,
)
from territoire.rights import services
from territoire.rights.models import Detection, LocalAid, Outcome, PooledHousehold, SavedSimulation
from territoire.rights.pooled import COLUMNS


def answer_everything(client, arras, *, salary="0"):
    steps = [
        ("foyer", {"adults": "1", "adult1_birth": "01/05/1990", "children": "0"}),
        ("situation", {"a1_activity": "actif"}),
        ("logement", {"commune": arras.insee_code, "housing": "locataire_vide", "rent": "500"}),
        ("ressources", {f"a1_salary_m{m}": salary for m in (1, 2, 3)} | {"a1_salary_avg": salary}),
        ("autres-revenus", {}),
        ("aides", {}),
    ]
    for slug, data in steps:
        response = client.post(reverse("rights:step", args=[slug]), data)
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
    return response


def test_questionnaire_keeps_answers_and_shows_result(client, arras):
    with audit_entries_added(expected=0):
        response = answer_everything(client, arras)
    assert response.url == reverse("rights:result")
    page = client.get(reverse("rights:result")).content.decode()
    assert "Revenu de solidarité active" in page
    assert "Ces montants sont des estimations" in page
    assert "1 adulte, 0 enfant" in page  # the "why" names the answers
    assert "zone" in page
    # Back: the page shows what was answered.
    back = client.get(reverse("rights:step", args=["logement"])).content.decode()
    assert 'value="500' in back
    download = client.get(reverse("rights:download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert "Revenu de solidarité active" in download.content.decode()
    assert SavedSimulation.objects.count() == 0


def test_errors_are_summarised_and_typing_kept(client, db):
    response = client.post(
        reverse("rights:step", args=["foyer"]),
        {"adults": "2", "adult1_birth": "31/02/1990", "children": "0"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient" in page and "JJ/MM/AAAA" in page
    assert 'value="31/02/1990"' in page
    assert "date de naissance de votre conjoint" in page


def test_step_order_is_enforced(client, db):
    response = client.get(reverse("rights:step", args=["ressources"]))
    assert response.url == reverse("rights:step", args=["foyer"])
    assert client.get(reverse("rights:result")).status_code == 302


def test_saving_needs_consent_then_is_audited(client, arras):
    citizen = person_with_role(Role.CITIZEN)
    client.force_login(citizen)
    answer_everything(client, arras)
    url = reverse("rights:result")
    with audit_entries_added(expected=0):
        response = client.post(url, {"consent_by": "person", "reference": "Test"})
    assert response.status_code == 400 and SavedSimulation.objects.count() == 0
    # A citizen may not claim to be an adviser.
    client.post(url, {"consent_by": "adviser", "consent": "on"})
    assert SavedSimulation.objects.count() == 0
    with audit_entries_added(expected=1) as added:
        response = client.post(url, {"consent_by": "person", "consent": "on", "reference": "A"})
    assert response.status_code == 302
    assert added[0].action == "rights.simulation_save"
    assert SavedSimulation.objects.get().commune == arras


def test_local_aid_shown_beside_national_ones(client, arras, beaurains):
    agent = person_with_role(Role.AGENT, arras, module="rights")
    with audit_entries_added(expected=1):
        services.local_aid_create(
            actor=agent, commune=arras, name="Aide arrageoise", institution="CCAS d'Arras",
            max_monthly_resources=800,
        )  # fmt: skip
    LocalAid.objects.create(commune=beaurains, name="Aide de Beaurains", institution="CCAS")
    answer_everything(client, arras)
    page = client.get(reverse("rights:result")).content.decode()
    assert "Aide arrageoise" in page and "Aide de Beaurains" not in page
    answer_everything(client, arras, salary="2000")
    assert "Aide arrageoise" not in client.get(reverse("rights:result")).content.decode()


def test_agent_cannot_create_cua_wide_aid(arras):
    agent = person_with_role(Role.AGENT, arras, module="rights")
    client = logged_in_client(agent)
    response = client.post(
        reverse("rights:local_aid_create"), {"name": "X", "institution": "Y", "commune": ""}
    )
    assert response.status_code == 400 and not LocalAid.objects.exists()


def csv_bytes(rows):
    lines = [";".join(COLUMNS)]
    for row in rows:
        lines.append(";".join(row.get(c, "") for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def household_row(hid, insee, **kw):
    row = {
        "foyer_id": hid,
        "code_insee": insee,
        "naissances_adultes": "1990-05-01",
        "logement": "locataire_vide",
        "loyer": "500",
    }
    row.update(kw)
    return row


@pytest.fixture
def imported(arras, beaurains, django_capture_on_commit_callbacks):
    admin = cua_admin()
    content = csv_bytes(
        [
            household_row("A1", arras.insee_code),
            household_row("BAD", arras.insee_code, loyer="beaucoup"),
            household_row("B1", beaurains.insee_code, prestations="rsa:570"),
        ]
    )
    client = logged_in_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("rights:import"),
            {
                "partner": "caf",
                "legal_basis": "Art. 133 loi 3DS",
                "period": "2026-10",
                "file": SimpleUploadedFile("caf.csv", content, content_type="text/csv"),
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    return admin, client, response


def test_import_reports_bad_line_and_scan_detects(imported, arras, beaurains):
    admin, client, response = imported
    assert PooledHousehold.objects.count() == 2
    assert not PooledHousehold.objects.filter(pseudonym="A1").exists()
    page = client.get(response.url).content.decode()
    assert "loyer" in page and "beaucoup" in page
    progress = client.get(response.url + "avancement/").json()
    assert progress == {"status": "done", "label": "terminé", "done": 2, "total": 2}
    # Arras household: RSA computed, not paid → detected; Beaurains: RSA paid → not detected.
    assert Detection.objects.filter(commune=arras, benefit="rsa").exists()
    assert not Detection.objects.filter(commune=beaurains, benefit="rsa").exists()
    assert AuditEntry.objects.filter(action="rights.scan").count() == 1


def test_adviser_follow_up_and_isolation(imported, arras, beaurains):
    adviser = person_with_role(Role.AGENT, arras, module="rights")
    client = logged_in_client(adviser)
    listing = client.get(reverse("rights:detections")).content.decode()
    mine = Detection.objects.filter(commune=arras, benefit="rsa").get()
    other = Detection.objects.filter(commune=beaurains).first()
    assert str(mine.household) in listing
    with audit_entries_added(expected=1) as added:
        client.get(reverse("rights:household", args=[mine.household_id]))
    assert added[0].action == "rights.household_view"
    with audit_entries_added(expected=1):
        client.post(reverse("rights:follow_up", args=[mine.pk]), {"status": "contacted"})
    mine.refresh_from_db()
    assert mine.status == Outcome.CONTACTED
    # An impossible step is refused, not recorded.
    with audit_entries_added(expected=0):
        client.post(reverse("rights:follow_up", args=[mine.pk]), {"status": "opened"})
    assert other is not None
    assert_commune_isolation(
        client,
        hidden_urls=[reverse("rights:household", args=[other.household_id])],
        lists=[(reverse("rights:detections"), str(other.household))],
        writes=[("post", reverse("rights:follow_up", args=[other.pk]), {"status": "contacted"})],
    )


def test_stats_and_purge(imported, arras):
    admin, client, _ = imported
    page = client.get(reverse("rights:stats"))
    assert page.status_code == 200 and "Arras" in page.content.decode()
    from django.utils import timezone

    with audit_entries_added(expected=1):
        removed = services.purge_expired(now=timezone.now() + timezone.timedelta(days=181))
    assert removed == 2 and not Detection.objects.exists()


def test_pages_need_their_ability(arras):
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    for name in ("rights:detections", "rights:import", "rights:local_aids", "rights:stats"):
        assert citizen.get(reverse(name)).status_code == 403


def test_changing_the_household_asks_again_per_person(client, arras):
    answer_everything(client, arras)
    client.post(
        reverse("rights:step", args=["foyer"]),
        {"adults": "1", "adult1_birth": "01/05/1990", "children": "2"},
    )
    response = client.get(reverse("rights:result"))
    assert response.status_code == 302
    assert response.url == reverse("rights:step", args=["enfants"])
    page = client.get(reverse("rights:step", args=["enfants"])).content.decode()
    assert "Enfant 2 : date de naissance" in page


def test_local_aids_and_saved_simulations_are_isolated(arras, beaurains):
    other_aid = LocalAid.objects.create(
        commune=beaurains, name="Aide réservée à Beaurains", institution="CCAS"
    )
    from django.utils import timezone

    SavedSimulation.objects.create(
        commune=beaurains, consent_by="adviser", reference="Dossier-Beaurains-42",
        period="2026-10", answers={}, results=[], monthly_total=0,
        expires_at=timezone.now() + timezone.timedelta(days=1),
    )  # fmt: skip
    client = logged_in_client(person_with_role(Role.AGENT, arras, module="rights"))
    assert_commune_isolation(
        client,
        hidden_urls=[reverse("rights:local_aid_edit", args=[other_aid.pk])],
        lists=[
            (reverse("rights:local_aids"), "Aide réservée à Beaurains"),
            (reverse("rights:saved"), "Dossier-Beaurains-42"),
        ],
        writes=[
            (
                "post",
                reverse("rights:local_aid_edit", args=[other_aid.pk]),
                {"name": "Pris", "institution": "X"},
            )
        ],
    )


def test_other_income_step_keeps_typing_on_error(client, arras):
    answer_everything(client, arras)
    url = reverse("rights:step", args=["autres-revenus"])
    response = client.post(url, {"a1_micro_last3": "1 500", "a1_rental": "200"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire contient" in page and 'value="200"' in page
    response = client.post(url, {"a1_micro_kind": "micro_services", "a1_micro_last3": "1500"})
    assert response.status_code == 302
    result = client.get(reverse("rights:result")).content.decode()
    assert "Prime d" in result


def _csv(response) -> list[list[str]]:
    import csv

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(text.splitlines(), delimiter=";"))


def test_detections_csv_is_scoped_pseudonymous_guarded_and_audited(imported, arras, beaurains):
    adviser = person_with_role(Role.AGENT, arras, module="rights")
    client = logged_in_client(adviser)
    mine = Detection.objects.filter(commune=arras, benefit="rsa").get()
    other = Detection.objects.filter(commune=beaurains).first()
    assert other is not None
    # A commune name typed like a formula stays text in the spreadsheet.
    type(arras).objects.filter(pk=arras.pk).update(name="=HYPERLINK(1)")
    url = reverse("rights:detections_csv")
    with audit_entries_added(expected=1) as added:
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _csv(response)
    assert rows[0][0] == "foyer (pseudonyme)"
    pseudonyms = {row[0] for row in rows[1:]}
    assert mine.household.pseudonym in pseudonyms
    assert other.household.pseudonym not in pseudonyms
    assert "A1" not in pseudonyms  # the partner's id never leaves (it is not even kept)
    rsa_row = next(row for row in rows[1:] if row[3] == "Revenu de solidarité active (RSA)")
    assert rsa_row[1] == "'=HYPERLINK(1)" and rsa_row[5] == "repéré"
    assert rsa_row[4] == f"{mine.monthly_amount:.2f}".replace(".", ",")
    assert added[0].action == "rights.detections_export"
    assert added[0].changes["lignes"] == len(rows) - 1
    # The list's filters apply to the export.
    only_css = _csv(client.get(url, {"aide": "css"}))
    assert {row[3] for row in only_css[1:]} <= {"Complémentaire santé solidaire (CSS)"}
    assert len(only_css) < len(rows)
    assert_commune_isolation(client, lists=[(url, other.household.pseudonym)])
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    assert citizen.get(url).status_code == 403


def test_stats_csv_has_the_page_tables_and_is_audited(imported, arras):
    admin, client, _ = imported
    with audit_entries_added(expected=1) as added:
        response = client.get(reverse("rights:stats_csv"))
    rows = _csv(response)
    assert rows[0][0] == "tableau"
    assert {"par aide", "par commune"} <= {row[0] for row in rows[1:]}
    assert any(row[:2] == ["par commune", "Arras"] for row in rows)
    assert added[0].action == "rights.stats_export"
    citizen = logged_in_client(person_with_role(Role.CITIZEN))
    assert citizen.get(reverse("rights:stats_csv")).status_code == 403


def test_import_with_per_adult_incomes_and_line_partner(arras):
    """A file in the new form: no household income columns, per-adult incomes, the partner
    and legal basis of some lines in their own columns (the form's for the others)."""
    from territoire.rights.pooled import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    rows = [
        household_row("P1", arras.insee_code, naissances_adultes="1980-01-01|1982-01-01")
        | {"activite_adulte1_m1": "900", "activite_adulte2_m1": "700"},
        household_row("P2", arras.insee_code)
        | {"partenaire": "msa", "base_legale": "Convention MSA", "retraite_adulte1": "800"}
        | {"revenus_locatifs_adulte1": "150"},
        household_row("P3", arras.insee_code) | {"partenaire": "banque"},
        household_row("P4", arras.insee_code) | {"chomage_adulte2": "400"},
    ]
    content = "\n".join(
        [";".join(columns), *(";".join(r.get(c, "") for c in columns) for r in rows)]
    ).encode()
    record = services.pooled_import(
        actor=cua_admin(), partner="caf", legal_basis="Art. 133 loi 3DS", period="2026-10",
        content=content, scan=False,
    )  # fmt: skip
    assert (record.lines_ok, record.lines_rejected) == (2, 2)
    assert [entry["line"] for entry in record.report] == [4, 5]
    assert "partenaire" in record.report[0]["errors"][0]
    assert "n'a qu'un adulte" in record.report[1]["errors"][0]
    couple, pensioner = PooledHousehold.objects.order_by("pk")
    assert (couple.partner, couple.legal_basis) == ("caf", "Art. 133 loi 3DS")
    assert (pensioner.partner, pensioner.legal_basis) == ("msa", "Convention MSA")
    adults = couple.situation["adults"]
    assert adults[0]["resources"]["salary"][0] == 900
    assert adults[1]["resources"]["salary"][0] == 700
    assert pensioner.situation["adults"][0]["resources"]["pension"][0] == 800
    assert pensioner.situation["adults"][0]["resources"]["rental"][0] == 150
    # The adviser sees each adult's incomes on the household page.
    adviser = logged_in_client(person_with_role(Role.AGENT, arras, module="rights"))
    page = adviser.get(reverse("rights:household", args=[couple.pk])).content.decode()
    assert "Adulte 1" in page and "900 €" in page and "Adulte 2" in page and "700 €" in page
    page = adviser.get(reverse("rights:household", args=[pensioner.pk])).content.decode()
    assert "MSA" in page and "Convention MSA" in page and "revenus locatifs 150 €" in page


def test_import_without_any_income_columns_is_refused(arras):
    from django.core.exceptions import ValidationError

    from territoire.rights.pooled import REQUIRED_COLUMNS

    content = (";".join(REQUIRED_COLUMNS) + "\n").encode()
    with pytest.raises(ValidationError) as exc:
        services.pooled_import(
            actor=cua_admin(), partner="caf", legal_basis="X", period="2026-10",
            content=content, scan=False,
        )  # fmt: skip
    assert "activite_m1" in str(exc.value)


def test_household_page_names_every_resource_kind():
    from territoire.rights.situation import RESOURCES
    from territoire.rights.views import INCOME_LABELS

    assert set(INCOME_LABELS) == set(RESOURCES)
