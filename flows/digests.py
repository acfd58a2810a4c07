"""Digests from stored data: rank, render, write. No Prefect imported here.

The nightly flow calls this through its `write_digests` task (flows/tasks.py), which adds
Prefect's markdown artifacts. `tipsheet digest` calls it directly when no Prefect server is
configured: re-rendering three markdown files should not wait for an ephemeral API to start.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from storage import db, reads, writes
from storage.lock import run_lock
from tipsheet import ranking
from tipsheet.config import Config, Manager
from tipsheet.digest import IndexRow, render_index
from tipsheet.faults import checkpoint

LOGGER = logging.getLogger(__name__)

# publish(manager, markdown, as_of): hands a rendered digest to the orchestrator, if any
Publish = Callable[[Manager, str, date], None]


def write_digests(
    cfg: Config, as_of: date, publish: Publish | None = None, logger=LOGGER
) -> list[str]:
    """Rank and write every manager's digest for `as_of`, then the index; returns the paths."""
    out_dir = Path(cfg.settings.digests_dir)
    con = db.connect(cfg.settings.database)
    paths, index = [], []
    try:
        failing = [
            (s["url"], s["failing_runs"], s["last_error"] or s["last_status"] or "")
            for s in reads.source_status(con)
            if s["active"] and s["failing_runs"] >= 2
        ]
        for manager in cfg.managers:
            built = ranking.build_digest(
                cfg, manager, as_of, ranking_inputs(con, cfg, manager, as_of), failing
            )
            writes.save_digest(con, manager.id, as_of, built.item_rows, built.signal_rows)
            path = out_dir / manager.id / f"{as_of.isoformat()}.md"
            write_text_atomic(path, built.markdown)
            paths.append(str(path))
            index.append(
                IndexRow(
                    manager_id=manager.id,
                    manager_name=manager.name,
                    company_name=cfg.companies[manager.company].name,
                    next_due=built.status.next_due,
                    status=built.status.summary,
                    best_item=built.best_title,
                    digest_path=f"{manager.id}/{as_of.isoformat()}.md",
                )
            )
            if publish is not None:
                publish(manager, built.markdown, as_of)
            logger.info("digest for %s: %s", manager.id, path)
            checkpoint("render")
    finally:
        con.close()
    write_text_atomic(out_dir / "README.md", render_index(index, as_of))
    return paths


def rerender(cfg: Config, as_of: date) -> list[str]:
    """`tipsheet digest` without Prefect: the same writing, under the run lock."""
    with run_lock(Path(cfg.settings.database)):
        return write_digests(cfg, as_of)


def ranking_inputs(con, cfg: Config, manager, as_of: date) -> ranking.Inputs:
    relations = cfg.relations(manager)
    since = reads.recent_window(as_of, cfg.settings.lookback_days)
    return ranking.Inputs(
        candidates=reads.candidates(con, list(relations), since),
        last_contact=reads.last_contact(con, manager.id),
        shared=reads.shared_articles(con, manager.id),
        listed_before=reads.listed_before(con, manager.id, as_of),
        postings=reads.postings(con, manager.company),
        news=reads.candidates(con, [manager.company], since),
    )


def write_text_atomic(path: Path, text: str) -> None:
    """Write beside, then rename: a reader never sees half a digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def prefect_server_configured(env: dict[str, str] | None = None) -> bool:
    """Whether Prefect would talk to a server (PREFECT_API_URL in the environment or in the
    active profile) rather than start an ephemeral one. Read without importing Prefect,
    which alone takes seconds."""
    env = os.environ if env is None else env
    if env.get("PREFECT_API_URL"):
        return True
    home = Path(env.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(env.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = env.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    profile = data.get("profiles", {}).get(active, {})
    return bool(isinstance(profile, dict) and profile.get("PREFECT_API_URL"))
