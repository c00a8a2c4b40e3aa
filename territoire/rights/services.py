"""Writes of the Zéro non-recours module: saving a simulation (on explicit consent), local
aids, pooled partner imports, the batch scan, the follow-up of detected rights, and the
purge. Each service that a person calls is one transaction with one audit entry."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territoire.core.audit import audit_record, register_actions
from territoire.core.models import Commune, User
from territoire.core.permissions import require
from territoire.rights import engine
from territoire.rights.models import (
    RETENTION_DAYS,
    ConsentBy,
    Detection,
    LocalAid,
    Outcome,
    PooledHousehold,
    PooledImport,
    SavedSimulation,
    ScanStatus,
)
from territoire.rights.pooled import (
    HOUSEHOLD_INCOME_COLUMNS,
    PER_ADULT_COLUMNS,
    REQUIRED_COLUMNS,
    LineError,
    parse_line,
)
from territoire.rights.situation import Situation, situation_from_json, situation_to_json

register_actions(
    {
        "rights.simulation_save": "Simulation de droits enregistrée",
        "rights.local_aid_create": "Aide locale créée",
        "rights.local_aid_update": "Aide locale modifiée",
        "rights.import": "Fichier de partenaire importé",
        "rights.scan": "Repérage des droits non réclamés",
        "rights.household_view": "Foyer repéré consulté",
        "rights.detection_update": "Suivi d'un droit non réclamé",
        "rights.purge": "Données de repérage expirées supprimées",
        "rights.detections_export": "Droits non réclamés exportés (CSV)",
        "rights.stats_export": "Statistiques du non-recours exportées (CSV)",
    }
)

MAX_IMPORT_BYTES = 20 * 1024 * 1024
LOCAL_AID_FIELDS = (
    "name", "description", "institution", "claim_url", "monthly_amount", "min_age", "max_age",
    "max_monthly_resources", "min_children", "requires_disability", "legal_basis", "is_active",
)  # fmt: skip


@transaction.atomic
def simulation_save(
    *,
    actor: User,
    situation: Situation,
    result: engine.SimulationResult,
    commune: Commune,
    consent_by: str,
    consent: bool,
    reference: str = "",
) -> SavedSimulation:
    """Keep a simulation. Only with the person's explicit agreement (``consent``); by the
    person themself, or by an adviser of the commune of residence."""
    if not consent:
        raise ValidationError({"consent": "Cochez la case pour confirmer l'accord de la personne."})
    if consent_by not in ConsentBy.values:
        raise ValidationError({"consent_by": "Indiquez qui donne son accord."})
    if consent_by == ConsentBy.ADVISER:
        require(actor, "rights.advise", commune)
    saved = SavedSimulation.objects.create(
        commune=commune,
        saved_by=actor,
        consent_by=consent_by,
        reference=reference.strip()[:60] or f"Simulation du {timezone.now():%d/%m/%Y}",
        period=result.period,
        answers=situation_to_json(situation),
        results=[
            {"code": r.code, "label": r.benefit.label, "amount": r.amount, "note": r.note}
            for r in result.benefits
        ],
        monthly_total=Decimal(str(result.monthly_total)),
        expires_at=timezone.now() + timedelta(days=RETENTION_DAYS),
    )
    audit_record(
        actor=actor,
        action="rights.simulation_save",
        obj=saved,
        commune=commune,
        changes={"consent_by": consent_by, "period": result.period},
    )
    return saved


def _clean_aid(data: dict[str, Any]) -> None:
    errors = {}
    if not str(data.get("name", "")).strip():
        errors["name"] = "Donnez un nom à l'aide."
    if not str(data.get("institution", "")).strip():
        errors["institution"] = "Indiquez l'organisme qui verse l'aide."
    low, high = data.get("min_age"), data.get("max_age")
    if low is not None and high is not None and low > high:
        errors["max_age"] = "L'âge maximum doit être supérieur ou égal à l'âge minimum."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def local_aid_create(*, actor: User, commune: Commune | None, **data: Any) -> LocalAid:
    """A local aid of a commune, or of the CUA (``commune=None``)."""
    require(actor, "rights.manage_local_aids", commune or "cua")
    _clean_aid(data)
    aid = LocalAid.objects.create(
        commune=commune, **{k: v for k, v in data.items() if k in LOCAL_AID_FIELDS}
    )
    audit_record(
        actor=actor, action="rights.local_aid_create", obj=aid, commune=commune,
        changes={"name": aid.name},
    )  # fmt: skip
    return aid


@transaction.atomic
def local_aid_update(*, actor: User, aid: LocalAid, **data: Any) -> LocalAid:
    require(actor, "rights.manage_local_aids", aid)
    from territoire.core.audit import diff, snapshot

    before = snapshot(aid, LOCAL_AID_FIELDS)
    merged = {**before, **data}
    _clean_aid(merged)
    for name, value in data.items():
        if name in LOCAL_AID_FIELDS:
            setattr(aid, name, value)
    aid.save()
    audit_record(
        actor=actor, action="rights.local_aid_update", obj=aid, commune=aid.commune_id,
        changes=diff(before, snapshot(aid, LOCAL_AID_FIELDS)),
    )  # fmt: skip
    return aid


@transaction.atomic
def pooled_import(
    *,
    actor: User,
    partner: str,
    legal_basis: str,
    period: str,
    content: bytes,
    scan: bool = True,
) -> PooledImport:
    """Import a pooled partner file: every valid line becomes a pseudonymous household, every
    other line is reported (line number and reasons) and skipped. The file's content is not
    kept; the scan is queued after commit."""
    require(actor, "rights.import")
    if not legal_basis.strip():
        raise ValidationError({"legal_basis": "Indiquez la base légale de l'échange de données."})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": "Le fichier dépasse 20 Mo : découpez-le."})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "Le fichier doit être encodé en UTF-8."}) from None
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in text[:500] else ",")
    header = set(reader.fieldnames or [])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not header & set(PER_ADULT_COLUMNS):
        # Incomes are given for the household (first version) unless per-adult columns are.
        missing += [c for c in HOUSEHOLD_INCOME_COLUMNS if c not in header]
    if missing:
        raise ValidationError({"file": "Colonnes manquantes : " + ", ".join(missing) + "."})
    communes = dict(Commune.objects.values_list("insee_code", "pk"))
    record = PooledImport.objects.create(
        partner=partner,
        legal_basis=legal_basis.strip()[:300],
        imported_by=actor,
        file_digest=hashlib.sha256(content).hexdigest(),
        period=period,
    )
    expires = timezone.now() + timedelta(days=RETENTION_DAYS)
    households, report = [], []
    for number, row in enumerate(reader, start=2):
        try:
            line = parse_line(
                row,
                partner=partner,
                legal_basis=record.legal_basis,
                key=str(settings.SECRET_KEY),
                communes=set(communes),
            )
        except LineError as exc:
            report.append({"line": number, "errors": exc.errors})
            continue
        households.append(
            PooledHousehold(
                pooled_import=record,
                commune_id=communes[line.depcom],
                pseudonym=line.pseudonym,
                situation=situation_to_json(line.situation),
                benefits_paid=line.benefits_paid,
                partner=line.partner,
                legal_basis=line.legal_basis,
                expires_at=expires,
            )
        )
    PooledHousehold.objects.bulk_create(households, batch_size=2000)
    record.lines_ok, record.lines_rejected, record.report = len(households), len(report), report
    record.save(update_fields=["lines_ok", "lines_rejected", "report", "updated_at"])
    audit_record(
        actor=actor,
        action="rights.import",
        obj=record,
        changes={"partner": partner, "lines_ok": len(households), "rejected": len(report)},
    )
    if scan:
        from territoire.rights.tasks import scan_import_task

        transaction.on_commit(lambda: scan_import_task(record.pk))
    return record


# A detection is recorded when OpenFisca computes at least this monthly amount.
DETECTION_THRESHOLD = 1.0


def scan_import(import_id: int, *, chunk_size: int = 5000) -> int:
    """Compute the entitlements of an import's households with vectorised OpenFisca, chunk by
    chunk (progress in ``scan_done``), and record each benefit computed but not paid. Returns
    the number of detections. Runs in the task worker (no person: audited as the system)."""
    record = PooledImport.objects.get(pk=import_id)
    PooledImport.objects.filter(pk=import_id).update(scan_status=ScanStatus.RUNNING, scan_done=0)
    codes = list(engine.SCAN_CODES)
    detected = 0
    try:
        rows = list(
            PooledHousehold.objects.filter(pooled_import=record)
            .order_by("pk")
            .values_list("pk", "commune_id", "situation", "benefits_paid")
        )
        Detection.objects.filter(household__pooled_import=record).delete()
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            amounts = engine.simulate_batch(
                [situation_from_json(row[2]) for row in chunk], record.period, codes
            )
            found = []
            for i, (pk, commune_id, _situation, paid) in enumerate(chunk):
                for code in codes:
                    value = float(amounts[code][i])
                    if code != "css" and engine.BENEFITS_BY_CODE[code].yearly:
                        value /= 12
                    if code == "css":
                        value = 0.0 if value == 0 else 0.01  # a cover: ranked last
                    if (value >= DETECTION_THRESHOLD or (code == "css" and value)) and not paid.get(
                        code
                    ):
                        found.append(
                            Detection(
                                household_id=pk,
                                commune_id=commune_id,
                                benefit=code,
                                monthly_amount=Decimal(f"{value:.2f}"),
                            )
                        )
            Detection.objects.bulk_create(found, batch_size=2000)
            detected += len(found)
            PooledImport.objects.filter(pk=import_id).update(scan_done=start + len(chunk))
        with transaction.atomic():
            PooledImport.objects.filter(pk=import_id).update(scan_status=ScanStatus.DONE)
            audit_record(
                actor=None,
                action="rights.scan",
                obj=record,
                changes={"households": len(rows), "detections": detected},
            )
    except Exception as exc:
        PooledImport.objects.filter(pk=import_id).update(
            scan_status=ScanStatus.FAILED, scan_error=str(exc)[:1000]
        )
        raise
    return detected


@transaction.atomic
def household_view_record(*, actor: User, household: PooledHousehold) -> None:
    """Every view of a detected household is in the audit log."""
    require(actor, "rights.advise", household)
    audit_record(
        actor=actor, action="rights.household_view", obj=household, commune=household.commune_id
    )


@transaction.atomic
def export_record(*, actor: User, action: str, rows: int, filters: dict[str, str]) -> None:
    """Every export (detections of the adviser's communes, statistics) is in the audit log,
    with its filters and how many lines left the platform."""
    if action not in ("rights.detections_export", "rights.stats_export"):
        raise ValueError(action)
    audit_record(
        actor=actor,
        action=action,
        changes={"lignes": rows, **{k: v for k, v in filters.items() if v}},
        object_repr=f"{rows} ligne(s)",
    )


ALLOWED_NEXT = {
    Outcome.DETECTED: {Outcome.CONTACTED, Outcome.APPOINTMENT, Outcome.REFUSED},
    Outcome.CONTACTED: {Outcome.APPOINTMENT, Outcome.CLAIM_FILED, Outcome.REFUSED},
    Outcome.APPOINTMENT: {Outcome.CLAIM_FILED, Outcome.REFUSED, Outcome.CONTACTED},
    Outcome.CLAIM_FILED: {Outcome.OPENED, Outcome.REFUSED},
    Outcome.OPENED: set(),
    Outcome.REFUSED: set(),
}


@transaction.atomic
def detection_update(
    *, actor: User, detection: Detection, status: str, note: str = ""
) -> Detection:
    """Move the follow-up of a detected right one step (contacted, appointment, claim filed,
    right opened, refused)."""
    require(actor, "rights.advise", detection)
    detection = Detection.objects.select_for_update().get(pk=detection.pk)
    if status not in ALLOWED_NEXT[Outcome(detection.status)]:
        raise ValidationError(
            {"status": "Cette étape ne peut pas suivre l'étape actuelle du suivi."}
        )
    before = detection.status
    detection.status = status
    detection.status_changed_at = timezone.now()
    if note.strip():
        detection.note = (detection.note + "\n" if detection.note else "") + note.strip()[:2000]
    detection.save()
    audit_record(
        actor=actor,
        action="rights.detection_update",
        obj=detection,
        commune=detection.commune_id,
        changes={"status": [before, status]},
    )
    return detection


@transaction.atomic
def purge_expired(*, now=None) -> int:
    """Delete pooled households and saved simulations past their retention date."""
    now = now or timezone.now()
    expired = PooledHousehold.objects.filter(expires_at__lte=now)
    households = expired.count()  # delete() would also count the cascaded detections
    expired.delete()
    simulations, _ = SavedSimulation.objects.filter(expires_at__lte=now).delete()
    if households or simulations:
        audit_record(
            actor=None,
            action="rights.purge",
            changes={"households": households, "simulations": simulations},
        )
    return households + simulations
