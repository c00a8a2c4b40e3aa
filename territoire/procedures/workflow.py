"""Writes of requests: start a draft, save a page, submit, and the agents' work (status
changes with a message, messages both ways, internal notes, assignment, due dates, bulk
actions). Each call is one transaction with one audit entry per request it changes; the
requester is e-mailed after commit at each status change and agent message."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from territoire.core.audit import audit_record, register_actions
from territoire.core.models import ApiKey, Commune, User
from territoire.core.permissions import Principal, can, require
from territoire.core.selectors import commune_find
from territoire.procedures import schema as schemas
from territoire.procedures.attachments import check_upload
from territoire.procedures.models import (
    FINAL_STATUSES,
    Attachment,
    EventKind,
    Procedure,
    ProcedureStatus,
    Request,
    RequestEvent,
    RequestStatus,
    Routing,
)

register_actions(
    {
        "procedures.request_start": "Demande commencée",
        "procedures.request_save": "Brouillon de demande enregistré",
        "procedures.request_submit": "Demande envoyée",
        "procedures.request_transition": "Statut de demande changé",
        "procedures.request_message": "Message sur une demande",
        "procedures.request_note": "Note interne sur une demande",
        "procedures.request_assign": "Demande attribuée",
        "procedures.request_due": "Échéance de demande changée",
    }
)

# Which statuses an agent may move a request to, from each status.
AGENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RequestStatus.SUBMITTED: (
        RequestStatus.IN_REVIEW,
        RequestStatus.CORRECTION,
        RequestStatus.ACCEPTED,
        RequestStatus.REFUSED,
        RequestStatus.CLOSED,
    ),
    RequestStatus.IN_REVIEW: (
        RequestStatus.CORRECTION,
        RequestStatus.ACCEPTED,
        RequestStatus.REFUSED,
        RequestStatus.CLOSED,
    ),
    RequestStatus.CORRECTION: (RequestStatus.IN_REVIEW, RequestStatus.CLOSED),
    RequestStatus.ACCEPTED: (RequestStatus.CLOSED,),
    RequestStatus.REFUSED: (RequestStatus.CLOSED,),
}
MESSAGE_REQUIRED = {RequestStatus.CORRECTION, RequestStatus.REFUSED}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_number() -> str:
    """DM-XXXX-XXXX: 40 bits of randomness, no look-alike characters (0/O, 1/I)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"DM-{raw[:4]}-{raw[4:]}"


def may_act_as_requester(actor: Principal, request: Request, proven: bool) -> bool:
    """The signed-in owner, or (anonymous request) whoever proved number and e-mail."""
    return can(actor, "procedures.own_request", request) or (proven and request.user_id is None)


def _requester(actor: Principal, request: Request, proven: bool) -> None:
    if not may_act_as_requester(actor, request, proven):
        raise PermissionDenied("procedures.own_request")


def _event(request: Request, actor: Principal, **fields) -> RequestEvent:
    author = actor if isinstance(actor, User) else None
    label = f"Clé d'API « {actor.name} »" if isinstance(actor, ApiKey) else ""
    return RequestEvent.objects.create(
        request=request, author=author, author_label=label[:150], **fields
    )


def _notify(event: RequestEvent) -> None:
    from territoire.procedures.tasks import send_request_email

    transaction.on_commit(lambda: send_request_email(event.pk))


def _audit(actor: Principal, action: str, request: Request, **changes: Any) -> None:
    audit_record(
        actor=actor if isinstance(actor, User | ApiKey) else None,
        label=None if isinstance(actor, User | ApiKey) else "demandeur sans compte",
        action=action,
        obj=request,
        commune=request.commune_id,
        changes=changes,
    )


@transaction.atomic
def request_start(*, actor: Principal, procedure: Procedure, email: str = "") -> Request:
    """A draft request on the procedure's current form. Anonymous people give an e-mail
    address, where the procedure allows it."""
    if procedure.status != ProcedureStatus.PUBLISHED:
        raise ValidationError("Cette démarche n'est pas en ligne.")
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    if user is None:
        if not procedure.allow_anonymous:
            raise PermissionDenied("Connectez-vous pour faire cette démarche.")
        if not email.strip():
            raise ValidationError(
                {"email": "Indiquez votre adresse électronique pour suivre la demande."}
            )
    request = Request.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        commune=procedure.commune,
        service=procedure.service,
        tracking_number=new_tracking_number(),
        user=user,
        email=(user.email if user else email.strip().lower()),
    )
    _audit(actor, "procedures.request_start", request, procedure=procedure.title)
    if user is None:
        from territoire.procedures.tasks import send_tracking_number

        transaction.on_commit(lambda: send_tracking_number(request.pk))
    return request


