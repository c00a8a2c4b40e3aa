"""The demo traffic simulator: frames the real codecs read back, realistic and reproducible
profiles (night water flow, the planted leak, commuting peaks, holidays, road noise), the
ChirpStack envelope, and the two commands (demo seeding, backfill and realtime feeds)."""

import io
import json
import os
import signal
import stat
import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import mean

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from territoire.core.models import AuditEntry, User
from territoire.sensors.codecs import CODECS, get_codec
from territoire.sensors.integrations.chirpstack import chirpstack_topic, parse_chirpstack
from territoire.sensors.management.commands.sensors_simulate import HttpSender
from territoire.sensors.models import Device, Integration, RawUplink, Reading, Rollup, Series
from territoire.sensors.simulator import (
    DEMO_DEVICES,
    LEAK_METER,
    PARIS,
    SIMULATED_MODELS,
    Scenario,
    Simulator,
    day_kind,
    demo_sim_devices,
    easter_sunday,
    em300_th_frame,
    encode,
    french_public_holidays,
    leak_start_for,
    ws302_frame,
)
from territoire.sensors.testing import mosquitto

COUNTERS = {"water": "impulsions", "electricity": "energie"}


def local(year, month, day, hour=0):
    return datetime(year, month, day, hour, tzinfo=PARIS).astimezone(UTC)


def demo(profile=None, model=None):
    return [
        d
        for d in demo_sim_devices()
        if (profile is None or d.profile == profile) and (model is None or d.model == model)
    ]


def hourly_increments(simulator, device, key, start, end):
    """Increase of a counter per local (date, hour), from consecutive samples."""
    hours = defaultdict(float)
    previous = None
    for sample in simulator.samples(device.dev_eui, start, end):
        value = sample.values[key]
        if previous is not None:
            assert value >= previous, f"{device.name}: counter went down at {sample.at}"
            at = sample.at.astimezone(PARIS)
            hours[(at.date(), at.hour)] += value - previous
        previous = value
    return hours


# --- frames ---------------------------------------------------------------------------------

# Half the resolution of each field as sent: what rounding may change.
TOLERANCE = {
    "temperature": 0.05,
    "humidite": 0.25,
    "laf": 0.05,
    "laeq": 0.05,
    "lafmax": 0.05,
    "pression": 0.05,
}


def test_every_model_the_demo_uses_has_a_builder_and_a_codec():
    assert {d.model for d in DEMO_DEVICES} <= set(SIMULATED_MODELS)
    assert set(SIMULATED_MODELS) <= set(CODECS)


@pytest.mark.parametrize("model", SIMULATED_MODELS)
def test_every_builder_round_trips_through_the_real_codec(model):
    """Two days of simulated values of each model, encoded then decoded by the platform's
    codec, come back equal within the field's rounding (both TPS110 ports included)."""
    devices = demo(model=model)
    assert devices, model
    simulator = Simulator(devices, Scenario(seed=3, leak_start=local(2026, 3, 2, 14)))
    start, end = local(2026, 3, 2), local(2026, 3, 4)
    ports = set()
    checked = 0
    for device in devices:
        for sample in simulator.samples(device.dev_eui, start, end):
            f_port, frame = encode(model, sample.values)
            ports.add(f_port)
            decoded = get_codec(model).decode(f_port, frame)
            assert set(decoded) == set(sample.values), (model, sample.values)
            for name, value in sample.values.items():
                tolerance = TOLERANCE.get(name, 0.5) + 1e-9
                assert abs(decoded[name] - value) <= tolerance, (model, name, value, decoded)
            checked += 1
    assert checked > 10
    if model == "bosch-tps110":
        assert ports == {1, 2}  # status changes and heartbeats


@given(
    temperature=st.floats(-40, 60),
    humidity=st.floats(0, 100),
    battery=st.integers(0, 100),
)
def test_milesight_th_frames_round_trip_over_the_whole_range(temperature, humidity, battery):
    decoded = get_codec("milesight-em300-th").decode(
        85, em300_th_frame(battery, temperature, humidity)
    )
    assert abs(decoded["temperature"] - temperature) <= 0.05 + 1e-9
    assert abs(decoded["humidite"] - humidity) <= 0.25 + 1e-9
    assert decoded["battery"] == battery


