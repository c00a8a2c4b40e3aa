"""Alerts raised from the readings listener: opened once (no flood), handled by agents
(acknowledge, assign, comment, close), notified and mailed, every step audited."""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from territoire.core.models import Role
from territoire.core.testing import audit_entries_added, person_with_role
from territoire.insights import alerting, services
from territoire.insights.models import Alert, AlertRule, AlertState, Notification, Subscription
from territoire.insights.tests.factories import device, history
from territoire.sensors import services as sensor_services

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
METER = "24e124136b000001"


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="insights", email="agent@arras.fr")


@pytest.fixture
def chirpstack(arras):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    return sensor_services.integration_create(
        actor=admin, name="ChirpStack Arras", source="chirpstack", commune=arras
    )


def em300_di(pulses: int, battery: int = 92) -> str:
    frame = bytes([0x01, 0x75, battery, 0x05, 0xC8]) + struct.pack("<I", pulses)
    return base64.b64encode(frame).decode()


def post_uplink(client, secret, dev_eui, data, at):
    body = {
        "deduplicationId": f"d-{dev_eui}-{at.isoformat()}",
        "time": at.isoformat().replace("+00:00", "Z"),
        "deviceInfo": {"devEui": dev_eui, "deviceName": "x", "applicationId": "app"},
        "fCnt": 1,
        "fPort": 85,
        "data": data,
        "rxInfo": [{"gatewayId": "00800000a0001234", "rssi": -97, "snr": 6.5}],
    }
    response = client.post(
        "/api/v1/sensors/ingest/chirpstack?event=up",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code < 300, response.content


def leaking_meter(arras, leak_from: datetime, hours: int = 50):
    """A school's meter: 100 L/h from 08:00 to 18:00 local, nothing otherwise, and a 24 L/h
    leak from ``leak_from``; one reading at the end of each hour (1 pulse = 1 L)."""
    meter = device(arras, METER, "Eau — école", "milesight-em300-di", tags=["eau"])
    start = datetime(2026, 3, 2, 0, tzinfo=PARIS)
    instants, values, total = [], [], 1000
    for i in range(hours):  # from 2 March 00:00 local (50: → 4 March 01:59)
        hour = start + timedelta(hours=i)
        total += (100 if 8 <= hour.hour < 18 else 0) + (24 if hour >= leak_from else 0)
        instants.append((hour + timedelta(minutes=59)).astimezone(UTC))
        values.append(total)
    history(meter, "impulsions", instants, values)
    return meter, total


def test_a_leak_starting_at_one_am_raises_one_alert_live_and_mails_subscribers(
    client, arras, agent, chirpstack, outbox, django_capture_on_commit_callbacks
):
    """The leak starts on 3 March at 01:00; the uplink of 4 March 02:10 completes 24 hours
    without a zero hour: the alert opens from the listener, once, and subscribers get a
    notification and an e-mail. A repeat updates the same alert."""
    rule = AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    Subscription.objects.create(user=agent, commune=arras)
    meter, total = leaking_meter(arras, datetime(2026, 3, 3, 1, tzinfo=PARIS))
    _, secret = chirpstack
    at = datetime(2026, 3, 4, 2, 10, tzinfo=PARIS).astimezone(UTC)
    with django_capture_on_commit_callbacks(execute=True):
        post_uplink(client, secret, METER, em300_di(total + 4), at)
    alert = Alert.objects.get()
    assert alert.rule == rule and alert.device == meter and alert.state == AlertState.OPEN
    assert alert.rate_lph == 24 and "576 L perdus par jour" in alert.detail
    assert Notification.objects.filter(user=agent, alert=alert).count() == 1
    assert len(outbox) == 1 and "agent@arras.fr" in outbox[0].bcc
    assert str(alert.pk) in outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        post_uplink(client, secret, METER, em300_di(total + 8), at + timedelta(minutes=15))
    alert.refresh_from_db()
    assert Alert.objects.count() == 1 and alert.occurrences == 2 and len(outbox) == 1


def test_no_alert_before_24_hours_of_continuous_flow(
    client, arras, chirpstack, django_capture_on_commit_callbacks
):
    AlertRule.objects.create(commune=arras, kind="leak", name="Fuites", params={"night_lph": 50})
    _, total = leaking_meter(arras, datetime(2026, 3, 3, 14, tzinfo=PARIS))
    _, secret = chirpstack
    at = datetime(2026, 3, 4, 2, 10, tzinfo=PARIS).astimezone(UTC)
    with django_capture_on_commit_callbacks(execute=True):
        post_uplink(client, secret, METER, em300_di(total + 4), at)
    assert not Alert.objects.exists()  # night flow 24 L/h is under this rule's 50 L/h


def test_night_flow_alone_raises_a_warning(
    client, arras, chirpstack, django_capture_on_commit_callbacks
):
    AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    _, total = leaking_meter(arras, datetime(2026, 3, 3, 14, tzinfo=PARIS), hours=54)
    _, secret = chirpstack
    at = datetime(2026, 3, 4, 6, 10, tzinfo=PARIS).astimezone(UTC)
    with django_capture_on_commit_callbacks(execute=True):
        post_uplink(client, secret, METER, em300_di(total + 4), at)
    alert = Alert.objects.get()
    assert alert.severity == "warning" and alert.title.startswith("Consommation nocturne : 24")


def test_low_battery_and_threshold_rules(
    client, arras, chirpstack, django_capture_on_commit_callbacks
):
    AlertRule.objects.create(
        commune=arras, kind="low_battery", name="Piles", params={"percent": 20}
    )
    AlertRule.objects.create(
        commune=arras,
        kind="threshold",
        name="Gros débit",
        params={"quantity": "impulsions", "above": 500},
    )
    device(arras, METER, "Eau — gymnase", "milesight-em300-di", tags=["eau"])
    _, secret = chirpstack
    t = datetime(2026, 3, 4, 10, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        post_uplink(client, secret, METER, em300_di(1000, battery=15), t)
        post_uplink(client, secret, METER, em300_di(1800, battery=15), t + timedelta(minutes=15))
    kinds = sorted(Alert.objects.values_list("rule__kind", "title"))
    assert kinds == [
        ("low_battery", "Batterie faible (15 %)"),
        ("threshold", "Impulsions (cumul) : 800 impulsion (> 500)"),
    ]


def test_an_agent_handles_an_alert_with_one_audit_entry_per_step(arras, agent):
    rule = AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    colleague = person_with_role(Role.AGENT, arras, module="insights", email="b@arras.fr")
    alert, opened = services.alert_raise(
        rule=rule, subject_key="x", subject="Compteur", title="Fuite", rate_lph=10
    )
    assert opened
    with audit_entries_added(1):
        services.alert_acknowledge(actor=agent, alert=alert)
    with audit_entries_added(1):
        services.alert_assign(actor=agent, alert=alert, assignee=colleague)
    with audit_entries_added(1):
        services.alert_comment(actor=agent, alert=alert, text="Plombier appelé")
    with audit_entries_added(1) as entries:
        services.alert_close(actor=agent, alert=alert, text="Chasse d'eau réparée")
    assert entries[0].action == "insights.alert_close"
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED and alert.assignee == colleague
    assert [e.kind for e in alert.events.all()] == [
        "opened",
        "acknowledged",
        "assigned",
        "commented",
        "closed",
    ]
    with pytest.raises(ValidationError), audit_entries_added(0):
        services.alert_acknowledge(actor=agent, alert=alert)
    again, opened = services.alert_raise(
        rule=rule, subject_key="x", subject="Compteur", title="Fuite"
    )
    assert opened and again.pk != alert.pk  # closed: the next occurrence is a new alert


def test_assigning_to_someone_of_another_commune_is_refused(arras, beaurains, agent):
    rule = AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    other = person_with_role(Role.AGENT, beaurains, module="insights", email="c@beaurains.fr")
    alert, _ = services.alert_raise(rule=rule, subject_key="x", subject="C", title="Fuite")
    with pytest.raises(ValidationError) as error, audit_entries_added(0):
        services.alert_assign(actor=agent, alert=alert, assignee=other)
    assert "assignee" in error.value.message_dict


def test_silent_devices_are_swept_once(arras):
    AlertRule.objects.create(commune=arras, kind="silent", name="Muets")
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    device(arras, METER, "Eau — muet", "milesight-em300-di", last_seen_at=now - timedelta(hours=2))
    device(
        arras,
        "24e124136b000002",
        "Eau — bavard",
        "milesight-em300-di",
        last_seen_at=now - timedelta(minutes=20),
    )
    assert alerting.check_silent_devices(now) == 1
    assert alerting.check_silent_devices(now + timedelta(minutes=5)) == 0
    assert Alert.objects.get().subject == "Eau — muet"


def test_car_park_over_85_percent(arras):
    rule = AlertRule.objects.create(
        commune=arras,
        kind="occupancy",
        name="Parking",
        params={"tag": "parking-test", "label": "Parking test"},
    )
    t0 = datetime(2026, 3, 4, 10, tzinfo=UTC)
    spaces = []
    for n in range(10):
        d = device(
            arras,
            f"02b0c5de62041{n:03d}",
            f"Place {n}",
            "bosch-tps110",
            tags=["stationnement", "parking-test"],
        )
        spaces.append(history(d, "occupation", [t0], [1 if n < 9 else 0]))
    from territoire.sensors.listeners import StoredReading

    alerting.readings_stored([StoredReading(spaces[0].pk, t0, 1, None)])
    alert = Alert.objects.get(rule=rule)
    assert alert.value == pytest.approx(0.9) and "90 %" in alert.title


def noisy_night(arras, dev_eui="24e124de62041031"):
    """The noise day 3 → 4 March 2026 (06:00 → 06:00 local): 60 dB by day, 55 in the
    evening, a 64 dB night, one hourly LAeq each."""
    d = device(arras, dev_eui, "Bruit — rocade", "milesight-ws302")
    start = datetime(2026, 3, 3, 6, tzinfo=PARIS)
    instants, values = [], []
    for i in range(24):
        at = start + timedelta(hours=i)
        level = 60 if 6 <= at.hour < 18 else 55 if 18 <= at.hour < 22 else 64
        instants.append(at.astimezone(UTC) + timedelta(minutes=10))
        values.append(level)
    return history(d, "laeq", instants, values)


def test_the_last_noise_day_ends_at_the_last_six_am_local():
    before = datetime(2026, 3, 4, 5, 59, tzinfo=PARIS)
    after = datetime(2026, 3, 4, 6, 0, tzinfo=PARIS)
    assert alerting.last_noise_day(before) == (
        datetime(2026, 3, 2).date(),
        datetime(2026, 3, 3, 6, tzinfo=PARIS),
    )
    assert alerting.last_noise_day(after) == (
        datetime(2026, 3, 3).date(),
        datetime(2026, 3, 4, 6, tzinfo=PARIS),
    )
    # Summer time: 06:00 local is 04:00 UTC.
    day, ended = alerting.last_noise_day(datetime(2026, 7, 1, 5, tzinfo=UTC))
    assert ended.astimezone(UTC) == datetime(2026, 7, 1, 4, tzinfo=UTC)


def test_noise_rule_checked_once_a_day_by_the_periodic_task(arras):
    """A night at 64 dB: Lnight 64 > 62. The hourly task raises the alert after 06:00,
    not before, once (later runs of the same day do nothing), and a closed alert is not
    reopened for the same night; a reading arriving at 06:xx no longer matters."""
    rule = AlertRule.objects.create(commune=arras, kind="noise", name="Bruit routier")
    series = noisy_night(arras)
    from territoire.sensors.listeners import StoredReading

    alerting.readings_stored(
        [StoredReading(series.pk, datetime(2026, 3, 4, 6, 10, tzinfo=PARIS), 60, None)]
    )
    assert not Alert.objects.exists()  # the listener no longer judges noise days

    assert alerting.check_noise_days(datetime(2026, 3, 4, 5, 20, tzinfo=PARIS)) == 0
    assert not Alert.objects.exists()  # the night is not over yet (3 March's day is empty)
    assert alerting.check_noise_days(datetime(2026, 3, 4, 6, 20, tzinfo=PARIS)) == 1
    alert = Alert.objects.get()
    assert "Lnight 64.0 dB(A) > 62" in alert.detail and "03/03/2026" in alert.detail
    assert alert.last_seen_at == datetime(2026, 3, 4, 6, tzinfo=PARIS)
    for hour in (7, 12, 23):
        assert alerting.check_noise_days(datetime(2026, 3, 4, hour, 20, tzinfo=PARIS)) == 0
    alert.refresh_from_db()
    assert alert.occurrences == 1  # no flood: later runs did not even count a repeat
    Alert.objects.filter(pk=alert.pk).update(state=AlertState.CLOSED)
    assert alerting.check_noise_days(datetime(2026, 3, 4, 9, 20, tzinfo=PARIS)) == 0
    assert Alert.objects.filter(rule=rule).count() == 1


def test_noise_limits_of_the_rule_are_used(arras):
    AlertRule.objects.create(
        commune=arras, kind="noise", name="Bruit", params={"lden": 80, "lnight": 70}
    )
    noisy_night(arras)
    assert alerting.check_noise_days(datetime(2026, 3, 4, 6, 20, tzinfo=PARIS)) == 0


def test_the_noise_task_runs_the_check(arras, monkeypatch):
    from territoire.insights import tasks

    calls = []
    monkeypatch.setattr(alerting, "check_noise_days", lambda: calls.append(1) or 0)
    tasks.check_noise_days.call_local()
    assert calls == [1]


def test_a_detection_released_in_the_same_batch_still_raises_the_alert(arras):
    """A backfill batch can carry the leak detector's "water" and "dry" frames together."""
    AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    d = device(arras, "a84041de62753051", "Fuite — local technique", "dragino-lwl02")
    t0 = datetime(2026, 3, 4, 4, tzinfo=UTC)
    series = history(d, "fuite", [t0, t0 + timedelta(minutes=45)], [1, 0])
    from territoire.sensors.listeners import StoredReading

    alerting.readings_stored(
        [
            StoredReading(series.pk, t0, 1, None),
            StoredReading(series.pk, t0 + timedelta(minutes=45), 0, None),
        ]
    )
    alert = Alert.objects.get()
    assert alert.severity == "critical" and alert.opened_at == t0


def test_hourly_volumes_across_a_32_bit_counter_rollover(arras):
    """A pulse counter wraps at 2³²: the hour of the wrap still counts its 30 litres."""
    meter = device(arras, METER, "Eau — compteur ancien", "milesight-em300-di", tags=["eau"])
    t0 = datetime(2026, 3, 4, 0, 59, tzinfo=UTC)
    wrap = 2**32
    values = [wrap - 50, wrap - 20, 10, 40]  # +30 L every hour, through the wrap
    series = history(meter, "impulsions", [t0 + timedelta(hours=i) for i in range(4)], values)
    hours = alerting.hourly_litres(
        series, since=datetime(2026, 3, 4, 1, tzinfo=UTC), until=datetime(2026, 3, 4, 4, tzinfo=UTC)
    )
    assert [h.litres for h in hours] == [30, 30, 30]


def test_a_burst_is_raised_after_thirty_minutes_above_ten_percent_of_q3(arras):
    """Q3 = 2,500 L/h: 100 L per quarter hour (400 L/h) for 30 minutes is a burst."""
    rule = AlertRule.objects.create(
        commune=arras, kind="leak", name="Fuites", params={"q3_lph": 2500}
    )
    meter = device(arras, METER, "Eau — gymnase", "milesight-em300-di", tags=["eau"])
    t0 = datetime(2026, 3, 4, 10, tzinfo=UTC)
    instants = [t0 + timedelta(minutes=15 * i) for i in range(4)]
    series = history(meter, "impulsions", instants, [1000, 1100, 1200, 1300])
    from territoire.sensors.listeners import StoredReading

    alerting.readings_stored([StoredReading(series.pk, instants[1], 1100, 100)])
    assert not Alert.objects.exists()  # 15 minutes above the limit: not yet
    alerting.readings_stored([StoredReading(series.pk, instants[2], 1200, 100)])
    alert = Alert.objects.get(rule=rule)
    assert alert.title == "Rupture probable : 400 L/h depuis 30 minutes"


def test_the_meters_own_q3_tag_wins_over_the_rules(arras):
    """Rule Q3 = 2,500 L/h, but this DN40 meter is tagged q3-10000: 400 L/h is 4 % of its
    rated flow, not a burst; a meter without the tag keeps the rule's Q3."""
    rule = AlertRule.objects.create(
        commune=arras, kind="leak", name="Fuites", params={"q3_lph": 2500}
    )
    big = device(arras, METER, "Eau — piscine", "milesight-em300-di", tags=["eau", "q3-10000"])
    small = device(arras, "24e124136b000002", "Eau — école", "milesight-em300-di", tags=["eau"])
    t0 = datetime(2026, 3, 4, 10, tzinfo=UTC)
    instants = [t0 + timedelta(minutes=15 * i) for i in range(4)]
    from territoire.sensors.listeners import StoredReading

    for meter in (big, small):
        series = history(meter, "impulsions", instants, [1000, 1100, 1200, 1300])
        alerting.readings_stored([StoredReading(series.pk, instants[2], 1200, 100)])
    alert = Alert.objects.get(rule=rule)
    assert alert.device == small


def test_a_tagged_meter_is_watched_even_without_a_q3_in_the_rule(arras):
    """q3-1000: 400 L/h is 40 % of it; the rule has no q3_lph."""
    AlertRule.objects.create(commune=arras, kind="leak", name="Fuites")
    meter = device(arras, METER, "Eau — gymnase", "milesight-em300-di", tags=["eau", "q3-1000"])
    t0 = datetime(2026, 3, 4, 10, tzinfo=UTC)
    instants = [t0 + timedelta(minutes=15 * i) for i in range(4)]
    series = history(meter, "impulsions", instants, [1000, 1100, 1200, 1300])
    from territoire.sensors.listeners import StoredReading

    alerting.readings_stored([StoredReading(series.pk, instants[2], 1200, 100)])
    alert = Alert.objects.get()
    assert "(1000 L/h)" in alert.detail


@pytest.mark.parametrize(
    ("tags", "expected"),
    [(["eau", "q3-2500"], 2500.0), (["Q3-1600"], 1600.0), (["q3-2,5k"], None), (["q3-0"], None),
     (["eau"], None), ([], None)],
)  # fmt: skip
def test_q3_tag_parsing(tags, expected):
    from territoire.sensors.models import Device

    assert alerting.device_q3_lph(Device(tags=tags)) == expected
