"""Changes after publication, audited like every write.

- A participant may edit their own proposal, debate or comment during
  PARTICIPATION_EDIT_MINUTES after publishing it, while it is not hidden by moderation; a
  proposal only while nobody has supported or voted for it and the collectivité has not
  answered it (what people supported must not change under them). The page then says
  "modifié le …".
- Agents who manage a process may edit its presentation and settings, and edit or delete
  its phases (phases may not overlap).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from territoire.core.audit import audit_record
from territoire.core.models import User
from territoire.core.permissions import require
from territoire.participation.media import clean_photo
from territoire.participation.models import (
    Comment,
    Debate,
    Phase,
    PhaseKind,
    Process,
    Proposal,
    ProposalStatus,
)
from territoire.participation.services import _profile, _text


def _check_own(actor: User, obj: Proposal | Debate | Comment) -> None:
    _profile(actor)
    if obj.author_id != actor.pk:
        raise PermissionDenied("participation.edit")
    if obj.hidden:
        raise ValidationError("Une contribution masquée par la modération ne peut être modifiée.")
    if timezone.now() >= obj.editable_until:
        raise ValidationError(
            f"Le délai de modification ({settings.PARTICIPATION_EDIT_MINUTES} minutes après "
            "la publication) est passé."
        )


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``values`` on ``obj``; returns {field: [before, after]} for what changed."""
    changes = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            changes[name] = [str(before) if before is not None else "", str(value)]
            setattr(obj, name, value)
    return changes


@transaction.atomic
def proposal_edit(
    *,
    actor: User,
    proposal: Proposal,
    title: str,
    body: str,
    category: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photo: UploadedFile | None = None,
    photo_alt: str = "",
    remove_photo: bool = False,
) -> Proposal:
    """The author edits their proposal (see the module docstring for when)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _check_own(actor, proposal)
    if proposal.support_count or proposal.vote_count:
        raise ValidationError("Cette proposition a déjà des soutiens : elle ne peut plus changer.")
    if proposal.status != ProposalStatus.PENDING:
        raise ValidationError("La collectivité a répondu à cette proposition : elle est figée.")
    process = proposal.process
    if category and process.categories and category not in process.categories:
        raise ValidationError({"category": "Choisissez une catégorie dans la liste."})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": "Indiquez la latitude et la longitude, ou aucune."})
    changes = _diff(
        proposal,
        {
            "title": _text(title, "title", "un titre", 150),
            "body": _text(body, "body", "une description", 5000),
            "category": category,
            "latitude": latitude,
            "longitude": longitude,
        },
    )
    old_photo = proposal.photo.name if proposal.photo else ""
    if photo is not None:
        proposal.photo_alt = _text(photo_alt, "photo_alt", "ce que montre la photo", 200)
        cleaned = clean_photo(photo)
        proposal.photo.save(cleaned.name or "photo.jpg", cleaned, save=False)
        changes["photo"] = [old_photo, proposal.photo.name]
    elif remove_photo and old_photo:
        proposal.photo, proposal.photo_alt = None, ""
        changes["photo"] = [old_photo, ""]
    elif old_photo and photo_alt.strip() and photo_alt.strip() != proposal.photo_alt:
        changes["photo_alt"] = [proposal.photo_alt, photo_alt.strip()[:200]]
        proposal.photo_alt = photo_alt.strip()[:200]
    proposal.edited_at = timezone.now()
    proposal.save()
    if "photo" in changes and old_photo:
        storage, name = proposal.photo.storage, old_photo
        transaction.on_commit(lambda: storage.delete(name))
    audit_record(
        actor=actor,
        action="participation.proposal_edit",
        obj=proposal,
        commune=process.commune_id,
        changes=changes,
    )
    return proposal


@transaction.atomic
def debate_edit(*, actor: User, debate: Debate, title: str, body: str) -> Debate:
    _check_own(actor, debate)
    changes = _diff(
        debate,
        {
            "title": _text(title, "title", "un titre", 150),
            "body": _text(body, "body", "un texte", 5000),
        },
    )
    debate.edited_at = timezone.now()
    debate.save()
    audit_record(
        actor=actor,
        action="participation.debate_edit",
        obj=debate,
        commune=debate.process.commune_id,
        changes=changes,
    )
    return debate


@transaction.atomic
def comment_edit(*, actor: User, comment: Comment, body: str) -> Comment:
    _check_own(actor, comment)
    changes = _diff(comment, {"body": _text(body, "body", "votre commentaire", 3000)})
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    audit_record(
        actor=actor,
        action="participation.comment_edit",
        obj=comment,
        commune=comment.process.commune_id,
        changes=changes,
    )
    return comment


# --- agents: the process and its phases ---------------------------------------------------------


@transaction.atomic
def process_update(
    *,
    actor: User,
    process: Process,
    title: str,
    summary: str,
    description: str = "",
    residents_only: bool = False,
    categories: list[str] | None = None,
    published: bool = True,
    votes_per_ballot: int = 3,
) -> Process:
    """Edit a process's presentation and settings (its address, the slug, stays)."""
    require(actor, "participation.manage", process)
    if residents_only and process.commune_id is None:
        raise ValidationError(
            {"residents_only": "Seule une concertation communale peut être réservée aux habitants."}
        )
    if not 1 <= votes_per_ballot <= 50:
        raise ValidationError({"votes_per_ballot": "Le nombre de choix par bulletin va de 1 à 50."})
    changes = _diff(
        process,
        {
            "title": _text(title, "title", "un titre", 200),
            "summary": _text(summary, "summary", "un résumé", 300),
            "description": (description or "").replace("\x00", "").strip(),
            "residents_only": residents_only,
            "categories": [c.strip()[:100] for c in categories or [] if c.strip()],
            "published": published,
            "votes_per_ballot": votes_per_ballot,
        },
    )
    process.save()
    audit_record(
        actor=actor,
        action="participation.process_update",
        obj=process,
        commune=process.commune_id,
        changes=changes,
    )
    return process


@transaction.atomic
def phase_update(
    *, actor: User, phase: Phase, kind: str, starts_at: datetime, ends_at: datetime
) -> Phase:
    """Change a phase's kind or dates; phases of a process may not overlap."""
    process = phase.process
    require(actor, "participation.manage", process)
    if kind not in PhaseKind.values:
        raise ValidationError({"kind": "Choisissez une étape dans la liste."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_on": "La fin de l'étape doit suivre son début."})
    overlapping = process.phases.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
    if overlapping.exclude(pk=phase.pk).exists():
        raise ValidationError({"starts_on": "Ces dates chevauchent une autre étape."})
    changes = _diff(phase, {"kind": kind, "starts_at": starts_at, "ends_at": ends_at})
    phase.save()
    audit_record(
        actor=actor,
        action="participation.phase_update",
        obj=process,
        commune=process.commune_id,
        changes=changes,
    )
    return phase


@transaction.atomic
def phase_delete(*, actor: User, phase: Phase) -> None:
    process = phase.process
    require(actor, "participation.manage", process)
    audit_record(
        actor=actor,
        action="participation.phase_delete",
        obj=process,
        commune=process.commune_id,
        changes={"kind": phase.kind, "starts_at": phase.starts_at, "ends_at": phase.ends_at},
    )
    phase.delete()
