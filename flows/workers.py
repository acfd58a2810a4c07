"""The process pool that runs trafilatura off the event loop, on every core.

Workers are spawned, not forked: a forked worker would inherit the parent's threads and
open sockets (the demo web's listeners among them). On Linux each worker asks the kernel
to kill it when the run dies, so a killed run leaves no orphans behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def extract_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def spawned_pool(
    initializer=die_with_parent, initargs: tuple = (), workers: int | None = None
) -> ProcessPoolExecutor:
    """One worker per core (two at most); `initializer` must call die_with_parent itself."""
    return ProcessPoolExecutor(
        workers or extract_workers(),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


def extraction_pool(workers: int | None = None) -> ProcessPoolExecutor:
    return spawned_pool(workers=workers)
