"""Every write tipsheet makes. Bulk rows go through Arrow (a few rows as lists bound per
column: _offered), never row-by-row executemany. pyarrow is imported where a write needs
it: a command that writes a few rows never loads it (0.15 s).

Each function is one transaction: a run killed between two of them leaves whole stages,
and the next run picks up what is missing (articles not yet analysed have analysed_at NULL).

The tables that grow every night (articles, url_state, mentions, events, digest_items)
have no key constraint (migration 009 says why): these writes keep each one's key unique,
merging on it (bulk_merge) or replacing a whole set of rows and refusing a batch that
holds a key twice (unique_rows).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from tipsheet.core.config import Config
from tipsheet.core.errors import StorageError
from tipsheet.core.faults import checkpoint
from tipsheet.core.records import AnalysisResult, SourceResult
from tipsheet.storage.rows import (
    article_row,
    digest_item_row,
    event_row,
    fetch_row,
    mention_row,
    posting_row,
    signal_row,
    url_state_row,
)

# Annotations only: storage needs none of the ranking's imports, and clusters imports
# datasketch and scipy, seconds the CLI's writers never need.
if TYPE_CHECKING:
    from tipsheet.core.clusters import StoryKeys
    from tipsheet.core.ranking import Listed
    from tipsheet.core.signals import Signal


@contextmanager
def transaction(con) -> Iterator[None]:
    """One all-or-nothing write; a database error becomes a one-line StorageError."""
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StorageError(f"database write failed, nothing of it was stored: {first}") from None


def _now() -> datetime:
    return datetime.now(UTC)


# A few rows, in a process that has not loaded pyarrow, are bound as one list per column
# instead: a command that writes a digest (25 rows a manager, 10 ms so) need not import it,
# 0.15 s. Where it is loaded (the night), Arrow is faster at any size.
FEW_ROWS = 200


def _arrow_loaded() -> bool:
    return "pyarrow" in sys.modules


@contextmanager
def _offered(con, rows: Sequence[dict]) -> Iterator[tuple[str, list]]:
    """(a SQL table of `rows`, its parameters), valid inside the block."""
    columns = list(rows[0])
    if len(rows) <= FEW_ROWS and not _arrow_loaded():
        lists = ", ".join(f"unnest(?) AS {c}" for c in columns)
        yield f"(SELECT {lists})", [[r[c] for r in rows] for c in columns]
        return
    import pyarrow as pa

    con.register("_bulk_rows", pa.Table.from_pylist(list(rows)))
    try:
        yield "_bulk_rows", []
    finally:
        con.unregister("_bulk_rows")


def bulk_insert(con, table: str, rows: Sequence[dict], on_conflict: str = "") -> int:
    """Insert dict rows (_offered); returns the number of rows offered."""
    if not rows:
        return 0
    cols = ", ".join(rows[0])
    with _offered(con, rows) as (source, params):
        con.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source} {on_conflict}", params
        )
    return len(rows)


def bulk_merge(
    con, table: str, rows: Sequence[dict], key: Sequence[str], update: str, when: str = ""
) -> int:
    """Insert the rows whose key is not stored; of those whose key is, set `update` (a SET
    list reading the offered row as `excluded`) where `when` holds. `rows` hold each key
    once (unique_rows). Returns the number of rows offered."""
    if not rows:
        return 0
    on = " AND ".join(f"{table}.{k} = excluded.{k}" for k in key)
    with _offered(con, rows) as (source, params):
        con.execute(
            f"MERGE INTO {table} USING {source} AS excluded ON {on} "
            f"WHEN MATCHED {'AND ' + when if when else ''} THEN UPDATE SET {update} "
            "WHEN NOT MATCHED THEN INSERT BY NAME",
            params,
        )
    return len(rows)


def unique_rows(table: str, rows: Sequence[dict], key: Sequence[str]) -> Sequence[dict]:
    """`rows`, refused whole (StorageError) when two share `key`: the key the table no
    longer checks itself (migration 009)."""
    seen: set[tuple] = set()
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in seen:
            raise StorageError(
                f"database write failed, nothing of it was stored: {table} {k} offered twice"
            )
        seen.add(k)
    return rows


def sync_config(con, cfg: Config) -> None:
    """Mirror companies and sources of config.yaml, keeping rows of removed sources."""
    now = _now()
    companies = [
        {
            "id": key,
            "name": c.name,
            "aliases": list(c.aliases),
            "domains": list(c.domains),
            "ticker": c.ticker,
            "updated_at": now,
        }
        for key, c in cfg.companies.items()
    ]
    sources = [
        {
            "id": s.id,
            "company_id": s.company_id,
            "type": s.type,
            "url": s.url,
            "options": json.dumps(s.options, sort_keys=True, default=str),
            "active": True,
            "updated_at": now,
        }
        for s in cfg.sources()
    ]
    with transaction(con):
        con.execute("DELETE FROM companies")
        bulk_insert(con, "companies", companies)
        con.execute("UPDATE sources SET active = false")
        bulk_insert(
            con,
            "sources",
            sources,
            "ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, "
            "type = excluded.type, url = excluded.url, options = excluded.options, "
            "active = true, updated_at = excluded.updated_at",
        )


def start_run(con, as_of: date) -> int:
    return con.execute(
        "INSERT INTO runs (started_at, as_of, status) VALUES (?, ?, 'running') RETURNING id",
        [_now(), as_of],
    ).fetchone()[0]


def finish_run(con, run_id: int, status: str, counts: dict, error: str | None = None) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, sources_total = ?, sources_fetched = ?, "
        "sources_unchanged = ?, sources_failed = ?, new_articles = ?, digests_written = ?, "
        "error = ? WHERE id = ?",
        [
            _now(),
            status,
            counts.get("sources_total"),
            counts.get("sources_fetched"),
            counts.get("sources_unchanged"),
            counts.get("sources_failed"),
            counts.get("new_articles"),
            counts.get("digests_written"),
            error,
            run_id,
        ],
    )


def record_reading(con, run_id: int, counts: dict, nothing_read: bool) -> None:
    """The night's source counts, as soon as fetching ends: digests written next read them."""
    con.execute(
        "UPDATE runs SET sources_total = ?, sources_fetched = ?, sources_unchanged = ?, "
        "sources_failed = ?, nothing_read = ? WHERE id = ?",
        [
            counts.get("sources_total"),
            counts.get("sources_fetched"),
            counts.get("sources_unchanged"),
            counts.get("sources_failed"),
            nothing_read,
            run_id,
        ],
    )


