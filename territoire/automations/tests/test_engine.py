"""Sun times at Arras, schedule firing, conditions, the readings listener, the rate limit and
the manual override, through the real hub (downlinks to a fake network server)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from territoire.automations import engine, services
from territoire.automations.models import Outcome, RuleAction, Trigger
from territoire.automations.services import ConditionData, RuleData
from territoire.automations.sun import PARIS, fire_time, sun_times
from territoire.automations.tests.conftest import add_readings
from territoire.core.testing import audit_entries_added
from territoire.sensors.listeners import StoredReading
from territoire.sensors.models import Downlink

pytestmark = pytest.mark.django_db


def _near(actual: datetime, hh: int, mm: int) -> bool:
    local = actual.astimezone(PARIS)
    return abs((local.hour * 60 + local.minute) - (hh * 60 + mm)) <= 3


def test_sun_times_at_arras_match_published_ephemerides() -> None:
    # Published times for Arras (IMCCE / timeanddate): 21 June 05:38 / 22:03 (CEST),
    # 21 December 08:46 / 16:47 (CET).
    rise, fall = sun_times(date(2026, 6, 21))
    assert _near(rise, 5, 38) and _near(fall, 22, 3)
    rise, fall = sun_times(date(2026, 12, 21))
    assert _near(rise, 8, 46) and _near(fall, 16, 47)


def test_fire_time_applies_the_offset_and_local_time() -> None:
    dusk = fire_time(Trigger.SUNSET, date(2026, 12, 21), None, 15)
    assert dusk == sun_times(date(2026, 12, 21))[1] + timedelta(minutes=15)
    fixed = fire_time(Trigger.TIME, date(2026, 7, 1), time(22, 30), 0)
    assert fixed == datetime(2026, 7, 1, 20, 30, tzinfo=UTC)  # CEST = UTC+2
    assert fire_time(Trigger.READING, date(2026, 7, 1), None, 0) is None


def _rule(world, arras, **overrides):
    data = RuleData(
        name="Arrosage du soir",
        trigger=Trigger.TIME,
        at_time=time(21, 0),
        command="set_interval",
        params={"seconds": 600},
        devices=world.devices,
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return services.rule_create(actor=world.agent, commune=arras, data=data)


def test_creating_a_rule_is_audited_once(world, arras) -> None:
    with audit_entries_added(expected=1) as added:
        rule = _rule(world, arras)
    assert added[0].action == "automations.rule_create" and rule.devices.count() == 2


def test_a_command_the_device_model_refuses_is_a_clear_error(world, arras) -> None:
    with pytest.raises(ValidationError) as error, audit_entries_added(expected=0):
        _rule(world, arras, command="open_valve")
    assert "command" in error.value.message_dict
    with pytest.raises(ValidationError, match="secondes"):
        _rule(world, arras, params={"seconds": "beaucoup"})


def test_a_device_of_another_commune_is_refused(world, arras, beaurains) -> None:
    from territoire.core.models import Membership, Role

    Membership.objects.create(user=world.agent, role=Role.AGENT, commune=beaurains)
    with pytest.raises(ValidationError) as error:
        services.rule_create(
            actor=world.agent,
            commune=beaurains,
            data=RuleData(
                name="x",
                trigger=Trigger.TIME,
                at_time=time(1, 0),
                command="set_interval",
                params={"seconds": 600},
                devices=world.devices,
            ),
        )
    assert "devices" in error.value.message_dict


def _evening(day: date = date(2026, 7, 1)) -> datetime:
    return datetime.combine(day, time(21, 0), tzinfo=PARIS)


def test_a_due_schedule_sends_once_and_records_and_audits_each_action(
    world, arras, django_capture_on_commit_callbacks
) -> None:
    rule = _rule(world, arras)
    rule.last_fired_at = None
    rule.save()
    now = _evening() + timedelta(minutes=2)
    assert engine.run_schedules(now - timedelta(minutes=5)) == 0  # not yet due
    with audit_entries_added() as added, django_capture_on_commit_callbacks(execute=True):
        assert engine.run_schedules(now) == 1
    actions = list(RuleAction.objects.filter(rule=rule))
    assert [a.outcome for a in actions] == [Outcome.SENT, Outcome.SENT]
    assert all(a.downlink_id for a in actions) and len(world.lns.chirpstack_queue) == 2
    # Per device: the hub's own audit entry and the automation's.
    assert (
        sorted(e.action for e in added)
        == ["automations.action"] * 2 + ["sensors.downlink_request"] * 2
    )
    assert engine.run_schedules(now + timedelta(minutes=1)) == 0  # already done today
    # Missed by more than the grace period (worker down): not caught up.
    assert engine.run_schedules(_evening(date(2026, 7, 2)) + timedelta(hours=2)) == 0


def test_the_rate_limit_refusal_is_recorded_not_lost(world, arras) -> None:
    first = _rule(world, arras)
    second = _rule(world, arras, name="Deuxième règle")
    now = _evening() + timedelta(minutes=1)
    services.rule_fire(rule=first, at=_evening(), now=now)
    actions = services.rule_fire(rule=second, at=_evening(), now=now)
    assert {a.outcome for a in actions} == {Outcome.REFUSED}
    assert "moins de 10 minutes" in actions[0].message
    assert Downlink.objects.count() == 2


def test_a_rain_condition_prevents_watering(world, arras) -> None:
    rule = _rule(
        world,
        arras,
        conditions=[
            ConditionData(
                series=world.rain, operator="lt", threshold=2.0, aggregate="sum", window_hours=24
            )
        ],
    )
    at = _evening()
    add_readings(world.rain, [(at - timedelta(hours=30), 9.0), (at - timedelta(hours=3), 1.5)])
    actions = services.rule_fire(rule=rule, at=at, now=at)
    assert {a.outcome for a in actions} == {Outcome.SENT}  # 1.5 mm in 24 h < 2
    add_readings(world.rain, [(at + timedelta(hours=1), 4.0)])
    later = at + timedelta(hours=2)
    actions = services.rule_fire(rule=rule, at=later, now=later)
    assert {a.outcome for a in actions} == {Outcome.SKIPPED}
    assert "5.5" in actions[0].message


def test_no_reading_in_the_window_means_no_action(world, arras) -> None:
    rule = _rule(
        world, arras, conditions=[ConditionData(series=world.rain, operator="lt", threshold=2)]
    )
    actions = services.rule_fire(rule=rule, at=_evening(), now=_evening())
    assert {a.outcome for a in actions} == {Outcome.SKIPPED}
    assert "aucune mesure" in actions[0].message
    assert Downlink.objects.count() == 0


def test_a_new_reading_fires_a_reading_rule_through_the_listener(world, arras) -> None:
    rule = _rule(
        world,
        arras,
        trigger=Trigger.READING,
        trigger_series=world.rain,
        conditions=[ConditionData(series=world.rain, operator="gt", threshold=10)],
        devices=[world.devices[1]],
    )
    at = timezone.now()
    add_readings(world.rain, [(at, 12.0)])
    engine.readings_stored([StoredReading(world.rain.pk, at, 12.0, None)])
    action = RuleAction.objects.get(rule=rule)
    assert action.outcome == Outcome.SENT and action.device == world.devices[1]
    # A reading of another series does nothing.
    engine.readings_stored([StoredReading(world.rain.pk + 999, at, 1.0, None)])
    assert RuleAction.objects.filter(rule=rule).count() == 1


def test_a_suspended_rule_sends_nothing_until_its_expiry(world, arras) -> None:
    rule = _rule(world, arras)
    until = timezone.now() + timedelta(days=2)
    with audit_entries_added(expected=1) as added:
        services.rule_suspend(actor=world.agent, rule=rule, until=until, reason="Travaux")
    assert added[0].action == "automations.rule_suspend"
    now = timezone.now()
    actions = services.rule_fire(rule=rule, at=now, now=now)
    assert {a.outcome for a in actions} == {Outcome.SKIPPED}
    assert "suspendue" in actions[0].message and Downlink.objects.count() == 0
    after = until + timedelta(minutes=1)
    assert {a.outcome for a in services.rule_fire(rule=rule, at=after, now=after)} == {Outcome.SENT}
    with pytest.raises(ValidationError):
        services.rule_suspend(
            actor=world.agent, rule=rule, until=timezone.now() - timedelta(hours=1), reason="x"
        )
    with audit_entries_added(expected=1):
        services.rule_resume(actor=world.agent, rule=rule)
    rule.refresh_from_db()
    assert rule.suspended_until is None


def test_an_author_without_rights_gets_a_refusal_not_a_crash(world, arras) -> None:
    rule = _rule(world, arras)
    world.agent.memberships.filter(module="sensors").delete()
    rule.created_by.refresh_from_db()
    from territoire.core.permissions import forget_grants

    forget_grants(rule.created_by)
    rule = type(rule).objects.get(pk=rule.pk)
    actions = services.rule_fire(rule=rule, at=_evening(), now=_evening())
    assert {a.outcome for a in actions} == {Outcome.REFUSED}
    assert "droit" in actions[0].message


def test_dry_run_shows_what_would_have_happened_and_sends_nothing(world, arras) -> None:
    rule = _rule(
        world,
        arras,
        devices=[world.devices[0]],
        conditions=[
            ConditionData(
                series=world.rain, operator="lt", threshold=2.0, aggregate="sum", window_hours=24
            )
        ],
    )
    now = _evening(date(2026, 7, 4)) + timedelta(hours=1)
    # Rain on the 2nd in the afternoon: the evening of the 2nd is skipped, the 3rd and 4th
    # are dry; the 1st has no reading in its window (no action on missing data).
    add_readings(
        world.rain,
        [
            (_evening(date(2026, 7, 1)) + timedelta(hours=3), 0.0),
            (_evening(date(2026, 7, 2)) - timedelta(hours=4), 8.0),
            (_evening(date(2026, 7, 3)) - timedelta(hours=1), 0.5),
            (_evening(date(2026, 7, 4)) - timedelta(hours=1), 0.0),
        ],
    )
    before = (Downlink.objects.count(), RuleAction.objects.count())
    rows = engine.dry_run(rule, 3, now=now)
    assert [(r.at.astimezone(PARIS).day, r.outcome) for r in rows] == [
        (2, "Rien (conditions non remplies)"),
        (3, "Commande envoyée"),
        (4, "Commande envoyée"),
    ]
    assert "8" in rows[0].reason
    assert (Downlink.objects.count(), RuleAction.objects.count()) == before


def test_dry_run_of_a_reading_rule_applies_the_rate_limit(world, arras) -> None:
    rule = _rule(
        world, arras, trigger=Trigger.READING, trigger_series=world.rain, devices=[world.devices[0]]
    )
    now = timezone.now()
    add_readings(world.rain, [(now - timedelta(minutes=m), 1.0) for m in (30, 25, 5)])
    rows = engine.dry_run(rule, 1, now=now)
    assert [r.outcome for r in rows] == ["Commande envoyée", "Refusée", "Commande envoyée"]
