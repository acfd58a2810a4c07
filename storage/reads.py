"""Every read tipsheet makes, returning the core's records (storage/rows.py maps them) or dicts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from tipsheet.core.records import ArticleText, Candidate, Event, Judgement, Posting, Validators
from tipsheet.storage.rows import (
    ARTICLE_TEXT_COLUMNS,
    CANDIDATE_ARTICLE_COLUMNS,
    CANDIDATE_MENTION_COLUMNS,
    EVENT_COLUMNS,
    JUDGEMENT_COLUMNS,
    POSTING_COLUMNS,
    VALIDATOR_COLUMNS,
    article_text_from,
    candidate_from,
    event_from,
    judgement_from,
    posting_from,
    validators_from,
)


def _dicts(cursor) -> list[dict]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]


def fetch_state(con) -> tuple[dict[str, Validators], set[str]]:
    """Validators per URL and the canonical URLs of every stored article."""
    # A stored page is never fetched again: its validators would only fill memory, night
    # after night more of them.
    validators = dict(
        validators_from(row)
        for row in con.execute(
            f"SELECT {VALIDATOR_COLUMNS} FROM url_state "
            "WHERE url NOT IN (SELECT url FROM articles WHERE origin = 'page')"
        ).fetchall()
    )
    # Pages that failed left a feed-only record: they are tried again while in the window.
    # Google News items stay feed-only by design and are never fetched again.
    known = {
        u
        for (u,) in con.execute(
            "SELECT a.url FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "WHERE a.origin = 'page' OR s.type = 'google_news'"
        ).fetchall()
    }
    return validators, known


def unanalysed_articles(con) -> list[ArticleText]:
    return [
        article_text_from(row)
        for row in con.execute(
            f"SELECT {ARTICLE_TEXT_COLUMNS} "
            "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "WHERE a.analysed_at IS NULL ORDER BY a.id"
        ).fetchall()
    ]


# What an article is clustered on: tipsheet.core.analysis.story_text, in SQL.
STORY_TEXT = (
    "coalesce(a.title, '') || chr(10) || coalesce(nullif(a.text, ''), nullif(a.summary, ''), '')"
)


def story_candidates(con, bands: list[int], since: datetime) -> list[tuple[str, str, str]]:
    """(article id, story id, text) of analysed recent articles sharing any of these LSH
    band keys: the only stored articles a new one with those keys can join by its text."""
    if not bands:
        return []
    import pyarrow as pa  # the night's: a reading command need not load it (storage/writes.py)

    # The night's keys (300 articles: 11,000 of them) as a joined Arrow table, not a list
    # parameter, which DuckDB read far more slowly; and the matching articles found on ids
    # alone, then read by row id, so only their texts are read.
    con.register("_bands", pa.table({"band": pa.array(sorted(set(bands)), pa.uint32())}))
    try:
        return con.execute(
            f"""
            SELECT a.id, a.story_id, {STORY_TEXT} FROM articles a
            WHERE a.story_id IS NOT NULL AND a.rowid IN (
                SELECT u.rowid FROM articles u WHERE u.id IN (
                    SELECT article_id FROM (
                        SELECT article_id, unnest(bands) AS band FROM story_keys
                        WHERE seen >= ?)
                    WHERE band IN (SELECT band FROM _bands)))
            ORDER BY a.id
            """,
            [since],
        ).fetchall()
    finally:
        con.unregister("_bands")


def story_headlines(con, since: datetime) -> list[tuple[str, str]]:
    """(headline key, story id) of analysed recent articles, in article id order."""
    return con.execute(
        "SELECT k.headline, a.story_id FROM story_keys k JOIN articles a ON a.id = k.article_id "
        "WHERE k.seen >= ? AND k.headline IS NOT NULL AND a.story_id IS NOT NULL ORDER BY a.id",
        [since],
    ).fetchall()


def unkeyed_stories(con, since: datetime) -> list[tuple[str, str]]:
    """(article id, text) of analysed recent articles stored before story keys were."""
    # Found without their texts, then read by row id: in one scan DuckDB read the text of
    # every article in the window first, though almost none lack keys.
    return con.execute(
        f"SELECT a.id, {STORY_TEXT} FROM articles a WHERE a.rowid IN ("
        "SELECT u.rowid FROM articles u ANTI JOIN story_keys k ON k.article_id = u.id "
        "WHERE u.story_id IS NOT NULL AND coalesce(u.published_at, u.fetched_at) >= ?) "
        "ORDER BY a.id",
        [since],
    ).fetchall()


# The articles that are candidates: recent ones that mention any of the companies.
# Parameters: since, the company ids.
_CANDIDATE_ARTICLES = (
    "coalesce(published_at, fetched_at) >= ? AND id IN (SELECT article_id FROM mentions "
    "WHERE company_id IN (SELECT unnest(?::VARCHAR[])))"
)


def candidates(con, company_ids: list[str], since: datetime) -> list[Candidate]:
    """Recent articles that mention any of these companies, one per (article, company).

    Without their text (article_texts reads it): a digest reads the text of a few of its
    thousands of candidates, and reading every one cost more than all the rest."""
    if not company_ids:
        return []
    # Three reads merged here rather than one join: joined to the mentions, DuckDB read the
    # text of every stored article before keeping the recent ones, a cost that grew with
    # history; each read below touches the lookback window's rows only.
    recent = "coalesce(published_at, fetched_at) >= ?"
    articles = {
        row[0]: row
        for row in con.execute(
            f"SELECT {CANDIDATE_ARTICLE_COLUMNS} FROM articles WHERE {_CANDIDATE_ARTICLES}",
            [since, company_ids],
        ).fetchall()
    }
    mentions = con.execute(
        f"SELECT {CANDIDATE_MENTION_COLUMNS} FROM mentions "
        "WHERE company_id IN (SELECT unnest(?::VARCHAR[])) "
        f"AND article_id IN (SELECT id FROM articles WHERE {recent}) "
        "ORDER BY article_id, company_id",
        [company_ids, since],
    ).fetchall()
    # Coverage is counted for the candidates' stories only: grouping every stored article
    # by story would cost more each night as history grows.
    story_of = {i: row[-1] for i, row in articles.items()}
    coverage = dict(
        con.execute(
            "SELECT story_id, count(DISTINCT coalesce(site_name, source_id, url)) FROM articles "
            f"WHERE story_id IN (SELECT story_id FROM articles WHERE {_CANDIDATE_ARTICLES}) "
            "GROUP BY story_id",
            [since, company_ids],
        ).fetchall()
    )
    events = _events_of(
        con, f"SELECT id FROM articles WHERE {_CANDIDATE_ARTICLES}", [since, company_ids]
    )
    return [
        candidate_from(
            articles[m[0]],
            m,
            coverage.get(story_of[m[0]], 1),
            tuple(events.get(m[0], ())),
        )
        for m in mentions
        if m[0] in articles
    ]


def article_texts(con, article_ids) -> dict[str, str | None]:
    """article id -> its stored text, for these articles."""
    ids = sorted(set(article_ids))
    out: dict[str, str | None] = {}
    # The rows found on their ids first, then only their texts read: filtered on the ids
    # alone, DuckDB read the whole text column (0.43 s against 0.01 s for 1,000 ids on a
    # year). Ids written into the query, a chunk at a time (_sql_strings).
    for i in range(0, len(ids), TEXT_CHUNK):
        listed = _sql_strings(ids[i : i + TEXT_CHUNK])
        out.update(
            con.execute(
                "SELECT id, text FROM articles WHERE rowid IN "
                f"(SELECT rowid FROM articles WHERE id IN ({listed}))"
            ).fetchall()
        )
    return out


TEXT_CHUNK = 1000


def _sql_strings(values: list[str]) -> str:
    """SQL string literals, comma-separated. Not one parameter each: DuckDB's Python client
    tries to import pandas for every parameter, a tenth of a millisecond each without it."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def lead_vectors(con, article_ids: list[str]) -> dict[str, np.ndarray]:
    """article id -> stored lead vector (migration 007), for those of these that have one."""
    if not article_ids:
        return {}
    return _vectors_of(con, _sql_strings(sorted(set(article_ids))), [])