def mark_stale_runs(con) -> None:
    """Runs left 'running' by a killed process are recorded as such."""
    con.execute(
        "UPDATE runs SET status = 'killed', error = 'the process stopped before the run ended' "
        "WHERE status = 'running'"
    )


def save_source_results(con, run_id: int, results: Sequence[SourceResult], as_of: date) -> int:
    """Store what sources yielded; returns the number of new articles."""
    fetch_rows, state_rows, articles, postings = [], {}, {}, []
    now = _now()
    for r in results:
        fetch_rows += [fetch_row(run_id, r.source.id, log) for log in r.logs]
        # One row per URL: a URL two sources read keeps what the later one found.
        state_rows.update((url, url_state_row(url, v, now)) for url, v in r.validators.items())
        for a in r.articles:
            # The id is the canonical url's hash: one article per id is one per url.
            articles.setdefault(a.id, article_row(a))
        if r.postings is not None:
            postings.append(r)
    with transaction(con):
        before = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        bulk_insert(con, "fetches", fetch_rows)
        bulk_merge(
            con,
            "url_state",
            list(state_rows.values()),
            ("url",),
            "etag = excluded.etag, "
            "last_modified = excluded.last_modified, content_hash = excluded.content_hash, "
            "next_fetch_after = excluded.next_fetch_after, updated_at = excluded.updated_at",
        )
        # A page that failed before left only the feed's text: its full page replaces it.
        bulk_merge(
            con,
            "articles",
            list(articles.values()),
            ("id",),
            "title = excluded.title, text = excluded.text, "
            "published_at = coalesce(articles.published_at, excluded.published_at), "
            "published_day = coalesce(articles.published_day, excluded.published_day), "
            "fetched_at = excluded.fetched_at, author = excluded.author, "
            "site_name = excluded.site_name, language = excluded.language, "
            "origin = excluded.origin, story_id = NULL, analysed_at = NULL",
            "articles.origin = 'feed_only' AND excluded.origin = 'page'",
        )
        checkpoint("write")
        for r in postings:
            _save_postings(con, r, as_of)
        after = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    return after - before


