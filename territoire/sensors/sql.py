"""SQL helpers of the ingestion path: plain SELECTs, multi-row INSERT … RETURNING, UPDATE by id,
and datetimes as each database takes them in raw SQL. On this path, compiling ORM queries and
building model instances cost more than running the statements (docs/sensors.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from django.db import connection

CHUNK = 400  # rows per INSERT: well under SQLite's limit on bound parameters


def fetch(model, fields: Sequence[str], where: str, params: Sequence[Any]) -> list:
    """Instances of ``model`` with only ``fields`` loaded (the others deferred), from a plain
    SELECT: on the ingestion path, compiling an ORM query costs more than running it."""
    meta = model._meta
    wanted = {meta.get_field(name).attname for name in fields}
    # Model.from_db expects the values in the model's own field order.
    columns = [field for field in meta.concrete_fields if field.attname in wanted]
    sql = (
        f"SELECT {', '.join(field.column for field in columns)} FROM {meta.db_table} WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        # SQLite hands datetimes back naive (UTC); the ORM would have made them aware.
        stamps = [
            i for i, field in enumerate(columns) if field.get_internal_type() == "DateTimeField"
        ]
        if stamps:
            rows = [_with_datetimes(row, stamps) for row in rows]
    attnames = [field.attname for field in columns]
    return [model.from_db(connection.alias, attnames, row) for row in rows]


def select_rows(sql: str, params: list[Any]) -> list[tuple]:
    """Rows of a SELECT whose one ``{}`` is replaced by a placeholder per parameter. On
    SQLite through the driver's own cursor, as ``insert_returning`` does."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        cursor = connection.connection.cursor()
        cursor.execute(sql.format(", ".join(["?"] * len(params))), params)
        return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql.format(placeholders(params)), params)
        return cursor.fetchall()


def aware(value: Any) -> datetime | None:
    """A datetime column as read: SQLite gives naive UTC (or text), PostgreSQL aware."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _with_datetimes(row: tuple, positions: list[int]) -> tuple:
    values = list(row)
    for i in positions:
        values[i] = aware(values[i])
    return tuple(values)


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """UPDATE … WHERE id = … for many rows with one prepared statement (Django's bulk_update
    builds a CASE expression per row, which costs more than the ingestion itself)."""
    if not rows:
        return
    assignments = ", ".join(f"{column} = %s" for column in columns)
    sql = f"UPDATE {model._meta.db_table} SET {assignments} WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [tuple(db_value(v) for v in row) for row in rows])


def insert_returning(model, columns, rows, *, conflict, returning, casts=None, adapted=False):
    """INSERT … ON CONFLICT DO NOTHING RETURNING …, in chunks; returns the inserted rows'
    ``returning`` values. SQLite (3.35+) and PostgreSQL both speak this SQL. ``casts`` adds a
    cast after a column's placeholder; ``adapted`` says the values are already DB-ready."""
    if not rows:
        return []
    table = model._meta.db_table
    single = isinstance(returning, str)
    wanted = [returning] if single else list(returning)
    out: list[Any] = []
    adapt = db_value
    # On SQLite, the driver's own cursor with its own placeholders: Django's wrapper rewrites
    # every "%s" of a statement of thousands of parameters with a regular expression, which
    # cost more than SQLite's execution of it. Same connection, same transaction.
    sqlite = connection.vendor == "sqlite"
    mark = "?" if sqlite else "%s"
    row_sql = "(" + ", ".join(mark + (casts or {}).get(c, "") for c in columns) + ")"
    statements: dict[int, str] = {}
    connection.ensure_connection()
    with nullcontext(connection.connection.cursor()) if sqlite else connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            sql = statements.get(len(chunk))
            if sql is None:
                sql = statements[len(chunk)] = (
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES {', '.join([row_sql] * len(chunk))} "
                    f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING "
                    f"RETURNING {', '.join(wanted)}"
                )
            params = (
                [value for row in chunk for value in row]
                if adapted
                else [adapt(value) for row in chunk for value in row]
            )
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
            out.extend(row[0] for row in fetched) if single else out.extend(fetched)
    return out


def db_value(value: Any) -> Any:
    return _db_datetime(value) if isinstance(value, datetime) else value


def _db_datetime(value: datetime) -> Any:
    return db_datetime_converter()(value)


def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores (naive UTC text), without its per-call overhead.
    if value.tzinfo is UTC:
        return value.isoformat(sep=" ")[:-6]  # drop "+00:00"
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _as_is(value: datetime) -> datetime:
    return value


def db_datetime_converter() -> Callable[[datetime], Any]:
    """How an aware datetime is handed to this database in raw SQL."""
    return _sqlite_datetime if connection.vendor == "sqlite" else _as_is
