"""Crash safety: a run SIGKILLed at any stage loses nothing, and the next run completes
the night with the same tables an uninterrupted run leaves.

Each run is a real `tipsheet demo` process against the bundled demo web, talking to the
session's Prefect test server, killed by fault injection (core/faults.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tipsheet.core.faults import POINTS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]

# What "the same night" means, table by table: timestamps and fetch logs differ by nature.
COMPARED = {
    "articles": "id, url, title, text, published_at, origin, language, story_id",
    "mentions": "article_id, company_id, count, in_title, snippet, matched, confidence",
    "events": "*",
    "postings": "source_id, posting_key, company_id, title, url, first_seen, last_seen, active",
    "digest_items": "*",
    "signals": "*",
    "url_state": "url, etag, last_modified, content_hash",
    "companies": "id, name, aliases, domains, ticker",
    "sources": "id, company_id, type, url, options, active",
}


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def _demo(out: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_API_URL": _api_url(), "PREFECT_LOGGING_LEVEL": "ERROR"}
    env.pop("TIPSHEET_KILL_AT", None)
    if kill_at:
        env["TIPSHEET_KILL_AT"] = kill_at
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"run-{kill_at or 'full'}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tipsheet.cli", "demo", "--output", str(out)],
            env=env,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=300)
        finally:
            # Whatever the run left behind (extraction workers) goes with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, code, log.read_text(), log.read_text())


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall()
            for t, cols in COMPARED.items()
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(prefect_harness, tmp_path_factory) -> dict[str, list[tuple]]:
    out = tmp_path_factory.mktemp("uninterrupted")
    done = _demo(out)
    assert done.returncode == 0, done.stderr[-2000:]
    return _tables(out / "tipsheet.duckdb")


@pytest.mark.parametrize("point", POINTS)
def test_killed_run_resumes_to_the_same_tables(point, reference, tmp_path):
    killed = _demo(tmp_path, kill_at=point)
    assert killed.returncode == -signal.SIGKILL, (point, killed.stderr[-2000:])
    db = tmp_path / "tipsheet.duckdb"
    if db.exists():  # consistent after the kill: it opens and every table reads
        _tables(db)
    resumed = _demo(tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = _tables(db)
    for table, rows in reference.items():
        assert after[table] == rows, f"{table} differs after a kill at {point!r}"
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id").fetchall()]
    finally:
        con.close()
    assert statuses[-1] == "done"
    assert statuses[0] in ("killed", "done")
