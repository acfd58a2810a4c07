"""Rows as CSV or JSON, for `--format csv|json`: output that pipes into other tools.

Values keep their types in JSON (numbers stay numbers, NULL is null); dates and times
are ISO 8601 in both formats.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def plain(value):
    """A value as JSON can hold it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_json(columns: list[str], rows: list[tuple]) -> str:
    """One JSON array of objects keyed by column name."""
    records = [dict(zip(columns, (plain(v) for v in row), strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def to_csv(columns: list[str], rows: list[tuple]) -> str:
    """RFC 4180 CSV with a header row; lists and objects as JSON in their cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for v in row:
            v = plain(v)
            if isinstance(v, list | dict):
                v = json.dumps(v, ensure_ascii=False)
            cells.append("" if v is None else v)
        writer.writerow(cells)
    return buffer.getvalue()


def render(columns: list[str], rows: list[tuple], fmt: Format) -> str:
    if fmt is Format.csv:
        return to_csv(columns, rows)
    if fmt is Format.json:
        return to_json(columns, rows)
    raise ValueError(f"{fmt} is drawn by the terminal, not rendered as text")
