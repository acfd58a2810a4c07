"""The nightly flow's tasks. Each opens the database only for as long as it writes.

Only I/O tasks retry (the fetch batches); analysis and rendering are deterministic, and a
retry would fail the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.exceptions import MissingContextError

from connectors.collect import SourceState
from connectors.jobs import board_urls
from connectors.notify import send_digest
from connectors.postings import collect_batch
from flows.progress import report
from flows.workers import die_with_parent, spawned_pool
from storage import db, reads, search, writes
from tipsheet import analysis, facts, ranking
from tipsheet.config import Config, Fetch
from tipsheet.dates import end_of_day
from tipsheet.digest import IndexRow, render_index
from tipsheet.errors import DigestWriteError
from tipsheet.faults import checkpoint
from tipsheet.html_digest import (
    html_path,
    new_since,
    render_digest_html,
    render_index_html,
)
from tipsheet.records import Source, SourceResult
from tipsheet.reminders import Reminder, render_ics
from tipsheet.trends import trends_for, week_starts
from tipsheet.urls import host_of

BATCHES = 4
LOGGER = logging.getLogger(__name__)


def in_run() -> bool:
    try:
        get_run_context()
    except MissingContextError:
        return False
    return True


def run_logger():
    """Prefect's run logger inside a run; the standard logger when called without Prefect."""
    return get_run_logger() if in_run() else LOGGER


def source_host(source: Source) -> str:
    url = board_urls(source)[0] if source.type == "jobs" else source.url
    return host_of(url)


