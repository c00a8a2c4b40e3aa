"""The demo commands build the knowledge base and the procedures through the services, and a
second run changes nothing."""

import io

import pytest
from django.core.management import call_command

from territoire.knowledge.models import Entry
from territoire.procedures.models import Procedure, ProcedureStatus, Request

pytestmark = pytest.mark.django_db


def test_demo_commands_are_idempotent(communes):
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    for _ in range(2):
        call_command("seed_knowledge_demo", stdout=out)
        call_command("seed_procedures_demo", stdout=out)
    assert Procedure.objects.filter(status=ProcedureStatus.PUBLISHED).count() == 5
    assert Procedure.objects.get(title="Demande de composteur individuel").routing == "commune"
    assert Request.objects.count() == 3
    assert Entry.objects.filter(procedures__isnull=False).distinct().count() == 4
    assert Entry.objects.filter(commune__isnull=True).count() == 12
    assert any(entry.is_stale() for entry in Entry.objects.all())
