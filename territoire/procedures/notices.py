"""The texts e-mailed to requesters at each status change. Each procedure may replace the
default text of a status with its own (``Procedure.email_texts``); the text may use a few
placeholders, replaced when the e-mail is written. Substitution is a plain lookup of known
names — never ``str.format``, which would let a text reach into objects' attributes."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from territoire.procedures.models import Procedure, Request, RequestStatus

PLACEHOLDERS: dict[str, str] = {
    "numero": "le numéro de suivi",
    "demarche": "l'intitulé de la démarche",
    "statut": "le nouveau statut",
    "lien": "l'adresse de la page de la demande",
    "delai": "le délai de traitement en jours",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_LENGTH = 3000

# Statuses a requester is told about (a draft is never e-mailed).
NOTIFIED = [s for s in RequestStatus if s != RequestStatus.DRAFT]

DEFAULT_TEXTS: dict[str, str] = {
    RequestStatus.SUBMITTED: (
        "Votre demande « {demarche} » est bien envoyée. Son numéro de suivi est {numero}. "
        "Le service vous répond sous {delai} jours au plus."
    ),
    RequestStatus.IN_REVIEW: (
        "Votre demande « {demarche} » (numéro de suivi {numero}) est en cours d'instruction."
    ),
    RequestStatus.CORRECTION: (
        "Votre demande « {demarche} » (numéro de suivi {numero}) doit être complétée. "
        "Complétez-la depuis sa page : {lien}"
    ),
    RequestStatus.ACCEPTED: (
        "Votre demande « {demarche} » (numéro de suivi {numero}) est acceptée."
    ),
    RequestStatus.REFUSED: (
        "Votre demande « {demarche} » (numéro de suivi {numero}) est refusée. "
        "Le message du service ci-dessous en donne la raison."
    ),
    RequestStatus.CLOSED: ("Votre demande « {demarche} » (numéro de suivi {numero}) est classée."),
}


def text_for(procedure: Procedure, status: str) -> str:
    return (procedure.email_texts or {}).get(status) or DEFAULT_TEXTS.get(status, "")


def check_text(text: str) -> None:
    """French error when the text uses an unknown placeholder or is too long."""
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"{MAX_LENGTH} caractères au plus.")
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            "Repère inconnu : "
            + ", ".join("{" + name + "}" for name in unknown)
            + ". Repères possibles : "
            + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            + "."
        )


def values_for(request: Request | None, procedure: Procedure, status: str, link: str) -> dict:
    return {
        "numero": request.tracking_number if request else "DM-7K4P-Q9XA",
        "demarche": procedure.title,
        "statut": str(RequestStatus(status).label),
        "lien": link,
        "delai": str(procedure.delay_days),
    }


def render_text(text: str, values: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
