"""Abilities of data & AI governance.

- Project teams: agents and administrators of a commune (for the ``governance`` module) write
  their commune's project sheets and registers; territory-wide ones those of the CUA.
- The committee: members (role ``committee_member``) see every project, are assigned as
  reviewers, give opinions on the reviews they are assigned to and record the committee's
  decisions; the CUA administrator also runs the committee and edits the charter.
- Elected officials read the decisions on their commune's (and the CUA's) projects.
- Everyone reads the charter, the published algorithms and the catalogue.
"""

from __future__ import annotations

from typing import Any

from territoire.core.models import ApiKey, Commune, Role
from territoire.core.permissions import Principal, ability, has_role, is_cua_admin

MODULE = "governance"
TEAM = {Role.AGENT, Role.COMMUNE_ADMIN}
READERS = TEAM | {Role.ELECTED}


def _commune_id(obj: Any) -> int | None:
    if isinstance(obj, Commune):
        return obj.pk
    return getattr(obj, "commune_id", None)


def is_committee(principal: Principal) -> bool:
    if isinstance(principal, ApiKey):
        return False
    return has_role(principal, {Role.COMMITTEE_MEMBER}, anywhere=True)


@ability("governance.use_projects")
def _use_projects(principal: Principal, _obj: Any) -> bool:
    """Reach the project pages at all (the selectors then scope what is listed)."""
    return is_committee(principal) or has_role(principal, READERS, module=MODULE, anywhere=True)


@ability("governance.view_project")
def _view_project(principal: Principal, project: Any) -> bool:
    if is_committee(principal):
        return True
    commune = _commune_id(project)
    if has_role(principal, TEAM, commune=commune, module=MODULE):
        return True
    # Elected officials see the committee's decisions, not work in progress.
    return project.state == "decided" and has_role(
        principal, {Role.ELECTED}, commune=commune, anywhere=commune is None
    )


@ability("governance.edit_project")
def _edit_project(principal: Principal, target: Any) -> bool:
    """``target``: a project, or the commune (None: the CUA) a new project belongs to."""
    if isinstance(principal, ApiKey):
        return False
    return has_role(principal, TEAM, commune=_commune_id(target), module=MODULE)


@ability("governance.create_any_project")
def _create_any(principal: Principal, _obj: Any) -> bool:
    return not isinstance(principal, ApiKey) and has_role(
        principal, TEAM, module=MODULE, anywhere=True
    )


@ability("governance.run_committee")
def _run_committee(principal: Principal, _obj: Any) -> bool:
    """Assign reviewers, schedule meetings, record decisions."""
    return is_committee(principal) or is_cua_admin(principal)


@ability("governance.give_opinion")
def _give_opinion(principal: Principal, review: Any) -> bool:
    return (
        not isinstance(principal, ApiKey)
        and review.is_open
        and review.reviewers.filter(pk=principal.pk).exists()
    )


@ability("governance.manage_charter")
def _manage_charter(principal: Principal, _obj: Any) -> bool:
    return is_cua_admin(principal)


@ability("governance.manage_registers")
def _manage_registers(principal: Principal, target: Any) -> bool:
    """``target``: an entry, a commune, or None for the CUA's own registers. The CUA's
    mutualised DPO (territory-wide agents) keeps every commune's register."""
    if isinstance(principal, ApiKey):
        return False
    return has_role(principal, TEAM, commune=_commune_id(target), module=MODULE)


@ability("governance.use_registers")
def _use_registers(principal: Principal, _obj: Any) -> bool:
    return not isinstance(principal, ApiKey) and has_role(
        principal, READERS, module=MODULE, anywhere=True
    )


@ability("governance.view_gdpr_register")
def _view_gdpr(principal: Principal, target: Any) -> bool:
    if isinstance(principal, ApiKey):
        return False
    return has_role(principal, READERS, commune=_commune_id(target), module=MODULE)


@ability("governance.view_dashboard")
def _view_dashboard(principal: Principal, _obj: Any) -> bool:
    """The committee and the CUA (territory-wide roles) see every commune's figures."""
    return is_committee(principal) or has_role(
        principal, TEAM | {Role.ELECTED}, commune=None, module=MODULE
    )
