"""Bulk history (the backfill path): the same readings, deltas and rollups as event-by-event
ingestion, loaded once only, and no double count around live data."""

from datetime import UTC, datetime, timedelta

import pytest

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.sensors import services
from territoire.sensors.history import Run, grid, load_history, series_of
from territoire.sensors.models import CommuneDay, Reading, Rollup
from territoire.sensors.tests.test_ingest import em300_di, post, up

pytestmark = pytest.mark.django_db

# Across the change to summer time (29 March 2026 in Paris): local days of 23 hours.
T0 = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="sensors", email="agent@arras.fr")


def register(agent, arras, dev_eui, model="milesight-em300-di"):
    return services.device_register(
        actor=agent,
        commune=arras,
        data=services.DeviceData(dev_eui=dev_eui, name=dev_eui, model=model),
    )


def rollups(series):
    return sorted(
        (r.period, r.start, r.count, round(r.total, 6), r.minimum, r.maximum)
        for r in Rollup.objects.filter(series=series)
    )


def pulses_with_a_reset(n):
    """A cumulative count that restarts from zero halfway (a rejoin after a battery swap)."""
    return [1000 + 7 * i if i < n // 2 else 3 * (i - n // 2) for i in range(n)]


def test_history_gives_the_same_deltas_and_rollups_as_ingestion(client, agent, arras):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras, email="admin@arras.fr")
    _, secret = services.integration_create(
        actor=admin, name="cs", source="chirpstack", commune=arras
    )
    live = register(agent, arras, "24e124136b000001")
    bulk = register(agent, arras, "24e124136b000002")
    instants = grid(T0, 200, STEP)
    values = pulses_with_a_reset(200)
    for i, (at, value) in enumerate(zip(instants, values, strict=True)):
        body = up("24e124136b000001", data=em300_di(value), at=at, f_cnt=i)
        assert post(client, secret, body).status_code == 200

    report = load_history([Run(series_of(bulk, "impulsions"), instants, values)])

    assert (report.series, report.readings, report.refused) == (1, 200, [])
    live_series, bulk_series = series_of(live, "impulsions"), series_of(bulk, "impulsions")
    deltas = list(Reading.objects.filter(series=bulk_series).order_by("at").values_list("delta"))
    assert deltas == list(
        Reading.objects.filter(series=live_series).order_by("at").values_list("delta")
    )
    assert rollups(bulk_series) == rollups(live_series)
    assert {r[0] for r in rollups(bulk_series)} == {"hour", "day"}
    bulk_series.refresh_from_db()
    assert (bulk_series.last_at, bulk_series.last_value) == (instants[-1], values[-1])
    # The commune's days hold both meters, whichever path stored them.
    live_days = {r.start: r.total for r in Rollup.objects.filter(series=live_series, period="day")}
    commune_days = {
        d.start: d.total for d in CommuneDay.objects.filter(commune=arras, quantity="impulsions")
    }
    assert commune_days == {start: 2 * total for start, total in live_days.items()}


def test_the_same_history_twice_is_refused_and_changes_nothing(agent, arras):
    device = register(agent, arras, "24e124136b000003", model="milesight-em300-th")
    series = series_of(device, "temperature")
    run = Run(series, grid(T0, 96, STEP), [18 + (i % 10) / 10 for i in range(96)])
    load_history([run])
    before = rollups(series)

    again = load_history([run])

    assert again.series == 0 and "déjà des relevés" in again.refused[0][1]
    assert Reading.objects.filter(series=series).count() == 96
    assert rollups(series) == before
    day = [r for r in before if r[0] == "day"]
    assert sum(r[2] for r in day) == 96  # each reading in exactly one local day


def test_history_before_live_data_completes_the_first_live_delta(client, agent, arras):
    """The first live reading had no delta (nothing before it); once the past is loaded its
    increase is known and counted, once."""
    device = register(agent, arras, "24e124136b000004")
    series = series_of(device, "impulsions")
    live_at = T0 + 10 * STEP
    load_history([Run(series, [live_at], [500.0])])  # stands for the first live reading
    assert Reading.objects.get(series=series, at=live_at).delta is None

    load_history([Run(series, grid(T0, 10, STEP), [400.0 + i for i in range(10)])])

    assert Reading.objects.get(series=series, at=live_at).delta == 500 - 409
    total = sum(r.total for r in Rollup.objects.filter(series=series, period="hour"))
    assert total == 9 + (500 - 409)


def test_a_gap_in_a_counter_history_is_refused(agent, arras):
    device = register(agent, arras, "24e124136b000005")
    series = series_of(device, "impulsions")
    load_history([Run(series, [T0, T0 + 10 * STEP], [1.0, 50.0])])

    report = load_history([Run(series, grid(T0 + STEP, 5, STEP), [2.0, 3, 4, 5, 6])])

    assert report.series == 0 and "trou" in report.refused[0][1]
    assert Reading.objects.filter(series=series).count() == 2


def test_instants_out_of_order_are_refused(agent, arras):
    device = register(agent, arras, "24e124136b000006", model="milesight-em300-th")
    series = series_of(device, "temperature")
    report = load_history([Run(series, [T0 + STEP, T0], [1.0, 2.0])])
    assert "chronologique" in report.refused[0][1]
    assert not Reading.objects.filter(series=series).exists()


def test_commune_daily_totals_add_up_the_communes_meters_only(agent, arras, beaurains):
    from territoire.sensors.selectors import commune_daily_totals

    other_agent = person_with_role(Role.AGENT, beaurains, module="sensors", email="a@b.fr")
    instants = grid(T0, 96 * 3, STEP)
    for n, (who, commune) in enumerate([(agent, arras), (agent, arras), (other_agent, beaurains)]):
        device = register(who, commune, f"24e124136b0001{n:02x}")
        load_history(
            [Run(series_of(device, "impulsions"), instants, [10.0 * i for i in range(288)])]
        )
    since, until = T0 - timedelta(days=1), T0 + timedelta(days=4)

    days = commune_daily_totals(
        agent, commune=arras, quantity="impulsions", since=since, until=until
    )

    assert sum(d.total for d in days) == 2 * 10 * 287  # two meters, 287 increases of 10
    assert sum(d.count for d in days) == 2 * 287  # the first readings have no increase
    assert (
        commune_daily_totals(
            agent, commune=beaurains, quantity="impulsions", since=since, until=until
        )
        == []
    )
