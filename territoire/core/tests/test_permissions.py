"""Abilities: one answer for pages and API, computed from grants."""

import pytest

from territoire.core.models import Role
from territoire.core.permissions import can, grants_of, require
from territoire.core.services import api_key_create, api_key_revoke
from territoire.core.testing import cua_admin, person_with_role

pytestmark = pytest.mark.django_db


def test_cua_admin_manages_every_commune_and_the_territory(arras, beaurains):
    admin = cua_admin()
    assert can(admin, "core.manage_members", arras)
    assert can(admin, "core.manage_members", beaurains)
    assert can(admin, "core.manage_members", None)
    assert can(admin, "core.grant_role", (None, Role.CUA_ADMIN))


def test_commune_admin_manages_only_their_commune(arras, beaurains):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    assert can(admin, "core.manage_members", arras)
    assert not can(admin, "core.manage_members", beaurains)
    assert not can(admin, "core.manage_members", None)
    assert can(admin, "core.grant_role", (arras, Role.AGENT))
    assert not can(admin, "core.grant_role", (None, Role.CUA_ADMIN))
    assert can(admin, "core.view_audit", arras) and not can(admin, "core.view_audit", beaurains)


@pytest.mark.parametrize("role", [Role.AGENT, Role.ELECTED, Role.CITIZEN, Role.MODERATOR])
def test_other_roles_administer_nothing(arras, role):
    person = person_with_role(role, arras)
    assert not can(person, "core.manage_members", arras)
    assert not can(person, "core.view_audit", None)
    assert not can(person, "core.use_admin_area")


def test_anonymous_and_inactive_people_have_no_grants(arras):
    from django.contrib.auth.models import AnonymousUser

    assert grants_of(AnonymousUser()) == ()
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, is_active=False)
    assert grants_of(admin) == ()
    assert not can(None, "core.manage_members", arras)


def test_agent_grant_limited_to_a_module(arras):
    from territoire.core.permissions import has_role

    agent = person_with_role(Role.AGENT, arras, module="sensors")
    assert has_role(agent, {Role.AGENT}, commune=arras, module="sensors")
    assert not has_role(agent, {Role.AGENT}, commune=arras, module="procedures")


def test_api_key_acts_as_an_agent_of_its_commune_and_module_until_revoked(arras, beaurains):
    from territoire.core.permissions import has_role

    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    key, _secret = api_key_create(actor=admin, name="LNS", commune=arras, module="sensors")
    assert has_role(key, {Role.AGENT}, commune=arras, module="sensors")
    assert not has_role(key, {Role.AGENT}, commune=beaurains, module="sensors")
    assert not can(key, "core.manage_members", arras)
    api_key_revoke(actor=admin, key=key)
    key.refresh_from_db()
    assert grants_of(key) == ()


def test_unknown_ability_is_an_error_not_a_refusal():
    with pytest.raises(LookupError):
        can(None, "core.no_such_thing")


def test_require_raises_permission_denied(arras):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require(person_with_role(Role.AGENT, arras), "core.manage_members", arras)


def test_a_module_limited_agent_has_no_ability_in_other_modules_anywhere(arras):
    from territoire.core.permissions import has_role

    agent = person_with_role(Role.AGENT, arras, module="insights")
    assert has_role(agent, {Role.AGENT}, module="insights", anywhere=True)
    assert not has_role(agent, {Role.AGENT}, module="sensors", anywhere=True)
    assert not can(agent, "sensors.view")
