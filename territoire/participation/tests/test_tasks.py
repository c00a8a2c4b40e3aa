"""Periodic jobs: dormant citizen accounts erased after three years (contributions kept
anonymous), unconfirmed sign-ups erased after a week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from territoire.core.models import Role, User
from territoire.core.signup import purge_unconfirmed_signups
from territoire.core.testing import audit_entries_added, person_with_role
from territoire.participation import services
from territoire.participation.models import Proposal
from territoire.participation.tasks import purge_dormant_citizens
from territoire.participation.testing import make_process, participant

pytestmark = pytest.mark.django_db


def test_dormant_citizens_are_erased_and_their_contributions_kept(arras):
    long_ago = timezone.now() - timedelta(days=3 * 365 + 1)
    dormant = participant()
    proposal = services.proposal_create(
        actor=dormant, process=make_process(arras), title="Idée", body="b"
    )
    recent = participant()
    agent = person_with_role(Role.AGENT, commune=arras)
    User.objects.filter(pk__in=[dormant.pk, agent.pk]).update(last_login=long_ago)
    User.objects.filter(pk=recent.pk).update(last_login=timezone.now())
    with audit_entries_added(expected=1) as added:
        assert purge_dormant_citizens() == 1
    assert added[0].action == "participation.account_purge"
    assert not User.objects.filter(pk=dormant.pk).exists()
    assert User.objects.filter(pk__in=[recent.pk, agent.pk]).count() == 2
    assert Proposal.objects.get(pk=proposal.pk).author_id is None


def test_unconfirmed_signups_are_erased_after_a_week():
    old = User.objects.create_user(email="old@exemple.fr", password="x", is_active=False)
    new = User.objects.create_user(email="new@exemple.fr", password="x", is_active=False)
    disabled_agent = person_with_role(Role.AGENT, is_active=False)
    User.objects.filter(pk__in=[old.pk, disabled_agent.pk]).update(
        date_joined=timezone.now() - timedelta(days=8)
    )
    with audit_entries_added(expected=1):
        assert purge_unconfirmed_signups.call_local() == 1
    assert set(User.objects.values_list("pk", flat=True)) == {new.pk, disabled_agent.pk}
