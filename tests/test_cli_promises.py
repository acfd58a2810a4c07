"""What the README promises a user on their first week, checked on the real CLI.

Bad input: exit 2 and one line naming the culprit. A night on which nothing could be read
exits 3 and says so everywhere. Digest rows and files are written together or not at all.
Tests that count stderr lines run the CLI in a subprocess, as a user's shell does, so
Prefect's own console output is counted too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from tipsheet.cli import app
from tipsheet.demo.localweb import LocalServer, Response

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _shell(*args: str) -> subprocess.CompletedProcess:
    """The CLI as a user's shell runs it, against the test session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    env.pop("PREFECT_LOGGING_LEVEL", None)  # the CLI's own default, as a user gets it
    return subprocess.run(
        [sys.executable, "-m", "tipsheet.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _rows(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Northwind news</title>
<item><title>Northwind Logistics acquires Contoso Freight</title>
<link>{base}/news/deal</link><pubDate>Thu, 19 Nov 2026 09:00:00 GMT</pubDate>
<description>Northwind Logistics acquires Contoso Freight for 40 million euros.</description>
</item></channel></rss>"""

PAGE = """<html><head><title>Northwind Logistics acquires Contoso Freight</title></head>
<body><article><h1>Northwind Logistics acquires Contoso Freight</h1>
<p>Northwind Logistics has agreed to acquire Contoso Freight, the Rotterdam carrier, for
40 million euros, the companies said on Thursday.</p>
<p>The deal gives Northwind a second cold-chain hub and 300 more trucks.</p>
</article></body></html>"""


def _local_config(tmp_path: Path, base: str, digests_dir: Path | None = None) -> Path:
    data = {
        "me": {"name": "Alex Candidate"},
        "managers": [
            {
                "id": "dana-kim",
                "name": "Dana Kim",
                "company": "northwind",
                "role": "Senior Data Engineer",
                "rejected_on": "2026-11-01",
            }
        ],
        "companies": {
            "northwind": {
                "name": "Northwind Logistics",
                "competitors": ["contoso"],
                "sources": [
                    {"type": "feed", "url": f"{base}/feed.xml"},
                    {"type": "press_page", "url": f"{base}/press"},
                ],
            },
            "contoso": {"name": "Contoso Freight"},
        },
        "settings": {
            "database": str(tmp_path / "data" / "tipsheet.duckdb"),
            "digests_dir": str(digests_dir or tmp_path / "digests"),
            "fetch": {"allow_private_hosts": True, "retries": 0, "delay_s": 0, "timeout_s": 5},
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# -- 1. contact dates, and the outreach log from the CLI ------------------------------------


def test_a_contact_after_today_is_refused_in_one_line(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    result = _run("contacted", "dana-kim", "--on", "2030-01-01", "--config", cfg)
    assert result.exit_code == 2
    assert len(_lines(result.stderr)) == 1
    assert "--on" in result.stderr and "after today" in result.stderr
    db = demo_copy / "tipsheet.duckdb"
    assert _rows(db, "SELECT count(*) FROM outreach WHERE contacted_on > '2026-11-20'") == [(0,)]


def test_outreach_is_listed_corrected_and_removed_from_the_cli(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    logged = _run("contacted", "dana-kim", "--on", "2026-11-10", "--note", "first", "--config", cfg)
    assert logged.exit_code == 0, logged.stdout
    oid = re.search(r"#(\d+)", logged.stdout).group(1)

    listed = _run("outreach", "dana-kim", "--config", cfg)
    assert listed.exit_code == 0
    assert oid in listed.stdout and "2026-11-10" in listed.stdout and "first" in listed.stdout

    fixed = _run(
        "outreach", "dana-kim", "--set", oid, "--on", "2026-11-12", "--note", "real", "-c", cfg
    )
    assert fixed.exit_code == 0, fixed.stdout + fixed.stderr
    listed = _run("outreach", "dana-kim", "--config", cfg)
    assert "2026-11-12" in listed.stdout and "real" in listed.stdout
    assert "2026-11-10" not in listed.stdout

    future = _run("outreach", "dana-kim", "--set", oid, "--on", "2030-01-01", "--config", cfg)
    assert future.exit_code == 2 and len(_lines(future.stderr)) == 1
    ghost = _run("outreach", "dana-kim", "--remove", "9999", "--config", cfg)
    assert ghost.exit_code == 2 and "9999" in ghost.stderr and len(_lines(ghost.stderr)) == 1
    other = _run("outreach", "priya-raman", "--remove", oid, "--config", cfg)
    assert other.exit_code == 2  # an id of another manager's log is not this one's

    removed = _run("outreach", "dana-kim", "--remove", oid, "--config", cfg)
    assert removed.exit_code == 0
    db = demo_copy / "tipsheet.duckdb"
    assert _rows(db, "SELECT count(*) FROM outreach WHERE id = ?", [int(oid)]) == [(0,)]


# -- 2. a signal justifies an early call only when newer than the last contact --------------


def test_a_signal_seen_before_the_last_call_does_not_say_call_now(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    # The demo's reposted role was seen on 2026-11-16; the call is logged after it.
    assert _run("contacted", "dana-kim", "--on", "2026-11-19", "--config", cfg).exit_code == 0
    again = _run("digest", "--as-of", "2026-11-20", "--config", cfg)
    assert again.exit_code == 0, again.stdout + again.stderr
    text = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    assert "**Call now**" not in text
    assert "**Too soon to call**" in text
    assert "(1 day ago)" in text  # 10. not "(1 days ago)"


# -- 3. a night on which every source failed ------------------------------------------------


def test_a_night_with_no_source_read_exits_3_and_says_so_everywhere(tmp_path, prefect_harness):
    with LocalServer({"/feed.xml": Response(b"down", 503)}) as server:
        cfg = _local_config(tmp_path, server.base)  # /press answers 404
        result = _run("run", "--config", str(cfg), "--as-of", "2026-11-20")
    assert result.exit_code == 3, result.stdout + result.stderr
    assert "no source could be read" in (result.stdout + result.stderr).lower()
    db = tmp_path / "data" / "tipsheet.duckdb"
    ((status, nothing_read, error),) = _rows(db, "SELECT status, nothing_read, error FROM runs")
    assert nothing_read is True and status == "failed"
    assert "no source could be read" in error.lower()
    digest = (tmp_path / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    head = "\n".join(digest.splitlines()[:6]).lower()
    assert "no source could be read" in head
    index = (tmp_path / "digests" / "README.md").read_text().lower()
    assert "no source could be read" in index


def test_under_prefect_such_a_night_ends_failed_with_that_message(tmp_path, prefect_harness):
    from tipsheet.flows.nightly import nightly

    with LocalServer({"/feed.xml": Response(b"down", 503)}) as server:
        cfg = _local_config(tmp_path, server.base)
        state = nightly(config_path=str(cfg), as_of=date(2026, 11, 20), return_state=True)
    assert state.is_failed()
    assert "no source could be read" in (state.message or "").lower()


def test_a_night_with_one_source_read_is_not_such_a_night(tmp_path, prefect_harness):
    routes = {
        "/feed.xml": lambda h: Response(
            FEED.format(base=server.base).encode(), headers={"Content-Type": "application/rss+xml"}
        ),
        "/news/deal": Response(PAGE.encode(), headers={"Content-Type": "text/html"}),
    }
    with LocalServer(routes) as server:
        cfg = _local_config(tmp_path, server.base)
        result = _run("run", "--config", str(cfg), "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.stdout + result.stderr
    digest = (tmp_path / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    assert "no source could be read" not in digest.lower()


# -- 4. "Sources failing" names only this manager's sources ---------------------------------


def test_sources_failing_lists_only_the_managers_own_sources(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    db = demo_copy / "tipsheet.duckdb"
    con = duckdb.connect(str(db))
    try:
        (source_id, url) = con.execute(
            "SELECT id, url FROM sources WHERE company_id = 'fennimore' AND type = 'feed'"
        ).fetchone()
        for run_id in (1000, 1001):
            con.execute(
                "INSERT INTO fetches (run_id, source_id, url, status, error, fetched_at) "
                "VALUES (?, ?, ?, 'error', 'HTTP 503', now())",
                [run_id, source_id, url],
            )
    finally:
        con.close()
    assert _run("digest", "--as-of", "2026-11-20", "--config", cfg).exit_code == 0
    dana = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    priya = (demo_copy / "digests" / "priya-raman" / "2026-11-20.md").read_text()
    assert url in priya  # Fennimore is Priya's own company
    assert url not in dana  # and nothing to Dana, whose companies it does not feed


# -- 5. bad and future dates in the config --------------------------------------------------


def _demo_config_with(demo_copy: Path, old: str, new: str) -> str:
    path = demo_copy / "config.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return str(path)


def test_an_impossible_date_in_the_config_is_one_line_and_exit_2(demo_copy):
    cfg = _demo_config_with(demo_copy, "rejected_on: 2026-09-24", "rejected_on: 2026-02-30")
    result = _shell("sources", "--config", cfg)
    assert result.returncode == 2, result.stderr
    assert len(_lines(result.stderr)) == 1, result.stderr
    assert "managers[0].rejected_on" in result.stderr


def test_a_rejection_after_today_is_refused(demo_copy):
    cfg = _demo_config_with(demo_copy, "rejected_on: 2026-09-24", "rejected_on: 2027-09-24")
    result = _run("digest", "--config", cfg)
    assert result.exit_code == 2
    assert len(_lines(result.stderr)) == 1
    assert "managers[0].rejected_on" in result.stderr and "after today" in result.stderr


# -- 6. nothing stored yet ------------------------------------------------------------------


def test_digest_with_no_database_says_so_and_creates_nothing(tmp_path):
    cfg = _local_config(tmp_path, "http://127.0.0.1:9")
    result = _run("digest", "--config", str(cfg))
    assert result.exit_code == 1
    assert len(_lines(result.stderr)) == 1 and "nothing stored yet" in result.stderr
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "digests").exists()


# -- 7. the demo's commands default to the demo's day ---------------------------------------


def test_demo_commands_default_to_the_demos_day(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    digests = demo_copy / "digests" / "dana-kim"
    before = sorted(p.name for p in digests.glob("*.md"))
    result = _run("digest", "--config", cfg)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert sorted(p.name for p in digests.glob("*.md")) == before == ["2026-11-20.md"]
    logged = _run("contacted", "dana-kim", "--config", cfg)
    assert logged.exit_code == 0 and "2026-11-20" in logged.stdout


# -- 9. digest rows and files are one unit --------------------------------------------------


def _digest_units(db: Path, digests: Path, day: str) -> dict[str, tuple[bool, bool]]:
    out = {}
    for manager in ("dana-kim", "priya-raman", "marcus-oduya"):
        (n,) = _rows(
            db,
            "SELECT count(*) FROM digest_items WHERE manager_id = ? AND run_date = ?",
            [manager, day],
        )[0]
        out[manager] = (n > 0, (digests / manager / f"{day}.md").is_file())
    return out


def test_an_unwritable_digest_leaves_neither_rows_nor_file(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    blocked = demo_copy / "digests" / "priya-raman"
    for p in blocked.iterdir():
        p.unlink()
    blocked.rmdir()
    blocked.write_text("a file where the folder should be")
    result = _shell("digest", "--as-of", "2026-11-19", "--config", cfg)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(_lines(result.stderr)) == 1, result.stderr
    assert "priya-raman" in result.stderr
    units = _digest_units(demo_copy / "tipsheet.duckdb", demo_copy / "digests", "2026-11-19")
    assert all(rows == file for rows, file in units.values()), units
    assert units["priya-raman"] == (False, False)


def test_a_run_into_an_unwritable_digests_folder_is_one_line(tmp_path, prefect_harness):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    routes = {
        "/feed.xml": lambda h: Response(
            FEED.format(base=server.base).encode(), headers={"Content-Type": "application/rss+xml"}
        ),
        "/news/deal": Response(PAGE.encode(), headers={"Content-Type": "text/html"}),
    }
    with LocalServer(routes) as server:
        cfg = _local_config(tmp_path, server.base, digests_dir=blocker / "digests")
        result = _shell("run", "--config", str(cfg), "--as-of", "2026-11-20")
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(_lines(result.stderr)) == 1, result.stderr
    assert str(blocker) in result.stderr
    db = tmp_path / "data" / "tipsheet.duckdb"
    assert _rows(db, "SELECT count(*) FROM digest_items") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM articles") == [(1,)]  # what was read is kept


# -- 10. papercuts --------------------------------------------------------------------------


def test_bad_numbers_and_empty_words_are_refused_in_one_line(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    for args in (
        ("query", "SELECT 1", "--limit", "-1"),
        ("query", "SELECT 1", "--limit", "0"),
        ("explain", "dana-kim", "--top", "0"),
        ("search", "", "--limit", "5"),
        ("search", "   "),
        ("search", "acquires", "--limit", "0"),
    ):
        result = _run(*args, "--config", cfg)
        assert result.exit_code == 2, args
        assert len(_lines(result.stderr)) == 1, (args, result.stderr)


def test_install_is_refused_for_what_it_is(demo_copy):
    result = _run("query", "INSTALL httpfs", "--config", str(demo_copy / "config.yaml"))
    assert result.exit_code == 2
    assert "INSTALL" in result.stderr and "LOAD" not in result.stderr


def test_digest_manager_prints_the_markdown(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    result = _run("digest", "--manager", "dana-kim", "--as-of", "2026-11-20", "--config", cfg)
    assert result.exit_code == 0
    text = (demo_copy / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    assert result.stdout.startswith("# Dana Kim, Northwind Logistics: 2026-11-20")
    assert "## Contact status" in result.stdout and len(result.stdout) >= len(text) * 0.9


def test_sources_names_the_timezone_of_its_times(demo_copy):
    result = _run("sources", "--config", str(demo_copy / "config.yaml"))
    assert result.exit_code == 0
    assert "Europe/Amsterdam" in result.stdout


# -- 11, 12. the README says how to reach the demo's data and a served deployment ----------


def test_readme_says_how_to_use_the_demos_database_and_a_second_shell():
    readme = (ROOT / "README.md").read_text()
    assert "--config demo-output/config.yaml" in readme
    run_at = readme.index("prefect deployment run nightly/nightly")
    near = readme[run_at - 600 : run_at + 900]
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in near
    assert "DO_NOT_TRACK=1" in near
    assert "**3**" in readme  # the exit code of a night on which nothing could be read


def test_no_text_file_holds_a_merge_conflict_marker():
    # A marker left by a merge reads as content: the README once showed one to its readers.
    marker = re.compile(r"^(?:<{7} |>{7} |={7}$)", re.MULTILINE)
    skip = {".venv", "build", ".git", ".cache", "demo-output", ".pytest_cache"}
    suffixes = {".py", ".md", ".sql", ".yaml", ".yml", ".toml", ".txt", ".json", ".html"}
    found = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.suffix in suffixes
        and not skip & set(p.relative_to(ROOT).parts)
        and p.is_file()
        and marker.search(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, f"merge conflict markers in {found}"
