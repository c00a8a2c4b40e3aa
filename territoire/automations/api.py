"""Automations API (read only): rules, their actions and booking slots, scoped to the
caller's communes like the pages (``automations.view``)."""

from datetime import datetime, time
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from territoire.automations import selectors
from territoire.core.api import principal_of
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import require

router = Router(tags=["Automatisations"])


class ConditionOut(Schema):
    series_device: str = Field(description="DevEUI du capteur de la mesure")
    quantity: str
    aggregate: str = Field(description="last, sum, max ou min")
    window_hours: int
    operator: str = Field(description="lt (inférieur à) ou gt (supérieur à)")
    threshold: float

    @staticmethod
    def resolve_series_device(condition) -> str:
        return condition.series.device.dev_eui

    @staticmethod
    def resolve_quantity(condition) -> str:
        return condition.series.quantity


class RuleOut(Schema):
    id: int
    commune: str = Field(description="Code INSEE")
    name: str
    is_active: bool
    trigger: str = Field(description="time, sunrise, sunset, reading ou booking")
    at_time: time | None
    offset_minutes: int
    command: str
    params: dict[str, Any]
    devices: list[str] = Field(description="DevEUI des capteurs commandés")
    conditions: list[ConditionOut]
    suspended_until: datetime | None
    suspension_reason: str
    forced_command: str = Field(description="Commande d'un état forcé en cours, sinon vide")
    last_fired_at: datetime | None

    @staticmethod
    def resolve_commune(rule) -> str:
        return rule.commune.insee_code

    @staticmethod
    def resolve_devices(rule) -> list[str]:
        return [d.dev_eui for d in rule.devices.all()]

    @staticmethod
    def resolve_conditions(rule) -> list:
        return list(rule.conditions.all())

    @staticmethod
    def resolve_forced_command(rule) -> str:
        return rule.forced_command if rule.is_forced else ""


class ActionOut(Schema):
    id: int
    rule: int
    device: str = Field(description="DevEUI")
    at: datetime
    outcome: str = Field(description="sent, refused ou skipped")
    message: str

    @staticmethod
    def resolve_rule(action) -> int:
        return action.rule_id

    @staticmethod
    def resolve_device(action) -> str:
        return action.device.dev_eui


class BookingOut(Schema):
    id: int
    commune: str = Field(description="Code INSEE")
    device: str = Field(description="DevEUI de la porte")
    starts_at: datetime
    ends_at: datetime
    booked_by: str
    reason: str
    cancelled_at: datetime | None
    opened_at: datetime | None

    @staticmethod
    def resolve_commune(booking) -> str:
        return booking.commune.insee_code

    @staticmethod
    def resolve_device(booking) -> str:
        return booking.device.dev_eui


def _rules(request: HttpRequest):
    principal = principal_of(request)
    require(principal, "automations.view")
    return selectors.rules(principal).prefetch_related("devices", "conditions__series__device")


@router.get("/rules", response=list[RuleOut], summary="Règles d'automatisation")
@paginate(ApiPagination)
def rules_list(request: HttpRequest):
    return _rules(request)


@router.get("/rules/{rule_id}", response=RuleOut, summary="Une règle d'automatisation")
def rules_detail(request: HttpRequest, rule_id: int):
    require(principal_of(request), "automations.view")
    return selectors.rule(principal_of(request), rule_id)


class ActionFilters(Schema):
    rule: int | None = Field(None, description="Identifiant de la règle")
    device: str = Field("", description="DevEUI")


@router.get("/actions", response=list[ActionOut], summary="Actions des règles (récentes d'abord)")
@paginate(ApiPagination)
def actions_list(request: HttpRequest, filters: Query[ActionFilters]):
    principal = principal_of(request)
    require(principal, "automations.view")
    actions = selectors.actions(principal)
    if filters.rule is not None:
        actions = actions.filter(rule_id=filters.rule)
    if filters.device:
        actions = actions.filter(device__dev_eui=filters.device.strip().lower())
    return actions


class BookingFilters(Schema):
    upcoming: bool = Field(False, description="Seulement les créneaux en cours et à venir")


@router.get("/bookings", response=list[BookingOut], summary="Créneaux de réservation")
@paginate(ApiPagination)
def bookings_list(request: HttpRequest, filters: Query[BookingFilters]):
    from django.utils import timezone

    principal = principal_of(request)
    require(principal, "automations.view")
    bookings = selectors.bookings(principal)
    if filters.upcoming:
        bookings = bookings.filter(ends_at__gt=timezone.now())
    return bookings
