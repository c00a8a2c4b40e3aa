"""Reads of the governance module. Every read of commune data takes the principal and
returns only what it may see (views never filter commune data themselves)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from territoire.core.models import Commune, Role, User
from territoire.core.permissions import Principal, commune_ids_with_role, has_role
from territoire.governance.models import (
    CharterStatus,
    CharterVersion,
    Condition,
    Dataset,
    Meeting,
    ProcessingActivity,
    Project,
    ProjectState,
    Review,
)
from territoire.governance.models.registers import AlgorithmEntry
from territoire.governance.permissions import MODULE, READERS, TEAM, is_committee
from territoire.governance.registers import activity_completeness

# --- charter -----------------------------------------------------------------------------


def charter_versions(*, include_drafts: bool = False) -> QuerySet[CharterVersion]:
    versions = CharterVersion.objects.all()
    return versions if include_drafts else versions.filter(status=CharterStatus.PUBLISHED)


def charter_current() -> CharterVersion | None:
    return charter_versions().first()


# --- projects ----------------------------------------------------------------------------


def projects(
    principal: Principal, *, search: str = "", state: str = "", commune_id: int | None = None
) -> QuerySet[Project]:
    """Projects the principal may see: the committee sees all; a project team its communes';
    elected officials the decided projects of their communes and of the CUA."""
    qs = Project.objects.select_related("commune").order_by("-updated_at")
    if not is_committee(principal):
        team = commune_ids_with_role(principal, TEAM, module=MODULE)
        if team is not None:
            visible = Q(commune_id__in=team)
            elected = commune_ids_with_role(principal, {Role.ELECTED}, module=MODULE)
            decided = Q(state=ProjectState.DECIDED)
            if elected is None:
                visible |= decided
            elif elected:
                visible |= decided & (Q(commune_id__in=elected) | Q(commune__isnull=True))
            qs = qs.filter(visible)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(purpose__icontains=search))
    if state:
        qs = qs.filter(state=state)
    if commune_id == 0:
        qs = qs.filter(commune__isnull=True)
    elif commune_id:
        qs = qs.filter(commune_id=commune_id)
    return qs


def project_get(principal: Principal, *, pk: int) -> Project:
    """One visible project, else Project.DoesNotExist (shown as 404)."""
    return projects(principal).get(pk=pk)


def project_reviews(project: Project) -> QuerySet[Review]:
    return (
        project.reviews.select_related("charter", "decision")
        .prefetch_related("reviewers", "decision__conditions")
        .order_by("-revision")
    )


def communes_for_projects(principal: Principal) -> QuerySet[Commune]:
    ids = commune_ids_with_role(principal, TEAM, module=MODULE)
    communes = Commune.objects.all()
    return communes if ids is None else communes.filter(pk__in=ids)


def may_work_for_cua(principal: Principal) -> bool:
    """Territory-wide team members write the CUA's own sheets and registers."""
    return has_role(principal, TEAM, commune=None, module=MODULE)


# --- committee ---------------------------------------------------------------------------


def queue(principal: Principal) -> dict[str, QuerySet]:
    """The committee's queue: projects waiting for reviewers, reviews under way."""
    visible = projects(principal)
    return {
        "awaiting": visible.filter(state=ProjectState.SUBMITTED),
        "in_review": Review.objects.filter(is_open=True, project__in=visible)
        .select_related("project", "project__commune")
        .prefetch_related("reviewers")
        .order_by("created_at"),
    }


def reviews_assigned(principal: Principal) -> QuerySet[Review]:
    if not isinstance(principal, User):
        return Review.objects.none()
    return (
        Review.objects.filter(is_open=True, reviewers=principal)
        .select_related("project", "project__commune")
        .order_by("created_at")
    )


def review_get(principal: Principal, *, pk: int) -> Review:
    return Review.objects.select_related("project", "charter").get(
        pk=pk, project__in=projects(principal)
    )


def meetings() -> QuerySet[Meeting]:
    return Meeting.objects.annotate(items=Count("reviews"))


def pending_conditions(principal: Principal) -> QuerySet[Condition]:
    return (
        Condition.objects.filter(
            met_at__isnull=True, decision__review__project__in=projects(principal)
        )
        .select_related("decision__review__project", "decision__review__project__commune")
        .order_by("due_on", "pk")
    )


def committee_members() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, memberships__role=Role.COMMITTEE_MEMBER)
        .distinct()
        .order_by("last_name", "first_name")
    )


# --- registers ---------------------------------------------------------------------------


