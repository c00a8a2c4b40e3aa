"""Reads of the procedures: the public catalogue, a requester's own requests, the agents'
queues (scoped to the communes where they process requests) and statistics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from territoire.core.models import Commune, Role, User
from territoire.core.permissions import Principal, commune_ids_with_role
from territoire.knowledge.text import terms
from territoire.procedures.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    FormVersion,
    Procedure,
    ProcedureStatus,
    Request,
    RequestStatus,
)
from territoire.procedures.permissions import MODULE, PROCESSORS, READERS


def catalogue(*, query: str = "", commune: Commune | None = None) -> list[Procedure]:
    """Published procedures (a commune's own and the CUA's), matched on every query term in
    their title, summary or service, accents and word forms ignored."""
    procedures = Procedure.objects.filter(status=ProcedureStatus.PUBLISHED).select_related(
        "commune"
    )
    if commune is not None:
        procedures = procedures.filter(Q(commune=commune) | Q(commune__isnull=True))
    wanted = set(terms(query))
    if not wanted:
        return list(procedures)
    return [
        procedure
        for procedure in procedures
        if wanted <= set(terms(f"{procedure.title} {procedure.summary} {procedure.service}"))
    ]


def latest_versions(procedures: Iterable[Procedure]) -> dict[int, FormVersion]:
    """Each procedure's current form version, in one query (the latest number wins)."""
    latest: dict[int, FormVersion] = {}
    for version in FormVersion.objects.filter(procedure__in=procedures).order_by("number"):
        latest[version.procedure_id] = version
    return latest


def published_procedure(*, pk: int) -> Procedure:
    return Procedure.objects.select_related("commune").get(pk=pk, status=ProcedureStatus.PUBLISHED)


def _scope(principal: Principal, roles: set[Role], queryset: QuerySet, field: str = "commune_id"):
    ids = commune_ids_with_role(principal, roles, module=MODULE)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})


def managed_procedures(principal: Principal) -> QuerySet[Procedure]:
    """Procedures (every status) the principal may manage."""
    return _scope(principal, PROCESSORS, Procedure.objects.select_related("commune"))


def managed_procedures_counted(principal: Principal) -> QuerySet[Procedure]:
    """The same, each with the number of its sent requests (the catalogue page)."""
    return managed_procedures(principal).annotate(
        request_count=Count("requests", filter=~Q(requests__status=RequestStatus.DRAFT))
    )


def managed_procedure(principal: Principal, *, pk: int) -> Procedure:
    return managed_procedures(principal).get(pk=pk)


def processing_communes(principal: Principal) -> QuerySet[Commune]:
    ids = commune_ids_with_role(principal, PROCESSORS, module=MODULE)
    return Commune.objects.all() if ids is None else Commune.objects.filter(pk__in=ids)


def my_requests(user: User) -> QuerySet[Request]:
    return Request.objects.filter(user=user).select_related("procedure").order_by("-created_at")


def request_for_requester(
    user: User | AnonymousUser, session_ids: list[int], *, tracking_number: str
) -> Request:
    """The requester's own request (signed in: theirs; anonymous: proven in this session),
    else Request.DoesNotExist — the same answer whether it exists or not."""
    owned = Q(user=user) if user.is_authenticated else Q(pk__in=[])
    proven = Q(pk__in=session_ids, user__isnull=True)
    return Request.objects.select_related("procedure", "version").get(
        owned | proven, tracking_number=tracking_number
    )


def anonymous_request(*, tracking_number: str, email: str) -> Request | None:
    """An anonymous request matching number and e-mail (both needed)."""
    return Request.objects.filter(
        tracking_number=tracking_number.strip().upper(),
        email=email.strip().lower(),
        user__isnull=True,
    ).first()


@dataclass
class QueueFilters:
    commune: Commune | None = None
    procedure: Procedure | None = None
    service: str = ""
    status: str = "open"  # "open", "all", or a RequestStatus
    assigned: str = ""  # "", "me", "none"
    overdue: bool = False
    query: str = ""
    sort: str = "-submitted_at"