def _save_postings(con, r: SourceResult, as_of: date) -> None:
    rows = {p.posting_key: posting_row(r.source.id, p, as_of) for p in r.postings or []}
    # A posting absent from a successful read has closed; first_seen never moves.
    con.execute("UPDATE postings SET active = false WHERE source_id = ? AND active", [r.source.id])
    bulk_insert(
        con,
        "postings",
        list(rows.values()),
        "ON CONFLICT (source_id, posting_key) DO UPDATE SET title = excluded.title, "
        "url = excluded.url, location = excluded.location, team = excluded.team, "
        "last_seen = greatest(postings.last_seen, excluded.last_seen), active = true",
    )


def save_analysis(
    con,
    result: AnalysisResult,
    keys: dict[str, StoryKeys] | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> None:
    """Replace the analysis of these articles and mark them analysed, atomically.

    keys: each article's story keys (core/clusters.py), for the next nights' clustering;
    vectors: each article's lead vector (core/profile.lead_vectors), for ranking.
    """
    import pyarrow as pa

    if not result.article_ids:
        return
    analysed = set(result.article_ids)
    mentions = unique_rows(
        "mentions", [mention_row(m) for m in result.mentions], ("article_id", "company_id")
    )
    # An article's event of one type is stored once, the first found (as ON CONFLICT DO
    # NOTHING kept it when the table had its key).
    events: dict[tuple[str, str], dict] = {}
    for e in result.events:
        events.setdefault((e.article_id, e.event_type), event_row(e))
    strays = {r["article_id"] for r in (*mentions, *events.values())} - analysed
    if strays:  # their stored rows are not replaced here: these would be second copies
        raise StorageError(
            "database write failed, nothing of it was stored: mentions or events of "
            f"articles not analysed here ({sorted(strays)[0]})"
        )
    stories = result.stories
    ids = pa.table({"id": list(result.article_ids)})
    story_rows = pa.table(
        {"id": list(stories), "story_id": [stories[k] for k in stories]},
        schema=pa.schema([("id", pa.string()), ("story_id", pa.string())]),
    )
    with transaction(con):
        con.register("_ids", ids)
        con.register("_stories", story_rows)
        try:
            con.execute("DELETE FROM mentions WHERE article_id IN (SELECT id FROM _ids)")
            con.execute("DELETE FROM events WHERE article_id IN (SELECT id FROM _ids)")
            bulk_insert(con, "mentions", mentions)
            bulk_insert(con, "events", list(events.values()))
            con.execute(
                "UPDATE articles SET story_id = s.story_id FROM _stories s WHERE articles.id = s.id"
            )
            con.execute(
                "UPDATE articles SET analysed_at = ? WHERE id IN (SELECT id FROM _ids)", [_now()]
            )
            con.execute("DELETE FROM story_keys WHERE article_id IN (SELECT id FROM _ids)")
            save_story_keys(con, keys or {})
            con.execute("DELETE FROM article_vectors WHERE article_id IN (SELECT id FROM _ids)")
            _save_vectors(con, vectors or {})
            checkpoint("analyse")
        finally:
            con.unregister("_ids")
            con.unregister("_stories")


def _save_vectors(con, vectors: dict[str, np.ndarray]) -> None:
    _insert_vectors(con, "article_vectors", "article_id", vectors)


def save_profile_vectors(con, vectors: dict[str, np.ndarray]) -> None:
    """Profile embeddings by their text's key (core.profile.profile_key); a key stored
    already is left as it is."""
    with transaction(con):
        _insert_vectors(
            con,
            "profile_vectors",
            "text_sha",
            vectors,
            "WHERE text_sha NOT IN (SELECT text_sha FROM profile_vectors)",
        )


def _insert_vectors(
    con, table: str, key: str, vectors: dict[str, np.ndarray], where: str = ""
) -> None:
    import pyarrow as pa

    if not vectors:
        return
    matrix = np.vstack(list(vectors.values())).astype(np.float32, copy=False)
    flat = pa.array(matrix.reshape(-1), pa.float32())
    rows = pa.table(
        {
            key: pa.array(list(vectors), pa.string()),
            "vec": pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1]),
        }
    )
    con.register("_vectors", rows)
    try:
        con.execute(f"INSERT INTO {table} SELECT {key}, vec FROM _vectors {where}")
    finally:
        con.unregister("_vectors")