@given(level=st.floats(20, 130), extra=st.floats(0, 30))
def test_sound_frames_round_trip(level, extra):
    decoded = get_codec("milesight-ws302").decode(85, ws302_frame(90, level, level, level + extra))
    assert abs(decoded["laeq"] - level) <= 0.05 + 1e-9
    assert abs(decoded["lafmax"] - (level + extra)) <= 0.05 + 1e-9


def test_the_reference_vectors_are_reproduced():
    """The byte layouts of reference/iot.md §3, from the builders."""
    assert em300_th_frame(92, 30.8, 50.5).hex() == "01755c03673401046865"
    assert ws302_frame(100, 57.5, 47.4, 61.8).hex() == "017564055b053f02da016a02"
    assert encode("milesight-em300-di", {"battery": 92, "impulsions": 10000}) == (
        85,
        bytes.fromhex("01755c05c810270000"),
    )


# --- calendar -------------------------------------------------------------------------------


def test_easter_and_the_french_public_holidays():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    holidays = french_public_holidays(2026)
    assert len(holidays) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= holidays
    assert {date(2026, 1, 1), date(2026, 7, 14), date(2026, 11, 11)} <= holidays
    assert day_kind(date(2026, 5, 14)) == 6  # Ascension Thursday counts as a Sunday
    assert day_kind(date(2026, 5, 7)) == 3


# --- profiles -------------------------------------------------------------------------------


def test_night_water_flow_is_zero_except_at_the_planted_leak():
    """Public buildings use no water between 2 and 5 am; the leaking meter does every night
    after the leak started, and not before."""
    leak_start = local(2026, 3, 10, 14)
    simulator = Simulator(demo("water"), Scenario(seed=11, leak_start=leak_start))
    start, end = local(2026, 3, 8), local(2026, 3, 14)
    for device in simulator.devices:
        hours = hourly_increments(simulator, device, "impulsions", start, end)
        assert sum(hours.values()) > 0, device.name
        for day in (date(2026, 3, d) for d in range(9, 14)):
            night = [hours[(day, h)] for h in (2, 3, 4)]
            if device.dev_eui == LEAK_METER and day > leak_start.astimezone(PARIS).date():
                assert all(v >= 20 for v in night), (day, night)  # 24 L/h running cistern
            else:
                assert night == [0, 0, 0], (device.name, day, night)


def test_counters_never_decrease_even_across_the_change_of_time():
    """Cumulative counters stay monotonic and continuous over the DST night of March 2026."""
    devices = [d for d in demo_sim_devices() if d.profile in ("water", "electricity", "passages")]
    simulator = Simulator(devices, Scenario(seed=5))
    start, end = local(2026, 3, 28), local(2026, 3, 31)
    for device in devices:
        previous = None
        for sample in simulator.samples(device.dev_eui, start, end):
            keys = [k for k in sample.values if k != "battery"]
            current = [sample.values[k] for k in keys]
            if previous is not None:
                assert all(c >= p for c, p in zip(current, previous, strict=True)), device.name
                # Continuous: no 15-minute step carries more than a day's worth.
                assert all(c - p < 2_000_000 for c, p in zip(current, previous, strict=True))
            previous = current


def _daily_passages(simulator, device, start, end):
    entries = hourly_increments(simulator, device, "passages_entree", start, end)
    exits = hourly_increments(simulator, device, "passages_sortie", start, end)
    days = defaultdict(float)
    hours = defaultdict(float)
    for (day, hour), value in list(entries.items()) + list(exits.items()):
        days[day] += value
        hours[(day, hour)] += value
    return days, hours


def test_commuter_bike_counts_peak_on_weekdays_and_ride_in_the_afternoon_on_weekends():
    device = next(d for d in demo("passages") if d.params["usage"] == "commute")
    simulator = Simulator([device], Scenario(seed=2))
    start, end = local(2026, 6, 1), local(2026, 6, 15)  # no public holiday in these weeks
    days, hours = _daily_passages(simulator, device, start, end)
    weekdays = [v for d, v in days.items() if d.weekday() < 5]
    weekends = [v for d, v in days.items() if d.weekday() >= 5]
    assert mean(weekdays) > 1.4 * mean(weekends)
    for day in days:
        peak = max(range(24), key=lambda h, day=day: hours[(day, h)])
        if day.weekday() < 5:
            assert peak in (7, 8, 16, 17, 18), (day, peak)
        else:
            assert 11 <= peak <= 18, (day, peak)
    assert all(hours[(d, 3)] <= 2 for d in days)  # nobody rides at 3 am


