"""Reads of the rights module. Every read of commune data is scoped to the communes where
the person advises (``rights.advise``) or reads statistics."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from territoire.core.models import Commune, Role
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.rights.models import (
    Detection,
    LocalAid,
    Outcome,
    PooledHousehold,
    PooledImport,
    SavedSimulation,
)
from territoire.rights.permissions import ADVISERS, MODULE, STATS_READERS


def _scope(qs: QuerySet, principal: Principal, roles=ADVISERS, field: str = "commune_id"):
    ids = commune_ids_with_role(principal, roles, module=MODULE)
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def adviser_communes(principal: Principal) -> QuerySet[Commune]:
    """The communes whose households this adviser follows (every commune for the CUA)."""
    ids = commune_ids_with_role(principal, ADVISERS, module=MODULE)
    return Commune.objects.all() if ids is None else Commune.objects.filter(pk__in=ids)


def local_aids_for(commune_id: int | None) -> QuerySet[LocalAid]:
    """Active aids of the CUA and of the commune (public: the simulator shows them)."""
    return LocalAid.objects.filter(is_active=True).filter(
        Q(commune__isnull=True) | Q(commune_id=commune_id)
    )


def local_aids_managed(principal: Principal) -> QuerySet[LocalAid]:
    ids = commune_ids_with_role(principal, ADVISERS, module=MODULE)
    qs = LocalAid.objects.select_related("commune")
    if ids is None:
        return qs
    return qs.filter(Q(commune_id__in=ids) | Q(commune__isnull=True))


def detections_for(
    principal: Principal, *, commune_id: int | None = None, benefit: str = "", status: str = ""
) -> QuerySet[Detection]:
    """Probable unclaimed rights of the person's communes, largest first."""
    qs = _scope(Detection.objects.select_related("household", "commune"), principal)
    if commune_id:
        qs = qs.filter(commune_id=commune_id)
    if benefit:
        qs = qs.filter(benefit=benefit)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-monthly_amount", "pk")


def household_for_adviser(principal: Principal, pk: int) -> PooledHousehold:
    """One household of the person's communes, else PooledHousehold.DoesNotExist."""
    return _scope(PooledHousehold.objects.select_related("commune"), principal).get(pk=pk)


def detection_for_adviser(principal: Principal, pk: int) -> Detection:
    return _scope(Detection.objects.all(), principal).get(pk=pk)


def saved_simulations_for(principal: Principal) -> QuerySet[SavedSimulation]:
    """The person's own saved simulations, and those of the communes they advise."""
    own = SavedSimulation.objects.filter(saved_by_id=getattr(principal, "pk", None))
    ids = commune_ids_with_role(principal, ADVISERS, module=MODULE)
    if ids is None:
        return SavedSimulation.objects.select_related("commune")
    return (own | SavedSimulation.objects.filter(commune_id__in=ids)).select_related("commune")


def imports_list() -> QuerySet[PooledImport]:
    return PooledImport.objects.all()


def non_take_up_stats(principal: Principal) -> dict:
    """Probable non-take-up by benefit and by commune, and rights opened through the
    programme (count and monthly euros), by month of opening."""
    roles = STATS_READERS | {Role.ELECTED}
    ids = commune_ids_with_role(principal, roles, module=None)
    qs = Detection.objects.all() if ids is None else Detection.objects.filter(commune_id__in=ids)
    opened = Q(status=Outcome.OPENED)
    by_benefit = qs.values("benefit").annotate(
        count=Count("pk"), amount=Sum("monthly_amount"), opened=Count("pk", filter=opened)
    )
    by_commune = qs.values("commune__name").annotate(
        count=Count("pk"), amount=Sum("monthly_amount"), opened=Count("pk", filter=opened)
    )
    over_time: dict[str, dict] = {}
    for changed, amount in qs.filter(opened).values_list("status_changed_at", "monthly_amount"):
        key = f"{changed:%Y-%m}" if changed else "?"
        slot = over_time.setdefault(key, {"count": 0, "amount": 0})
        slot["count"] += 1
        slot["amount"] += amount
    return {
        "by_benefit": sorted(by_benefit, key=lambda r: -r["count"]),
        "by_commune": sorted(by_commune, key=lambda r: r["commune__name"]),
        "over_time": sorted(over_time.items()),
        "opened_total": qs.filter(opened).aggregate(total=Sum("monthly_amount"))["total"] or 0,
    }
