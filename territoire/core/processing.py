"""The platform's own processing of personal data, declared by the modules that carry it.

A module registers, in its AppConfig.ready(), each processing activity it performs; the
governance module puts every registered activity in the CUA's GDPR register
(``governance.reference.reference_load``), so neither imports the other and a module that
starts handling personal data cannot be forgotten in the register (GDPR art. 30).

Fields follow the CNIL "registre de base" model used by the governance register. Codes:
- ``legal_basis``: "consent", "contract", "legal_obligation", "vital", "public_task";
- ``retention`` keys (data categories): "identity", "personal_life", "professional_life",
  "economic", "connection", "location", "internet", "other";
- ``security_measures``: "access_control", "traceability", "software_protection", "backup",
  "encryption", "processor_control", "other".
Governance validates them when it writes the sheet (an unknown code is an error there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlatformProcessing:
    source_key: str  # stable identifier, "<module>.<name>"
    name: str
    purposes: str
    legal_basis: str
    data_subjects: str
    retention: dict[str, str]  # data category code -> retention, as the register shows it
    security_measures: tuple[str, ...]
    software: str = "Plateforme Territoire"
    sensitive_data: bool = False
    sensitive_details: str = ""
    recipients_internal: str = ""
    recipients_external: str = ""
    processors: str = ""
    security_other: str = ""
    dpia_status: str = "not_needed"  # "not_needed", "to_do", "in_progress", "done"

    def values(self) -> dict[str, Any]:
        """The register sheet's fields (everything but the key)."""
        return {
            "name": self.name,
            "software": self.software,
            "purposes": self.purposes,
            "legal_basis": self.legal_basis,
            "data_subjects": self.data_subjects,
            "retention": dict(self.retention),
            "sensitive_data": self.sensitive_data,
            "sensitive_details": self.sensitive_details,
            "recipients_internal": self.recipients_internal,
            "recipients_external": self.recipients_external,
            "processors": self.processors,
            "transfers_outside_eu": False,
            "transfer_details": "",
            "security_measures": sorted(self.security_measures),
            "security_other": self.security_other,
            "dpia_status": self.dpia_status,
        }


_ACTIVITIES: dict[str, PlatformProcessing] = {}


def register_processing(activity: PlatformProcessing) -> None:
    _ACTIVITIES[activity.source_key] = activity


def processing_activities() -> list[PlatformProcessing]:
    return sorted(_ACTIVITIES.values(), key=lambda a: a.source_key)
