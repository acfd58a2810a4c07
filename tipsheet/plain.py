"""The nightly run with no Prefect at all: the same task functions, called through `.fn`.

For the cost-of-orchestration benchmark (bench/orchestration.py), not for production: no
UI, no artifacts. The wiring is flows.nightly.run_night, shared with the flow.

Outside a run the tasks log to the standard logging module and publish no artifacts
(flows/tasks.py checks for a run context), so no Prefect API is started.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from tipsheet.core.config import load_config
from tipsheet.flows.nightly import run_night

FETCH_THREADS = 4  # as the flow's ThreadPoolTaskRunner(max_workers=4)


def nightly_plain(config_path: str = "config.yaml", as_of: date | None = None) -> dict:
    """flows.nightly.nightly without Prefect; returns the same summary."""
    cfg = load_config(config_path)
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as threads:
        return run_night(
            cfg,
            as_of or cfg.settings.current_date(),
            call=lambda task, *args: task.fn(*args),
            submit=lambda task, *args: threads.submit(task.fn, *args),
        )
