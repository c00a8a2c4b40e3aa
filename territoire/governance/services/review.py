"""Writes of the charter, the project sheets and the committee's review workflow:
submitted → in review (reviewers among committee members) → opinions per principle →
decision with reasons and tracked conditions; a changed project goes back to the committee."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from territoire.core.audit import audit_record, diff, register_actions, snapshot
from territoire.core.models import Commune, Role, User
from territoire.core.permissions import has_role, require
from territoire.governance.consultation import open_consultation
from territoire.governance.models import (
    CharterPrinciple,
    CharterStatus,
    CharterVersion,
    Condition,
    Decision,
    Meeting,
    Opinion,
    Outcome,
    Project,
    ProjectState,
    Review,
)

register_actions(
    {
        "governance.charter_draft": "Charte : nouvelle version en préparation",
        "governance.charter_update": "Charte : version modifiée",
        "governance.charter_principle": "Charte : principe enregistré",
        "governance.charter_principle_delete": "Charte : principe retiré",
        "governance.charter_publish": "Charte : version publiée",
        "governance.project_create": "Projet données/IA créé",
        "governance.project_update": "Projet données/IA modifié",
        "governance.project_submit": "Projet soumis au comité",
        "governance.review_assign": "Rapporteurs désignés",
        "governance.opinions": "Avis par principe donnés",
        "governance.decision": "Avis du comité rendu",
        "governance.condition_met": "Condition levée",
        "governance.meeting_schedule": "Séance du comité programmée",
        "governance.meeting_notes": "Notes de séance enregistrées",
    }
)

MIN_REVIEWERS = 2
PROJECT_FIELDS = [
    "title",
    "purpose",
    "public_benefit",
    "service_owner",
    "data_categories",
    "personal_data",
    "sensitive_data",
    "data_sources",
    "other_institutions",
    "people_affected",
    "vulnerable_people",
    "large_scale",
    "individual_decisions",
    "fully_automated",
    "is_ai",
    "ai_kind",
    "frugality_test",
    "energy_footprint",
    "equipment_footprint",
    "hosting",
    "vendors",
    "human_oversight",
    "information_and_contest",
    "edpb_criteria",
    "cnil_cases",
    "ai_uses",
]
PRINCIPLE_FIELDS = ["code", "position", "title", "explanation", "questions"]


# --- charter -------------------------------------------------------------------------------


def _require_draft(version: CharterVersion) -> None:
    if version.status != CharterStatus.DRAFT:
        raise ValidationError("Une version publiée ne change plus : préparez une nouvelle version.")


@transaction.atomic
def charter_version_create_draft(*, actor: User, title: str = "") -> CharterVersion:
    """A new draft, starting from the latest published version's principles."""
    require(actor, "governance.manage_charter")
    if CharterVersion.objects.filter(status=CharterStatus.DRAFT).exists():
        raise ValidationError("Une version est déjà en préparation : modifiez-la ou publiez-la.")
    latest = CharterVersion.objects.filter(status=CharterStatus.PUBLISHED).first()
    number = (CharterVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CharterVersion.objects.create(
        number=number,
        title=title or (latest.title if latest else "Charte de la donnée et de l'IA"),
        summary=latest.summary if latest else "",
    )
    if latest:
        CharterPrinciple.objects.bulk_create(
            CharterPrinciple(version=version, **snapshot(p, PRINCIPLE_FIELDS))
            for p in latest.principles.all()
        )
    audit_record(actor=actor, action="governance.charter_draft", obj=version)
    return version


@transaction.atomic
def charter_version_update(
    *, actor: User, version: CharterVersion, title: str, summary: str, change_note: str
) -> CharterVersion:
    require(actor, "governance.manage_charter")
    _require_draft(version)
    before = snapshot(version, ["title", "summary", "change_note"])
    version.title, version.summary, version.change_note = title.strip(), summary, change_note
    if not version.title:
        raise ValidationError({"title": "Indiquez le titre de la charte."})
    version.save()
    audit_record(
        actor=actor,
        action="governance.charter_update",
        obj=version,
        changes=diff(before, snapshot(version, ["title", "summary", "change_note"])),
    )
    return version


@transaction.atomic
def charter_principle_save(
    *,
    actor: User,
    version: CharterVersion,
    principle: CharterPrinciple | None = None,
    **fields: Any,
) -> CharterPrinciple:
    """Create or change a principle of a draft version; the code identifies the principle
    across versions (it is what the comparison between versions follows)."""
    require(actor, "governance.manage_charter")
    _require_draft(version)
    clash = version.principles.filter(code=fields["code"])
    if principle is not None:
        clash = clash.exclude(pk=principle.pk)
    if clash.exists():
        raise ValidationError({"code": "Un autre principe de cette version a déjà ce code."})
    before = snapshot(principle, PRINCIPLE_FIELDS) if principle else {}
    if principle is None:
        principle = CharterPrinciple(version=version)
    for name in PRINCIPLE_FIELDS:
        setattr(principle, name, fields[name])
    principle.save()
    audit_record(
        actor=actor,
        action="governance.charter_principle",
        obj=principle,
        changes=diff(before, snapshot(principle, PRINCIPLE_FIELDS)),
    )
    return principle


@transaction.atomic
def charter_principle_delete(*, actor: User, principle: CharterPrinciple) -> None:
    require(actor, "governance.manage_charter")
    _require_draft(principle.version)
    audit_record(
        actor=actor,
        action="governance.charter_principle_delete",
        obj=principle,
        changes={"code": principle.code},
    )
    principle.delete()


@transaction.atomic
def charter_version_publish(*, actor: User, version: CharterVersion) -> CharterVersion:
    """Publish a draft; a consultation is opened on it when the participation module
    provides one (see governance.consultation)."""
    require(actor, "governance.manage_charter")
    _require_draft(version)
    if not version.principles.exists():
        raise ValidationError("Une charte sans principe ne peut pas être publiée.")
    version.status = CharterStatus.PUBLISHED
    version.published_at = timezone.now()
    consultation = open_consultation(version)
    if consultation is not None:
        version.consultation_ref, version.consultation_url = consultation.ref, consultation.url
    version.save()
    audit_record(
        actor=actor,
        action="governance.charter_publish",
        obj=version,
        changes={"consultation": version.consultation_ref},
    )
    return version


def current_charter() -> CharterVersion | None:
    return CharterVersion.objects.filter(status=CharterStatus.PUBLISHED).first()


# --- projects ----------------------------------------------------------------------------


def _clean_project(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = {name: values.get(name, "" if name not in _FLAGS else False) for name in PROJECT_FIELDS}
    for name in ("edpb_criteria", "cnil_cases", "ai_uses"):
        out[name] = sorted(set(values.get(name) or []))
    for name in _REQUIRED:
        if not str(out[name]).strip():
            errors[name] = "Ce champ est obligatoire."
    if out["is_ai"]:
        if not str(out["ai_kind"]).strip():
            errors["ai_kind"] = "Précisez le type d'intelligence artificielle utilisé."
        if not str(out["frugality_test"]).strip():
            errors["frugality_test"] = (
                "Expliquez pourquoi une solution plus simple, sans IA, ne suffit pas."
            )
    else:
        out["ai_uses"] = []
    if out["fully_automated"] and not out["individual_decisions"]:
        errors["fully_automated"] = (
            "Une décision entièrement automatisée est une décision individuelle : cochez aussi "
            "« décisions individuelles »."
        )
    if out["sensitive_data"] and not out["personal_data"]:
        errors["sensitive_data"] = (
            "Des données sensibles sont des données personnelles : cochez les deux."
        )
    if errors:
        raise ValidationError(errors)
    return out


_FLAGS = {
    "personal_data",
    "sensitive_data",
    "vulnerable_people",
    "large_scale",
    "individual_decisions",
    "fully_automated",
    "is_ai",
}
_REQUIRED = [
    "title",
    "purpose",
    "public_benefit",
    "service_owner",
    "data_categories",
    "people_affected",
    "human_oversight",
    "information_and_contest",
]


@transaction.atomic
def project_create(*, actor: User, commune: Commune | None, **values: Any) -> Project:
    """A project sheet in draft, for a commune or (commune None) the CUA."""
    require(actor, "governance.edit_project", commune)
    project = Project.objects.create(commune=commune, created_by=actor, **_clean_project(values))
    audit_record(actor=actor, action="governance.project_create", obj=project, commune=commune)
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, **values: Any) -> Project:
    """Change a sheet. Once the committee has it, a change is a new revision that the
    committee examines again (re-review); an open review of the old revision is closed."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "governance.edit_project", project)
    cleaned = _clean_project(values)
    before = snapshot(project, PROJECT_FIELDS)
    for name, value in cleaned.items():
        setattr(project, name, value)
    changes: dict[str, Any] = diff(before, snapshot(project, PROJECT_FIELDS))
    if not changes:
        return project
    if project.state != ProjectState.DRAFT:
        project.reviews.filter(is_open=True).update(is_open=False)
        project.revision += 1
        changes["revision"] = [project.revision - 1, project.revision]
        if project.state != ProjectState.SUBMITTED:
            changes["state"] = [project.state, ProjectState.SUBMITTED]
        project.state = ProjectState.SUBMITTED
    project.save()
    audit_record(
        actor=actor,
        action="governance.project_update",
        obj=project,
        commune=project.commune_id,
        changes=changes,
    )
    return project


@transaction.atomic
def project_submit(*, actor: User, project: Project) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(actor, "governance.edit_project", project)
    if project.state != ProjectState.DRAFT:
        raise ValidationError("Ce projet a déjà été soumis au comité.")
    _clean_project(snapshot(project, PROJECT_FIELDS))
    project.state = ProjectState.SUBMITTED
    project.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor, action="governance.project_submit", obj=project, commune=project.commune_id
    )
    return project


# --- review ------------------------------------------------------------------------------


@transaction.atomic
def review_assign(*, actor: User, project: Project, reviewers: Iterable[User]) -> Review:
    """Open the review of the project's current revision (or change its reviewers)."""
    require(actor, "governance.run_committee")
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.state not in (ProjectState.SUBMITTED, ProjectState.IN_REVIEW):
        raise ValidationError("Seul un projet soumis au comité peut être examiné.")
    chosen = list({user.pk: user for user in reviewers}.values())
    errors = []
    if len(chosen) < MIN_REVIEWERS:
        errors.append(f"Désignez au moins {MIN_REVIEWERS} rapporteurs.")
    for user in chosen:
        if not user.memberships.filter(role=Role.COMMITTEE_MEMBER).exists():
            errors.append(f"{user.get_full_name() or user.email} n'est pas membre du comité.")
        elif project.created_by_id == user.pk:
            errors.append(
                f"{user.get_full_name() or user.email} a rédigé ce projet et ne peut pas "
                "en être rapporteur."
            )
    if errors:
        raise ValidationError({"reviewers": errors})
    charter = current_charter()
    if charter is None:
        raise ValidationError("Aucune charte n'est publiée : publiez-en une avant tout examen.")
    review, _created = Review.objects.get_or_create(
        project=project, revision=project.revision, defaults={"charter": charter}
    )
    if not review.is_open:
        raise ValidationError("L'examen de cette version du projet est clos.")
    review.reviewers.set(chosen)
    project.state = ProjectState.IN_REVIEW
    project.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.review_assign",
        obj=review,
        commune=project.commune_id,
        changes={"reviewers": sorted(user.email for user in chosen)},
    )
    return review