def candidate_vectors(con, company_ids: list[str], since: datetime) -> dict[str, np.ndarray]:
    """lead_vectors of the articles `candidates` returns, found without them: so both can
    be read at once, on two cursors."""
    if not company_ids:
        return {}
    return _vectors_of(
        con, f"SELECT id FROM articles WHERE {_CANDIDATE_ARTICLES}", [since, company_ids]
    )


def _vectors_of(con, ids_sql: str, params: list) -> dict[str, np.ndarray]:
    """The stored lead vectors of the articles `ids_sql` selects."""
    rows = f"FROM article_vectors v WHERE v.article_id IN ({ids_sql})"
    # The rows' span first: joined alone, DuckDB read every stored vector before keeping
    # these, and recent articles' vectors lie together, at the table's end. Scattered rows
    # (a manager's judged items) are read by row id instead: their span can be most of it.
    first, last, found = con.execute(
        f"SELECT min(v.rowid), max(v.rowid), count(*) {rows}", params
    ).fetchone()
    if not found:
        return {}
    if last - first + 1 > 4 * found:
        where = f"v.rowid IN (SELECT v.rowid {rows})"
        found = con.execute(
            f"SELECT v.article_id, v.vec FROM article_vectors v WHERE {where}", params
        )
    else:
        found = con.execute(
            f"SELECT v.article_id, v.vec {rows} AND v.rowid BETWEEN ? AND ?", [*params, first, last]
        )
    # As NumPy: each vector comes as a float32 array of its own.
    table = found.fetchnumpy()
    return dict(zip(table["article_id"].tolist(), table["vec"], strict=True))


