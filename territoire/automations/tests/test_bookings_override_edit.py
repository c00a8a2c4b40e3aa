"""Booking slots (door opened for the slot), the forced-state override, rule editing with
several conditions, and the read API: services, sweep, dry run, pages, commune isolation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from territoire.automations import engine, services
from territoire.automations.models import Booking, Outcome, Rule, RuleAction, Trigger
from territoire.automations.services import BookingData, ConditionData, RuleData
from territoire.automations.tests.conftest import add_readings
from territoire.core.models import Role
from territoire.core.testing import (
    assert_commune_isolation,
    audit_entries_added,
    logged_in_client,
    person_with_role,
)
from territoire.sensors.models import Downlink

pytestmark = pytest.mark.django_db


def _slot(world, arras, start, hours=2, **extra):
    return services.booking_create(
        actor=world.agent,
        commune=arras,
        data=BookingData(
            device=extra.get("device", world.door),
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            booked_by=extra.get("booked_by", "Club de danse"),
            reason="Répétition",
        ),
    )


def _access_rule(world, arras):
    return services.rule_create(
        actor=world.agent,
        commune=arras,
        data=RuleData(
            name="Porte aux créneaux", trigger=Trigger.BOOKING, command="", devices=[world.door]
        ),
    )


# --- bookings: services ------------------------------------------------------------------


def test_booking_is_checked_and_audited(world, arras, beaurains) -> None:
    start = timezone.now() + timedelta(days=1)
    with audit_entries_added(expected=1):
        booking = _slot(world, arras, start)
    assert booking.commune == arras and booking.created_by == world.agent
    cases = [
        ({"device": world.devices[0]}, "ne sait pas ouvrir une porte"),
        ({"starts_at": start + timedelta(minutes=30)}, "chevauche"),
        ({"ends_at": start - timedelta(hours=1)}, "après le début"),
        ({"ends_at": start + timedelta(hours=13)}, "12 heures"),
        ({"booked_by": "  "}, "qui a réservé"),
    ]
    for change, message in cases:
        fields = {
            "device": world.door,
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "booked_by": "Autre",
            "reason": "x",
            **change,
        }
        with audit_entries_added(expected=0), pytest.raises(ValidationError, match=message):
            services.booking_create(actor=world.agent, commune=arras, data=BookingData(**fields))
    # The door is not of Beaurains.
    other = person_with_role(Role.COMMUNE_ADMIN, beaurains)
    with pytest.raises(ValidationError, match="pas de cette commune"):
        services.booking_create(
            actor=other,
            commune=beaurains,
            data=BookingData(world.door, start, start + timedelta(hours=1), "x", "y"),
        )
    with audit_entries_added(expected=1):
        services.booking_cancel(actor=world.agent, booking=booking)
    with pytest.raises(ValidationError, match="déjà annulé"):
        services.booking_cancel(actor=world.agent, booking=booking)
    # Once cancelled, its slot is free again.
    _slot(world, arras, start)


def test_a_booking_rule_only_accepts_doors(world, arras) -> None:
    with pytest.raises(ValidationError, match="open_door"):
        services.rule_create(
            actor=world.agent,
            commune=arras,
            data=RuleData(
                name="x", trigger=Trigger.BOOKING, command="", devices=[world.devices[0]]
            ),
        )
    rule = _access_rule(world, arras)
    assert (rule.command, rule.params) == ("open_door", {})


# --- bookings: the sweep ---------------------------------------------------------------


def test_the_sweep_opens_the_door_for_the_slot_then_relocks_it(
    world, arras, django_capture_on_commit_callbacks
) -> None:
    rule = _access_rule(world, arras)
    start = timezone.now() + timedelta(minutes=5)
    booking = _slot(world, arras, start, hours=2)
    assert engine.run_bookings(start - timedelta(minutes=1)) == 0  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.run_bookings(start + timedelta(minutes=1)) == 1
    assert engine.run_bookings(start + timedelta(minutes=2)) == 0  # once
    action = RuleAction.objects.get(rule=rule)
    assert action.outcome == Outcome.SENT and "Club de danse" in action.message
    downlink = Downlink.objects.get(pk=action.downlink_id)
    assert downlink.command == "open_door"
    # Opened one minute late: the door stays open until the slot's end, not two hours more.
    assert downlink.params == {"seconds": 2 * 3600 - 60}
    # The hub's 10-minute limit reads the real clock: the opening is made two hours old.
    Downlink.objects.update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.run_bookings(start + timedelta(hours=2, minutes=1)) == 1
    booking.refresh_from_db()
    assert booking.opened_at and booking.closed_at
    assert Downlink.objects.order_by("-pk").first().command == "lock"


def test_a_missed_or_cancelled_slot_does_not_open_the_door(world, arras) -> None:
    _access_rule(world, arras)
    start = timezone.now() + timedelta(minutes=5)
    booking = _slot(world, arras, start)
    # Worker down for an hour: opening late is not caught up.
    assert engine.run_bookings(start + timedelta(hours=1)) == 0
    cancelled = _slot(world, arras, start + timedelta(hours=3))
    services.booking_cancel(actor=world.agent, booking=cancelled)
    assert engine.run_bookings(start + timedelta(hours=3, minutes=1)) == 0
    assert Downlink.objects.count() == 0
    booking.refresh_from_db()
    assert booking.opened_at is None


def test_dry_run_of_a_booking_rule(world, arras) -> None:
    rule = _access_rule(world, arras)
    start = timezone.now() + timedelta(minutes=5)
    _slot(world, arras, start, hours=1)
    before = (Downlink.objects.count(), RuleAction.objects.count())
    rows = engine.dry_run(rule, 2, now=start + timedelta(hours=2))
    assert [r.outcome for r in rows] == ["Commande envoyée", "Commande envoyée"]
    assert "ouverture" in rows[0].reason and "verrouillage" in rows[1].reason
    assert (Downlink.objects.count(), RuleAction.objects.count()) == before


# --- forced state --------------------------------------------------------------------------


def _lighting(world, arras):
    return services.rule_create(
        actor=world.agent,
        commune=arras,
        data=RuleData(
            name="Extinction",
            trigger=Trigger.SUNSET,
            command="switch_off",
            params={"relay": 1},
            devices=[world.lamp],
        ),
    )


def test_forcing_sends_now_suspends_the_rule_then_it_resumes(world, arras) -> None:
    rule = _lighting(world, arras)
    until = timezone.now() + timedelta(hours=3)
    with audit_entries_added() as added:
        actions = services.rule_force(
            actor=world.agent,
            rule=rule,
            command="switch_on",
            params={"relay": 1},
            until=until,
            reason="Cérémonie",
        )
    assert [a.outcome for a in actions] == [Outcome.SENT]
    assert Downlink.objects.get().command == "switch_on"
    assert Downlink.objects.get().requested_by == world.agent
    assert {e.action for e in added} >= {"automations.rule_force", "automations.action"}
    rule.refresh_from_db()
    assert rule.is_forced and rule.forced_command == "switch_on"
    # The rule's own action is held back while forced...
    later = timezone.now() + timedelta(hours=1)
    held = services.rule_fire(rule=rule, at=later, now=later)
    assert held[0].outcome == Outcome.SKIPPED and "forcé" in held[0].message
    # ...and acts again after the expiry.
    after = until + timedelta(minutes=1)
    Downlink.objects.update(created_at=timezone.now() - timedelta(hours=1))
    resumed = services.rule_fire(rule=rule, at=after, now=after)
    assert resumed[0].outcome == Outcome.SENT


def test_forcing_a_command_the_device_refuses_sends_nothing(world, arras) -> None:
    rule = _lighting(world, arras)
    with audit_entries_added(expected=0), pytest.raises(ValidationError, match="Relais|relais"):
        services.rule_force(
            actor=world.agent,
            rule=rule,
            command="switch_on",
            params={"relay": 9},
            until=timezone.now() + timedelta(hours=1),
            reason="x",
        )
    rule.refresh_from_db()
    assert not rule.is_suspended and Downlink.objects.count() == 0


# --- editing -------------------------------------------------------------------------------


def test_editing_a_rule_keeps_its_past_actions_and_is_audited(world, arras) -> None:
    rule = _lighting(world, arras)
    now = timezone.now()
    services.rule_fire(rule=rule, at=now, now=now)
    past = list(RuleAction.objects.filter(rule=rule).values_list("pk", "outcome", "message"))
    soil = world.rain  # any series of the commune
    with audit_entries_added(expected=1) as added:
        services.rule_update(
            actor=world.agent,
            rule=rule,
            data=RuleData(
                name="Extinction tardive",
                trigger=Trigger.SUNSET,
                offset_minutes=30,
                command="switch_off",
                params={"relay": 2},
                devices=[world.lamp],
                conditions=[
                    ConditionData(series=soil, operator="lt", threshold=2, aggregate="sum"),
                    ConditionData(series=soil, operator="gt", threshold=0, aggregate="last"),
                ],
            ),
        )
    rule.refresh_from_db()
    assert (rule.name, rule.offset_minutes, rule.params) == ("Extinction tardive", 30, {"relay": 2})
    assert rule.conditions.count() == 2
    changes = added[0].changes
    assert changes["name"] == ["Extinction", "Extinction tardive"]
    assert "devices" not in changes  # unchanged
    assert past == list(
        RuleAction.objects.filter(rule=rule).values_list("pk", "outcome", "message")
    )
    with pytest.raises(ValidationError):
        services.rule_update(
            actor=world.agent,
            rule=rule,
            data=RuleData(name="", trigger="time", command="x", devices=[world.lamp]),
        )


def test_edit_page_prefills_and_saves_several_conditions(world, arras) -> None:
    rule = _lighting(world, arras)
    add_readings(world.rain, [(timezone.now() - timedelta(hours=1), 0.0)])
    client = logged_in_client(world.agent)
    body = client.get(f"/automatisations/{rule.pk}/modifier/").content.decode()
    assert 'value="Extinction"' in body and "Condition 3 : mesure" in body
    eui = world.devices[0].dev_eui
    data = {
        "commune": arras.pk,
        "name": "Extinction, si sec",
        "trigger": "sunset",
        "offset_minutes": "0",
        "cond_series": f"{eui}:pluie",
        "cond_aggregate": "sum",
        "cond_window": "24",
        "cond_operator": "lt",
        "cond_threshold": "2",
        "cond2_series": f"{eui}:pluie",
        "cond2_aggregate": "max",
        "cond2_window": "48",
        "cond2_operator": "lt",
        "cond2_threshold": "",
        "command": "switch_off",
        "params": '{"relay": 1}',
        "devices": world.lamp.dev_eui,
    }
    with audit_entries_added(expected=0):
        response = client.post(f"/automatisations/{rule.pk}/modifier/", data)
    assert response.status_code == 400 and "Indiquez le seuil" in response.content.decode()
    assert "Extinction, si sec" in response.content.decode()
    with audit_entries_added(expected=1):
        response = client.post(
            f"/automatisations/{rule.pk}/modifier/", {**data, "cond2_threshold": "5"}
        )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Extinction, si sec" and rule.conditions.count() == 2
    assert Rule.objects.count() == 1  # edited in place


# --- pages ---------------------------------------------------------------------------------


def test_force_from_the_page_and_shown_on_rule_and_device_pages(world, arras) -> None:
    rule = _lighting(world, arras)
    client = logged_in_client(world.agent)
    until = (timezone.localtime() + timedelta(hours=2)).strftime("%d/%m/%Y %H:%M")
    form = {
        "force-command": "switch_on",
        "force-params": "{oups",
        "force-until": until,
        "force-reason": "Fête",
    }
    response = client.post(f"/automatisations/{rule.pk}/forcer/", form)
    assert response.status_code == 400 and "JSON" in response.content.decode()
    assert "Fête" in response.content.decode()  # what was typed is kept
    response = client.post(
        f"/automatisations/{rule.pk}/forcer/", {**form, "force-params": '{"relay": 1}'}
    )
    assert response.status_code == 302
    page = client.get(f"/automatisations/{rule.pk}/").content.decode()
    # Agents read the command's French label, not its technical name.
    assert "commande « Allumer (relais fermé) »" in page and "Fête" in page
    device_page = client.get(f"/capteurs/{world.lamp.dev_eui}/").content.decode()
    assert "État forcé (« Allumer (relais fermé) »)" in device_page
    assert "Forçage manuel" in device_page


def test_booking_pages(world, arras) -> None:
    _access_rule(world, arras)
    client = logged_in_client(world.agent)
    body = client.get("/automatisations/reservations/nouvelle/").content.decode()
    assert "Porte de la salle" in body and "Sonde 1" not in body  # only doors are offered
    start = timezone.localtime() + timedelta(days=2)
    data = {
        "device": world.door.pk,
        "starts_at": start.strftime("%d/%m/%Y %H:%M"),
        "ends_at": (start - timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"),
        "booked_by": "Chorale",
        "reason": "Concert",
    }
    with audit_entries_added(expected=0):
        response = client.post("/automatisations/reservations/nouvelle/", data)
    assert response.status_code == 400 and "après le début" in response.content.decode()
    assert "Chorale" in response.content.decode()
    ends = (start + timedelta(hours=2)).strftime("%d/%m/%Y %H:%M")
    with audit_entries_added(expected=1):
        response = client.post("/automatisations/reservations/nouvelle/", {**data, "ends_at": ends})
    assert response.status_code == 302
    listing = client.get("/automatisations/reservations/").content.decode()
    assert "Chorale" in listing and "Prévu" in listing
    device_page = client.get(f"/capteurs/{world.door.dev_eui}/").content.decode()
    assert "Chorale" in device_page
    booking = Booking.objects.get()
    with audit_entries_added(expected=1):
        client.post(f"/automatisations/reservations/{booking.pk}/annuler/")
    booking.refresh_from_db()
    assert booking.cancelled_at is not None


def test_commune_isolation_of_new_pages_and_api(world, arras, beaurains) -> None:
    rule = _lighting(world, arras)
    booking = _slot(world, arras, timezone.now() + timedelta(days=1), booked_by="Club Arrageois")
    now = timezone.now()
    services.rule_fire(rule=rule, at=now, now=now)
    other = person_with_role(Role.COMMUNE_ADMIN, beaurains)
    client = logged_in_client(other)
    assert_commune_isolation(
        client,
        hidden_urls=[
            f"/automatisations/{rule.pk}/modifier/",
            f"/api/v1/automations/rules/{rule.pk}",
        ],
        lists=[
            ("/automatisations/reservations/", "Club Arrageois"),
            ("/automatisations/reservations/nouvelle/", "Porte de la salle"),
            ("/api/v1/automations/rules", "Extinction"),
            ("/api/v1/automations/actions", "Extinction"),
            ("/api/v1/automations/actions", world.lamp.dev_eui),
            ("/api/v1/automations/bookings", "Club Arrageois"),
        ],
        writes=[
            ("post", f"/automatisations/{rule.pk}/forcer/", {"force-command": "switch_on"}),
            ("post", f"/automatisations/{rule.pk}/modifier/", {"name": "x"}),
            ("post", f"/automatisations/reservations/{booking.pk}/annuler/", None),
        ],
    )
    # An elected official reads the bookings but cannot book.
    elected = logged_in_client(person_with_role(Role.ELECTED, arras))
    assert "Club Arrageois" in elected.get("/automatisations/reservations/").content.decode()
    assert elected.get("/automatisations/reservations/nouvelle/").status_code == 403
    assert elected.get(f"/automatisations/{rule.pk}/modifier/").status_code == 403


def test_api_reads(world, arras) -> None:
    rule = _lighting(world, arras)
    _slot(world, arras, timezone.now() + timedelta(days=1))
    now = timezone.now()
    services.rule_fire(rule=rule, at=now, now=now)
    client = logged_in_client(world.agent)
    rules = client.get("/api/v1/automations/rules").json()
    assert len(rules["items"]) == 1
    item = rules["items"][0]
    assert item["command"] == "switch_off" and item["devices"] == [world.lamp.dev_eui]
    assert item["commune"] == arras.insee_code
    detail = client.get(f"/api/v1/automations/rules/{rule.pk}").json()
    assert detail["params"] == {"relay": 1}
    actions = client.get(f"/api/v1/automations/actions?rule={rule.pk}").json()["items"]
    assert [a["outcome"] for a in actions] == ["sent"]
    bookings = client.get("/api/v1/automations/bookings?upcoming=true").json()["items"]
    assert bookings[0]["device"] == world.door.dev_eui
    missing = client.get("/api/v1/automations/rules/999999")
    assert missing.status_code == 404 and missing["Content-Type"].startswith(
        "application/problem+json"
    )
    bad = client.get("/api/v1/automations/actions?rule=abc")
    assert bad.status_code in (400, 422) and json.loads(bad.content)


def test_a_booking_rule_from_the_form_needs_no_command(world, arras) -> None:
    client = logged_in_client(world.agent)
    data = {
        "commune": arras.pk,
        "name": "Porte de la salle aux créneaux",
        "trigger": "booking",
        "offset_minutes": "0",
        "command": "",
        "params": "",
        "devices": world.door.dev_eui,
    }
    response = client.post("/automatisations/nouvelle/", {**data, "trigger": "time"})
    assert response.status_code == 400 and "Indiquez la commande" in response.content.decode()
    with audit_entries_added(expected=1):
        response = client.post("/automatisations/nouvelle/", data)
    assert response.status_code == 302
    rule = Rule.objects.get(name="Porte de la salle aux créneaux")
    assert rule.command == "open_door"
    page = client.get(f"/automatisations/{rule.pk}/").content.decode()
    assert "au début de chaque créneau de réservation" in page