def test_a_public_holiday_behaves_like_a_sunday():
    """Ascension Thursday (14 May 2026): bikes ride in the afternoon as on Sunday, not at
    commuting hours as on the Thursday before; the school uses no water."""
    bike = next(d for d in demo("passages") if d.params["usage"] == "commute")
    school = next(d for d in demo("water") if d.params["schedule"] == "school")
    simulator = Simulator([bike, school], Scenario(seed=4))
    days, hours = _daily_passages(simulator, bike, local(2026, 5, 6), local(2026, 5, 16))

    def morning_share(day):
        return sum(hours[(day, h)] for h in (7, 8)) / days[day]

    thursday, sunday, holiday = date(2026, 5, 7), date(2026, 5, 10), date(2026, 5, 14)
    assert morning_share(holiday) < morning_share(thursday) / 2
    assert abs(morning_share(holiday) - morning_share(sunday)) < 0.05
    water = hourly_increments(
        simulator, school, "impulsions", local(2026, 5, 6), local(2026, 5, 16)
    )
    assert sum(v for (d, _h), v in water.items() if d == holiday) == 0
    assert sum(v for (d, _h), v in water.items() if d == thursday) > 500


def test_road_noise_is_lower_at_night_than_in_the_day():
    simulator = Simulator(demo("noise"), Scenario(seed=9))
    for device in simulator.devices:
        day, night = [], []
        for sample in simulator.samples(device.dev_eui, local(2026, 3, 9), local(2026, 3, 14)):
            hour = sample.at.astimezone(PARIS).hour
            if 8 <= hour < 19:
                day.append(sample.values["laeq"])
            elif hour >= 23 or hour < 5:
                night.append(sample.values["laeq"])
        assert 59 <= mean(day) <= 68, (device.name, mean(day))
        assert 44 <= mean(night) <= 53, (device.name, mean(night))
        assert mean(day) - mean(night) >= 8


def test_classroom_co2_rises_in_class_hours_and_stays_low_at_weekends():
    device = next(d for d in demo("indoor", "elsys-ers") if d.params["schedule"] == "school")
    simulator = Simulator([device], Scenario(seed=1))
    lessons, weekend = [], []
    for sample in simulator.samples(device.dev_eui, local(2026, 3, 9), local(2026, 3, 16)):
        at = sample.at.astimezone(PARIS)
        if at.weekday() in (0, 1, 3, 4) and 10 <= at.hour < 11:
            lessons.append(sample.values["co2"])
        if at.weekday() >= 5:
            weekend.append(sample.values["co2"])
    assert mean(lessons) > 900
    assert max(weekend) < 520


def test_parking_spaces_fill_up_during_the_day():
    simulator = Simulator(demo("parking"), Scenario(seed=6))
    start = local(2026, 3, 9)
    behaviours = simulator.behaviours
    late_morning, night = [], []
    for day in range(5):  # Monday to Friday
        for behaviour in behaviours.values():
            late_morning.append(behaviour.occupied(start + timedelta(days=day, hours=11)))
            night.append(behaviour.occupied(start + timedelta(days=day, hours=3)))
    assert mean(late_morning) > 0.7
    assert mean(night) < 0.45


def test_the_planted_leak_detector_reports_its_event():
    device = next(d for d in demo("leak_detector") if d.params.get("planted"))
    leak_start = local(2026, 3, 10, 14)
    simulator = Simulator([device], Scenario(seed=1, leak_start=leak_start))
    samples = list(simulator.samples(device.dev_eui, leak_start, leak_start + timedelta(days=3)))
    flagged = [s for s in samples if s.values["fuite"]]
    assert len(flagged) == 1 and flagged[0].values["alarme"] == 1
    assert samples[-1].values["evenements"] == 1
    assert samples[-1].values["duree_dernier_evenement"] == 45


