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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from tipsheet.core import ranking
from tipsheet.core.config import Config, Manager
from tipsheet.core.digest import IndexRow, render_index
from tipsheet.core.embed import embed
from tipsheet.core.errors import DigestWriteError, NothingStored
from tipsheet.core.faults import checkpoint
from tipsheet.core.html_digest import (
    html_path,
    new_since,
    render_digest_html,
    render_index_html,
)
from tipsheet.core.profile import profile_key, profile_text
from tipsheet.core.records import Candidate
from tipsheet.core.reminders import Reminder, render_ics
from tipsheet.core.trends import trends_for, week_starts
from tipsheet.flows.collector import collecting_less
from tipsheet.flows.progress import report
from tipsheet.storage import db, reads, writes
from tipsheet.storage.lock import run_lock

LOGGER = logging.getLogger(__name__)

# publish(manager, markdown, as_of): hands a rendered digest to the orchestrator, if any
Publish = Callable[[Manager, str, date], None]


def write_digests(
    cfg: Config,
    as_of: date,
    publish: Publish | None = None,
    logger=LOGGER,
    checkpoint_on_close: bool = True,
) -> list[str]:
    """Each manager's digest as markdown and HTML (both or neither), then the index pages
    and the calendar of calls due. checkpoint_on_close: see storage.db.connect (a night
    checkpoints once, at its end)."""
    with collecting_less():
        return _write_digests(cfg, as_of, publish, logger, checkpoint_on_close)


def _write_digests(
    cfg: Config, as_of: date, publish: Publish | None, logger, checkpoint_on_close: bool
) -> list[str]:
    out_dir = Path(cfg.settings.digests_dir)
    con = db.connect(cfg.settings.database, checkpoint_on_close=checkpoint_on_close)
    paths, index = [], []
    report("digests", 0, total=len(cfg.managers))
    try:
        companies = sorted({c for m in cfg.managers for c in cfg.relations(m)})
        # The night's state is read aside, on a cursor of its own, while the candidates are:
        # DuckDB lets go of the GIL while it scans, and there are two cores.
        with ThreadPoolExecutor(1) as aside:
            state = aside.submit(_closing(_states), con.cursor(), cfg, as_of, companies)
            pool = Pool.read(con, companies, reads.recent_window(as_of, cfg.settings.lookback_days))
            night, managers = state.result()
        profiles = profile_vectors(con, cfg)
        for manager in cfg.managers:
            mine = managers[manager.id]
            inputs = ranking_inputs(con, cfg, manager, as_of, pool, profiles[manager.id], mine)
            built = ranking.build_digest(
                cfg,
                manager,
                as_of,
                inputs,
                _failing_for(cfg, manager, night.failing),
                notice=night.notice,
            )
            html = render_digest_html(
                built.page,
                new_items=new_since(built.items, inputs.candidates, inputs.listed_before),
                old_signals=mine.signals_before,
                previous=mine.previous_digest,
                trends=manager_trends(cfg, manager, as_of, night.daily),
            )
            relative = f"{manager.id}/{as_of.isoformat()}.md"
            path = out_dir / relative
            save_digest_unit(
                con,
                manager.id,
                as_of,
                built,
                {path: built.markdown, out_dir / html_path(relative): html},
            )
            paths.append(str(path))
            index.append(
                IndexRow(
                    manager_id=manager.id,
                    manager_name=manager.name,
                    company_name=cfg.companies[manager.company].name,
                    next_due=built.status.next_due,
                    status=built.status.summary,
                    best_item=built.best_title,
                    digest_path=relative,
                )
            )
            if publish is not None:
                publish(manager, built.markdown, as_of)
            logger.info("digest for %s: %s", manager.id, path)
            report("digests", 1)
            checkpoint("render")
    finally:
        con.close()
    files = {
        out_dir / "README.md": render_index(index, as_of, night.notice),
        out_dir / "index.html": render_index_html(index, as_of),
        out_dir / "contacts.ics": render_ics([reminder(r) for r in index], as_of),
    }
    try:
        write_texts_atomic(files)
    except OSError as exc:
        raise DigestWriteError(f"{out_dir}: cannot write the index: {_reason(exc)}") from None
    return paths