SORTS = {
    "-submitted_at": ("-submitted_at", "-id"),
    "submitted_at": ("submitted_at", "id"),
    "due_at": ("due_at", "id"),
    "-due_at": ("-due_at", "-id"),
}


def queue(principal: Principal, filters: QueueFilters | None = None) -> QuerySet[Request]:
    """Sent requests of the communes where the principal processes requests."""
    filters = filters or QueueFilters()
    requests = _scope(principal, PROCESSORS, Request.objects.exclude(status=RequestStatus.DRAFT))
    if filters.commune is not None:
        requests = requests.filter(commune=filters.commune)
    if filters.procedure is not None:
        requests = requests.filter(procedure=filters.procedure)
    if filters.service:
        requests = requests.filter(service=filters.service)
    if filters.status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif filters.status in RequestStatus.values:
        requests = requests.filter(status=filters.status)
    if filters.assigned == "me":
        requests = requests.filter(assigned_to=principal)
    elif filters.assigned == "none":
        requests = requests.filter(assigned_to__isnull=True)
    if filters.overdue:
        requests = requests.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.localdate())
    if filters.query.strip():
        # Numbers are stored upper-case and addresses lower-case: exact matches use indexes.
        text = filters.query.strip()
        requests = requests.filter(Q(tracking_number=text.upper()) | Q(email=text.lower()))
    return requests.select_related("procedure", "commune", "assigned_to").order_by(
        *SORTS.get(filters.sort, SORTS["-submitted_at"])
    )


def request_for_agent(principal: Principal, *, tracking_number: str) -> Request:
    return (
        queue(principal, QueueFilters(status="all"))
        .select_related("version")
        .get(tracking_number=tracking_number)
    )


def processors_of(request: Request) -> QuerySet[User]:
    """People who may process this request (to assign it): agents of the procedures module
    and administrators of its commune, and those with a territory-wide role."""
    scope = Q(memberships__commune__isnull=True)
    if request.commune_id is not None:
        scope |= Q(memberships__commune_id=request.commune_id)
    return (
        User.objects.filter(
            scope,
            Q(memberships__role__in=PROCESSORS) | Q(memberships__role=Role.CUA_ADMIN),
            memberships__module__in=["", MODULE],
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def services_of(principal: Principal) -> list[str]:
    return sorted(
        set(managed_procedures(principal).exclude(service="").values_list("service", flat=True))
    )


@dataclass
class ProcedureStats:
    procedure: Procedure
    total: int
    open: int
    accepted: int
    refused: int
    overdue: int
    median_days: float | None


def statistics(principal: Principal) -> list[ProcedureStats]:
    """Volume and median processing time (sent → decided) per procedure the principal may
    read. The median is computed over the decided requests' durations."""
    procedures = _scope(principal, READERS, Procedure.objects.select_related("commune"))
    requests = _scope(principal, READERS, Request.objects.exclude(status=RequestStatus.DRAFT))
    today = timezone.localdate()
    counts = {
        row["procedure"]: row
        for row in requests.values("procedure").annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            accepted=Count("id", filter=Q(status=RequestStatus.ACCEPTED)),
            refused=Count("id", filter=Q(status=RequestStatus.REFUSED)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=today)),
        )
    }
    durations: dict[int, list[timedelta]] = {}
    for procedure_id, sent, decided in (
        requests.filter(
            status__in=FINAL_STATUSES, decided_at__isnull=False, submitted_at__isnull=False
        )
        .values_list("procedure", "submitted_at", "decided_at")
        .iterator()
    ):
        durations.setdefault(procedure_id, []).append(decided - sent)
    out = []
    for procedure in procedures:
        row = counts.get(procedure.pk, {})
        spans = durations.get(procedure.pk)
        out.append(
            ProcedureStats(
                procedure=procedure,
                total=row.get("total", 0),
                open=row.get("open", 0),
                accepted=row.get("accepted", 0),
                refused=row.get("refused", 0),
                overdue=row.get("overdue", 0),
                median_days=round(median(s.total_seconds() for s in spans) / 86400, 1)
                if spans
                else None,
            )
        )
    return out
