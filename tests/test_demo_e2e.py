"""The real nightly flow, under Prefect's test harness, against the bundled demo web."""

from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from tipsheet.core.config import load_config
from tipsheet.demo.world import MANIFEST_PATH

pytestmark = pytest.mark.slow

TABLES = (
    "companies",
    "sources",
    "url_state",
    "articles",
    "mentions",
    "events",
    "postings",
    "digest_items",
    "signals",
    "outreach",
)


def _counts(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_run(demo_output):
    return demo_output


def _worth_items(markdown: str) -> list[str]:
    section = markdown.split("## Worth a call", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^### \d+\. (.+)$", section, flags=re.M)


def test_every_manager_gets_a_digest_with_three_items_worth_a_call(demo_run):
    out, first, _, _ = demo_run
    cfg = load_config(out / "config.yaml")
    manifest = json.loads(MANIFEST_PATH.read_text())
    assert len(first["digests"]) == len(cfg.managers) >= 3
    for manager in cfg.managers:
        relations = cfg.relations(manager)
        names = {cfg.companies[c].name for c in relations}
        text = (out / "digests" / manager.id / "2026-11-20.md").read_text()
        items = _worth_items(text)
        assert len(items) >= 3, (manager.id, items)
        section = text.split("## Worth a call", 1)[1].split("\n## Other", 1)[0]
        for block in section.split("\n### ")[1:]:
            company = re.search(r"\*\*(.+?)\*\* \(", block).group(1).replace("\\", "")
            company = html.unescape(company)
            assert company in names, (manager.id, company)
        strong = [a for a in manifest["articles"] if manager.id in a.get("worth_a_call_for", [])]
        assert strong, manager.id


def test_second_demo_run_stores_nothing_twice(demo_run):
    out, first, counts, second = demo_run
    manifest = json.loads(MANIFEST_PATH.read_text())
    # Every page in the fetch window is stored; old items and robots-blocked pages are not.
    assert first["new_articles"] >= len(manifest["articles"]) - 6
    assert second["new_articles"] == 0
    # Every table but the logs (fetches, runs) holds what the first night left.
    assert _counts(out / "tipsheet.duckdb") == {t: counts[t] for t in TABLES}


def test_second_run_fetches_no_article_body(demo_run):
    out, _, _, _ = demo_run
    con = duckdb.connect(str(out / "tipsheet.duckdb"), read_only=True)
    try:
        last_run = con.execute("SELECT max(id) FROM runs").fetchone()[0]
        bodies = con.execute(
            "SELECT count(*) FROM fetches f JOIN sources s ON s.id = f.source_id "
            "WHERE f.run_id = ? AND f.url <> s.url AND f.status = 'ok' "
            "AND f.url NOT LIKE '%robots.txt' AND s.type NOT IN ('jobs', 'careers_page', 'site')",
            [last_run],
        ).fetchone()[0]
    finally:
        con.close()
    assert bodies == 0


def test_reposted_role_tops_dana_kims_digest(demo_run):
    out, _, _, _ = demo_run
    text = (out / "digests" / "dana-kim" / "2026-11-20.md").read_text()
    signals = text.split("## Re-opening signals", 1)[1].split("\n## ", 1)[0]
    assert "role reposted" in signals.splitlines()[2]
    assert text.index("## Re-opening signals") < text.index("## Worth a call")


def test_index_lists_every_manager_by_due_date(demo_run):
    out, _, _, _ = demo_run
    index = (out / "digests" / "README.md").read_text()
    for m in ("dana-kim", "priya-raman", "marcus-oduya"):
        assert f"({m}/2026-11-20.md)" in index
