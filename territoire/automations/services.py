"""Writes of automations: rules (create, edit, delete), the manual override (suspend until an
expiry, force a state until an expiry, resume), booking slots (create, cancel) and firing a
rule (one ``RuleAction`` and one audit entry per device). Each person-initiated service runs
in one transaction with one audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from territoire.automations.models import (
    Aggregate,
    Booking,
    Condition,
    Operator,
    Outcome,
    Rule,
    RuleAction,
    Trigger,
)
from territoire.core.audit import audit_record, register_actions
from territoire.core.models import Commune, User
from territoire.core.permissions import require
from territoire.sensors.codecs import get_codec
from territoire.sensors.codecs.base import EncodeError
from territoire.sensors.downlinks import downlink_request
from territoire.sensors.models import Device, Series

register_actions(
    {
        "automations.rule_create": "Règle d'automatisation créée",
        "automations.rule_delete": "Règle d'automatisation supprimée",
        "automations.rule_update": "Règle d'automatisation modifiée",
        "automations.rule_force": "État forcé par une règle d'automatisation (forçage manuel)",
        "automations.booking_create": "Créneau de réservation créé",
        "automations.booking_cancel": "Créneau de réservation annulé",
        "automations.rule_suspend": "Règle d'automatisation suspendue (forçage manuel)",
        "automations.rule_resume": "Règle d'automatisation reprise",
        "automations.action": "Action d'une règle d'automatisation",
    }
)


@dataclass
class ConditionData:
    series: Series
    operator: str
    threshold: float
    aggregate: str = Aggregate.LAST
    window_hours: int = 24


@dataclass
class RuleData:
    name: str
    trigger: str
    command: str
    devices: list[Device]
    params: dict[str, Any] = field(default_factory=dict)
    at_time: time | None = None
    offset_minutes: int = 0
    trigger_series: Series | None = None
    conditions: list[ConditionData] = field(default_factory=list)


def _clean(commune: Commune, data: RuleData) -> None:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = ["Donnez un nom à la règle."]
    if data.trigger not in Trigger.values:
        errors["trigger"] = ["Déclencheur inconnu."]
    if data.trigger == Trigger.TIME and data.at_time is None:
        errors["at_time"] = ["Indiquez l'heure, par exemple 22:30."]
    if data.trigger == Trigger.READING and data.trigger_series is None:
        errors["trigger_series"] = ["Indiquez la mesure qui déclenche la règle."]
    if data.trigger == Trigger.BOOKING:
        # The door stays open for the slot: the duration is the booking's, given at firing.
        data.command, data.params = OPEN_DOOR, {}
    if not -720 <= data.offset_minutes <= 720:
        errors["offset_minutes"] = ["Le décalage doit être compris entre -720 et 720 minutes."]
    series = [c.series for c in data.conditions] + [data.trigger_series]
    if any(s is not None and s.device.commune_id != commune.pk for s in series):
        errors.setdefault("conditions", []).append("Une mesure citée n'est pas de cette commune.")
    for c in data.conditions:
        if c.operator not in Operator.values or c.aggregate not in Aggregate.values:
            errors.setdefault("conditions", []).append("Condition incomplète.")
        if not 1 <= c.window_hours <= 24 * 31:
            errors.setdefault("conditions", []).append(
                "La fenêtre d'une condition va de 1 heure à 744 heures (31 jours)."
            )
    if not data.devices:
        errors["devices"] = ["Choisissez au moins un capteur à commander."]
    for device in data.devices:
        if device.commune_id != commune.pk:
            errors.setdefault("devices", []).append(f"{device.name} n'est pas de cette commune.")
            continue
        params = {"seconds": 60} if data.trigger == Trigger.BOOKING else data.params
        try:
            get_codec(device.model).encode(data.command, **params)
        except (EncodeError, KeyError, TypeError) as exc:
            field_name = "devices" if data.trigger == Trigger.BOOKING else "command"
            errors.setdefault(field_name, []).append(f"{device.name} : {exc}")
    if errors:
        raise ValidationError(errors)


def _rule_fields(data: RuleData) -> dict[str, Any]:
    return {
        "name": data.name.strip(),
        "trigger": data.trigger,
        "at_time": data.at_time if data.trigger == Trigger.TIME else None,
        "offset_minutes": data.offset_minutes
        if data.trigger in (Trigger.SUNRISE, Trigger.SUNSET)
        else 0,
        "trigger_series": data.trigger_series if data.trigger == Trigger.READING else None,
        "command": data.command,
        "params": data.params,
    }


def _set_conditions(rule: Rule, conditions: list[ConditionData]) -> None:
    rule.conditions.all().delete()
    for c in conditions:
        Condition.objects.create(
            rule=rule,
            series=c.series,
            operator=c.operator,
            threshold=c.threshold,
            aggregate=c.aggregate,
            window_hours=c.window_hours,
        )


@transaction.atomic
def rule_create(*, actor: User, commune: Commune, data: RuleData) -> Rule:
    require(actor, "automations.manage", commune)
    _clean(commune, data)
    rule = Rule.objects.create(
        commune=commune,
        created_by=actor,
        # A schedule already past today waits for tomorrow instead of firing at once.
        last_fired_at=timezone.now(),
        **_rule_fields(data),
    )
    rule.devices.set(data.devices)
    _set_conditions(rule, data.conditions)
    audit_record(
        actor=actor,
        action="automations.rule_create",
        obj=rule,
        commune=commune,
        changes={
            "trigger": data.trigger,
            "command": data.command,
            "params": data.params,
            "devices": [d.dev_eui for d in data.devices],
            "conditions": len(data.conditions),
        },
    )
    return rule


def _describe(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "at_time": rule.at_time.isoformat() if rule.at_time else None,
        "offset_minutes": rule.offset_minutes,
        "trigger_series": rule.trigger_series_id,
        "command": rule.command,
        "params": rule.params,
        "devices": sorted(rule.devices.values_list("dev_eui", flat=True)),
        "conditions": [str(c) for c in rule.conditions.select_related("series__device")],
    }


@transaction.atomic
def rule_update(*, actor: User, rule: Rule, data: RuleData) -> Rule:
    """Edit a rule in place. Its past actions keep what they were (each ``RuleAction`` holds
    its own outcome and message); the audit entry holds the rule before and after."""
    require(actor, "automations.manage", rule)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    _clean(rule.commune, data)
    before = _describe(rule)
    was_scheduled = (rule.trigger, rule.at_time, rule.offset_minutes)
    for name, value in _rule_fields(data).items():
        setattr(rule, name, value)
    if (rule.trigger, rule.at_time, rule.offset_minutes) != was_scheduled:
        # A new schedule already past today waits for tomorrow, as at creation.
        rule.last_fired_at = timezone.now()
    rule.save()
    rule.devices.set(data.devices)
    _set_conditions(rule, data.conditions)
    after = _describe(rule)
    audit_record(
        actor=actor,
        action="automations.rule_update",
        obj=rule,
        commune=rule.commune_id,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule) -> None:
    require(actor, "automations.manage", rule)
    audit_record(actor=actor, action="automations.rule_delete", obj=rule, commune=rule.commune_id)
    rule.delete()


def _check_until(until: datetime, reason: str) -> None:
    now = timezone.now()
    if until <= now:
        raise ValidationError({"until": "L'échéance doit être dans le futur."})
    if (until - now).days > 90:
        raise ValidationError({"until": "Un forçage ou une suspension dure au plus 90 jours."})
    if not reason.strip():
        raise ValidationError({"reason": "Indiquez le motif."})


def _hold(
    rule: Rule,
    *,
    until: datetime | None,
    reason: str,
    command: str = "",
    params: dict[str, Any] | None = None,
) -> None:
    """Hold the rule's own actions until ``until`` (None: resume), with the forced command
    when the hold is a forced state. Suspension, forced state and resume write these four
    fields together, so they never disagree."""
    rule.suspended_until, rule.suspension_reason = until, reason.strip()[:200]
    rule.forced_command, rule.forced_params = command, params or {}
    rule.save(
        update_fields=[
            "suspended_until",
            "suspension_reason",
            "forced_command",
            "forced_params",
            "updated_at",
        ]
    )


@transaction.atomic
def rule_suspend(*, actor: User, rule: Rule, until: datetime, reason: str) -> Rule:
    """Manual override: the rule does nothing until ``until`` (then resumes by itself)."""
    require(actor, "automations.manage", rule)
    _check_until(until, reason)
    _hold(rule, until=until, reason=reason)
    audit_record(
        actor=actor,
        action="automations.rule_suspend",
        obj=rule,
        commune=rule.commune_id,
        changes={"until": until, "reason": rule.suspension_reason},
    )
    return rule


@transaction.atomic
def rule_resume(*, actor: User, rule: Rule) -> Rule:
    require(actor, "automations.manage", rule)
    _hold(rule, until=None, reason="")
    audit_record(actor=actor, action="automations.rule_resume", obj=rule, commune=rule.commune_id)
    return rule


OPEN_DOOR, LOCK = "open_door", "lock"
# A booking slot lasts at most this long (the door controller's delay is 16-bit seconds).
BOOKING_MAX = timedelta(hours=12)


def _act(
    *,
    rule: Rule,
    device: Device,
    now: datetime,
    at: datetime,
    command: str,
    params: dict[str, Any],
    actor: User,
    skipped: str | None = None,
    note: str = "",
) -> RuleAction:
    """One device: the downlink through the hub on behalf of ``actor`` (whose rights the hub
    checks), or the reason nothing was sent; one ``RuleAction`` and one audit entry."""
    with transaction.atomic():
        downlink = None
        if skipped is not None:
            outcome, message = Outcome.SKIPPED, skipped
        else:
            try:
                downlink = downlink_request(
                    actor=actor, device=device, command=command, params=params
                )
                outcome, message = Outcome.SENT, note
            except ValidationError as exc:
                outcome, message = Outcome.REFUSED, " ".join(exc.messages)
            except PermissionDenied:
                outcome = Outcome.REFUSED
                message = "L'auteur de la règle n'a plus le droit de commander ce capteur."
        action = RuleAction.objects.create(
            rule=rule,
            device=device,
            at=now,
            outcome=outcome,
            message=message[:255],
            downlink=downlink,
        )
        audit_record(
            actor=None,
            label=f"Automatisation « {rule.name} »"[:255],
            action="automations.action",
            obj=action,
            commune=rule.commune_id,
            object_repr=f"{command} → {device.name}",
            changes={"outcome": outcome, "message": message[:255], "trigger_at": at},
        )
    return action


def _suspension_message(rule: Rule) -> str:
    until = timezone.localtime(rule.suspended_until)
    if rule.forced_command:
        return f"État forcé manuellement jusqu'au {until:%d/%m/%Y %H:%M}"
    return f"Règle suspendue jusqu'au {until:%d/%m/%Y %H:%M}"


def rule_fire(
    *,
    rule: Rule,
    at: datetime,
    now: datetime,
    devices: list[Device] | None = None,
    command: str | None = None,
    params: dict[str, Any] | None = None,
    note: str = "",
) -> list[RuleAction]:
    """Act on a rule's trigger at ``at``: for each device, a downlink through the hub (on
    behalf of the rule's author, whose rights are checked), or the reason nothing was sent.
    One transaction per device: a refused command does not undo the others. ``devices``,
    ``command`` and ``params`` replace the rule's own for a booking (one door, its slot)."""
    from territoire.automations.engine import evaluate

    Rule.objects.filter(pk=rule.pk).update(last_fired_at=at)
    suspended = rule.suspended_until is not None and rule.suspended_until > now
    verdict = None if suspended else evaluate(rule, at)
    skipped = None
    if suspended:
        skipped = _suspension_message(rule)
    elif verdict is not None and not verdict.holds:
        skipped = verdict.reason
    reason = verdict.reason if verdict else ""
    return [
        _act(
            rule=rule,
            device=device,
            now=now,
            at=at,
            command=command or rule.command,
            params=rule.params if params is None else params,
            actor=rule.created_by,
            skipped=skipped,
            note=" ; ".join(part for part in (note, reason) if part),
        )
        for device in (devices if devices is not None else rule.devices.all())
    ]