def algorithms_public(
    *, search: str = "", commune_id: int | None = None
) -> QuerySet[AlgorithmEntry]:
    qs = AlgorithmEntry.objects.filter(published=True).select_related("commune")
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(purpose__icontains=search) | Q(service__icontains=search)
        )
    if commune_id == 0:
        qs = qs.filter(commune__isnull=True)
    elif commune_id:
        qs = qs.filter(commune_id=commune_id)
    return qs


def algorithms_managed(principal: Principal) -> QuerySet[AlgorithmEntry]:
    """Entries (published or not) of the communes the principal keeps registers for."""
    ids = commune_ids_with_role(principal, TEAM, module=MODULE)
    qs = AlgorithmEntry.objects.select_related("commune")
    return qs if ids is None else qs.filter(commune_id__in=ids)


def datasets_public(*, search: str = "", theme: str = "") -> QuerySet[Dataset]:
    qs = (
        Dataset.objects.filter(published=True)
        .select_related("commune")
        .prefetch_related("distributions")
    )
    if search:
        qs = qs.filter(
            Q(title__icontains=search)
            | Q(description__icontains=search)
            | Q(keywords__icontains=search)
        )
    if theme:
        qs = qs.filter(theme=theme)
    return qs


def datasets_managed(principal: Principal) -> QuerySet[Dataset]:
    ids = commune_ids_with_role(principal, TEAM, module=MODULE)
    qs = Dataset.objects.select_related("commune")
    return qs if ids is None else qs.filter(commune_id__in=ids)


def gdpr_communes(principal: Principal) -> QuerySet[Commune]:
    """Communes whose GDPR register the principal may read."""
    ids = commune_ids_with_role(principal, READERS, module=MODULE)
    return Commune.objects.all() if ids is None else Commune.objects.filter(pk__in=ids)


def activities(principal: Principal, *, commune: Commune | None) -> QuerySet[ProcessingActivity]:
    """A commune's register (commune None: the CUA's own), empty if not readable."""
    qs = ProcessingActivity.objects.select_related("commune", "project").order_by("name")
    if commune is None:
        return (
            qs.filter(commune__isnull=True)
            if has_role(principal, READERS, commune=None, module=MODULE)
            else qs.none()
        )
    if not has_role(principal, READERS, commune=commune, module=MODULE):
        return qs.none()
    return qs.filter(commune=commune)


# --- dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneCompleteness:
    commune: Commune | None
    activities: int
    score: float  # 0–1; 0 when the register is empty


def register_completeness() -> list[CommuneCompleteness]:
    """Every commune's register completeness (mean of its sheets), least complete first, so
    the CUA sees which communes need help. The CUA's own register comes first."""
    by_commune: dict[int | None, list[float]] = {}
    for activity in ProcessingActivity.objects.select_related("project"):
        by_commune.setdefault(activity.commune_id, []).append(activity_completeness(activity).score)
    rows = [
        CommuneCompleteness(
            commune,
            len(scores := by_commune.get(commune.pk, [])),
            sum(scores) / len(scores) if scores else 0.0,
        )
        for commune in Commune.objects.order_by("name")
    ]
    rows.sort(key=lambda row: (row.score, row.commune.name if row.commune else ""))
    cua = by_commune.get(None, [])
    return [CommuneCompleteness(None, len(cua), sum(cua) / len(cua) if cua else 0.0), *rows]


@dataclass(frozen=True)
class Dashboard:
    by_state: list[tuple[str, int]]
    by_risk: list[tuple[str, int]]
    dpia_due: list[Project]
    pending_conditions: int
    overdue_conditions: int


def dashboard(principal: Principal) -> Dashboard:
    """Projects by state and AI risk tier, DPIAs due (required by the screen and not done
    in the GDPR register), conditions pending and overdue."""
    visible = list(projects(principal).prefetch_related("activities"))
    states = dict(ProjectState.choices)
    counts: dict[str, int] = {}
    risks: dict[str, int] = {}
    dpia_due = []
    for project in visible:
        counts[project.state] = counts.get(project.state, 0) + 1
        screening = project.screening()
        risks[screening.ai_act.label] = risks.get(screening.ai_act.label, 0) + 1
        if screening.dpia.code == "required" and not any(
            activity.dpia_status == "done" for activity in project.activities.all()
        ):
            dpia_due.append(project)
    pending = pending_conditions(principal)
    today = timezone.localdate()
    return Dashboard(
        by_state=[(str(label), counts.get(code, 0)) for code, label in states.items()],
        by_risk=sorted(risks.items()),
        dpia_due=dpia_due,
        pending_conditions=pending.count(),
        overdue_conditions=pending.filter(due_on__lt=today).count(),
    )
