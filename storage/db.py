"""Opening the DuckDB file, applying migrations, and the end-of-run snapshot.

DuckDB lets one process hold a file for writing, and no other process may open it then
(not even read-only). So the writer retries the lock for a bounded time, readers open,
read and close at once, and every finished run leaves a snapshot copy that readers may use
while the next run writes (storage/snapshot.py).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import re
import sys
import time
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from tipsheet.core.errors import DatabaseBusy, SchemaTooNew, StorageError
from tipsheet.storage import snapshot

LOGGER = logging.getLogger(__name__)
MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
LOCK_WORDS = ("lock", "Conflicting")


class _Missing(importlib.abc.MetaPathFinder):
    """Fails the import of a package that is not installed at once.

    DuckDB's client tries to import pandas again for every value it binds (it keeps only
    an import that worked), and each try searches every path entry: 60 rows of 7 columns
    bound as lists took 50 ms so, 10 ms without. Installed only when pandas is absent, so
    no import that could succeed fails."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name or fullname.startswith(self.name + "."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


if importlib.util.find_spec("pandas") is None:
    sys.meta_path.insert(0, _Missing("pandas"))


@cache
def migrations() -> tuple[tuple[int, str, str], ...]:
    """(version, name, sql) of every packaged migration, in order (read once a process)."""
    out = []
    for entry in (resources.files("tipsheet.storage") / "migrations").iterdir():
        m = MIGRATION_NAME.match(entry.name)
        if m:
            out.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return tuple(sorted(out))


def latest_version() -> int:
    return migrations()[-1][0]


def _open(path: Path, read_only: bool, wait_s: float, config: dict | None = None):
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            message = str(exc)
            if not any(w in message for w in LOCK_WORDS):
                raise StorageError(
                    f"{path}: cannot open database: {message.splitlines()[0]}"
                ) from None
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path}: database is in use by another process (waited {wait_s:.0f} s)"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:
            raise StorageError(
                f"{path}: cannot open database: {str(exc).splitlines()[0]}"
            ) from None


def connect(
    path: Path | str, wait_s: float = 60.0, checkpoint_on_close: bool = True
) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema brought up to date.

    checkpoint_on_close=False: what is written stays in the write-ahead log (durable, and
    read by every later connection) until an explicit CHECKPOINT. The nightly run opens
    the file once per stage; a checkpoint rewrites the last row group of every table it
    changed, and of a table with a primary key the whole group (up to 122,880 rows: all
    of a year's articles), so checkpointing at each stage's close cost more each night as
    history grew. The run checkpoints once, at its end (storage/snapshot.py).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{path.parent}: cannot create database folder: {exc}") from None
    con = _open(path, read_only=False, wait_s=wait_s)
    try:
        before = check_version(con, path)
        if before < latest_version() and migrate(con, path) != before:
            # Schema changes never wait in the log: DuckDB 1.5 cannot replay some of them
            # (a sequence's use as a column default fails with "no default database set").
            con.execute("CHECKPOINT")
        if not checkpoint_on_close:
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            # Nor halfway: the night's log is bounded by the night's work.
            con.execute("SET checkpoint_threshold = '4GB'")
    except BaseException:
        con.close()
        raise
    return con


def connect_read_only(
    path: Path | str, wait_s: float = 30.0, external_access: bool = True
) -> duckdb.DuckDBPyConnection:
    """A read-only connection, for readers that open, read and close at once."""
    path = Path(path)
    if not path.exists():
        raise StorageError(f"{path}: no database yet (run `tipsheet run` first)")
    config = {} if external_access else {"enable_external_access": False}
    con = _open(path, read_only=True, wait_s=wait_s, config=config)
    check_version(con, path)
    return con


def _applied(con) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def check_version(con, path: Path) -> int:
    version = _applied(con)
    if version > latest_version():
        raise SchemaTooNew(
            f"{path}: written by a newer tipsheet (schema {version}, this one knows "
            f"{latest_version()}); upgrade tipsheet, nothing was changed"
        )
    return version


def migrate(con, path: Path) -> int:
    """Apply pending migrations, each in one transaction with the row recording it."""
    current = check_version(con, path)
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())"
    )
    for version, name, sql in migrations():
        if version <= current:
            continue
        LOGGER.info("applying migration %s", name)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StorageError(f"{path}: migration {name} failed: {exc}") from None
        current = version
    return current


def snapshot_path(path: Path | str) -> Path:
    return snapshot.snapshot_path(path)


def write_snapshot(con, path: Path | str) -> Path:
    """The snapshot for readers during the next run (storage/snapshot.py)."""
    return snapshot.write_snapshot(con, path)
