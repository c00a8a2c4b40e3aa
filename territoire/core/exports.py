"""CSV exports for spreadsheets: semicolon-separated, UTF-8 with BOM (what French
spreadsheets open correctly), streamed, every cell protected against formula injection."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(value: object) -> str:
    """A cell that a spreadsheet will show as text: values starting like a formula (=, +,
    -, @, tab, carriage return) are prefixed with an apostrophe, so that a name typed by
    someone cannot run as a formula on the computer of whoever opens the export. A missing
    value is an empty cell, not the word "None"."""
    if value is None:
        return ""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> StreamingHttpResponse:
    """Stream ``rows`` (the header first) as a CSV attachment named ``filename``."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([spreadsheet_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
