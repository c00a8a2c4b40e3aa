"""The platform's own processing activities: declared by the modules (core/processing.py),
synchronised into the CUA's GDPR register by reference_load."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from territoire.core import processing
from territoire.core.testing import audit_entries_added
from territoire.governance.models import ProcessingActivity
from territoire.governance.reference import reference_load
from territoire.governance.registers import activity_completeness
from territoire.governance.services import activity_register

DECLARED = {
    "participation.accounts",
    "procedures.requests",
    "rights.simulations",
    "rights.detection",
    "insights.subscriptions",
}


def test_each_module_declares_its_processing():
    assert {a.source_key for a in processing.processing_activities()} == DECLARED
    # Sensor readings carry no personal data: the sensors module declares nothing.
    assert not [
        a for a in processing.processing_activities() if a.source_key.startswith("sensors.")
    ]


def test_reference_load_puts_them_in_the_cua_register_complete(db):
    with audit_entries_added() as added:
        reference_load()
    sheets = ProcessingActivity.objects.filter(source_key__in=DECLARED)
    assert {s.source_key for s in sheets} == DECLARED
    assert all(s.commune_id is None for s in sheets)
    assert [e.action for e in added].count("governance.activity_save") == len(DECLARED)
    for sheet in sheets:
        assert activity_completeness(sheet).missing == (), sheet.source_key
    detection = sheets.get(source_key="rights.detection")
    assert "180 jours" in detection.retention["economic"]
    assert "encryption" in detection.security_measures
    assert detection.legal_basis == "public_task"
    assert sheets.get(source_key="rights.simulations").legal_basis == "consent"


def test_synchronisation_is_idempotent_and_follows_a_changed_declaration(db, monkeypatch):
    reference_load()
    with audit_entries_added(0):
        reference_load()
    original = next(
        a for a in processing.processing_activities() if a.source_key == "rights.simulations"
    )
    changed = dataclasses.replace(original, retention={"economic": "90 jours"})
    monkeypatch.setitem(processing._ACTIVITIES, original.source_key, changed)
    with audit_entries_added(1) as added:
        reference_load()
    assert set(added[0].changes) == {"retention"}
    sheet = ProcessingActivity.objects.get(source_key="rights.simulations")
    assert sheet.retention == {"economic": "90 jours"}
    assert ProcessingActivity.objects.filter(source_key="rights.simulations").count() == 1


def test_a_bad_declaration_is_refused_with_a_french_message(db):
    with pytest.raises(ValidationError) as error:
        activity_register(
            source_key="x.y",
            name="X",
            purposes="X",
            legal_basis="public_task",
            data_subjects="X",
            retention={"unknown": "1 an"},
            security_measures=[],
        )
    assert "Catégorie de données inconnue." in str(error.value)
    assert not ProcessingActivity.objects.filter(source_key="x.y").exists()


def test_the_cua_register_page_lists_them(db, client):
    from territoire.core.models import Role
    from territoire.core.testing import person_with_role

    reference_load()
    client.force_login(person_with_role(Role.AGENT, module="governance", email="dpo@cua.fr"))
    response = client.get("/gouvernance/rgpd/cua/")
    assert response.status_code == 200
    assert "Zéro non-recours : détection proactive" in response.content.decode()