@transaction.atomic
def opinions_record(
    *, actor: User, review: Review, opinions: Mapping[int, tuple[int, str]]
) -> list[Opinion]:
    """A reviewer's opinions, ``{principle id: (score 1–4, comment)}``; a score of 1 or 2
    needs a comment saying what is missing. Given again, they replace the previous ones."""
    require(actor, "governance.give_opinion", review)
    principles = {p.pk: p for p in review.charter.principles.all()}
    errors: dict[str, str] = {}
    for pk, (score, comment) in opinions.items():
        if pk not in principles:
            raise ValidationError("Ce principe n'appartient pas à la charte de l'examen.")
        if score not in (1, 2, 3, 4):
            errors[f"score_{pk}"] = "Choisissez une note de 1 à 4."
        elif score <= 2 and not comment.strip():
            errors[f"comment_{pk}"] = "Expliquez ce qui manque pour une note de 1 ou 2."
    if errors:
        raise ValidationError(errors)
    saved = []
    for pk, (score, comment) in opinions.items():
        opinion, _created = Opinion.objects.update_or_create(
            review=review,
            reviewer=actor,
            principle=principles[pk],
            defaults={"score": score, "comment": comment.strip()},
        )
        saved.append(opinion)
    audit_record(
        actor=actor,
        action="governance.opinions",
        obj=review,
        commune=review.project.commune_id,
        changes={principles[pk].code: score for pk, (score, _c) in opinions.items()},
    )
    return saved


