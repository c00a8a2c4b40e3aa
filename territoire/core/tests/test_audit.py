"""Every service writes exactly one audit entry, in its own transaction; the log is
append-only in the model and in the database."""

from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from territoire.core import services
from territoire.core.audit import audit_record
from territoire.core.models import AuditEntry, Commune, Membership, Role
from territoire.core.testing import UserFactory, audit_entries_added, cua_admin, person_with_role

pytestmark = pytest.mark.django_db


def _service_calls(arras):
    """(name, callable) for every core service, each ready to run once."""
    admin = cua_admin(email="chef@cua.fr")
    person = UserFactory(email="agent@arras.fr")
    membership = Membership.objects.create(user=person, role=Role.AGENT, commune=arras)
    key, _ = services.api_key_create(actor=admin, name="k", commune=arras, module="sensors")
    # New population figures, so that loading the communes again changes something.
    Commune.objects.filter(pk=arras.pk).update(population=1)
    return {
        "territory_load": lambda: services.territory_load(actor=admin),
        "membership_grant": lambda: services.membership_grant(
            actor=admin, user=person, role=Role.ELECTED, commune=arras
        ),
        "membership_revoke": lambda: services.membership_revoke(actor=admin, membership=membership),
        "member_invite": lambda: services.member_invite(
            actor=admin,
            email="nouveau@arras.fr",
            first_name="N",
            last_name="V",
            role=Role.AGENT,
            commune=arras,
        ),
        "api_key_create": lambda: services.api_key_create(
            actor=admin, name="autre", commune=arras, module="sensors"
        ),
        "api_key_revoke": lambda: services.api_key_revoke(actor=admin, key=key),
        "security_event_record": lambda: services.security_event_record(
            action="auth.login", actor=person
        ),
    }


SERVICES = [
    "territory_load",
    "membership_grant",
    "membership_revoke",
    "member_invite",
    "api_key_create",
    "api_key_revoke",
    "security_event_record",
]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_writes_exactly_one_audit_entry(arras, name):
    call = _service_calls(arras)[name]
    with audit_entries_added(expected=1) as added:
        call()
    entry = added[0]
    assert entry.actor_label
    assert entry.action


@pytest.mark.parametrize("name", SERVICES)
def test_a_rolled_back_service_leaves_no_entry(arras, name):
    call = _service_calls(arras)[name]
    with audit_entries_added(expected=0), pytest.raises(RuntimeError), transaction.atomic():
        call()
        raise RuntimeError("the caller's transaction fails after the service")


def test_failure_after_the_audit_entry_inside_the_service_rolls_it_back(arras):
    admin = cua_admin()
    membership = Membership.objects.create(user=UserFactory(), role=Role.AGENT, commune=arras)
    with (
        audit_entries_added(expected=0),
        mock.patch.object(Membership, "delete", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.membership_revoke(actor=admin, membership=membership)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_entry_records_who_what_which_change_and_where(arras, client):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    person = UserFactory(email="elu@arras.fr")
    with audit_entries_added(expected=1) as added:
        services.membership_grant(actor=admin, user=person, role=Role.ELECTED, commune=arras)
    entry = added[0]
    assert entry.actor == admin and entry.actor_label == "admin@arras.fr"
    assert entry.action == "membership.grant"
    assert entry.object_type == "core.membership"
    assert entry.commune_id == arras.pk
    assert entry.changes == {"user": "elu@arras.fr", "role": "elected", "module": ""}


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x")


def test_the_log_is_append_only_in_the_model(arras):
    services.territory_load(actor=None)
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_updates_of_the_log(arras):
    services.territory_load(actor=None)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.update(action="forged")
    assert not AuditEntry.objects.filter(action="forged").exists()


def test_postgres_also_refuses_deletes_of_the_log(arras):
    if connection.vendor != "postgresql":
        pytest.skip("DELETE is refused by a trigger on PostgreSQL only (see migration 0002)")
    services.territory_load(actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()


def test_an_unregistered_action_is_refused(arras):
    with pytest.raises(LookupError), transaction.atomic():
        audit_record(actor=None, action="membership.grnat")