def rule_force(
    *,
    actor: User,
    rule: Rule,
    command: str,
    params: dict[str, Any],
    until: datetime,
    reason: str,
) -> list[RuleAction]:
    """Manual override that forces a state ("éclairage forcé allumé jusqu'à …"): the command
    is sent now to the rule's devices on behalf of ``actor``, and the rule's own actions are
    suspended until ``until``, when it resumes by itself. One audit entry for the override,
    plus one per device action (as for every action)."""
    require(actor, "automations.manage", rule)
    _check_until(until, reason)
    devices = list(rule.devices.all())
    errors = []
    for device in devices:
        try:
            get_codec(device.model).encode(command, **params)
        except (EncodeError, KeyError, TypeError) as exc:
            errors.append(f"{device.name} : {exc}")
    if errors:
        raise ValidationError({"command": errors})
    with transaction.atomic():
        _hold(rule, until=until, reason=reason, command=command, params=params)
        audit_record(
            actor=actor,
            action="automations.rule_force",
            obj=rule,
            commune=rule.commune_id,
            changes={"command": command, "params": params, "until": until, "reason": reason},
        )
    now = timezone.now()
    local_until = timezone.localtime(until)
    note = f"Forçage manuel jusqu'au {local_until:%d/%m/%Y %H:%M} : {rule.suspension_reason}"
    return [
        _act(
            rule=rule,
            device=device,
            now=now,
            at=now,
            command=command,
            params=params,
            actor=actor,
            note=note,
        )
        for device in devices
    ]


