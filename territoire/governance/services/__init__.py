"""Writes of the governance module (each one transaction with one audit entry)."""

from territoire.governance.services.registers import (
    activity_save,
    algorithm_publish,
    algorithm_save,
    dataset_register,
    dataset_save,
)
from territoire.governance.services.review import (
    MIN_REVIEWERS,
    charter_principle_delete,
    charter_principle_save,
    charter_version_create_draft,
    charter_version_publish,
    charter_version_update,
    condition_mark_met,
    decision_record,
    meeting_notes_update,
    meeting_schedule,
    opinions_record,
    project_create,
    project_submit,
    project_update,
    review_assign,
)

__all__ = [
    "MIN_REVIEWERS",
    "activity_save",
    "algorithm_publish",
    "algorithm_save",
    "charter_principle_delete",
    "charter_principle_save",
    "charter_version_create_draft",
    "charter_version_publish",
    "charter_version_update",
    "condition_mark_met",
    "dataset_register",
    "dataset_save",
    "decision_record",
    "meeting_notes_update",
    "meeting_schedule",
    "opinions_record",
    "project_create",
    "project_submit",
    "project_update",
    "review_assign",
]
