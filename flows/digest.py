"""The digest flow: re-render every manager's digest from stored data, fetching nothing.

`tipsheet digest` runs it when a Prefect server is configured (its run and artifacts show
in that server's UI), and calls flows/digests.py directly otherwise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow

from tipsheet.core.config import load_config
from tipsheet.flows import tasks
from tipsheet.flows.digests import require_database
from tipsheet.storage.lock import run_lock


@flow(name="digest", log_prints=False)
def digest(config_path: str = "config.yaml", as_of: date | None = None) -> list[str]:
    """Re-render every manager's digest from stored data, fetching nothing."""
    cfg = load_config(config_path)
    as_of = as_of or cfg.settings.current_date()
    require_database(Path(cfg.settings.database))
    with run_lock(Path(cfg.settings.database)):
        return tasks.write_digests(cfg, as_of)
