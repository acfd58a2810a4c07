"""The nightly run with no Prefect at all: the same task functions, called through `.fn`.

For the cost-of-orchestration benchmark (bench/orchestration.py), not for production: no
retries, no UI, no artifacts. It wires the tasks exactly as flows/nightly.py does (batches
partitioned by host on four threads, one writer storing batch after batch); keep the two
in step when the flow changes.

Two tasks talk to Prefect from inside their bodies: they log through get_run_logger() and
publish digests as artifacts. Outside a run those calls would fail, or start an ephemeral
API, which is what this module exists to leave out, so while it runs they log to this
module's logger and publish nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from flows import tasks
from flows.workers import extraction_pool
from storage.lock import run_lock
from tipsheet.config import load_config
from tipsheet.dates import today_in

LOGGER = logging.getLogger(__name__)
FETCH_THREADS = 4  # as the flow's ThreadPoolTaskRunner(max_workers=4)


def _publish_nothing(*args, **kwargs) -> None:
    return None


@contextmanager
def outside_prefect() -> Iterator[None]:
    """Point the tasks' Prefect calls at plain logging for as long as the run lasts."""
    swaps = {
        "get_run_logger": lambda: LOGGER,
        "create_markdown_artifact": _publish_nothing,
        "create_table_artifact": _publish_nothing,
    }
    saved = {name: getattr(tasks, name) for name in swaps}
    for name, value in swaps.items():
        setattr(tasks, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(tasks, name, value)


def nightly_plain(config_path: str = "config.yaml", as_of: date | None = None) -> dict:
    """flows.nightly.nightly without Prefect; returns the same summary."""
    cfg = load_config(config_path)
    as_of = as_of or today_in(cfg.settings.timezone)
    with run_lock(Path(cfg.settings.database)), outside_prefect():
        run_id, state = tasks.prepare_run.fn(cfg, as_of)
        batches = tasks.partition_by_host(cfg.sources(), tasks.BATCHES)
        summary = {"run_id": run_id, "as_of": as_of.isoformat(), "new_articles": 0}
        try:
            with (
                extraction_pool() as pool,
                ThreadPoolExecutor(max_workers=FETCH_THREADS) as threads,
            ):
                futures = [
                    threads.submit(tasks.fetch_batch.fn, batch, state, cfg.settings.fetch, pool)
                    for batch in batches
                ]
                results = []
                for future in futures:
                    batch_results = future.result()
                    summary["new_articles"] += tasks.store_results.fn(
                        cfg, run_id, batch_results, as_of
                    )
                    results.extend(batch_results)
            summary.update(tasks.source_counts(results))
            summary.update(tasks.analyse.fn(cfg, as_of))
            summary["digests"] = tasks.write_digests.fn(cfg, as_of, run_id)
            summary["digests_written"] = len(summary["digests"])
            tasks.publish_failures(results)
            tasks.finish_run.fn(cfg, run_id, summary, "done")
        except BaseException as exc:
            tasks.finish_run.fn(
                cfg, run_id, summary, "failed", error=f"{type(exc).__name__}: {exc}"
            )
            raise
    return summary
