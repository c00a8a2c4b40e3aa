"""Pure helpers of the registers: completeness of a GDPR register sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from territoire.governance.models import ProcessingActivity


@dataclass(frozen=True)
class Completeness:
    score: float  # share of the CNIL model's items documented, 0–1
    missing: tuple[str, ...]


def activity_completeness(activity: ProcessingActivity) -> Completeness:
    """Which items of the CNIL model a sheet documents. Conditional items (sensitive data,
    transfers, DPIA) count as documented when they do not apply."""
    recipients = any(
        text.strip()
        for text in (
            activity.recipients_internal,
            activity.recipients_external,
            activity.processors,
        )
    )
    dpia_consistent = True
    if activity.project is not None and activity.project.screening().dpia.code == "required":
        dpia_consistent = activity.dpia_status != "not_needed"
    items = {
        "Finalités": bool(activity.purposes.strip()),
        "Base légale": bool(activity.legal_basis),
        "Personnes concernées": bool(activity.data_subjects.strip()),
        "Catégories de données et durées de conservation": bool(activity.retention),
        "Destinataires": recipients,
        "Mesures de sécurité": len(activity.security_measures) >= 2,
        "Données sensibles précisées": not activity.sensitive_data
        or bool(activity.sensitive_details.strip()),
        "Transferts hors UE documentés": not activity.transfers_outside_eu
        or bool(activity.transfer_details.strip()),
        "Statut de l'AIPD cohérent avec le projet": dpia_consistent,
    }
    missing = tuple(label for label, ok in items.items() if not ok)
    return Completeness(1 - len(missing) / len(items), missing)