def _editable(request: Request) -> None:
    if request.status not in (RequestStatus.DRAFT, RequestStatus.CORRECTION):
        raise ValidationError("Cette demande est envoyée : elle ne se modifie plus.")


@transaction.atomic
def request_save_page(
    *,
    actor: Principal,
    request: Request,
    values: dict[str, Any],
    files: dict[str, UploadedFile],
    proven: bool = False,
) -> Request:
    """Merge one page's answers (already validated by the page form) into the draft and
    store its files (type and size checked here)."""
    _requester(actor, request, proven)
    _editable(request)
    errors = {}
    for name, upload in files.items():
        try:
            checked = check_upload(upload)
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        request.attachments.filter(field=name, event__isnull=True).delete()
        attachment = _store(request, upload, checked, field=name)
        values[name] = {"attachment": attachment.pk, "name": attachment.original_name}
    if errors:
        raise ValidationError(errors)
    request.data = {**request.data, **values}
    request.save(update_fields=["data", "updated_at"])
    _audit(actor, "procedures.request_save", request, fields=sorted(values))
    return request


def _store(
    request: Request,
    upload: UploadedFile,
    checked: tuple[str, str],
    *,
    field: str = "",
    event: RequestEvent | None = None,
) -> Attachment:
    """Save a checked file under a random name (never the sender's) in the request's folder."""
    content_type, kind = checked
    attachment = Attachment(
        request=request,
        event=event,
        field=field,
        original_name=(upload.name or "fichier")[:255],
        content_type=content_type,
        size=upload.size or 0,
    )
    attachment.file.save(f"{secrets.token_hex(8)}.{kind}", upload, save=False)
    attachment.save()
    return attachment


def _checked_file(upload: UploadedFile | None) -> tuple[str, str] | None:
    """Check a message's file before anything is written (a refused file writes nothing)."""
    if upload is None:
        return None
    try:
        return check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"attachment": exc.messages}) from None


def missing_answers(request: Request) -> list[str]:
    """Labels of required fields still empty (for a submission)."""
    values = request.data
    missing = []
    for field in schemas.all_fields(request.version.schema):
        if not field.get("required") or not schemas.condition_met(field, values):
            continue
        if values.get(field["name"]) in (None, "", [], False):
            missing.append(field["label"])
    return missing


def routed_commune(request: Request) -> Commune | None:
    """Where the request is processed: the procedure's commune; for a CUA-wide procedure
    processed by the requester's commune, the commune answered in the form."""
    procedure = request.procedure
    if procedure.commune_id is not None or procedure.routing != Routing.COMMUNE:
        return procedure.commune
    field = schemas.commune_field(request.version.schema)
    code = request.data.get(field["name"]) if field else None
    commune = commune_find(insee_code=str(code or ""))
    if commune is None:
        raise ValidationError(
            "Indiquez votre commune dans le formulaire : c'est elle qui traite cette demande."
        )
    return commune


@transaction.atomic
def request_submit(*, actor: Principal, request: Request, proven: bool = False) -> Request:
    """Send a draft (or a corrected request) to the agents."""
    _requester(actor, request, proven)
    _editable(request)
    missing = missing_answers(request)
    if missing:
        raise ValidationError(
            "Des réponses obligatoires manquent : " + ", ".join(f"« {m} »" for m in missing) + "."
        )
    previous = request.status
    # Routed at each sending: a corrected request may name another commune.
    request.commune = routed_commune(request)
    request.status = RequestStatus.SUBMITTED
    if request.submitted_at is None:
        request.submitted_at = timezone.now()
        request.due_at = timezone.localdate() + timedelta(days=request.procedure.delay_days)
    request.save(update_fields=["commune", "status", "submitted_at", "due_at", "updated_at"])
    event = _event(
        request,
        actor,
        kind=EventKind.STATUS,
        from_status=previous,
        to_status=request.status,
        by_requester=True,
    )
    _audit(
        actor,
        "procedures.request_submit",
        request,
        status=[previous, request.status],
        commune=request.commune.insee_code if request.commune else None,
    )
    _notify(event)
    return request