def profile_vectors(con, keys: list[str]) -> dict[str, np.ndarray]:
    """text key (core.profile.profile_key) -> stored profile embedding, for those stored."""
    if not keys:
        return {}
    rows = con.execute(
        f"SELECT text_sha, vec FROM profile_vectors WHERE text_sha IN ({_sql_strings(keys)})"
    ).fetchall()
    return {k: np.asarray(v, dtype=np.float32) for k, v in rows}


def _events_of(con, ids_sql: str, params: list) -> dict[str, list[Event]]:
    """The stored events of the articles the query `ids_sql` selects."""
    out: dict[str, list[Event]] = defaultdict(list)
    rows = con.execute(
        f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.article_id IN ({ids_sql}) "
        "ORDER BY e.article_id, e.event_type",
        params,
    ).fetchall()
    for row in rows:
        out[row[0]].append(event_from(row))
    return out


def last_contact(con, manager_id: str) -> date | None:
    return con.execute(
        "SELECT max(contacted_on) FROM outreach WHERE manager_id = ?", [manager_id]
    ).fetchone()[0]


def outreach_log(con, manager_id: str) -> list[dict]:
    """Every logged contact of one manager, newest first."""
    return _dicts(
        con.execute(
            "SELECT id, contacted_on, note, item_ids, logged_at FROM outreach "
            "WHERE manager_id = ? ORDER BY contacted_on DESC, id DESC",
            [manager_id],
        )
    )


def nothing_read_on(con, as_of: date) -> tuple[int, int] | None:
    """(failed, total) sources when the latest run for `as_of` could read no source."""
    row = con.execute(
        "SELECT nothing_read, sources_failed, sources_total FROM runs WHERE as_of = ? "
        "ORDER BY id DESC LIMIT 1",
        [as_of],
    ).fetchone()
    return (row[1], row[2]) if row and row[0] else None


def shared_articles(con, manager_id: str) -> set[str]:
    rows = con.execute(
        "SELECT unnest(item_ids) FROM outreach WHERE manager_id = ?", [manager_id]
    ).fetchall()
    return {r[0] for r in rows}


def listed_before(
    con, manager_id: str, before: date, company_ids: list[str], since: datetime
) -> dict[str, int]:
    """How many earlier digests of this manager listed each story (keyed by story id, or by
    article id for an article with no story): a story listed under another URL is not new.

    Only the stories (and articles) of the candidates of these companies since `since` are
    counted, the ones ranking can ask about: counting every story ever listed would cost
    more each night as history grows."""
    if not company_ids:
        return {}
    return dict(
        con.execute(
            "SELECT coalesce(a.story_id, d.article_id) AS story, count(DISTINCT d.run_date) "
            "FROM digest_items d LEFT JOIN articles a ON a.id = d.article_id "
            "WHERE d.manager_id = ? AND d.run_date < ? "
            "AND coalesce(a.story_id, d.article_id) IN ("
            f"SELECT coalesce(story_id, id) FROM articles WHERE {_CANDIDATE_ARTICLES}) "
            "GROUP BY story",
            [manager_id, before, since, company_ids],
        ).fetchall()
    )


def feedback(con, manager_id: str) -> list[Judgement]:
    """A manager's judged items, with what similarity needs (headline and text)."""
    return [
        judgement_from(row)
        for row in con.execute(
            f"SELECT {JUDGEMENT_COLUMNS} FROM feedback f "
            "JOIN articles a ON a.id = f.article_id WHERE f.manager_id = ? ORDER BY f.judged_at",
            [manager_id],
        ).fetchall()
    ]


def digest_items(
    con, manager_id: str, run_date: date | None = None, limit: int | None = None
) -> list[dict]:
    """One digest's rows, best first; `limit`: only the first ones."""
    if run_date is None:
        run_date = con.execute(
            "SELECT max(run_date) FROM digest_items WHERE manager_id = ?", [manager_id]
        ).fetchone()[0]
    return _dicts(
        con.execute(
            "SELECT d.*, a.title, a.url, a.published_at, a.published_day, a.language, "
            "a.site_name "
            "FROM digest_items d JOIN articles a ON a.id = d.article_id "
            "WHERE d.manager_id = ? AND d.run_date = ? ORDER BY d.rank "
            + ("LIMIT ?" if limit is not None else ""),
            [manager_id, run_date, *([limit] if limit is not None else [])],
        )
    )


