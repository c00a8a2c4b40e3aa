"""Fewer indexes on the ingestion path: every index is one more B-tree written per message.

The single-column indexes that a composite or unique index already starts with (readings,
rollups and communes' days by series or commune; messages by device), and those no read
needs (messages by integration or by DevEUI: the DevEUI is looked up only among messages
waiting for their device, which get a partial index). Django would rebuild each whole table
on SQLite to drop an index of a foreign key; the indexes are dropped in place instead, and
the fields' new state is recorded without touching the tables.
"""

import django.db.models.deletion
from django.db import migrations, models


# (table, column) whose index of that one column goes.
SINGLE_COLUMN_INDEXES = [
    ("sensors_communeday", "commune_id"),
    ("sensors_rawuplink", "dev_eui"),
    ("sensors_rawuplink", "device_id"),
    ("sensors_rawuplink", "integration_id"),
    ("sensors_reading", "series_id"),
    ("sensors_rollup", "series_id"),
]


def drop_single_column_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, column in SINGLE_COLUMN_INDEXES:
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in constraints.items():
                # PostgreSQL has a second "_like" index on a varchar column: both go.
                if (
                    info["index"]
                    and not info["unique"]
                    and not info["primary_key"]
                    and info["columns"] == [column]
                ):
                    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_single_column_indexes(apps, schema_editor):
    for table, column in SINGLE_COLUMN_INDEXES:
        name = schema_editor.quote_name(f"{table}_{column}_single")
        schema_editor.execute(
            f"CREATE INDEX {name} ON {schema_editor.quote_name(table)} "
            f"({schema_editor.quote_name(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        ("sensors", "0002_commune_day"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="rawuplink",
            name="sensors_raw_state_0a7f87_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="communeday",
                    name="commune",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.commune",
                    ),
                ),
                migrations.AlterField(
                    model_name="rawuplink",
                    name="dev_eui",
                    field=models.CharField(max_length=16),
                ),
                migrations.AlterField(
                    model_name="rawuplink",
                    name="device",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="uplinks",
                        to="sensors.device",
                    ),
                ),
                migrations.AlterField(
                    model_name="rawuplink",
                    name="integration",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="sensors.integration",
                    ),
                ),
                migrations.AlterField(
                    model_name="reading",
                    name="series",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="readings",
                        to="sensors.series",
                    ),
                ),
                migrations.AlterField(
                    model_name="rollup",
                    name="series",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rollups",
                        to="sensors.series",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_single_column_indexes, create_single_column_indexes)
            ],
        ),
        migrations.AddIndex(
            model_name="rawuplink",
            index=models.Index(
                condition=models.Q(("state", "quarantined")),
                fields=["received_at"],
                name="uplink_quarantined",
            ),
        ),
        migrations.AddIndex(
            model_name="rawuplink",
            index=models.Index(
                condition=models.Q(("state", "unregistered")),
                fields=["dev_eui", "received_at"],
                name="uplink_unregistered",
            ),
        ),
    ]
