"""Writes of the insights module: alerts (opened by the rules, then acknowledged, assigned,
commented and closed by agents), subscriptions and alert rules. One transaction and one
audit entry per call; mails and notifications after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from territoire.core.audit import audit_record, register_actions
from territoire.core.models import Commune, User
from territoire.core.permissions import Principal, require
from territoire.insights.models import (
    RULE_PARAMS,
    Alert,
    AlertEvent,
    AlertRule,
    AlertState,
    Building,
    Notification,
    RuleKind,
    Subscription,
)
from territoire.insights.permissions import HANDLERS, MODULE
from territoire.sensors.models import Device

register_actions(
    {
        "insights.alert_open": "Alerte ouverte",
        "insights.alert_acknowledge": "Alerte prise en compte",
        "insights.alert_assign": "Alerte attribuée",
        "insights.alert_comment": "Commentaire sur une alerte",
        "insights.alert_close": "Alerte close",
        "insights.subscribe": "Abonnement aux alertes",
        "insights.unsubscribe": "Désabonnement des alertes",
        "insights.rule_save": "Règle d'alerte enregistrée",
        "insights.building_settings": "Réglages d'un bâtiment (décret tertiaire)",
    }
)


def alert_raise(
    *,
    rule: AlertRule,
    subject_key: str,
    subject: str,
    title: str,
    detail: str = "",
    device: Device | None = None,
    value: float | None = None,
    severity: str = "warning",
    rate_lph: float | None = None,
    at: datetime | None = None,
) -> tuple[Alert, bool]:
    """Open an alert for (rule, subject), or, when one is still open or acknowledged,
    record the repeat on it (no new alert, no new mail). Returns (alert, opened)."""
    now = at or timezone.now()
    existing = Alert.objects.filter(rule=rule, subject_key=subject_key).exclude(
        state=AlertState.CLOSED
    )
    updated = existing.update(
        last_seen_at=now, value=value, occurrences=F("occurrences") + 1, updated_at=timezone.now()
    )
    if updated:
        return existing.get(), False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule,
                commune_id=rule.commune_id,
                device=device,
                subject=subject[:150],
                subject_key=subject_key[:100],
                title=title[:200],
                detail=detail,
                value=value,
                severity=severity,
                rate_lph=rate_lph,
                opened_at=now,
                last_seen_at=now,
            )
            AlertEvent.objects.create(alert=alert, kind="opened", text=detail)
            audit_record(
                actor=None,
                action="insights.alert_open",
                obj=alert,
                commune=rule.commune_id,
                changes={"rule": rule.name, "subject": subject, "value": value},
            )
            transaction.on_commit(lambda: _notify(alert.pk))
    except IntegrityError:  # a concurrent batch opened it first: that one stands
        return existing.get(), False
    return alert, True


def _notify(alert_id: int) -> None:
    """In-platform notifications now, the e-mails through the worker."""
    from territoire.insights.tasks import mail_alert

    alert = Alert.objects.get(pk=alert_id)
    users = list(
        User.objects.filter(
            pk__in=Subscription.objects.filter(commune_id=alert.commune_id).values("user_id"),
            is_active=True,
        )
    )
    Notification.objects.bulk_create([Notification(user=u, alert=alert) for u in users])
    if users:
        mail_alert(alert_id)


def _editable(actor: Principal, alert: Alert) -> None:
    require(actor, "insights.handle_alerts", alert)
    if alert.state == AlertState.CLOSED:
        raise ValidationError("Cette alerte est close : elle ne peut plus être modifiée.")


def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _editable(actor, alert)
        if alert.state == AlertState.ACKNOWLEDGED:
            raise ValidationError("Cette alerte est déjà prise en compte.")
        alert.state = AlertState.ACKNOWLEDGED
        if alert.assignee_id is None:
            alert.assignee = actor
        alert.save(update_fields=["state", "assignee", "updated_at"])
        AlertEvent.objects.create(alert=alert, actor=actor, kind="acknowledged")
        audit_record(
            actor=actor, action="insights.alert_acknowledge", obj=alert, commune=alert.commune_id
        )
    return alert


def alert_assign(*, actor: User, alert: Alert, assignee: User) -> Alert:
    from territoire.core.permissions import has_role

    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _editable(actor, alert)
        if not has_role(assignee, HANDLERS, commune=alert.commune_id, module=MODULE):
            raise ValidationError(
                {"assignee": "Cette personne ne traite pas les alertes de cette commune."}
            )
        before = alert.assignee_id
        alert.assignee = assignee
        alert.save(update_fields=["assignee", "updated_at"])
        AlertEvent.objects.create(
            alert=alert,
            actor=actor,
            kind="assigned",
            text=assignee.get_full_name() or assignee.email,
        )
        audit_record(
            actor=actor,
            action="insights.alert_assign",
            obj=alert,
            commune=alert.commune_id,
            changes={"assignee": [before, assignee.pk]},
        )
    return alert


def _clean_text(text: str, *, field: str = "text", required: bool = True) -> str:
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({field: "Écrivez un commentaire."})
    if len(text) > 4000:
        raise ValidationError({field: "Le commentaire dépasse 4 000 caractères."})
    return text


def alert_comment(*, actor: User, alert: Alert, text: str) -> AlertEvent:
    text = _clean_text(text)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        require(actor, "insights.handle_alerts", alert)
        event = AlertEvent.objects.create(alert=alert, actor=actor, kind="commented", text=text)
        Alert.objects.filter(pk=alert.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="insights.alert_comment",
            obj=alert,
            commune=alert.commune_id,
            changes={"text": text[:200]},
        )
    return event


def alert_close(*, actor: User, alert: Alert, text: str = "") -> Alert:
    """Close; for a leak the water saved is counted from its estimated flow and duration."""
    text = _clean_text(text, required=False)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _editable(actor, alert)
        alert.state = AlertState.CLOSED
        alert.closed_at = timezone.now()
        alert.save(update_fields=["state", "closed_at", "updated_at"])
        AlertEvent.objects.create(alert=alert, actor=actor, kind="closed", text=text)
        audit_record(
            actor=actor, action="insights.alert_close", obj=alert, commune=alert.commune_id
        )
    return alert


def subscription_set(*, actor: User, commune: Commune, subscribed: bool) -> bool:
    """Subscribe the actor to a commune's alerts (in-platform and e-mail), or unsubscribe."""
    require(actor, "insights.view", commune)
    with transaction.atomic():
        if subscribed:
            _, created = Subscription.objects.get_or_create(user=actor, commune=commune)
        else:
            created = bool(Subscription.objects.filter(user=actor, commune=commune).delete()[0])
        if created:
            audit_record(
                actor=actor,
                action="insights.subscribe" if subscribed else "insights.unsubscribe",
                obj=commune,
                commune=commune,
            )
    return created