def complete_reviewers(review: Review) -> list[int]:
    """Reviewers who gave an opinion on every principle of the review's charter."""
    needed = review.charter.principles.count()
    counts: dict[int, int] = {}
    for reviewer_id in review.opinions.values_list("reviewer_id", flat=True):
        counts[reviewer_id] = counts.get(reviewer_id, 0) + 1
    assigned = set(review.reviewers.values_list("pk", flat=True))
    return sorted(pk for pk, n in counts.items() if n >= needed and pk in assigned)


@transaction.atomic
def decision_record(
    *,
    actor: User,
    review: Review,
    outcome: str,
    reasons: str,
    conditions: Iterable[tuple[str, date | None]] = (),
    meeting: Meeting | None = None,
) -> Decision:
    """The committee's decision. It is collegial: it needs the complete opinions of at least
    two reviewers, so one reviewer can never decide alone."""
    require(actor, "governance.run_committee")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_open:
        raise ValidationError("Cet examen est clos.")
    errors: dict[str, Any] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "Choisissez l'avis du comité."
    if not reasons.strip():
        errors["reasons"] = "Motivez l'avis du comité."
    conditions = [(text.strip(), due) for text, due in conditions if text.strip()]
    if outcome == Outcome.CONDITIONS and not conditions:
        errors["conditions"] = "Un avis favorable sous conditions énonce au moins une condition."
    if outcome != Outcome.CONDITIONS and conditions:
        errors["conditions"] = "Seul un avis favorable sous conditions porte des conditions."
    complete = complete_reviewers(review)
    if len(complete) < MIN_REVIEWERS:
        errors["__all__"] = (
            f"L'avis est collégial : il faut les avis complets d'au moins {MIN_REVIEWERS} "
            f"rapporteurs ({len(complete)} à ce jour)."
        )
    if errors:
        raise ValidationError(errors)
    decision = Decision.objects.create(
        review=review, outcome=outcome, reasons=reasons.strip(), decided_by=actor, meeting=meeting
    )
    Condition.objects.bulk_create(
        Condition(decision=decision, text=text, due_on=due) for text, due in conditions
    )
    review.is_open = False
    review.save(update_fields=["is_open", "updated_at"])
    Project.objects.filter(pk=review.project_id).update(
        state=ProjectState.DECIDED, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="governance.decision",
        obj=decision.review.project,
        commune=review.project.commune_id,
        changes={"outcome": outcome, "conditions": len(conditions), "revision": review.revision},
    )
    return decision


