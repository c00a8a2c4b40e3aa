"""Indicator maths against hand-computed cases (docs/insights.md gives the methods)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from territoire.insights.indicators import air, buildings, mobility, noise, parking, water

PARIS = ZoneInfo("Europe/Paris")


# --- noise ---------------------------------------------------------------------------------


def test_lden_of_a_known_day_uses_french_periods_and_penalties():
    """Day 6–18 h at 60 dB, evening 18–22 h at 55, night 22–6 h at 50: with the +5/+10 dB
    penalties every period weighs 10^6, so Lden = 10·log10(24·10^6 / 24) = 60 dB."""
    hourly = {h: 60.0 for h in range(6, 18)}
    hourly |= {h: 55.0 for h in range(18, 22)}
    hourly |= {h: 50.0 for h in (22, 23, 0, 1, 2, 3, 4, 5)}
    result = noise.den(hourly)
    assert result.lday == pytest.approx(60)
    assert result.levening == pytest.approx(55)
    assert result.lnight == pytest.approx(50)
    assert result.lden == pytest.approx(60.0)


def test_lden_weights_a_loud_night_heavily():
    """Same day but the night at 62 dB: Lden = 10·log10((12·10^6 + 4·10^6 + 8·10^7.2)/24)
    = 67.74 dB. At (not above) the French road limits, well above the WHO guidelines."""
    hourly = {h: 60.0 for h in range(6, 18)} | {h: 55.0 for h in range(18, 22)}
    hourly |= {h: 62.0 for h in (22, 23, 0, 1, 2, 3, 4, 5)}
    expected = 10 * math.log10((12e6 + 4e6 + 8 * 10**7.2) / 24)
    result = noise.den(hourly)
    assert result.lden == pytest.approx(expected)
    assert round(expected, 2) == 67.74
    flags = noise.exceedances(result)
    assert not flags["lden_limite"] and not flags["lnight_limite"]  # 62 is not above 62
    assert flags["lnight_oms"] and flags["lden_oms"]


def test_energetic_mean_is_not_arithmetic():
    assert noise.energetic_mean([60, 70]) == pytest.approx(10 * math.log10(5.5e6))  # 67.40
    assert noise.energetic_mean([]) is None
    assert noise.laeq_from_energy(2 * 10**6.5, 2) == pytest.approx(65)


def test_lden_missing_a_period_is_none_and_hours_above():
    hourly = {h: 70.0 for h in range(6, 18)}
    assert noise.den(hourly).lden is None
    assert noise.hours_above(hourly | {3: 40.0}, 65) == 12


@given(st.lists(st.floats(min_value=20, max_value=120), min_size=1, max_size=30))
def test_energetic_mean_lies_between_min_and_max(levels):
    mean = noise.energetic_mean(levels)
    assert min(levels) - 1e-9 <= mean <= max(levels) + 1e-9


# --- water ---------------------------------------------------------------------------------


def _day_profile(start: datetime, days: int, leak_from: datetime | None, leak_lph=24.0):
    """100 L/h during opening hours 08:00–18:00, nothing otherwise; plus a leak."""
    hours = []
    for i in range(days * 24):
        at = start + timedelta(hours=i)
        litres = 100.0 if 8 <= at.hour < 18 else 0.0
        if leak_from is not None and at >= leak_from:
            litres += leak_lph
        hours.append(water.HourVolume(at, litres))
    return hours


def test_leak_starting_at_one_am_is_seen_at_night_then_as_continuous_flow():
    """A 24 L/h leak starts at 01:00 on 3 March. The night flow (02:00–05:00) shows it the
    same night; the continuous-flow rule (no zero hour in 24 h) 24 h after the leak began."""
    start = datetime(2026, 3, 2, 0, tzinfo=PARIS)
    leak = datetime(2026, 3, 3, 1, tzinfo=PARIS)
    hours = _day_profile(start, 3, leak)
    nights = water.night_flows(hours)
    assert [(n.night.day, n.minimum_lph, n.over) for n in nights] == [
        (2, 0.0, False),
        (3, 24.0, True),
        (4, 24.0, True),
    ]
    assert water.first_continuous_flow(hours) == datetime(2026, 3, 4, 1, tzinfo=PARIS)
    last = water.continuous_flow(hours)
    assert last == water.ContinuousFlow(True, 24.0, 576.0)  # 24 L/h × 24 h lost per day
    assert water.continuous_flow(hours[:30]).leaking is False
    assert water.continuous_flow(hours[:10]) is None  # incomplete window: no verdict


def test_no_leak_no_alarm():
    hours = _day_profile(datetime(2026, 3, 2, tzinfo=PARIS), 3, None)
    assert water.first_continuous_flow(hours) is None
    assert not any(n.over for n in water.night_flows(hours))


def test_burst_after_thirty_minutes_above_ten_percent_of_q3():
    """Q3 = 2.5 m³/h: the limit is 250 L/h. 100 L per quarter hour = 400 L/h from 10:00:
    the burst is declared at 10:30; a 20-minute surge is not a burst."""
    t0 = datetime(2026, 3, 2, 9, tzinfo=PARIS)
    quarter = timedelta(minutes=15)
    litres = [10, 10, 10, 10, 100, 100, 100, 100]
    intervals = [
        water.Interval(t0 + i * quarter, t0 + (i + 1) * quarter, v) for i, v in enumerate(litres)
    ]
    assert water.burst(intervals, 2500) == datetime(2026, 3, 2, 10, 30, tzinfo=PARIS)
    short = [water.Interval(t0, t0 + timedelta(minutes=20), 200)]
    assert water.burst(short, 2500) is None
    assert water.litres_saved(24, 48) == 1152


# --- air -----------------------------------------------------------------------------------


def test_atmo_indicative_index_from_particles():
    """PM2.5 daily mean 22 µg/m³ → 3 (Dégradé, ≤ 25); PM10 35 → 2 (Moyen, ≤ 40): the index
    is the most degraded sub-index, 3, set by PM2.5."""
    pm25 = air.daily_value("pm2_5", [20, 24, 22])
    pm10 = air.daily_value("pm10", [30, 40])
    index = air.atmo_index({"pm2_5": pm25, "pm10": pm10})
    assert (index.klass, index.label, index.pollutant) == (3, "Dégradé", "pm2_5")
    assert index.sub_indices == {"pm2_5": 3, "pm10": 2}
    assert "pas l'indice ATMO officiel" in index.disclaimer


@pytest.mark.parametrize(
    ("pollutant", "value", "klass"),
    [
        ("pm2_5", 10, 1),
        ("pm2_5", 10.1, 2),
        ("pm2_5", 76, 6),
        ("pm10", 150, 5),
        ("no2", 41, 2),
        ("o3", 381, 6),
        ("so2", 100, 1),
    ],
)
def test_atmo_bounds_are_inclusive(pollutant, value, klass):
    assert air.sub_index(pollutant, value) == klass


def test_atmo_gases_take_the_daily_maximum():
    assert air.daily_value("no2", [20, 95, 30]) == 95
    assert air.atmo_index({"no2": 95}).klass == 3
    assert air.atmo_index({}) is None


# --- mobility ------------------------------------------------------------------------------


def test_holiday_monday_is_a_holiday_not_a_weekday():
    """Easter Monday 2026 is 6 April: counted with holidays, its low count does not drag the
    weekday mean down."""
    assert mobility.day_type(date(2026, 4, 6)) == mobility.HOLIDAY
    assert mobility.day_type(date(2026, 4, 7)) == mobility.WEEKDAY
    assert mobility.day_type(date(2026, 4, 11)) == mobility.WEEKEND
    daily = {
        date(2026, 4, 6): 300.0,  # Easter Monday
        date(2026, 4, 7): 600.0,
        date(2026, 4, 8): 640.0,
        date(2026, 4, 11): 420.0,
        date(2026, 4, 12): 380.0,
    }
    means = mobility.profile(daily)
    assert means == {"weekday": 620.0, "weekend": 400.0, "holiday": 300.0}
    assert mobility.holiday_effect(daily) == pytest.approx(300 / 620 - 1)


def test_year_over_year_on_the_same_counters_only():
    before = {"carnot": 1000.0, "bapaume": 500.0, "halage": None}
    after = {"carnot": 1100.0, "bapaume": 550.0, "halage": 900.0, "nouveau": 5000.0}
    result = mobility.year_over_year(before, after)
    assert (result.counters, result.before, result.after) == (2, 1500.0, 1650.0)
    assert result.change == pytest.approx(0.10)


# --- parking -------------------------------------------------------------------------------


@pytest.mark.parametrize(("occupied", "band"), [(6, "low"), (6.5, "ok"), (8.5, "ok"), (9, "high")])
def test_parking_bands(occupied, band):
    assert parking.band(parking.occupancy(occupied, 10)) == band


def test_parking_without_spaces():
    assert parking.occupancy(3, 0) is None and parking.band(None) is None


# --- buildings -----------------------------------------------------------------------------


def test_degree_days_and_climate_correction_of_the_heating_share_only():
    """DJU: (0, 10) °C → 18 − 5 = 13; (15, 25) → 0. A mild year (2,000 DJU against 2,500)
    raises the heating share: 1,000 kWh with 60 % heating → 400 + 600 × 2500/2000 = 1,150."""
    assert buildings.heating_degree_days([(0, 10), (15, 25)]) == 13
    assert buildings.climate_corrected(1000, 0.6, 2000, 2500) == pytest.approx(1150)
    with pytest.raises(ValueError):
        buildings.climate_corrected(1000, 1.5, 2000, 2500)


def test_decret_tertiaire_trajectory():
    assert buildings.target_reduction(2019) == 0
    assert buildings.target_reduction(2025) == pytest.approx(0.20)
    assert buildings.target_reduction(2030) == pytest.approx(0.40)
    assert buildings.target_reduction(2035) == pytest.approx(0.45)
    assert buildings.target_reduction(2070) == pytest.approx(0.60)
    t = buildings.trajectory(2025, 100_000, 78_000)
    assert t.on_track and t.reduction == pytest.approx(0.22) and t.saved_kwh == 22_000
    assert t.target_kwh == pytest.approx(60_000)
    assert not buildings.trajectory(2025, 100_000, 85_000).on_track


def test_degree_days_of_a_day_and_the_shipped_normals():
    assert buildings.day_degree_days(2, 8) == 13  # 18 − (2 + 8) / 2
    assert buildings.day_degree_days(15, 25) == 0  # a mean of 20 °C: no heating
    assert sum(buildings.NORMAL_DJU_MONTHLY.values()) == 2643
    assert buildings.normal_day(date(2026, 2, 10)) == pytest.approx(379 / 28)
    assert buildings.normal_day(date(2028, 2, 10)) == pytest.approx(379 / 29)  # leap year
    year = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert sum(buildings.normal_day(d) for d in year) == pytest.approx(2643)


def test_period_dju_fills_the_missing_days_with_their_normal_share():
    """1–3 January 2026: 13 and 10 DJU measured, the 3rd missing → 428/31 = 13.806."""
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
    result = buildings.period_dju(days, {days[0]: 13.0, days[1]: 10.0})
    assert result.total == pytest.approx(23 + 428 / 31)
    assert result.normal == pytest.approx(3 * 428 / 31)
    assert (result.measured_days, result.filled_days, result.days) == (2, 1, 3)
    only_normals = buildings.period_dju(days, {})
    assert only_normals.total == only_normals.normal  # no measure: a neutral correction


def test_comparison_corrects_both_years_heating_share_to_the_normal_climate():
    """Reference 2019: 100,000 kWh in a cold year (2,900 DJU); last 12 months: 70,000 kWh in
    a mild one (2,400 DJU); normal 2,643; heating 60 %.
    Reference → 40,000 + 60,000 × 2,643 / 2,900 = 94,682.76 kWh;
    now → 28,000 + 42,000 × 2,643 / 2,400 = 74,252.50 kWh;
    corrected reduction 1 − 74,252.5 / 94,682.76 = 21.58 % (raw: 30 %)."""
    dju = buildings.PeriodDju(total=2400, normal=2643, measured_days=365, days=365)
    result = buildings.compare(
        year=2026,
        reference_kwh=100_000,
        reference_dju=2900,
        measured_kwh=70_000,
        dju=dju,
        heating_share=0.6,
    )
    assert result.reference_corrected
    assert result.corrected.reference_kwh == pytest.approx(94_682.76, abs=0.01)
    assert result.corrected.corrected_kwh == pytest.approx(74_252.50, abs=0.01)
    assert result.corrected.reduction == pytest.approx(0.2158, abs=1e-4)
    assert result.saved_corrected_kwh == pytest.approx(20_430.26, abs=0.01)
    assert result.raw.reduction == pytest.approx(0.30)
    assert result.saved_raw_kwh == pytest.approx(30_000)
    # 2026 requires −24 %: on track raw, not once the mild winter is taken out.
    assert result.raw.on_track and not result.corrected.on_track
    # Without the reference year's DJU, the reference is kept as entered.
    kept = buildings.compare(
        year=2026,
        reference_kwh=100_000,
        reference_dju=None,
        measured_kwh=70_000,
        dju=dju,
        heating_share=0.6,
    )
    assert not kept.reference_corrected and kept.corrected.reference_kwh == 100_000
