"""Fault injection for the crash-safety tests: die at a named point of a run.

`TIPSHEET_KILL_AT=<point>` makes the process SIGKILL itself the first time it reaches that
point, as a power cut or an OOM killer would. Unset (always, outside the tests), a
checkpoint costs one environment lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "fetch",  # a fetch batch has run, before its results are handed back
    "extract",  # an article page was fetched and extracted, others are in flight
    "write",  # inside the transaction storing a batch, before it commits
    "analyse",  # inside the transaction storing the analysis, before it commits
    "render",  # one manager's digest written, the others not
    "finish",  # everything stored, before the run is recorded as done
)


def checkpoint(point: str) -> None:
    if os.environ.get("TIPSHEET_KILL_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