def profile_vectors(con, cfg: Config) -> dict[str, np.ndarray]:
    """manager id -> the profile's embedding: stored ones read, the others embedded (the
    model loads only then) and stored, for the next digest."""
    texts = {m.id: profile_text(cfg, m) for m in cfg.managers}
    keys = {manager_id: profile_key(text) for manager_id, text in texts.items()}
    stored = reads.profile_vectors(con, sorted(set(keys.values())))
    by_key = {keys[manager_id]: text for manager_id, text in texts.items()}
    missing = sorted(k for k in by_key if k not in stored)
    if missing:
        made = dict(zip(missing, embed([by_key[k] for k in missing]), strict=True))
        writes.save_profile_vectors(con, made)
        stored = {**stored, **made}
    return {manager_id: stored[key] for manager_id, key in keys.items()}


def require_database(path: Path) -> None:
    """Re-rendering reads what runs stored: with no database there is nothing to render,
    and nothing is created."""
    if not path.exists():
        raise NothingStored(f"{path}: nothing stored yet (run `tipsheet run` first)")


def rerender(cfg: Config, as_of: date) -> list[str]:
    """`tipsheet digest` without Prefect: the same writing, under the run lock.

    Its few rows wait in the write-ahead log for the next night's checkpoint: checkpointing
    here rewrote the last row group of each table written (storage.db.connect), a quarter
    of a second on a year's history."""
    with run_lock(Path(cfg.settings.database)):
        return write_digests(cfg, as_of, checkpoint_on_close=False)


def nothing_read_notice(failed: int, total: int) -> str:
    return (
        f"No source could be read on this night ({failed} of {total} sources failed): "
        "nothing here is new, and this is not a quiet night. See `tipsheet sources`."
    )


def _failing_for(cfg: Config, manager, failing: list[dict]) -> list[tuple[str, int, str]]:
    """The failing sources that feed this manager's digest: its companies' and the industry's."""
    companies = cfg.relations(manager)
    return [
        (s["url"], s["failing_runs"], s["last_error"] or s["last_status"] or "")
        for s in failing
        if s["company_id"] is None or s["company_id"] in companies
    ]


def save_digest_unit(con, manager_id: str, as_of: date, built, files: dict[Path, str]) -> None:
    """A digest's rows and its files (markdown and HTML), all or none.

    The files are written beside their final names first; the rows' transaction renames
    them into place as its last step, so files that cannot be written store no row, and
    rows that cannot be stored leave the previous files as they were.
    """
    staged: dict[Path, Path] = {}
    try:
        for path, text in files.items():
            staged[path] = write_beside(path, text)
    except OSError as exc:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        folder = next(iter(files)).parent
        raise DigestWriteError(f"{folder}: cannot write the digest: {_reason(exc)}") from None

    def rename() -> None:
        for path, tmp in staged.items():
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise DigestWriteError(f"{path}: cannot write the digest: {_reason(exc)}") from None

    try:
        writes.save_digest(con, manager_id, as_of, built.listed, built.signals, rename)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def reminder(row: IndexRow) -> Reminder:
    return Reminder(
        manager_id=row.manager_id,
        manager_name=row.manager_name,
        company_name=row.company_name,
        due=row.next_due,
        status=row.status,
        best_item=row.best_item,
        digest_path=html_path(row.digest_path),
    )


def manager_trends(cfg: Config, manager, as_of: date, daily: dict) -> list:
    """daily: reads.daily_activity of (at least) the manager's companies."""
    relations = cfg.relations(manager)
    names = {c: cfg.companies[c].name for c in relations}
    return trends_for(relations, names, daily, as_of)


def _closing(read: Callable) -> Callable:
    """`read(con, ...)` that closes `con` (a cursor read aside) when done."""

    def run(con, *args):
        try:
            return read(con, *args)
        finally:
            con.close()

    return run


@dataclass(frozen=True)
class NightState:
    """What every digest of the night shows besides its items: failing sources, the notice of
    a night on which nothing could be read, and the trends' daily counts."""

    failing: list[dict]
    notice: str | None
    daily: dict

    @classmethod
    def read(cls, con, as_of: date, companies: list[str]) -> NightState:
        failing = [s for s in reads.source_status(con) if s["active"] and s["failing_runs"] >= 2]
        unread = reads.nothing_read_on(con, as_of)
        # Every manager's companies at once, as the pool: a read per manager scanned the
        # trends' weeks again for the companies they share.
        daily = reads.daily_activity(con, companies, week_starts(as_of)[0], as_of)
        return cls(failing, nothing_read_notice(*unread) if unread else None, daily)