def test_generation_is_reproducible_and_independent_of_where_it_starts():
    """Same seed, same bytes; a range started later gives the same messages where they
    overlap (a backfill can be redone or extended); ids are unique, fCnt increases."""
    devices = demo_sim_devices()
    scenario = Scenario(seed=8, leak_start=local(2026, 3, 1, 14))
    first = list(Simulator(devices, scenario).uplinks(local(2026, 3, 3), local(2026, 3, 4, 12)))
    again = list(Simulator(devices, scenario).uplinks(local(2026, 3, 3), local(2026, 3, 4, 12)))
    later = list(Simulator(devices, scenario).uplinks(local(2026, 3, 4), local(2026, 3, 4, 12)))
    assert first == again
    assert later == [u for u in first if datetime.fromisoformat(u[1]["time"]) > local(2026, 3, 4)]
    other_seed = list(
        Simulator(devices, Scenario(seed=9)).uplinks(local(2026, 3, 3), local(2026, 3, 3, 6))
    )
    assert [b["data"] for _, b in other_seed] != [b["data"] for _, b in first[: len(other_seed)]]
    ids = [body["deduplicationId"] for _, body in first]
    assert len(ids) == len(set(ids))
    times = [body["time"] for _, body in first]
    assert times == sorted(times)
    counts = defaultdict(list)
    for dev_eui, body in first:
        counts[dev_eui].append(body["fCnt"])
        event = parse_chirpstack("up", body, now=datetime.now(UTC))
        assert event.dev_eui == dev_eui and event.radio[0].rssi is not None
    assert set(counts) == {d.dev_eui for d in devices}
    assert all(fcnt == sorted(set(fcnt)) for fcnt in counts.values())


# --- commands -------------------------------------------------------------------------------


@pytest.fixture
def demo_file(tmp_path):
    return tmp_path / "var" / "sensors-demo.json"


