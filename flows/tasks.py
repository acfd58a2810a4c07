"""The flows' tasks. Each opens the database only for as long as it writes.

No task retries. A fetch batch never raises on the web's errors: each request is retried
by the Fetcher (connectors/http.py) and each source's failure is its own SourceResult, so
a batch retry could only fire on our own bugs, and would fetch every source again. A
delivery's errors are returned per channel; a retry would resend the digests already sent.
Analysis and rendering are deterministic: a retry would fail the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.exceptions import MissingContextError

from tipsheet.connectors.collect import SourceState
from tipsheet.connectors.jobs import board_urls
from tipsheet.connectors.notify import send_digest
from tipsheet.connectors.postings import collect_batch
from tipsheet.core import analysis, facts
from tipsheet.core.clusters import StoryIndex
from tipsheet.core.config import Config, Fetch
from tipsheet.core.dates import end_of_day
from tipsheet.core.faults import checkpoint
from tipsheet.core.html_digest import (
    html_path,
)
from tipsheet.core.profile import lead_vectors
from tipsheet.core.records import ArticleText, Source, SourceResult
from tipsheet.core.urls import host_of
from tipsheet.flows import digests
from tipsheet.flows.progress import report
from tipsheet.flows.workers import die_with_parent, extract_workers, spawned_pool
from tipsheet.storage import db, reads, search, writes

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


def night_db(cfg: Config):
    """A stage's connection: its writes are checkpointed once, when the run finishes."""
    return db.connect(cfg.settings.database, checkpoint_on_close=False)


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
    con = night_db(cfg)
    try:
        writes.mark_stale_runs(con)
        writes.sync_config(con, cfg)
        run_id = writes.start_run(con, as_of)
        validators, known = reads.fetch_state(con)
    finally:
        con.close()
    return run_id, SourceState(as_of=end_of_day(as_of), validators=validators, known_urls=known)


@task(cache_policy=NO_CACHE)
def fetch_batch(
    sources: list[Source], state: SourceState, settings: Fetch, pool: Executor | None
) -> list[SourceResult]:
    states = {s.id: state for s in sources}
    results = asyncio.run(collect_batch(sources, states, settings, pool))
    checkpoint("fetch")
    return results


@task(cache_policy=NO_CACHE)
def store_results(cfg: Config, run_id: int, results: list[SourceResult], as_of: date) -> int:
    con = night_db(cfg)
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


def analysis_workers() -> int:
    """One core fewer than extraction uses: this process indexes, hashes and embeds the
    same articles meanwhile. On 2 cores one worker ran 1,592 articles' facts in less time
    and 9% less CPU than two, which contended with this process for the cores."""
    return extract_workers() - 1


def analysis_pool(cfg: Config) -> ProcessPoolExecutor:
    """Spawned workers (see flows/workers.py), each building the company matcher once."""
    companies = facts.companies_as_data(cfg.companies)
    return spawned_pool(facts.init_worker, (companies, die_with_parent), analysis_workers())


@task(cache_policy=NO_CACHE)
def analyse(cfg: Config, as_of: date) -> dict:
    """Mentions, events and stories of every article not analysed yet; the search index."""
    con = night_db(cfg)
    try:
        pending = reads.unanalysed_articles(con)
        if len(pending) < analysis.PARALLEL_MIN_ARTICLES or analysis_workers() < 1:
            _analyse(con, cfg, as_of, pending, None)
        else:
            with analysis_pool(cfg) as pool:
                # Submitted first: the workers start (a few seconds each) and find the
                # facts while this process indexes, hashes and embeds the same articles.
                _analyse(con, cfg, as_of, pending, analysis.pooled_facts(pool, pending))
    finally:
        con.close()
    report("analysed", len(pending), total=len(pending))
    return {"analysed": len(pending)}


def _analyse(con, cfg: Config, as_of: date, pending: list[ArticleText], facts) -> None:
    """facts: `analysis.pooled_facts` of `pending`, or None to find them in-process."""
    if not pending:
        return
    # The new articles' terms join the search index before they are marked analysed:
    # a run killed in between finds them pending and indexes them afresh.
    with writes.transaction(con):
        search.index_articles(con, [a.id for a in pending])
    stories = story_index(con, pending, as_of)
    vectors = dict(zip([a.id for a in pending], lead_vectors(pending), strict=True))
    result = analysis.analyse_articles(pending, cfg.companies, stories, facts=facts)
    writes.save_analysis(
        con,
        result,
        {i: stories.keys_of(i) for i in result.article_ids},
        {i: vectors[i] for i in result.article_ids},
    )


@task(cache_policy=NO_CACHE)
def record_reading(cfg: Config, run_id: int, counts: dict) -> bool:
    """Record the night's source counts before digests are written; True when no source
    could be read, so that the digests and the run say it."""
    nothing = counts.get("sources_total", 0) > 0 and (
        counts.get("sources_failed") == counts.get("sources_total")
    )
    con = night_db(cfg)
    try:
        writes.record_reading(con, run_id, counts, nothing)
    finally:
        con.close()
    return nothing


def story_index(con, pending: list[ArticleText], as_of: date) -> StoryIndex:
    """The stored stories these new articles can join: those sharing an LSH band key with
    one of them, and every recent headline (see core/clusters.py)."""
    since = reads.recent_window(as_of, analysis.STORY_WINDOW_DAYS)
    unkeyed = reads.unkeyed_stories(con, since)  # stored before migration 006, once
    if unkeyed:
        with writes.transaction(con):
            writes.save_story_keys(con, {i: StoryIndex.keys_for(t) for i, t in unkeyed})
    index = StoryIndex()
    bands = {b for a in pending for b in index.prepare(a.id, analysis.story_text(a)).bands}
    index.load(reads.story_candidates(con, sorted(bands), since), reads.story_headlines(con, since))
    return index


@task(cache_policy=NO_CACHE)
def write_digests(cfg: Config, as_of: date, checkpoint_on_close: bool = True) -> list[str]:
    """Each manager's digest as markdown and HTML (both or neither), then the index pages
    and the calendar of calls due (flows/digests.py, which imports no Prefect).
    checkpoint_on_close=False inside a night, which checkpoints once at its end."""
    publish = _publish_digest if in_run() else None
    return digests.write_digests(cfg, as_of, publish, run_logger(), checkpoint_on_close)


def _publish_digest(manager, markdown: str, as_of: date) -> None:
    create_markdown_artifact(
        key=f"digest-{manager.id.replace('_', '-')}",
        markdown=markdown,
        description=f"tipsheet digest for {manager.name}, {as_of.isoformat()}",
    )


@task(cache_policy=NO_CACHE)
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
    con = night_db(cfg)
    try:
        writes.finish_run(con, run_id, status, summary, error)
        db.write_snapshot(con, cfg.settings.database)
    finally:
        con.close()