def rule_save(
    *,
    actor: User,
    commune: Commune,
    kind: str,
    name: str,
    params: dict[str, Any],
    rule: AlertRule | None = None,
    is_active: bool = True,
) -> AlertRule:
    require(actor, "insights.handle_alerts", commune)
    if kind not in RuleKind.values:
        raise ValidationError({"kind": "Type de règle inconnu."})
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": "Donnez un nom à la règle."})
    params = {k: v for k, v in (params or {}).items() if k in RULE_PARAMS[kind]}
    with transaction.atomic():
        if rule is None:
            rule = AlertRule(commune=commune)
        rule.kind, rule.name, rule.params, rule.is_active = kind, name[:150], params, is_active
        rule.save()
        audit_record(
            actor=actor,
            action="insights.rule_save",
            obj=rule,
            commune=commune,
            changes={"kind": kind, "params": params, "is_active": is_active},
        )
    return rule


BUILDING_SETTINGS = ("floor_area_m2", "reference_year", "reference_kwh", "heating_share",
                     "reference_dju")  # fmt: skip
REFERENCE_YEARS = range(2010, 2020)  # décret n° 2019-771: a reference year in 2010–2019


def building_settings_save(*, actor: User, building: Building, **values: Any) -> Building:
    """The décret tertiaire settings of a building: surface, reference year and its
    consumption, heating share (what the climate correction applies to), DJU of the
    reference year. Checked again here (the form is not the only caller)."""
    require(actor, "insights.manage_buildings", building)
    values = {k: v for k, v in values.items() if k in BUILDING_SETTINGS}
    errors: dict[str, str] = {}
    year = values.get("reference_year")
    if year is not None and year not in REFERENCE_YEARS:
        errors["reference_year"] = "L'année de référence est comprise entre 2010 et 2019."
    share = values.get("heating_share")
    if share is None or not 0 <= share <= 1:
        errors["heating_share"] = "La part du chauffage est comprise entre 0 et 100 %."
    for key in ("reference_kwh", "reference_dju", "floor_area_m2"):
        if values.get(key) is not None and values[key] <= 0:
            errors[key] = "Indiquez un nombre positif, ou laissez vide."
    if (year is None) != (values.get("reference_kwh") is None):
        errors["reference_kwh"] = (
            "Indiquez l'année de référence et sa consommation ensemble (ou aucune des deux)."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        building = Building.objects.select_for_update().get(pk=building.pk)
        changes = {
            k: [getattr(building, k), v] for k, v in values.items() if getattr(building, k) != v
        }
        for key, value in values.items():
            setattr(building, key, value)
        building.save()
        audit_record(
            actor=actor,
            action="insights.building_settings",
            obj=building,
            commune=building.commune_id,
            changes=changes,
        )
    return building