@dataclass(frozen=True)
class ManagerState:
    """What one manager's digest reads besides the candidates and their stories."""

    last_contact: date | None
    shared: set[str]
    postings: list
    feedback: list
    judged: dict[str, np.ndarray]  # the stored lead vectors of the judged items
    signals_before: set
    previous_digest: date | None
    # story (or article) id -> earlier digests that listed it, of the candidates' stories
    listed_before: dict[str, int]

    @classmethod
    def read(cls, con, cfg: Config, manager, as_of: date) -> ManagerState:
        feedback = reads.feedback(con, manager.id)
        since = reads.recent_window(as_of, cfg.settings.lookback_days)
        return cls(
            last_contact=reads.last_contact(con, manager.id),
            shared=reads.shared_articles(con, manager.id),
            postings=reads.postings(con, manager.company),
            feedback=feedback,
            judged=reads.lead_vectors(con, [f.article_id for f in feedback]),
            signals_before=reads.signals_before(con, manager.id, as_of),
            previous_digest=reads.previous_digest(con, manager.id, as_of),
            listed_before=reads.listed_before(
                con, manager.id, as_of, sorted(cfg.relations(manager)), since
            ),
        )


def _states(con, cfg: Config, as_of: date, companies: list[str]):
    """The night's state and each manager's, read on one cursor."""
    return NightState.read(con, as_of, companies), {
        m.id: ManagerState.read(con, cfg, m, as_of) for m in cfg.managers
    }


@dataclass(frozen=True)
class Pool:
    """The candidates of every manager, read once: the managers' companies overlap (each
    one's rivals are another's own), and each read scans the whole lookback window."""

    candidates: list[Candidate]
    vectors: dict[str, np.ndarray]
    # article id -> text, of those read so far: the managers' shown items overlap too
    texts: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def read(cls, con, companies: list[str], since: datetime) -> Pool:
        # The vectors are read aside, on a cursor of their own, while the candidates are.
        with ThreadPoolExecutor(1) as aside:
            vectors = aside.submit(
                _closing(reads.candidate_vectors), con.cursor(), companies, since
            )
            rows = reads.candidates(con, companies, since)
            return cls(rows, vectors.result())

    def texts_of(self, con, article_ids) -> dict[str, str | None]:
        """What reads.article_texts returns, each text read once for every manager."""
        missing = [i for i in article_ids if i not in self.texts]
        if missing:
            self.texts.update(reads.article_texts(con, missing))
        return {i: self.texts[i] for i in article_ids if i in self.texts}

    def of(self, companies) -> tuple[list[Candidate], dict[str, np.ndarray]]:
        """What reads.candidates and reads.lead_vectors return for these companies."""
        rows = [r for r in self.candidates if r.company_id in companies]
        ids = {r.article_id for r in rows}
        return rows, {i: v for i, v in self.vectors.items() if i in ids}


def ranking_inputs(
    con,
    cfg: Config,
    manager,
    as_of: date,
    pool: Pool | None = None,
    profile: np.ndarray | None = None,
    state: ManagerState | None = None,
) -> ranking.Inputs:
    """pool: the candidates read for every manager (Pool.read); by default this manager's
    alone are read. profile: the manager's (profile_vectors); by default ranking embeds it.
    state: the manager's (ManagerState.read), by default read here. Texts are read when
    ranking asks for them (ranking.Inputs.texts)."""
    relations = cfg.relations(manager)
    if pool is None:
        since = reads.recent_window(as_of, cfg.settings.lookback_days)
        pool = Pool.read(con, list(relations), since)
    if state is None:
        state = ManagerState.read(con, cfg, manager, as_of)
    candidates, vectors = pool.of(relations)
    return ranking.Inputs(
        candidates=candidates,
        last_contact=state.last_contact,
        shared=state.shared,
        listed_before=state.listed_before,
        postings=state.postings,
        # The manager's own company is among its relations: its news is in the candidates.
        news=[c for c in candidates if c.company_id == manager.company],
        feedback=state.feedback,
        vectors={**vectors, **state.judged},
        profile=profile,
        texts=lambda article_ids: pool.texts_of(con, article_ids),
    )


def write_beside(path: Path, text: str) -> Path:
    """Write `text` to a hidden file beside `path`, for a rename into place; returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str) -> None:
    """Write beside, then rename: a reader never sees half a digest."""
    write_texts_atomic({path: text})


def write_texts_atomic(files: dict[Path, str]) -> None:
    """Write every file beside its place, then rename them all.

    Files that belong together (the index pages and the calendar) appear together: if any
    write fails (a full disk, no permission), none replaces what was there.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            staged.append((write_beside(path, text), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
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
