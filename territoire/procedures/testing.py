"""A sample procedure form for tests, the demo data and the benchmark."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from territoire.core.models import Commune
from territoire.procedures import workflow
from territoire.procedures.models import (
    FormVersion,
    Procedure,
    ProcedureStatus,
    Request,
    RequestStatus,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def sample_schema() -> dict[str, Any]:
    """Two pages: the occupation (with a condition and a repeatable group), then contact
    details and a required file."""
    return {
        "pages": [
            {
                "title": "Votre projet",
                "fields": [
                    {
                        "name": "objet",
                        "label": "Objet de l'occupation",
                        "type": "choice",
                        "required": True,
                        "choices": ["Terrasse", "Échafaudage", "Benne"],
                    },
                    {
                        "name": "precision",
                        "label": "Hauteur de l'échafaudage (m)",
                        "type": "number",
                        "required": True,
                        "min": 1,
                        "max": 30,
                        "condition": {"field": "objet", "value": "Échafaudage"},
                    },
                    {"name": "debut", "label": "Date de début", "type": "date", "required": True},
                    {
                        "name": "adresse",
                        "label": "Adresse de l'occupation",
                        "type": "address",
                        "required": True,
                        "help": "Numéro, rue, commune",
                    },
                    {
                        "name": "vehicules",
                        "label": "Véhicules",
                        "type": "group",
                        "fields": [
                            {
                                "name": "immatriculation",
                                "label": "Immatriculation",
                                "type": "text",
                                "required": True,
                            },
                            {"name": "tonnage", "label": "Tonnage", "type": "number"},
                        ],
                    },
                ],
            },
            {
                "title": "Vos coordonnées",
                "fields": [
                    {"name": "telephone", "label": "Téléphone", "type": "phone", "required": True},
                    {"name": "courriel_pro", "label": "Adresse de l'entreprise", "type": "email"},
                    {
                        "name": "plan",
                        "label": "Plan de situation",
                        "type": "file",
                        "required": True,
                    },
                    {
                        "name": "accord",
                        "label": "J'accepte les conditions",
                        "type": "checkbox",
                        "required": True,
                    },
                ],
            },
        ]
    }


def make_procedure(
    commune: Commune | None,
    *,
    title: str = "Occupation du domaine public",
    schema: dict[str, Any] | None = None,
    allow_anonymous: bool = False,
    service: str = "Voirie",
    delay_days: int = 15,
) -> Procedure:
    """A published procedure with version 1 of its form (fixture: not an audited write)."""
    procedure = Procedure.objects.create(
        commune=commune,
        title=title,
        status=ProcedureStatus.PUBLISHED,
        allow_anonymous=allow_anonymous,
        service=service,
        delay_days=delay_days,
        summary="Terrasse, échafaudage ou benne sur la voie publique",
    )
    FormVersion.objects.create(
        procedure=procedure, number=1, schema=schema if schema is not None else sample_schema()
    )
    return procedure


def sent(procedure: Procedure, email: str = "a@exemple.fr", days_ago: int = 0, **extra) -> Request:
    """A sent request (fixture, written directly, as if submitted ``days_ago`` days ago)."""
    at = timezone.now() - timedelta(days=days_ago)
    return Request.objects.create(
        procedure=procedure,
        version=procedure.current_version,
        commune=procedure.commune,
        service=procedure.service,
        tracking_number=workflow.new_tracking_number(),
        email=email,
        status=extra.pop("status", RequestStatus.SUBMITTED),
        submitted_at=at,
        due_at=(at + timedelta(days=procedure.delay_days)).date(),
        **extra,
    )