@pytest.fixture
def seeded(communes, demo_file):
    out = io.StringIO()
    call_command("seed_sensors_demo", force=True, demo_file=str(demo_file), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seeding_creates_the_demo_once_and_keeps_the_secrets(seeded, demo_file):
    assert Integration.objects.count() == 4
    assert Device.objects.count() == len(DEMO_DEVICES) >= 40
    assert User.objects.filter(email="admin.cua@demo.territoire.fr").exists()
    stored = json.loads(demo_file.read_text())["integrations"]
    assert set(stored) == {"62041", "62099", "62817", "62753"}
    for entry in stored.values():
        assert entry["secret"] in seeded  # shown once, on creation
    assert stat.S_IMODE(os.stat(demo_file).st_mode) == 0o600
    counts = (Integration.objects.count(), Device.objects.count(), AuditEntry.objects.count())

    out = io.StringIO()
    call_command("seed_sensors_demo", force=True, demo_file=str(demo_file), stdout=out)
    assert (Integration.objects.count(), Device.objects.count(), AuditEntry.objects.count()) == (
        counts
    )
    assert "lns_" not in out.getvalue()
    assert json.loads(demo_file.read_text())["integrations"] == stored


@pytest.mark.django_db
def test_seeding_without_communes_says_what_to_run(tmp_path):
    with pytest.raises(CommandError, match="load_territory"):
        call_command("seed_sensors_demo", force=True, demo_file=str(tmp_path / "d.json"))


@pytest.mark.django_db
def test_simulating_before_seeding_says_what_to_run(communes):
    with pytest.raises(CommandError, match="seed_sensors_demo"):
        call_command("sensors_simulate", backfill_days=1, stdout=io.StringIO())


@pytest.mark.django_db
def test_a_two_day_backfill_stores_readings_and_rollups_with_the_leak_visible(seeded):
    out = io.StringIO()
    call_command("sensors_simulate", backfill_days=2, stdout=out)
    assert "Rattrapage :" in out.getvalue()
    assert RawUplink.objects.filter(state="stored").count() > 5000
    assert Reading.objects.count() > 10000
    assert Rollup.objects.filter(period="hour").exists()
    assert Rollup.objects.filter(period="day").exists()

    leak_meter = Device.objects.get(dev_eui=LEAK_METER)
    leak_start = leak_start_for(leak_meter.created_at)
    night_totals = defaultdict(list)
    for rollup in Rollup.objects.filter(
        period="hour",
        series__quantity="impulsions",
        series__device__model="milesight-em300-di",
        start__gte=leak_start,
    ).select_related("series__device"):
        if rollup.start.astimezone(PARIS).hour in (2, 3, 4):
            night_totals[rollup.series.device.dev_eui].append(rollup.total)
    leak_nights = night_totals.pop(LEAK_METER)
    assert leak_nights and all(total > 0 for total in leak_nights)
    assert night_totals and all(sum(totals) == 0 for totals in night_totals.values())

    # A second run only adds what happened since the first one.
    again = io.StringIO()
    call_command("sensors_simulate", backfill_days=2, stdout=again)
    assert "reprise" in again.getvalue() or "Rien" in again.getvalue()


@pytest.mark.django_db
def test_realtime_in_process_stores_the_current_readings(seeded):
    out = io.StringIO()
    call_command("sensors_simulate", realtime=True, speed=3600, duration=1.0, stdout=out)
    assert "enregistré" in out.getvalue()
    assert Series.objects.filter(last_at__isnull=False).exists()


@pytest.mark.django_db
def test_realtime_stops_cleanly_on_sigterm(seeded):
    """SIGTERM ends the loop between two cycles; the previous handler is put back."""
    received = []
    previous = signal.signal(signal.SIGTERM, lambda *_: received.append(True))
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        began = time.monotonic()
        out = io.StringIO()
        call_command("sensors_simulate", realtime=True, speed=600, duration=30, stdout=out)
        assert time.monotonic() - began < 10
        assert "proprement" in out.getvalue()
        assert not received  # the command's handler took it, not ours
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.django_db
def test_the_http_sender_feeds_the_chirpstack_endpoint(seeded, demo_file):
    """Messages go through the real HTTP integration with each commune's secret; while the
    server cannot take them they wait, and they are delivered on the next attempt."""
    stored = json.loads(demo_file.read_text())["integrations"]
    devices = demo_sim_devices()
    secrets = {d.dev_eui: stored[d.commune]["secret"] for d in devices}
    start = local(2026, 3, 3, 10)
    uplinks = list(Simulator(devices).uplinks(start, start + timedelta(minutes=30)))
    client = Client()
    down = [True]

    def post(url, token, payload):
        if down:
            raise ConnectionRefusedError("not yet")
        response = client.post(
            url,
            payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code

    warnings = []
    sender = HttpSender(
        "/api/v1/sensors/ingest/chirpstack?event=up", secrets, post=post, warn=warnings.append
    )
    assert sender.send(uplinks) == 0 and sender.waiting() == len(uplinks) and warnings
    down.clear()
    assert sender.send([]) == len(uplinks)
    assert sender.waiting() == 0
    assert RawUplink.objects.filter(state="stored").count() == len(uplinks)


@pytest.mark.django_db
def test_realtime_over_mqtt_publishes_chirpstack_topics(seeded):
    received = []
    with mosquitto() as (host, port):
        subscriber = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-sub")
        subscriber.on_message = lambda c, u, m: received.append((m.topic, m.payload))
        subscriber.connect(host, port)
        subscriber.subscribe("application/+/device/+/event/+", qos=1)
        subscriber.loop_start()
        time.sleep(0.3)
        try:
            call_command(
                "sensors_simulate",
                realtime=True,
                speed=3600,
                duration=1.5,
                mqtt=f"{host}:{port}",
                stdout=io.StringIO(),
            )
            deadline = time.monotonic() + 5
            while not received and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            subscriber.loop_stop()
            subscriber.disconnect()
    assert received
    devices = {d.dev_eui: d for d in demo_sim_devices()}
    for topic, payload in received:
        application, dev_eui, event = chirpstack_topic(topic)
        body = json.loads(payload)
        assert event == "up" and body["deviceInfo"]["applicationId"] == application
        assert devices[dev_eui].application_id == application
        parse_chirpstack("up", body, now=datetime.now(UTC))
    assert not Reading.objects.exists()  # published, not ingested by the simulator itself


@pytest.mark.django_db
def test_http_mode_without_the_secrets_explains_the_alternatives(seeded, tmp_path):
    with pytest.raises(CommandError, match="--mqtt"):
        call_command(
            "sensors_simulate",
            realtime=True,
            duration=0.1,
            http="http://127.0.0.1:9",
            demo_file=str(tmp_path / "absent.json"),
            stdout=io.StringIO(),
        )


@pytest.mark.django_db
def test_readings_totals_match_the_simulated_counter(seeded):
    """The stored sum of deltas of a water meter equals the simulated counter's increase."""
    call_command("sensors_simulate", backfill_days=0.5, stdout=io.StringIO())
    series = Series.objects.get(device__dev_eui=LEAK_METER, quantity="impulsions")
    readings = Reading.objects.filter(series=series).order_by("at")
    first, last = readings.first(), readings.last()
    assert first is not None and last is not None
    total = Rollup.objects.filter(series=series, period="hour").aggregate(t=Sum("total"))["t"]
    assert total == last.value - first.value
