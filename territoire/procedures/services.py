"""Writes of the procedures catalogue and of its form builder. Each is one transaction that
checks the ability and records one audit entry. Requests are written by ``workflow.py``."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from territoire.core.audit import audit_record, diff, register_actions, snapshot
from territoire.core.models import Commune, User
from territoire.core.permissions import can, require
from territoire.knowledge.models import Entry
from territoire.procedures import schema as schemas
from territoire.procedures.models import FormVersion, Procedure, ProcedureStatus, Routing

register_actions(
    {
        "procedures.procedure_create": "Démarche créée",
        "procedures.procedure_update": "Démarche modifiée",
        "procedures.procedure_status": "Démarche mise en ligne ou retirée",
        "procedures.form_edit": "Formulaire de démarche modifié",
        "procedures.email_texts": "Textes des courriels d'une démarche modifiés",
    }
)

TRACKED = [
    "title",
    "summary",
    "who_can_ask",
    "documents_needed",
    "delay_days",
    "service",
    "allow_anonymous",
    "commune",
    "routing",
]


@dataclass
class ProcedureData:
    title: str
    commune: Commune | None = None
    summary: str = ""
    who_can_ask: str = ""
    documents_needed: str = ""
    delay_days: int = 15
    service: str = ""
    allow_anonymous: bool = False
    routing: str = Routing.CUA
    knowledge_entries: list[Entry] = field(default_factory=list)


def _check(actor: User, data: ProcedureData) -> None:
    if not data.title.strip():
        raise ValidationError({"title": "Indiquez l'intitulé de la démarche."})
    if not 0 < data.delay_days <= 365:
        raise ValidationError({"delay_days": "Le délai va de 1 à 365 jours."})
    if data.commune is None:
        if not can(actor, "procedures.manage_cua"):
            raise ValidationError(
                {
                    "commune": "Seuls les agents de la CUA créent des démarches pour toutes les "
                    "communes : choisissez votre commune."
                }
            )
    else:
        require(actor, "procedures.manage", data.commune)
    if data.routing not in Routing.values:
        raise ValidationError({"routing": "Choisissez qui traite les demandes."})
    if data.routing == Routing.COMMUNE and data.commune is not None:
        raise ValidationError(
            {"routing": "Seule une démarche de toute la CUA peut être traitée par les communes."}
        )


def _apply(procedure: Procedure, data: ProcedureData) -> None:
    for name in ("commune", "delay_days", "allow_anonymous", "routing"):
        setattr(procedure, name, getattr(data, name))
    for name in ("title", "summary", "who_can_ask", "documents_needed", "service"):
        setattr(procedure, name, getattr(data, name).strip())


@transaction.atomic
def procedure_create(*, actor: User, data: ProcedureData) -> Procedure:
    """A procedure in preparation with an empty one-page form (version 1)."""
    _check(actor, data)
    procedure = Procedure()
    _apply(procedure, data)
    procedure.save()
    procedure.knowledge_entries.set(data.knowledge_entries)
    FormVersion.objects.create(procedure=procedure, number=1, schema=schemas.empty_schema())
    audit_record(
        actor=actor,
        action="procedures.procedure_create",
        obj=procedure,
        commune=procedure.commune,
        changes={"title": procedure.title},
    )
    return procedure


@transaction.atomic
def procedure_update(*, actor: User, procedure: Procedure, data: ProcedureData) -> Procedure:
    require(actor, "procedures.manage", procedure)
    _check(actor, data)
    before = snapshot(procedure, TRACKED)
    _apply(procedure, data)
    procedure.save()
    procedure.knowledge_entries.set(data.knowledge_entries)
    audit_record(
        actor=actor,
        action="procedures.procedure_update",
        obj=procedure,
        commune=procedure.commune,
        changes=diff(before, snapshot(procedure, TRACKED)),
    )
    return procedure


@transaction.atomic
def procedure_set_email_texts(
    *, actor: User, procedure: Procedure, texts: dict[str, str]
) -> Procedure:
    """Replace the e-mail text of some statuses; an empty text (or the default one) means
    the default. Only the texts that differ from the defaults are stored."""
    from territoire.procedures import notices

    require(actor, "procedures.manage", procedure)
    errors = {}
    stored = {}
    for status, text in texts.items():
        if status not in notices.DEFAULT_TEXTS:
            errors[status] = ["Statut inconnu."]
            continue
        text = text.strip()
        try:
            notices.check_text(text)
        except ValidationError as exc:
            errors[status] = exc.messages
            continue
        if text and text != notices.DEFAULT_TEXTS[status]:
            stored[status] = text
    if errors:
        raise ValidationError(errors)
    before = procedure.email_texts or {}
    changed = sorted(s for s in notices.DEFAULT_TEXTS if before.get(s) != stored.get(s))
    procedure.email_texts = stored
    procedure.save(update_fields=["email_texts", "updated_at"])
    audit_record(
        actor=actor,
        action="procedures.email_texts",
        obj=procedure,
        commune=procedure.commune,
        changes={"statuses": changed},
    )
    return procedure


@transaction.atomic
def procedure_set_status(*, actor: User, procedure: Procedure, status: str) -> Procedure:
    """Put online (needs a form with at least one field) or withdraw a procedure."""
    require(actor, "procedures.manage", procedure)
    if status not in ProcedureStatus.values:
        raise ValidationError({"status": "Statut inconnu."})
    if status == ProcedureStatus.PUBLISHED and not schemas.all_fields(
        procedure.current_version.schema
    ):
        raise ValidationError(
            {
                "status": "Ajoutez au moins un champ au formulaire avant de mettre la démarche en "
                "ligne."
            }
        )
    if (
        status == ProcedureStatus.PUBLISHED
        and procedure.routing == Routing.COMMUNE
        and schemas.commune_field(procedure.current_version.schema) is None
    ):
        raise ValidationError(
            {
                "status": "Cette démarche est traitée par la commune du demandeur : ajoutez au "
                "formulaire un champ « Commune de la CUA » obligatoire avant de la mettre en "
                "ligne."
            }
        )
    previous, procedure.status = procedure.status, status
    procedure.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="procedures.procedure_status",
        obj=procedure,
        commune=procedure.commune,
        changes={"status": [previous, status]},
    )
    return procedure


# --- form builder -------------------------------------------------------------------------


def _editable_version(procedure: Procedure) -> FormVersion:
    """The current version, or a new one when requests already use it (frozen)."""
    current = (
        FormVersion.objects.select_for_update()
        .filter(procedure=procedure)
        .order_by("-number")
        .first()
    )
    assert current is not None
    if not current.requests.exists():
        return current
    return FormVersion.objects.create(
        procedure=procedure, number=current.number + 1, schema=copy.deepcopy(current.schema)
    )


def _find(schema: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], int]:
    """The list holding the field named ``name`` (a page's or a group's) and its index."""
    for page in schema["pages"]:
        for index, item in enumerate(page["fields"]):
            if item["name"] == name:
                return page["fields"], index
            for sub_index, sub in enumerate(item.get("fields", [])):
                if sub["name"] == name:
                    return item["fields"], sub_index
    raise ValidationError("Ce champ n'existe plus : rechargez la page.")


def _used_by_condition(schema: dict[str, Any], name: str) -> str | None:
    for item in schemas.all_fields(schema):
        if (item.get("condition") or {}).get("field") == name:
            return item["label"]
    return None


def _page_index(params: dict[str, Any], default: int) -> int:
    try:
        return int(params.get("page", default))
    except (TypeError, ValueError):
        raise ValidationError({"page": "Cette page n'existe pas."}) from None


def apply_operation(schema: dict[str, Any], operation: str, params: dict[str, Any]) -> None:
    """Change ``schema`` in place (pure, tested on its own)."""
    if operation == "add_page":
        title = str(params.get("title", "")).strip()
        if not title:
            raise ValidationError({"title": "Indiquez le titre de la page."})
        schema["pages"].append({"title": title, "fields": []})
    elif operation == "add_field":
        spec = params["field"]
        page = _page_index(params, 0)
        if not 0 <= page < len(schema["pages"]):
            raise ValidationError({"page": "Cette page n'existe pas."})
        existing = schemas.field_names(schema)
        earlier = {f["name"] for p in schema["pages"][: page + 1] for f in p["fields"]}
        errors = schemas.check_field(spec, existing, earlier)
        if errors:
            raise ValidationError(errors)
        group = params.get("group")
        if group:
            target, index = _find(schema, group)
            parent = target[index]
            if parent["type"] != "group" or spec["type"] in ("group", "file"):
                raise ValidationError(
                    {
                        "group": "Un groupe répétable contient des champs simples (ni groupe ni "
                        "pièce jointe)."
                    }
                )
            parent.setdefault("fields", []).append(spec)
        else:
            if spec["type"] == "group":
                spec.setdefault("fields", [])
            schema["pages"][page]["fields"].append(spec)
    elif operation == "remove_field":
        target, index = _find(schema, params["name"])
        user = _used_by_condition(schema, params["name"])
        if user:
            raise ValidationError(
                f"Le champ « {user} » dépend de celui-ci : retirez d'abord sa condition."
            )
        target.pop(index)
    elif operation == "move_field":
        target, index = _find(schema, params["name"])
        other = index + (1 if params.get("direction") == "down" else -1)
        if 0 <= other < len(target):
            target[index], target[other] = target[other], target[index]
    elif operation == "remove_page":
        page = _page_index(params, -1)
        if len(schema["pages"]) < 2 or not 0 <= page < len(schema["pages"]):
            raise ValidationError("Le formulaire garde au moins une page.")
        if schema["pages"][page]["fields"]:
            raise ValidationError("Retirez d'abord les champs de cette page.")
        schema["pages"].pop(page)
    else:
        raise ValidationError("Opération inconnue.")
    schemas.check_schema(schema)


@transaction.atomic
def form_edit(
    *, actor: User, procedure: Procedure, operation: str, params: dict[str, Any]
) -> FormVersion:
    """One change to the procedure's form; creates the next version when requests already
    use the current one, so requests keep the form they were filled with."""
    require(actor, "procedures.manage", procedure)
    version = _editable_version(procedure)
    new_schema = copy.deepcopy(version.schema)
    apply_operation(new_schema, operation, params)
    version.schema = new_schema
    version.save(update_fields=["schema", "updated_at"])
    audit_record(
        actor=actor,
        action="procedures.form_edit",
        obj=procedure,
        commune=procedure.commune,
        changes={
            "version": version.number,
            "operation": operation,
            "field": params.get("name") or (params.get("field") or {}).get("name", ""),
        },
    )
    return version
