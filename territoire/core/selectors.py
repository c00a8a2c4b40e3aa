"""Reads of the core. Every selector of commune data takes the principal and returns only
what that principal may see; views and the API never filter commune data themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from territoire.core.models import ApiKey, AuditEntry, Commune, Membership, User
from territoire.core.permissions import (
    ADMIN_ROLES,
    Principal,
    can,
    commune_ids_with_role,
    is_cua_admin,
)


def commune_list(*, search: str = "") -> QuerySet[Commune]:
    """All communes of the territory (public information), optionally searched by name,
    INSEE code or postcode."""
    communes = Commune.objects.all()
    if search:
        communes = communes.filter(
            Q(name__icontains=search)
            | Q(insee_code__startswith=search)
            | Q(postcode__startswith=search)
        )
    return communes.order_by("name")


def commune_get(*, insee_code: str) -> Commune:
    return Commune.objects.get(insee_code=insee_code)


def commune_find(*, insee_code: str) -> Commune | None:
    """The commune of this INSEE code, or None when it is not one of the CUA's (user input)."""
    return Commune.objects.filter(insee_code=insee_code).first() if insee_code else None


def communes_administered(principal: Principal) -> QuerySet[Commune]:
    """Communes whose members ``principal`` may manage (every commune for the CUA)."""
    ids = commune_ids_with_role(principal, ADMIN_ROLES)
    communes = Commune.objects.all()
    return communes if ids is None else communes.filter(pk__in=ids)


def memberships_of_commune(
    principal: Principal, *, commune: Commune | None, search: str = "", role: str = ""
) -> QuerySet[Membership]:
    """Memberships in ``commune`` (None: the territory-wide ones), if the principal may
    manage them; otherwise none."""
    if not can(principal, "core.manage_members", commune):
        return Membership.objects.none()
    memberships = (
        Membership.objects.select_related("user", "commune").filter(commune=commune)
        if commune
        else Membership.objects.select_related("user").filter(commune__isnull=True)
    )
    if role:
        memberships = memberships.filter(role=role)
    if search:
        memberships = memberships.filter(
            Q(user__email__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    return memberships.order_by("user__last_name", "user__first_name", "user__email", "role")


def membership_for_manager(principal: Principal, *, pk: int) -> Membership:
    """One membership the principal may manage; DoesNotExist otherwise (a 404, so that
    another commune's objects are not even confirmed to exist)."""
    membership = Membership.objects.select_related("user", "commune").get(pk=pk)
    if membership.commune_id is None:
        if not is_cua_admin(principal):
            raise Membership.DoesNotExist
        return membership
    visible = communes_administered(principal).filter(pk=membership.commune_id)
    if not visible.exists():
        raise Membership.DoesNotExist
    return membership


def roles_of(user: User) -> list[Membership]:
    """The person's own roles, for "Mon espace"."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.select_related("commune")
        .filter(user=user)
        .order_by("commune__name", "role")
    )


@dataclass(frozen=True)
class AuditFilters:
    search: str = ""
    commune_id: int | None = None
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(
    principal: Principal, filters: AuditFilters | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries the principal may read: all for a CUA administrator, those of their
    communes for a commune administrator, none for anyone else."""
    filters = filters or AuditFilters()
    entries = AuditEntry.objects.all()
    ids = commune_ids_with_role(principal, ADMIN_ROLES)
    if ids is not None:
        entries = entries.filter(commune_id__in=ids)
    if filters.commune_id:
        entries = entries.filter(commune_id=filters.commune_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(actor_label__icontains=filters.actor)
    if filters.search:
        entries = entries.filter(
            Q(object_repr__icontains=filters.search)
            | Q(action__icontains=filters.search)
            | Q(actor_label__icontains=filters.search)
            | Q(object_id=filters.search)
        )
    if filters.since:
        entries = entries.filter(at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(at__lt=_day_start(filters.until) + timedelta(days=1))
    return entries.order_by("-at", "-id")


def api_keys_of_commune(principal: Principal, *, commune: Commune) -> QuerySet[ApiKey]:
    if not can(principal, "core.manage_api_keys", commune):
        return ApiKey.objects.none()
    return ApiKey.objects.select_related("created_by").filter(commune=commune)


def api_key_for_manager(principal: Principal, *, pk: int) -> ApiKey:
    key = ApiKey.objects.select_related("commune").get(pk=pk)
    if not communes_administered(principal).filter(pk=key.commune_id).exists():
        raise ApiKey.DoesNotExist
    return key
