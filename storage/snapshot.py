"""The end-of-run snapshot: a copy of the database that readers use while the next run writes.

A copy of the file after the run's one checkpoint. Where the filesystem can share blocks
between files (btrfs, XFS, bcachefs: the FICLONE ioctl, what `cp --reflink` does), the copy
is a clone that costs the same whatever the file's size, and disk only for what later
nights change. Elsewhere (ext4, tmpfs) the last snapshot is brought up to date block by
block: both files are read and only the blocks that differ are written, so a night writes
what its checkpoint changed (18 MB of a year's 718 MB file) where a whole copy wrote the
file again. (Bringing it up to date through DuckDB, attaching it and writing the changed
rows, was tried and measured slower than a whole copy: DuckDB's checkpoint of the attached
file costs more.) The result is the same bytes as the live file, whatever state the last
snapshot was left in, so a run killed half-way through leaves nothing a reader can open:
the snapshot is moved aside while it is brought up to date and put back when whole.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

from tipsheet.core.errors import StorageError

FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)
BLOCK = 262_144  # DuckDB's block: a checkpoint rewrites whole blocks
CHUNK = 16 * BLOCK  # read and compared at once: fewer calls, memory stays small


def snapshot_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".snapshot" + path.suffix)


def _aside(target: Path) -> Path:
    return target.with_name(target.name + ".updating")


def clone(source: Path, target: Path) -> bool:
    """Make `target` a block-sharing clone of `source` if the filesystem can."""
    if not sys.platform.startswith("linux"):
        return False
    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
            return True
        except OSError:
            pass  # no shared blocks here (ext4, tmpfs, another filesystem)
    target.unlink()
    return False


def update_in_place(source: Path, target: Path) -> int | None:
    """Make `target` the same bytes as `source`, writing only the blocks that differ; the
    number of bytes written, or None when a reader still has `target` open (DuckDB holds a
    read lock on a file it reads, so it must not change under it)."""
    fd = os.open(target, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # also keeps new readers out
        except OSError:
            return None
        src = os.open(source, os.O_RDONLY)
        try:
            size = os.fstat(src).st_size
            written = 0
            for offset in range(0, size, CHUNK):
                new, old = os.pread(src, CHUNK, offset), os.pread(fd, CHUNK, offset)
                if new == old:
                    continue
                for at in range(0, len(new), BLOCK):
                    block = new[at : at + BLOCK]
                    if block != old[at : at + BLOCK]:
                        written += os.pwrite(fd, block, offset + at)
            os.ftruncate(fd, size)
            return written
        finally:
            os.close(src)
    finally:
        os.close(fd)  # drops the lock


def write_snapshot(con, path: Path | str) -> Path:
    """Checkpoint, then bring the snapshot beside the file up to date, for readers during
    the next run.

    The caller must close `con` afterwards; the copy is taken from the checkpointed file.
    """
    con.execute("CHECKPOINT")
    target = snapshot_path(path)
    refresh(Path(path), target)
    return target


def refresh(path: Path, target: Path) -> str:
    """Make `target` the same bytes as the closed or checkpointed file at `path`; says how
    ("a clone", "N bytes written", "a whole copy").

    Readers that arrive while the snapshot is aside find none and wait for the live file,
    which the run closes right after.
    """
    aside = _aside(target)
    tmp = target.with_name(target.name + ".tmp")
    try:
        if clone(path, tmp):
            os.replace(tmp, target)
            aside.unlink(missing_ok=True)
            return "a clone"
        if target.exists():
            os.replace(target, aside)  # a half-updated file must never be open to readers
        written = update_in_place(path, aside) if aside.exists() else None
        if written is None:
            aside.unlink(missing_ok=True)  # a reader inside keeps its own copy of the inode
            shutil.copyfile(path, tmp)
            os.replace(tmp, aside)
        os.replace(aside, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"{target}: cannot write snapshot: {exc}") from None
    return "a whole copy" if written is None else f"{written:,} bytes written"