def resolve_items(con, manager_id: str, prefixes: list[str]) -> dict[str, str | None]:
    """Map each printed item id (or article id prefix) to a listed article id."""
    out: dict[str, str | None] = {}
    for p in prefixes:
        rows = con.execute(
            "SELECT DISTINCT article_id FROM digest_items WHERE manager_id = ? "
            "AND (item_id = ? OR starts_with(article_id, ?))",
            [manager_id, p.lower(), p.lower()],
        ).fetchall()
        out[p] = rows[0][0] if len(rows) == 1 else None
    return out


def postings(con, company_id: str) -> list[Posting]:
    return [
        posting_from(row)
        for row in con.execute(
            f"SELECT {POSTING_COLUMNS} FROM postings WHERE company_id = ? "
            "ORDER BY first_seen, posting_key",
            [company_id],
        ).fetchall()
    ]


def source_status(con) -> list[dict]:
    """Each source's last fetch, and for how many runs in a row it has failed."""
    return _dicts(
        con.execute(
            """
            WITH per_run AS (
                SELECT source_id, run_id,
                       bool_and(status IN ('error', 'refused')) AS failed,
                       max(fetched_at) AS at
                FROM fetches WHERE url NOT LIKE '%/robots.txt'
                GROUP BY source_id, run_id
            ),
            ranked AS (
                SELECT *, row_number() OVER (PARTITION BY source_id ORDER BY run_id DESC) AS n
                FROM per_run
            ),
            streak AS (
                SELECT source_id,
                       coalesce(min(n) FILTER (WHERE NOT failed), max(n) + 1) - 1 AS failing_runs
                FROM ranked GROUP BY source_id
            ),
            last AS (
                SELECT f.source_id, f.status, f.http_status, f.error, f.fetched_at, f.url,
                       row_number() OVER (PARTITION BY f.source_id
                                          ORDER BY (f.url = s.url) DESC, f.fetched_at DESC) AS n
                FROM fetches f JOIN sources s ON s.id = f.source_id
                WHERE f.url NOT LIKE '%/robots.txt'
            )
            SELECT s.id, s.company_id, s.type, s.url, s.active,
                   l.fetched_at AS last_fetched_at, l.status AS last_status,
                   l.http_status, l.error AS last_error,
                   coalesce(st.failing_runs, 0) AS failing_runs
            FROM sources s
            LEFT JOIN last l ON l.source_id = s.id AND l.n = 1
            LEFT JOIN streak st ON st.source_id = s.id
            ORDER BY s.active DESC, s.company_id NULLS LAST, s.type, s.url
            """
        )
    )


def recent_window(as_of: date, days: int) -> datetime:
    return datetime.combine(as_of - timedelta(days=days), time(0), tzinfo=UTC)


def previous_digest(con, manager_id: str, before: date) -> date | None:
    """The day of this manager's last digest before `before`, if any."""
    return con.execute(
        "SELECT max(run_date) FROM ("
        "SELECT run_date FROM digest_items WHERE manager_id = ? AND run_date < ? "
        "UNION ALL SELECT run_date FROM signals WHERE manager_id = ? AND run_date < ?)",
        [manager_id, before, manager_id, before],
    ).fetchone()[0]


def signals_before(con, manager_id: str, before: date) -> set[tuple[str, str]]:
    """(kind, title) of every signal an earlier digest of this manager showed."""
    rows = con.execute(
        "SELECT DISTINCT kind, title FROM signals WHERE manager_id = ? AND run_date < ?",
        [manager_id, before],
    ).fetchall()
    return {(k, t) for k, t in rows}


def daily_activity(
    con, company_ids: list[str], first: date, last: date
) -> dict[str, dict[date, tuple[int, int]]]:
    """Per company and day: articles that mention it, and the events about it in them."""
    out: dict[str, dict[date, tuple[int, int]]] = defaultdict(dict)
    if not company_ids:
        return out
    rows = con.execute(
        """
        WITH dated AS (
            SELECT a.id, m.company_id,
                   coalesce(a.published_day, CAST(coalesce(a.published_at, a.fetched_at) AS DATE))
                       AS day
            FROM articles a JOIN mentions m ON m.article_id = a.id
            WHERE m.company_id IN (SELECT unnest(?::VARCHAR[]))
        )
        SELECT d.company_id, d.day, count(DISTINCT d.id) AS articles,
               count(e.event_type) FILTER (e.company_id = d.company_id OR e.company_id IS NULL)
                   AS events
        FROM dated d
        -- Joined on the article alone, the company tested in the count: with the test in
        -- the join's condition DuckDB compared every stored mention with every event.
        LEFT JOIN events e ON e.article_id = d.id
        WHERE d.day BETWEEN ? AND ?
        GROUP BY d.company_id, d.day
        ORDER BY d.company_id, d.day
        """,
        [company_ids, first, last],
    ).fetchall()
    for company_id, day, articles, events in rows:
        out[company_id][day] = (articles, events)
    return out