# --- booking slots ----------------------------------------------------------------------------


@dataclass
class BookingData:
    device: Device
    starts_at: datetime
    ends_at: datetime
    booked_by: str
    reason: str


def _accepts_door(device: Device) -> bool:
    try:
        return OPEN_DOOR in get_codec(device.model).commands
    except KeyError:
        return False


@transaction.atomic
def booking_create(*, actor: User, commune: Commune, data: BookingData) -> Booking:
    require(actor, "automations.manage", commune)
    errors: dict[str, list[str]] = {}
    if data.device.commune_id != commune.pk:
        errors["device"] = ["Cette porte n'est pas de cette commune."]
    elif not _accepts_door(data.device):
        errors["device"] = ["Ce capteur ne sait pas ouvrir une porte (commande open_door)."]
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = ["La fin doit être après le début."]
    elif data.ends_at - data.starts_at > BOOKING_MAX:
        errors["ends_at"] = ["Un créneau dure au plus 12 heures."]
    if data.ends_at <= timezone.now():
        errors.setdefault("ends_at", []).append("Le créneau est déjà passé.")
    if not data.booked_by.strip():
        errors["booked_by"] = ["Indiquez qui a réservé."]
    if not data.reason.strip():
        errors["reason"] = ["Indiquez l'objet de la réservation."]
    if not errors:
        overlap = Booking.objects.filter(
            device=data.device,
            cancelled_at__isnull=True,
            starts_at__lt=data.ends_at,
            ends_at__gt=data.starts_at,
        ).first()
        if overlap is not None:
            errors["starts_at"] = [f"Ce créneau chevauche un autre créneau : {overlap}."]
    if errors:
        raise ValidationError(errors)
    booking = Booking.objects.create(
        commune=commune,
        device=data.device,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        booked_by=data.booked_by.strip(),
        reason=data.reason.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="automations.booking_create",
        obj=booking,
        commune=commune,
        changes={
            "device": data.device.dev_eui,
            "starts_at": data.starts_at,
            "ends_at": data.ends_at,
            "booked_by": booking.booked_by,
            "reason": booking.reason,
        },
    )
    return booking


