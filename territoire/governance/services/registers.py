"""Writes of the transparency registers: algorithms, data catalogue, GDPR register."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from territoire.core.audit import audit_record, diff, register_actions, snapshot
from territoire.core.models import Commune, User
from territoire.core.permissions import require
from territoire.governance.models import (
    DATA_CATEGORIES,
    SECURITY_MEASURES,
    AlgorithmEntry,
    Dataset,
    Distribution,
    ProcessingActivity,
)

register_actions(
    {
        "governance.algorithm_save": "Registre des algorithmes : fiche enregistrée",
        "governance.algorithm_publish": "Registre des algorithmes : publication modifiée",
        "governance.dataset_save": "Catalogue : jeu de données enregistré",
        "governance.activity_save": "Registre RGPD : traitement enregistré",
    }
)

ALGORITHM_FIELDS = [
    "service",
    "contact_email",
    "name",
    "context",
    "purpose",
    "decision_role",
    "automation_level",
    "legal_basis",
    "decisions_per_year",
    "public_concerned",
    "significant_effects",
    "data_processed",
    "data_sources",
    "algorithm_type",
    "operations",
    "source_code_url",
    "documentation_url",
    "project",
]
DATASET_FIELDS = [
    "title",
    "description",
    "theme",
    "keywords",
    "licence",
    "temporal_start",
    "temporal_end",
    "frequency",
    "contact_email",
    "published",
]
ACTIVITY_FIELDS = [
    "name",
    "joint_controller",
    "software",
    "purposes",
    "legal_basis",
    "data_subjects",
    "retention",
    "sensitive_data",
    "sensitive_details",
    "recipients_internal",
    "recipients_external",
    "processors",
    "transfers_outside_eu",
    "transfer_details",
    "security_measures",
    "security_other",
    "dpia_status",
    "project",
]


def _unique_slug(model: Any, text: str, exclude_pk: int | None) -> str:
    base = slugify(text)[:100] or "fiche"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _full_clean(obj: Any, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=["slug", "commune", *exclude], validate_unique=False)


@transaction.atomic
def algorithm_save(
    *, actor: User, commune: Commune | None, entry: AlgorithmEntry | None = None, **values: Any
) -> AlgorithmEntry:
    """Create or change an entry of the register of algorithms (not published yet)."""
    require(actor, "governance.manage_registers", entry if entry else commune)
    before = snapshot(entry, ALGORITHM_FIELDS) if entry else {}
    entry = entry or AlgorithmEntry(commune=commune)
    for name in ALGORITHM_FIELDS:
        setattr(entry, name, values.get(name, getattr(entry, name)))
    _full_clean(entry)
    entry.slug = entry.slug or _unique_slug(AlgorithmEntry, entry.name, entry.pk)
    entry.save()
    audit_record(
        actor=actor,
        action="governance.algorithm_save",
        obj=entry,
        commune=entry.commune_id,
        changes=diff(before, snapshot(entry, ALGORITHM_FIELDS)),
    )
    return entry


@transaction.atomic
def algorithm_publish(*, actor: User, entry: AlgorithmEntry, published: bool) -> AlgorithmEntry:
    require(actor, "governance.manage_registers", entry)
    entry.published = published
    entry.save(update_fields=["published", "updated_at"])
    audit_record(
        actor=actor,
        action="governance.algorithm_publish",
        obj=entry,
        commune=entry.commune_id,
        changes={"published": published},
    )
    return entry


def _save_dataset(
    actor: User | None,
    commune: Commune | None,
    dataset: Dataset | None,
    values: Mapping[str, Any],
    distributions: Iterable[Mapping[str, str]] | None,
    source_key: str = "",
) -> Dataset:
    before = snapshot(dataset, DATASET_FIELDS) if dataset else {}
    existing = dataset is not None
    old_distributions = (
        [
            {
                "title": d.title,
                "access_url": d.access_url,
                "media_type": d.media_type,
                "description": d.description,
            }
            for d in dataset.distributions.all()
        ]
        if dataset
        else []
    )
    dataset = dataset or Dataset(commune=commune, source_key=source_key)
    for name in DATASET_FIELDS:
        setattr(dataset, name, values.get(name, getattr(dataset, name)))
    _full_clean(dataset)
    if (
        dataset.temporal_start
        and dataset.temporal_end
        and dataset.temporal_end < dataset.temporal_start
    ):
        raise ValidationError({"temporal_end": "La fin de la période précède son début."})
    changes = diff(before, snapshot(dataset, DATASET_FIELDS))
    if distributions is not None:
        distributions = [{"description": "", **dict(item)} for item in distributions]
        if distributions == old_distributions:
            distributions = None
    if existing and not changes and distributions is None:
        return dataset  # nothing changed: no write, no audit entry
    dataset.slug = dataset.slug or _unique_slug(Dataset, dataset.title, dataset.pk)
    dataset.save()
    if distributions is not None:
        dataset.distributions.all().delete()
        Distribution.objects.bulk_create(
            Distribution(dataset=dataset, **dict(item)) for item in distributions
        )
    audit_record(
        actor=actor,
        action="governance.dataset_save",
        obj=dataset,
        commune=dataset.commune_id,
        changes=changes,
    )
    return dataset


@transaction.atomic
def dataset_save(
    *,
    actor: User,
    commune: Commune | None,
    dataset: Dataset | None = None,
    distributions: Iterable[Mapping[str, str]] | None = None,
    **values: Any,
) -> Dataset:
    require(actor, "governance.manage_registers", dataset if dataset else commune)
    return _save_dataset(actor, commune, dataset, values, distributions)


@transaction.atomic
def dataset_register(
    *,
    source_key: str,
    commune: Commune | None = None,
    distributions: Iterable[Mapping[str, str]] = (),
    actor: User | None = None,
    **values: Any,
) -> Dataset:
    """How other modules put their open-data exports in the catalogue: create or update the
    dataset known by ``source_key`` (e.g. "governance.algorithms"). Called by code (a
    migration, a seed or a periodic job), so it checks no ability; recorded as the system."""
    dataset = Dataset.objects.filter(source_key=source_key).first()
    return _save_dataset(actor, commune, dataset, values, distributions, source_key=source_key)


def _clean_activity(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    retention = {
        code: str(text).strip()
        for code, text in (values.get("retention") or {}).items()
        if str(text).strip()
    }
    if set(retention) - set(DATA_CATEGORIES):
        errors["retention"] = "Catégorie de données inconnue."
    if not retention:
        errors["retention"] = (
            "Indiquez au moins une catégorie de données et sa durée de conservation."
        )
    measures = sorted(set(values.get("security_measures") or []))
    if set(measures) - set(SECURITY_MEASURES):
        errors["security_measures"] = "Mesure de sécurité inconnue."
    if values.get("sensitive_data") and not str(values.get("sensitive_details", "")).strip():
        errors["sensitive_details"] = "Précisez quelles données sensibles sont traitées."
    if values.get("transfers_outside_eu") and not str(values.get("transfer_details", "")).strip():
        errors["transfer_details"] = "Indiquez les pays et les garanties des transferts hors UE."
    if errors:
        raise ValidationError(errors)
    return {**values, "retention": retention, "security_measures": measures}


@transaction.atomic
def activity_save(
    *,
    actor: User,
    commune: Commune | None,
    activity: ProcessingActivity | None = None,
    **values: Any,
) -> ProcessingActivity:
    """Create or change a sheet of a commune's (or the CUA's) record of processing."""
    require(actor, "governance.manage_registers", activity if activity else commune)
    cleaned = _clean_activity(values)
    before = snapshot(activity, ACTIVITY_FIELDS) if activity else {}
    activity = activity or ProcessingActivity(commune=commune)
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, cleaned.get(name, getattr(activity, name)))
    _full_clean(activity, exclude=["retention", "security_measures"])
    activity.save()
    audit_record(
        actor=actor,
        action="governance.activity_save",
        obj=activity,
        commune=activity.commune_id,
        changes=diff(before, snapshot(activity, ACTIVITY_FIELDS)),
    )
    return activity


@transaction.atomic
def activity_register(
    *, source_key: str, actor: User | None = None, **values: Any
) -> ProcessingActivity:
    """How the platform's own processing (declared in ``core.processing``) enters the CUA's
    register: create or update the sheet known by ``source_key``. Called by code, so it checks
    no ability; an unchanged call writes nothing and records nothing."""
    cleaned = _clean_activity(values)
    activity = ProcessingActivity.objects.filter(source_key=source_key).first()
    existing = activity is not None
    before = snapshot(activity, ACTIVITY_FIELDS) if activity else {}
    activity = activity or ProcessingActivity(commune=None, source_key=source_key)
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, cleaned.get(name, getattr(activity, name)))
    _full_clean(activity, exclude=["retention", "security_measures"])
    changes = diff(before, snapshot(activity, ACTIVITY_FIELDS))
    if existing and not changes:
        return activity
    activity.save()
    audit_record(
        actor=actor,
        action="governance.activity_save",
        obj=activity,
        commune=None,
        changes=changes,
    )
    return activity
