"""The end-of-run snapshot: a copy of the database that readers use while the next run writes.

Copying the whole file every night costs more every night as history grows. So a snapshot
that exists and has the live file's schema is brought up to date in place instead: the live
connection attaches it and, in one transaction on the snapshot, writes what changed. The
large tables that only grow (articles, their mentions, events and story keys, fetches, URL
state, the search index) take only their new and changed rows; every other table, small by nature
(runs, sources, digests ...), and any table this module does not know, is replaced whole.
A missing snapshot, another schema, or a snapshot held open too long get a whole-file copy.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import duckdb

from tipsheet.errors import StorageError

LOGGER = logging.getLogger(__name__)
ATTACH_WAIT_S = 10.0  # readers open, read and close at once: a held snapshot frees quickly

# Which rows of these tables differ from the snapshot, as a query on both. An article's
# row changes only with its fetched_at (a new text), analysed_at or story_id (see
# storage/writes.py), a URL's state with its updated_at; search documents are never
# updated, only replaced under a new docid.: the live file
# unqualified, the snapshot as `snap`. Each yields the keys to delete from the snapshot and
# insert again from the live file (new keys have nothing to delete).
_CHANGED_ARTICLES = """
    SELECT coalesce(a.id, s.id) AS id FROM articles a FULL JOIN snap.articles s ON s.id = a.id
    WHERE a.id IS NULL OR s.id IS NULL OR s.analysed_at IS DISTINCT FROM a.analysed_at
       OR s.fetched_at IS DISTINCT FROM a.fetched_at OR s.story_id IS DISTINCT FROM a.story_id
"""
_CHANGED_URLS = """
    SELECT coalesce(u.url, s.url) AS url FROM url_state u FULL JOIN snap.url_state s USING (url)
    WHERE u.url IS NULL OR s.url IS NULL OR s.updated_at IS DISTINCT FROM u.updated_at
"""
_CHANGED_DOCS = """
    SELECT coalesce(d.docid, s.docid) AS docid FROM search_docs d
    FULL JOIN snap.search_docs s USING (docid) WHERE d.docid IS NULL OR s.docid IS NULL
"""
_CHANGED_KEYS = """
    SELECT coalesce(k.article_id, s.article_id) AS id FROM story_keys k
    FULL JOIN snap.story_keys s USING (article_id)
    WHERE k.article_id IS NULL OR s.article_id IS NULL
    UNION SELECT id FROM _snap_articles
"""
_CHANGED = {
    "_snap_articles": _CHANGED_ARTICLES,
    "_snap_keys": _CHANGED_KEYS,  # after _snap_articles: it reads it
    "_snap_urls": _CHANGED_URLS,
    "_snap_docs": _CHANGED_DOCS,
}
# table -> (temp table of changed keys, its key column, the table's column for that key)
_BY_KEY = {
    "articles": ("_snap_articles", "id", "id"),
    "mentions": ("_snap_articles", "id", "article_id"),
    "events": ("_snap_articles", "id", "article_id"),
    "story_keys": ("_snap_keys", "id", "article_id"),
    "url_state": ("_snap_urls", "url", "url"),
    "search_docs": ("_snap_docs", "docid", "docid"),
    "search_postings": ("_snap_docs", "docid", "docid"),
}
# Tables whose key comes from a sequence, rows stored in its order.
_SEQUENCED = {"search_docs", "search_postings"}
# Tables only ever appended to, in the order of an increasing column.
_APPENDED = {"fetches": "run_id", "search_dict": "termid"}


def snapshot_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".snapshot" + path.suffix)


def write_snapshot(con, path: Path | str) -> Path:
    """Bring the snapshot beside `path` up to date with `con`'s file, for readers during
    the next run. The caller closes `con` afterwards."""
    target = snapshot_path(path)
    if target.exists() and _attach(con, target):
        try:
            if _same_schema(con):
                _update(con)
                return target
        except duckdb.Error as exc:
            LOGGER.warning("snapshot update failed, copying the whole file: %s", exc)
        finally:
            con.execute("DETACH snap")
    return _copy(con, Path(path), target)


def _attach(con, target: Path) -> bool:
    deadline = time.monotonic() + ATTACH_WAIT_S
    while True:
        try:
            con.execute(f"ATTACH '{target}' AS snap")
            return True
        except duckdb.Error as exc:
            if time.monotonic() >= deadline:
                LOGGER.warning("snapshot busy or unreadable, copying the whole file: %s", exc)
                return False
            time.sleep(0.2)


def _same_schema(con) -> bool:
    live, snap = (
        con.execute(f"SELECT max(version) FROM {db}schema_migrations").fetchone()[0]
        for db in ("", "snap.")
    )
    return live == snap


def _tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
        ).fetchall()
    ]


def _update(con) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for temp, query in _CHANGED.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {query}")
        for table in _tables(con):
            if table in _BY_KEY:
                temp, column, key = _BY_KEY[table]
                keys = f"(SELECT {column} FROM {temp})"
                if not con.execute(f"SELECT count(*) FROM {temp}").fetchone()[0]:
                    continue
                # Keys only ever grow where a sequence gives them (docid): a range first,
                # so the scan skips the row groups of older rows.
                first = (
                    f"{key} >= (SELECT min({column}) FROM {temp}) AND "
                    if table in _SEQUENCED
                    else ""
                )
                con.execute(f"DELETE FROM snap.{table} WHERE {first}{key} IN {keys}")
                con.execute(
                    f"INSERT INTO snap.{table} SELECT * FROM {table} WHERE {first}{key} IN {keys}"
                )
            elif table in _APPENDED:
                col = _APPENDED[table]
                con.execute(
                    f"INSERT INTO snap.{table} SELECT * FROM {table} WHERE {col} > "
                    f"(SELECT coalesce(max({col}), -1) FROM snap.{table})"
                )
            else:
                con.execute(f"DELETE FROM snap.{table}")
                con.execute(f"INSERT INTO snap.{table} SELECT * FROM {table}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for temp in _CHANGED:
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    con.execute("CHECKPOINT snap")  # readers open it read-only: leave no WAL behind


def _copy(con, path: Path, target: Path) -> Path:
    """Checkpoint, then copy the file beside it atomically."""
    con.execute("CHECKPOINT")
    tmp = target.with_name(target.name + ".tmp")
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"{target}: cannot write snapshot: {exc}") from None
    return target
