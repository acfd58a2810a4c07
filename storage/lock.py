"""One nightly run at a time: an advisory lock file beside the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tipsheet.core.errors import RunInProgress, StorageError


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".run.lock")


@contextmanager
def run_lock(database: Path) -> Iterator[None]:
    """Held for a whole run; a second run fails at once instead of waiting.

    The kernel drops the lock when the process dies, so a killed run never blocks the next.
    """
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(f"{path}: cannot create the run lock: {exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise RunInProgress(
                f"{path}: a tipsheet run is already in progress (pid {holder}); try later"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def run_in_progress(database: Path) -> bool:
    """True while another process holds the run lock (readers then use the snapshot)."""
    path = lock_path(database)
    if not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
