"""The committee's annual public report (Nantes Métropole's model): for one calendar year,
the projects reviewed, the decisions and their conditions, the algorithms entered in the
public register and the impact assessments (DPIA, FRIA) the reviewed projects required.

Every table is a ``Table`` (caption, header, rows of text) shared by the page and its CSV
exports, so the printed report and the downloaded files cannot disagree. Public: it shows
only decided projects (decision, reasons, conditions — what elected officials already see),
never a working sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from territoire.governance.models import (
    AlgorithmEntry,
    Decision,
    DpiaStatus,
    Outcome,
    Review,
)

FIRST_YEAR = 2020


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV file's name
    caption: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class AnnualReport:
    year: int
    reviews_opened: int
    projects_decided: int
    by_outcome: list[tuple[str, int]]
    conditions_total: int
    conditions_met: int
    algorithms_total: int
    assessments_due: int
    tables: dict[str, Table]


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def report_years() -> list[int]:
    """Years a report may be asked for, latest first: from the first decision or register
    entry (at the earliest FIRST_YEAR) to the current year."""
    now = timezone.localdate().year
    first = now
    for model in (Decision, AlgorithmEntry):
        oldest = model.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if oldest:
            first = min(first, timezone.localtime(oldest).year)
    return list(range(now, max(first, FIRST_YEAR) - 1, -1))


def annual_report(year: int) -> AnnualReport:
    decisions = list(
        Decision.objects.filter(created_at__year=year)
        .select_related("review__project__commune", "meeting")
        .prefetch_related("conditions", "review__project__activities")
        .order_by("created_at", "pk")
    )
    outcomes = dict(Outcome.choices)
    counts = {row["outcome"]: row["n"] for row in _outcome_counts(year)}
    decision_rows = []
    condition_rows = []
    assessment_rows = []
    conditions_met = 0
    for decision in decisions:
        project = decision.review.project
        decision_rows.append(
            (
                project.title,
                project.owner_label,
                str(decision.review.revision),
                _date(decision.created_at),
                str(outcomes.get(decision.outcome, decision.outcome)),
                decision.reasons,
                str(decision.meeting) if decision.meeting else "",
            )
        )
        for condition in decision.conditions.all():
            conditions_met += condition.met_at is not None
            condition_rows.append(
                (
                    project.title,
                    condition.text,
                    condition.due_on.strftime("%d/%m/%Y") if condition.due_on else "",
                    _date(condition.met_at) if condition.met_at else "Non",
                )
            )
        screening = project.screening()
        fria = screening.fria_required
        if screening.dpia_required or fria:
            assessment_rows.append(
                (
                    project.title,
                    project.owner_label,
                    "Oui" if screening.dpia_required else "Non",
                    _dpia_state(project) if screening.dpia_required else "",
                    "Oui" if fria else "Non",
                )
            )
    algorithms = AlgorithmEntry.objects.filter(published=True, created_at__year=year).order_by(
        "name"
    )
    tables = {
        "decisions": Table(
            "decisions",
            f"Avis rendus par le comité en {year}",
            ("Projet", "Porteur", "Version", "Date", "Avis", "Motifs", "Séance"),
            decision_rows,
        ),
        "conditions": Table(
            "conditions",
            f"Conditions posées en {year}",
            ("Projet", "Condition", "Échéance", "Levée le"),
            condition_rows,
        ),
        "algorithmes": Table(
            "algorithmes",
            f"Algorithmes inscrits au registre public en {year}",
            ("Algorithme", "Administration", "Service", "Place dans la décision", "Inscrit le"),
            [
                (
                    entry.name,
                    entry.administration,
                    entry.service,
                    entry.get_automation_level_display(),
                    _date(entry.created_at),
                )
                for entry in algorithms
            ],
        ),
        "analyses-impact": Table(
            "analyses-impact",
            f"Analyses d'impact requises par les projets examinés en {year}",
            ("Projet", "Porteur", "AIPD requise", "État de l'AIPD", "AIDF requise"),
            assessment_rows,
        ),
    }
    return AnnualReport(
        year=year,
        reviews_opened=Review.objects.filter(created_at__year=year).count(),
        projects_decided=len({d.review.project_id for d in decisions}),
        by_outcome=[(str(label), counts.get(code, 0)) for code, label in Outcome.choices],
        conditions_total=len(condition_rows),
        conditions_met=conditions_met,
        algorithms_total=AlgorithmEntry.objects.filter(published=True).count(),
        assessments_due=len(assessment_rows),
        tables=tables,
    )


def _outcome_counts(year: int):
    return (
        Decision.objects.filter(created_at__year=year)
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _dpia_state(project) -> str:
    """The most advanced DPIA status of the register sheets linked to the project."""
    order = [DpiaStatus.DONE, DpiaStatus.IN_PROGRESS, DpiaStatus.TO_DO]
    statuses = {activity.dpia_status for activity in project.activities.all()}
    for status in order:
        if status in statuses:
            return str(status.label)
    return "Non renseignée au registre RGPD"
