"""`tipsheet run` shows per-stage progress on a terminal, and nothing when not one."""

from __future__ import annotations

import io
import shutil
import threading

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tipsheet.cli import app
from tipsheet.demo_runner import run_demo
from tipsheet.flows.progress import listening, report, terminal_progress

pytestmark = pytest.mark.slow


def test_reports_reach_listeners_only_while_they_listen():
    heard = []
    report("sources", 1, total=3)  # nobody listens: nothing happens
    with listening(lambda *a: heard.append(a)):
        threads = [threading.Thread(target=report, args=("articles", 2)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    report("digests", 1)
    assert heard == [("articles", 2, None)] * 4


def test_a_night_on_a_terminal_draws_each_stage(demo_output, tmp_path):
    dst = tmp_path / "demo"
    shutil.copytree(demo_output[0], dst)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    seen = []
    with listening(lambda *a: seen.append(a)), terminal_progress(console) as bars:
        summary = run_demo(dst)  # a second night: incremental
        tasks = {t.description: (t.completed, t.total) for t in bars.tasks}
    total = summary["sources_total"]
    assert tasks["sources fetched"] == (total, total)
    assert tasks["digests written"] == (3, 3)
    assert tasks["articles extracted"][0] == summary["new_articles"]
    drawn = screen.getvalue()
    for label in ("sources fetched", "articles extracted", "digests written"):
        assert label in drawn
    assert f"{total}/{total}" in drawn and "3/3" in drawn
    assert {s for s, _, _ in seen} == {"sources", "articles", "analysed", "digests"}


def test_run_prints_no_progress_when_not_a_terminal(tmp_path):
    # A config with no sources runs a whole night in seconds, offline.
    (tmp_path / "config.yaml").write_text(
        "me: {name: Alex}\n"
        "managers:\n"
        "  - {id: ana, name: Ana Ruiz, company: quill, role: Engineer, rejected_on: 2026-10-01}\n"
        "companies:\n  quill: {name: Quill}\n"
    )
    result = CliRunner().invoke(
        app, ["run", "--config", str(tmp_path / "config.yaml"), "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 0, result.output
    assert "sources fetched" not in result.stdout and "━" not in result.stdout
    assert result.stdout.startswith("Sources: 0 fetched")
