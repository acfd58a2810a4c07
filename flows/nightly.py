"""The nightly flow: fetch every source, store, analyse, write one digest per manager.

Flows only wire tasks together; the tasks call connectors (web), storage (DuckDB) and the
pure core. Fetching fans out in batches partitioned by host, so one host's politeness
limit holds however many batches run at once; DuckDB has a single writer, so batches hand
their records back and this flow stores them one batch at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from tipsheet.core.config import Config, load_config
from tipsheet.core.errors import NothingRead
from tipsheet.flows import tasks
from tipsheet.flows.progress import report
from tipsheet.flows.workers import extraction_pool
from tipsheet.storage.lock import run_lock


def run_night(cfg: Config, as_of: date, call: Callable, submit: Callable) -> dict:
    """The night's wiring, shared by the flow and by tipsheet/plain.py (no Prefect).

    `call(task, *args)` runs a task and returns its result; `submit(task, *args)` starts one
    and returns a future. Under Prefect they create task runs; in plain mode they call the
    task's function, so both modes run the very same steps.
    """
    with run_lock(Path(cfg.settings.database)):
        run_id, state = call(tasks.prepare_run, cfg, as_of)
        batches = tasks.partition_by_host(cfg.sources(), tasks.BATCHES)
        summary = {"run_id": run_id, "as_of": as_of.isoformat(), "new_articles": 0}
        report("sources", 0, total=sum(len(b) for b in batches))
        try:
            with extraction_pool() as pool:
                futures = [
                    submit(tasks.fetch_batch, batch, state, cfg.settings.fetch, pool)
                    for batch in batches
                ]
                results = []
                for future in futures:  # one writer: batches are stored one after another
                    batch_results = future.result()
                    report("sources", len(batch_results))
                    stored = call(tasks.store_results, cfg, run_id, batch_results, as_of)
                    summary["new_articles"] += stored
                    report("articles", stored)
                    results.extend(batch_results)
            summary.update(tasks.source_counts(results))
            summary["nothing_read"] = call(tasks.record_reading, cfg, run_id, summary)
            summary.update(call(tasks.analyse, cfg, as_of))
            summary["digests"] = call(tasks.write_digests, cfg, as_of, False)
            summary["digests_written"] = len(summary["digests"])
            summary["digests_sent"] = call(tasks.deliver_digests, cfg, as_of, summary["digests"])
            tasks.publish_failures(results)
            if summary["nothing_read"]:
                summary["error"] = (
                    f"no source could be read: all {summary['sources_total']} sources failed; "
                    "the digests say so and show only what was stored before"
                )
                call(tasks.finish_run, cfg, run_id, summary, "failed", summary["error"])
            else:
                call(tasks.finish_run, cfg, run_id, summary, "done")
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            call(tasks.finish_run, cfg, run_id, summary, "failed", error)
            raise
    return summary


@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=False)
def nightly(config_path: str = "config.yaml", as_of: date | None = None) -> dict:
    """Run the whole night once for the config at `config_path`; returns the run summary."""
    cfg = load_config(config_path)
    summary = run_night(
        cfg,
        as_of or cfg.settings.current_date(),
        call=lambda task, *args: task(*args),
        submit=lambda task, *args: task.submit(*args),
    )
    get_run_logger().info(
        "run %s: %s sources fetched, %s unchanged, %s failed; %s new articles; %s digests",
        summary["run_id"],
        summary.get("sources_fetched"),
        summary.get("sources_unchanged"),
        summary.get("sources_failed"),
        summary["new_articles"],
        summary["digests_written"],
    )
    if summary["nothing_read"]:  # the run is recorded: now fail, so a scheduler can alert
        raise NothingRead(summary["error"], summary)
    return summary
