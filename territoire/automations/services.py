"""Writes of automations: rules (create, delete), the manual override (suspend until an
expiry, resume) and firing a rule (one ``RuleAction`` and one audit entry per device). Each
person-initiated service runs in one transaction with one audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from territoire.automations.models import (
    Aggregate,
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
        try:
            get_codec(device.model).encode(data.command, **data.params)
        except (EncodeError, KeyError, TypeError) as exc:
            errors.setdefault("command", []).append(f"{device.name} : {exc}")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_create(*, actor: User, commune: Commune, data: RuleData) -> Rule:
    require(actor, "automations.manage", commune)
    _clean(commune, data)
    rule = Rule.objects.create(
        commune=commune,
        name=data.name.strip(),
        trigger=data.trigger,
        at_time=data.at_time if data.trigger == Trigger.TIME else None,
        offset_minutes=data.offset_minutes if data.trigger != Trigger.READING else 0,
        trigger_series=data.trigger_series if data.trigger == Trigger.READING else None,
        command=data.command,
        params=data.params,
        created_by=actor,
        # A schedule already past today waits for tomorrow instead of firing at once.
        last_fired_at=timezone.now(),
    )
    rule.devices.set(data.devices)
    for c in data.conditions:
        Condition.objects.create(
            rule=rule,
            series=c.series,
            operator=c.operator,
            threshold=c.threshold,
            aggregate=c.aggregate,
            window_hours=c.window_hours,
        )
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


@transaction.atomic
def rule_delete(*, actor: User, rule: Rule) -> None:
    require(actor, "automations.manage", rule)
    audit_record(actor=actor, action="automations.rule_delete", obj=rule, commune=rule.commune_id)
    rule.delete()


@transaction.atomic
def rule_suspend(*, actor: User, rule: Rule, until: datetime, reason: str) -> Rule:
    """Manual override: the rule does nothing until ``until`` (then resumes by itself)."""
    require(actor, "automations.manage", rule)
    now = timezone.now()
    if until <= now:
        raise ValidationError({"until": "L'échéance doit être dans le futur."})
    if (until - now).days > 90:
        raise ValidationError({"until": "Une suspension dure au plus 90 jours."})
    if not reason.strip():
        raise ValidationError({"reason": "Indiquez le motif de la suspension."})
    rule.suspended_until, rule.suspension_reason = until, reason.strip()[:200]
    rule.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
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
    rule.suspended_until, rule.suspension_reason = None, ""
    rule.save(update_fields=["suspended_until", "suspension_reason", "updated_at"])
    audit_record(actor=actor, action="automations.rule_resume", obj=rule, commune=rule.commune_id)
    return rule


def rule_fire(*, rule: Rule, at: datetime, now: datetime) -> list[RuleAction]:
    """Act on a rule's trigger at ``at``: for each device, a downlink through the hub (on
    behalf of the rule's author, whose rights are checked), or the reason nothing was sent.
    One transaction per device: a refused command does not undo the others."""
    from territoire.automations.engine import evaluate

    Rule.objects.filter(pk=rule.pk).update(last_fired_at=at)
    suspended = rule.suspended_until is not None and rule.suspended_until > now
    verdict = None if suspended else evaluate(rule, at)
    actions = []
    for device in rule.devices.all():
        with transaction.atomic():
            downlink = None
            if suspended:
                outcome = Outcome.SKIPPED
                until = timezone.localtime(rule.suspended_until)
                message = f"Règle suspendue jusqu'au {until:%d/%m/%Y %H:%M}"
            elif verdict is not None and not verdict.holds:
                outcome, message = Outcome.SKIPPED, verdict.reason
            else:
                try:
                    downlink = downlink_request(
                        actor=rule.created_by,
                        device=device,
                        command=rule.command,
                        params=rule.params,
                    )
                    outcome, message = Outcome.SENT, verdict.reason if verdict else ""
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
                object_repr=f"{rule.command} → {device.name}",
                changes={"outcome": outcome, "message": message[:255], "trigger_at": at},
            )
            actions.append(action)
    return actions
