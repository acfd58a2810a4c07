"""`--format table|csv|json` on the reading commands: output other tools can read."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipsheet.cli import app
from tipsheet.core.tabular import to_csv, to_json

runner = CliRunner()


def test_json_keeps_types_and_csv_quotes_what_needs_it():
    columns = ["n", "x", "when", "day", "tags", "none", "text"]
    rows = [(1, Decimal("2.5"), datetime(2026, 11, 20, 6, 0, tzinfo=UTC), date(2026, 11, 20),
             ["a", "b"], None, 'say "hi", then\nleave')]  # fmt: skip
    (record,) = json.loads(to_json(columns, rows))
    assert record == {
        "n": 1,
        "x": 2.5,
        "when": "2026-11-20T06:00:00+00:00",
        "day": "2026-11-20",
        "tags": ["a", "b"],
        "none": None,
        "text": 'say "hi", then\nleave',
    }
    parsed = list(csv.reader(io.StringIO(to_csv(columns, rows))))
    assert parsed[0] == columns
    assert parsed[1] == ["1", "2.5", "2026-11-20T06:00:00+00:00", "2026-11-20", '["a", "b"]',
                         "", 'say "hi", then\nleave']  # fmt: skip
    assert json.loads(to_json(columns, [])) == []
    assert to_csv(columns, []) == ",".join(columns) + "\n"


@pytest.fixture
def demo_copy(demo_output, tmp_path) -> Path:
    src = demo_output[0]
    dst = tmp_path / "demo"
    shutil.copytree(src, dst)
    (dst / "config.yaml").write_text((dst / "config.yaml").read_text().replace(str(src), str(dst)))
    return dst


@pytest.mark.slow
def test_each_reading_command_exports_csv_and_json(demo_copy):
    cfg = ["--config", str(demo_copy / "config.yaml")]
    commands = {
        "query": ["query", "SELECT id, title, published_at FROM articles ORDER BY id LIMIT 5"],
        "search": ["search", "freight", "--limit", "5"],
        "sources": ["sources"],
        "explain": ["explain", "dana-kim", "--top", "3"],
    }
    for name, args in commands.items():
        as_json = runner.invoke(app, [*args, *cfg, "--format", "json"])
        assert as_json.exit_code == 0, (name, as_json.output)
        records = json.loads(as_json.stdout)
        assert records and isinstance(records, list), name
        as_csv = runner.invoke(app, [*args, *cfg, "--format", "csv"])
        rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
        assert len(rows) == len(records), name
        assert list(rows[0]) == list(records[0]), name
    explained = json.loads(
        runner.invoke(app, [*commands["explain"], *cfg, "--format", "json"]).stdout
    )
    assert [r["rank"] for r in explained] == [1, 2, 3]
    assert all(isinstance(r["score"], float) and r["item_id"] for r in explained)
    found = json.loads(runner.invoke(app, [*commands["search"], *cfg, "--format", "json"]).stdout)
    assert list(found[0]) == ["score", "id", "date", "title", "url"]
    assert isinstance(found[0]["score"], float)
    table = runner.invoke(app, [*commands["sources"], *cfg])
    assert table.exit_code == 0 and "│" in table.stdout
    bad = runner.invoke(app, [*commands["sources"], *cfg, "--format", "xml"])
    assert bad.exit_code == 2 and "--format" in bad.output