@transaction.atomic
def condition_mark_met(*, actor: User, condition: Condition, note: str) -> Condition:
    project = condition.decision.review.project
    if not (
        has_role(actor, {Role.COMMITTEE_MEMBER}, anywhere=True)
        or has_role(
            actor, {Role.AGENT, Role.COMMUNE_ADMIN}, commune=project.commune_id, module="governance"
        )
    ):
        raise PermissionDenied("governance.condition_met")
    if condition.met_at is not None:
        raise ValidationError("Cette condition est déjà levée.")
    if not note.strip():
        raise ValidationError({"note": "Indiquez comment la condition a été remplie."})
    condition.met_at = timezone.now()
    condition.met_note = note.strip()
    condition.save(update_fields=["met_at", "met_note", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.condition_met",
        obj=condition,
        commune=project.commune_id,
        changes={"project": project.pk},
    )
    return condition


@transaction.atomic
def meeting_schedule(*, actor: User, held_on: datetime, place: str) -> Meeting:
    """A meeting whose agenda is the current queue: every open review."""
    require(actor, "governance.run_committee")
    if not place.strip():
        raise ValidationError({"place": "Indiquez le lieu de la séance."})
    meeting = Meeting.objects.create(held_on=held_on, place=place.strip())
    queue = list(Review.objects.filter(is_open=True))
    meeting.reviews.set(queue)
    audit_record(
        actor=actor,
        action="governance.meeting_schedule",
        obj=meeting,
        changes={"reviews": [review.pk for review in queue]},
    )
    return meeting


@transaction.atomic
def meeting_notes_update(*, actor: User, meeting: Meeting, notes: str) -> Meeting:
    require(actor, "governance.run_committee")
    before = snapshot(meeting, ["notes"])
    meeting.notes = notes
    meeting.save(update_fields=["notes", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.meeting_notes",
        obj=meeting,
        changes=diff(before, snapshot(meeting, ["notes"])),
    )
    return meeting
