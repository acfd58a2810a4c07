"""The `tipsheet` command on a real demo database: every command, its exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipsheet.cli import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_query_prints_a_table_and_refuses_writes(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    ok = _run("query", "SELECT count(*) AS n FROM articles", "--config", cfg)
    assert ok.exit_code == 0 and re.search(r"\b\d{2}\b", ok.stdout)
    for sql in ("DELETE FROM articles", "ATTACH 'x.db'", "COPY articles TO 'x.csv'"):
        refused = _run("query", sql, "--config", cfg)
        assert refused.exit_code == 2, sql
    check = _run("query", "SELECT count(*) FROM articles", "--config", cfg)
    assert check.exit_code == 0


def test_sources_search_and_explain(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    sources = _run("sources", "--config", cfg)
    assert sources.exit_code == 0 and "feed" in sources.stdout and "ok" in sources.stdout
    found = _run("search", "acquires dairy", "--config", cfg)
    assert found.exit_code == 0 and "Hollis" in found.stdout
    why = _run("explain", "dana-kim", "--config", cfg)
    assert why.exit_code == 0 and "dana-kim: 2026-11-20" in why.stdout
    assert "score = 100 x p x recency x novelty" in why.stdout.replace("\n", " ")


def test_shared_items_never_come_back_and_cadence_warns(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    digest = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    first_id = re.search(r"Item `([0-9a-f]{8})`", digest).group(1)
    logged = _run(
        "contacted", "dana-kim", "--on", "2026-11-20", "--item", first_id, "--config", cfg
    )
    assert logged.exit_code == 0, logged.stdout
    again = _run("digest", "--manager", "dana-kim", "--as-of", "2026-11-20", "--config", cfg)
    assert again.exit_code == 0, again.stdout
    text = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    assert first_id not in text
    assert "Too soon to call" in text or "Call now" in text  # strong signal may override
    bad = _run("contacted", "dana-kim", "--item", "ffffffff", "--config", cfg)
    assert bad.exit_code == 2


def test_feedback_hides_a_not_useful_story_and_is_stored(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    digest = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    ids = re.findall(r"Item `([0-9a-f]{8})`", digest)
    judged = _run(
        "feedback", "dana-kim", ids[0], "not-useful", "--note", "old news", "--config", cfg
    )
    assert judged.exit_code == 0, judged.stdout
    liked = _run("feedback", "dana-kim", ids[1], "useful", "--config", cfg)
    assert liked.exit_code == 0, liked.stdout
    again = _run("digest", "--manager", "dana-kim", "--as-of", "2026-11-20", "--config", cfg)
    assert again.exit_code == 0, again.stdout
    text = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    assert ids[0] not in text and ids[1] in text
    rows = _run(
        "query", "SELECT useful, note FROM feedback ORDER BY useful", "--config", cfg
    ).stdout
    assert "old news" in rows
    assert _run("feedback", "dana-kim", ids[1], "maybe", "--config", cfg).exit_code == 2
    assert _run("feedback", "dana-kim", "ffffffff", "useful", "--config", cfg).exit_code == 2


def test_bad_config_exits_2_with_one_line(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("me: {name: A}\nmanagers: []\ncompanies: {}\n")
    result = _run("run", "--config", str(cfg))
    assert result.exit_code == 2
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert "managers" in result.stderr


def test_second_run_exits_at_once_while_one_runs(demo_copy):
    cfg = demo_copy / "config.yaml"
    lock = demo_copy / "tipsheet.duckdb.run.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = _run("run", "--config", str(cfg))
        assert result.exit_code == 1
        assert "already in progress" in result.stderr
        # Readers still work during a run: they read the last finished run's snapshot.
        query = _run("query", "SELECT count(*) FROM articles", "--config", str(cfg))
        assert query.exit_code == 0
    finally:
        holder.kill()
        holder.wait()


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"tipsheet {name}" in readme, name