def partition_by_host(sources: list[Source], batches: int) -> list[list[Source]]:
    """Split sources into at most `batches` groups, each host wholly inside one group."""
    by_host: dict[str, list[Source]] = defaultdict(list)
    for s in sources:
        by_host[source_host(s)].append(s)
    groups: list[list[Source]] = [[] for _ in range(max(1, min(batches, len(by_host))))]
    for _host, items in sorted(by_host.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(groups, key=len).extend(items)
    return [g for g in groups if g]


@task(cache_policy=NO_CACHE)
def prepare_run(cfg: Config, as_of: date) -> tuple[int, SourceState]:
    con = db.connect(cfg.settings.database)
    try:
        writes.mark_stale_runs(con)
        writes.sync_config(con, cfg)
        run_id = writes.start_run(con, as_of)
        validators, known = reads.fetch_state(con)
    finally:
        con.close()
    return run_id, SourceState(as_of=end_of_day(as_of), validators=validators, known_urls=known)


def _transient(task, task_run, state) -> bool:
    """Retry a batch only for errors a second try may not meet: the web's, not ours."""
    try:
        state.result()
    except (OSError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_transient,
)
def fetch_batch(
    sources: list[Source], state: SourceState, settings: Fetch, pool: Executor | None
) -> list[SourceResult]:
    states = {s.id: state for s in sources}
    results = asyncio.run(collect_batch(sources, states, settings, pool))
    checkpoint("fetch")
    return results


@task(cache_policy=NO_CACHE)
def store_results(cfg: Config, run_id: int, results: list[SourceResult], as_of: date) -> int:
    con = db.connect(cfg.settings.database)
    try:
        return writes.save_source_results(con, run_id, results, as_of)
    finally:
        con.close()


def source_counts(results: list[SourceResult]) -> dict:
    failed = sum(1 for r in results if r.error)
    unchanged = sum(1 for r in results if not r.error and r.unchanged)
    return {
        "sources_total": len(results),
        "sources_failed": failed,
        "sources_unchanged": unchanged,
        "sources_fetched": len(results) - failed - unchanged,
    }


def analysis_pool(cfg: Config) -> ProcessPoolExecutor:
    """Spawned workers (see flows/workers.py), each building the company matcher once."""
    companies = facts.companies_as_data(cfg.companies)
    return spawned_pool(facts.init_worker, (companies, die_with_parent))


@task(cache_policy=NO_CACHE)
def analyse(cfg: Config, as_of: date) -> dict:
    """Mentions, events and stories of every article not analysed yet; the search index."""
    con = db.connect(cfg.settings.database)
    try:
        pending = reads.unanalysed_articles(con)
        if pending:
            # Only a night with new articles changes the index (a full rebuild: seconds on
            # thousands of articles). Built before they are marked analysed, so a run killed
            # in between finds them pending and builds it again.
            search.rebuild_index(con)
            since = reads.recent_window(as_of, analysis.STORY_WINDOW_DAYS)
            known = reads.story_rows(con, since)
            if len(pending) < analysis.PARALLEL_MIN_ARTICLES:
                result = analysis.analyse_articles(pending, cfg.companies, known)
            else:
                with analysis_pool(cfg) as pool:
                    result = analysis.analyse_articles(pending, cfg.companies, known, pool)
            writes.save_analysis(
                con, result.article_ids, result.mentions, result.events, result.stories
            )
    finally:
        con.close()
    report("analysed", len(pending), total=len(pending))
    return {"analysed": len(pending)}


def nothing_read_notice(failed: int, total: int) -> str:
    return (
        f"No source could be read on this night ({failed} of {total} sources failed): "
        "nothing here is new, and this is not a quiet night. See `tipsheet sources`."
    )


@task(cache_policy=NO_CACHE)
def record_reading(cfg: Config, run_id: int, counts: dict) -> bool:
    """Record the night's source counts before digests are written; True when no source
    could be read, so that the digests and the run say it."""
    nothing = counts.get("sources_total", 0) > 0 and (
        counts.get("sources_failed") == counts.get("sources_total")
    )
    con = db.connect(cfg.settings.database)
    try:
        writes.record_reading(con, run_id, counts, nothing)
    finally:
        con.close()
    return nothing


def _failing_for(cfg: Config, manager, failing: list[dict]) -> list[tuple[str, int, str]]:
    """The failing sources that feed this manager's digest: its companies' and the industry's."""
    companies = cfg.relations(manager)
    return [
        (s["url"], s["failing_runs"], s["last_error"] or s["last_status"] or "")
        for s in failing
        if s["company_id"] is None or s["company_id"] in companies
    ]


@task(cache_policy=NO_CACHE)
def write_digests(cfg: Config, as_of: date) -> list[str]:
    """Each manager's digest as markdown and HTML (both or neither), then the index pages
    and the calendar of calls due."""
    logger = run_logger()
    out_dir = Path(cfg.settings.digests_dir)
    con = db.connect(cfg.settings.database)
    paths, index = [], []
    report("digests", 0, total=len(cfg.managers))
    try:
        failing = [s for s in reads.source_status(con) if s["active"] and s["failing_runs"] >= 2]
        unread = reads.nothing_read_on(con, as_of)
        notice = nothing_read_notice(*unread) if unread else None
        for manager in cfg.managers:
            inputs = ranking_inputs(con, cfg, manager, as_of)
            built = ranking.build_digest(
                cfg, manager, as_of, inputs, _failing_for(cfg, manager, failing), notice
            )
            html = render_digest_html(
                built.page,
                new_items=new_since(built.items, inputs.candidates, inputs.listed_before),
                old_signals=reads.signals_before(con, manager.id, as_of),
                previous=reads.previous_digest(con, manager.id, as_of),
                trends=manager_trends(con, cfg, manager, as_of),
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
            if in_run():
                create_markdown_artifact(
                    key=f"digest-{manager.id.replace('_', '-')}",
                    markdown=built.markdown,
                    description=f"tipsheet digest for {manager.name}, {as_of.isoformat()}",
                )
            logger.info("digest for %s: %s", manager.id, path)
            report("digests", 1)
            checkpoint("render")
    finally:
        con.close()
    files = {
        out_dir / "README.md": render_index(index, as_of, notice),
        out_dir / "index.html": render_index_html(index, as_of),
        out_dir / "contacts.ics": render_ics([reminder(r) for r in index], as_of),
    }
    try:
        write_texts_atomic(files)
    except OSError as exc:
        raise DigestWriteError(f"{out_dir}: cannot write the index: {_reason(exc)}") from None
    return paths


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
        writes.save_digest(con, manager_id, as_of, built.item_rows, built.signal_rows, rename)
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


def manager_trends(con, cfg: Config, manager, as_of: date) -> list:
    relations = cfg.relations(manager)
    daily = reads.daily_activity(con, list(relations), week_starts(as_of)[0], as_of)
    names = {c: cfg.companies[c].name for c in relations}
    return trends_for(relations, names, daily, as_of)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def deliver_digests(cfg: Config, as_of: date, paths: list[str]) -> int:
    """Send each digest by email or apprise when the user turned delivery on."""
    notify = cfg.settings.notify
    if not (notify.email.enabled or notify.apprise_urls):
        return 0
    logger = run_logger()
    sent = 0
    for manager, path in zip(cfg.managers, paths, strict=True):
        subject = f"tipsheet: {manager.name}, {as_of.isoformat()}"
        page = Path(html_path(path))
        errors = send_digest(
            Path(path).read_text(encoding="utf-8"),
            subject,
            notify,
            manager,
            html=page.read_text(encoding="utf-8") if page.exists() else None,
        )
        for error in errors:
            logger.warning("delivery of %s failed: %s", manager.id, error)
        sent += not errors
    return sent


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
        feedback=reads.feedback(con, manager.id),
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


def publish_failures(results: list[SourceResult]) -> None:
    failed = [
        {"source": r.source.url, "company": r.source.company_id or "(industry)", "error": r.error}
        for r in results
        if r.error
    ]
    logger = run_logger()
    for row in failed:
        logger.warning("source failed: %s: %s", row["source"], row["error"])
    if failed and in_run():
        create_table_artifact(
            key="failed-sources", table=failed, description="Sources that failed this run"
        )


@task(cache_policy=NO_CACHE)
def finish_run(cfg: Config, run_id: int, summary: dict, status: str, error: str | None = None):
    checkpoint("finish")
    con = db.connect(cfg.settings.database)
    try:
        writes.finish_run(con, run_id, status, summary, error)
        db.write_snapshot(con, cfg.settings.database)
    finally:
        con.close()