@transaction.atomic
def booking_cancel(*, actor: User, booking: Booking) -> Booking:
    require(actor, "automations.manage", booking)
    if booking.cancelled_at is not None:
        raise ValidationError("Ce créneau est déjà annulé.")
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["cancelled_at", "updated_at"])
    audit_record(
        actor=actor, action="automations.booking_cancel", obj=booking, commune=booking.commune_id
    )
    return booking


def booking_fire(
    *, rule: Rule, booking: Booking, opening: bool, now: datetime
) -> RuleAction | None:
    """Open the door for the slot (released for the slot's duration: the controller relocks
    by itself), or relock it at the end when the door knows "lock" (in case the opening's
    delayed relock was lost)."""
    at = booking.starts_at if opening else booking.ends_at
    field_name = "opened_at" if opening else "closed_at"
    # Marked first: a slot is acted on once even if two sweeps overlap.
    claimed = Booking.objects.filter(pk=booking.pk, **{f"{field_name}__isnull": True}).update(
        **{field_name: now}
    )
    if not claimed:
        return None
    if opening:
        seconds = max(1, int((booking.ends_at - max(now, booking.starts_at)).total_seconds()))
        command, params = OPEN_DOOR, {"seconds": seconds}
        note = f"Ouverture pour le créneau de {booking.booked_by} ({booking.reason})"
    else:
        command, params = LOCK, {}
        note = f"Fin du créneau de {booking.booked_by} : porte verrouillée"
    actions = rule_fire(
        rule=rule,
        at=at,
        now=now,
        devices=[booking.device],
        command=command,
        params=params,
        note=note,
    )
    return actions[0]
