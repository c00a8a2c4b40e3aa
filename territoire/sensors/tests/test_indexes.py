"""The ingestion tables carry only the indexes that reads need: each index is one more B-tree
written per uplink (migration 0003). The reads that used the dropped ones still find an
index, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count, Max

from territoire.sensors.models import RawUplink, UplinkState

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: tuple(info["columns"])
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "sensors_rawuplink",
            {
                ("source", "dedup_key"),
                ("device_id", "received_at"),
                ("received_at",),  # quarantined messages only
                ("dev_eui", "received_at"),  # messages waiting for their device only
            },
        ),
        ("sensors_reading", {("series_id", "at")}),
        ("sensors_rollup", {("series_id", "period", "start")}),
        ("sensors_communeday", {("commune_id", "quantity", "start")}),
    ],
)
def test_ingestion_tables_have_only_the_indexes_reads_need(table, expected):
    assert set(_indexes(table).values()) == expected


def _plan(queryset) -> str:
    return queryset.explain()


def test_waiting_and_quarantined_messages_are_read_through_their_partial_indexes():
    quarantined = RawUplink.objects.filter(state=UplinkState.QUARANTINED).order_by("-received_at")
    backlog = RawUplink.objects.filter(
        state=UplinkState.UNREGISTERED, dev_eui__in=["70b3d5e75e000001"]
    ).order_by("received_at")
    to_register = (
        RawUplink.objects.filter(state=UplinkState.UNREGISTERED)
        .values("dev_eui")
        .annotate(uplinks=Count("pk"), last_at=Max("received_at"))
    )
    assert "uplink_quarantined" in _plan(quarantined)
    assert "uplink_unregistered" in _plan(backlog)
    assert "uplink_unregistered" in _plan(to_register)


def test_a_devices_first_message_is_found_through_the_device_index():
    plan = RawUplink.objects.filter(device__in=[1, 2], kind="up").order_by("received_at")
    assert "sensors_raw_device__dffa5d_idx" in _plan(plan)