def _transition(
    actor: User | ApiKey, request: Request, to_status: str, message: str
) -> RequestEvent:
    require(actor, "procedures.process", request)
    if to_status not in AGENT_TRANSITIONS.get(request.status, ()):
        target = RequestStatus(to_status).label if to_status in RequestStatus.values else to_status
        raise ValidationError(
            {
                "status": f"Une demande « {request.get_status_display()} » ne peut pas passer à "
                f"« {target} »."
            }
        )
    if to_status in MESSAGE_REQUIRED and not message.strip():
        raise ValidationError(
            {
                "message": "Expliquez au demandeur ce qu'il doit faire ou pourquoi la demande est "
                "refusée."
            }
        )
    previous = request.status
    request.status = to_status
    if to_status in FINAL_STATUSES and request.decided_at is None:
        request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    event = _event(
        request,
        actor,
        kind=EventKind.STATUS,
        from_status=previous,
        to_status=to_status,
        body=message.strip(),
    )
    _audit(actor, "procedures.request_transition", request, status=[previous, to_status])
    _notify(event)
    return event


@transaction.atomic
def request_transition(
    *, actor: User | ApiKey, request: Request, to_status: str, message: str = ""
) -> Request:
    """An agent moves a request along its workflow, with a message to the requester."""
    _transition(actor, request, to_status, message)
    return request


@transaction.atomic
def request_message(
    *,
    actor: Principal,
    request: Request,
    body: str,
    proven: bool = False,
    attachment: UploadedFile | None = None,
) -> RequestEvent:
    """A message from the requester or from an agent (the other side is told), with at most
    one file, checked like the form's files."""
    by_requester = may_act_as_requester(actor, request, proven)
    if not by_requester:
        require(actor, "procedures.process", request)
    if not body.strip():
        raise ValidationError({"body": "Écrivez votre message."})
    checked = _checked_file(attachment)
    event = _event(
        request, actor, kind=EventKind.MESSAGE, body=body.strip()[:5000], by_requester=by_requester
    )
    files = []
    if attachment is not None and checked is not None:
        files.append(_store(request, attachment, checked, event=event).original_name)
    _audit(actor, "procedures.request_message", request, by_requester=by_requester, files=files)
    if not by_requester:
        _notify(event)
    return event


@transaction.atomic
def request_note(
    *, actor: User, request: Request, body: str, attachment: UploadedFile | None = None
) -> RequestEvent:
    """An internal note, seen by agents only (its file too)."""
    require(actor, "procedures.process", request)
    if not body.strip():
        raise ValidationError({"body": "Écrivez la note."})
    checked = _checked_file(attachment)
    event = _event(request, actor, kind=EventKind.NOTE, body=body.strip()[:5000])
    files = []
    if attachment is not None and checked is not None:
        files.append(_store(request, attachment, checked, event=event).original_name)
    _audit(actor, "procedures.request_note", request, files=files)
    return event


def _assign(actor: User, request: Request, assignee: User | None) -> None:
    require(actor, "procedures.process", request)
    if assignee is not None and not can(assignee, "procedures.process", request):
        raise ValidationError(
            {"assignee": "Cette personne n'instruit pas les demandes de cette commune."}
        )
    request.assigned_to = assignee
    request.save(update_fields=["assigned_to", "updated_at"])
    _event(
        request, actor, kind=EventKind.ASSIGNMENT, body=assignee.display_name if assignee else ""
    )
    _audit(
        actor,
        "procedures.request_assign",
        request,
        assigned_to=assignee.email if assignee else None,
    )


@transaction.atomic
def request_assign(*, actor: User, request: Request, assignee: User | None) -> Request:
    _assign(actor, request, assignee)
    return request


@transaction.atomic
def request_set_due(*, actor: User, request: Request, due: date | None) -> Request:
    require(actor, "procedures.process", request)
    previous = request.due_at
    request.due_at = due
    request.save(update_fields=["due_at", "updated_at"])
    _audit(
        actor,
        "procedures.request_due",
        request,
        due_at=[d.isoformat() if d else None for d in (previous, due)],
    )
    return request


BULK_ACTIONS = {
    "assign_me": "M'attribuer",
    "in_review": "Passer en instruction",
    "close": "Classer",
}


@transaction.atomic
def requests_bulk(*, actor: User, requests: list[Request], action: str) -> int:
    """One action on several requests (all or nothing); one audit entry per request."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": "Choisissez une action."})
    if not requests:
        raise ValidationError({"ids": "Cochez au moins une demande."})
    for request in requests:
        if action == "assign_me":
            _assign(actor, request, actor)
        else:
            target = RequestStatus.IN_REVIEW if action == "in_review" else RequestStatus.CLOSED
            _transition(actor, request, target, "")
    return len(requests)