def save_story_keys(con, keys: dict[str, StoryKeys]) -> None:
    """Store articles' story keys, dated by the article as the story window dates it."""
    import pyarrow as pa

    if not keys:
        return
    rows = pa.table(
        {
            "id": list(keys),
            "headline": [k.headline for k in keys.values()],
            "bands": [k.bands for k in keys.values()],
        },
        schema=pa.schema(
            [("id", pa.string()), ("headline", pa.string()), ("bands", pa.list_(pa.uint32()))]
        ),
    )
    con.register("_keys", rows)
    try:
        con.execute(
            "INSERT INTO story_keys (article_id, seen, headline, bands) "
            "SELECT k.id, coalesce(a.published_at, a.fetched_at), k.headline, k.bands "
            "FROM _keys k JOIN articles a ON a.id = k.id"
        )
    finally:
        con.unregister("_keys")


def save_digest(
    con,
    manager_id: str,
    run_date: date,
    listed: Sequence[Listed],
    signals: Sequence[Signal],
    before_commit: Callable[[], None] | None = None,
) -> None:
    """Replace one manager's digest rows for one date, so a rerun stores nothing twice.

    `listed` is the digest's items, best first: each one's rank is its place there.

    `before_commit` runs last inside the transaction (the digest file's rename): when it
    raises, no row is stored, so rows and file are written together or not at all.
    """
    with transaction(con):
        con.execute(
            "DELETE FROM digest_items WHERE manager_id = ? AND run_date = ?",
            [manager_id, run_date],
        )
        con.execute(
            "DELETE FROM signals WHERE manager_id = ? AND run_date = ?", [manager_id, run_date]
        )
        bulk_insert(
            con,
            "digest_items",
            unique_rows(
                "digest_items",
                [digest_item_row(manager_id, run_date, n, x) for n, x in enumerate(listed, 1)],
                ("article_id",),
            ),
        )
        bulk_insert(con, "signals", [signal_row(manager_id, run_date, s) for s in signals])
        if before_commit is not None:
            before_commit()


def log_outreach(
    con, manager_id: str, contacted_on: date, note: str | None, item_ids: Sequence[str]
) -> int:
    return con.execute(
        "INSERT INTO outreach (manager_id, contacted_on, note, item_ids, logged_at) "
        "VALUES (?, ?, ?, ?, ?) RETURNING id",
        [manager_id, contacted_on, note, list(item_ids), _now()],
    ).fetchone()[0]


def save_feedback(con, manager_id: str, article_id: str, useful: bool, note: str | None) -> None:
    """Record a manager's judgement of an item, replacing an earlier one of the same item."""
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO feedback (manager_id, article_id, useful, note, judged_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [manager_id, article_id, useful, note, _now()],
        )


def remove_outreach(con, manager_id: str, outreach_id: int) -> bool:
    """Delete one logged contact of this manager; False when it has no such entry."""
    with transaction(con):
        found = con.execute(
            "DELETE FROM outreach WHERE id = ? AND manager_id = ? RETURNING id",
            [outreach_id, manager_id],
        ).fetchall()
    return bool(found)


def correct_outreach(
    con, manager_id: str, outreach_id: int, contacted_on: date | None, note: str | None
) -> bool:
    """Change the date and/or note of one logged contact; False when there is no such entry."""
    with transaction(con):
        found = con.execute(
            "UPDATE outreach SET contacted_on = coalesce(?, contacted_on), "
            "note = coalesce(?, note) WHERE id = ? AND manager_id = ? RETURNING id",
            [contacted_on, note, outreach_id, manager_id],
        ).fetchall()
    return bool(found)
