"""Full-text search over articles (BM25), offline, kept up as articles arrive.

The fts extension's index (PRAGMA create_fts_index) can only be rebuilt whole: a rebuild
every night grows with history. So tipsheet keeps its own inverted index in three tables
(migration 006): each article's terms are added once, when it is analysed, and BM25 is
computed at query time from them, with the fts extension's own tokenizer, Snowball stemmer,
stopword list and parameters (k1 1.2, b 0.75), so the scores are those the extension's
match_bm25 gives.

The extension is loaded from the file shipped inside the `duckdb-extension-fts` package:
DuckDB would otherwise try to download it, and tipsheet must work offline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from tipsheet.core.errors import StorageError

K1, B = 1.2, 0.75
# The fts extension's default tokenizer (its `tokenize` macro), for a VARCHAR expression.
_TOKENIZE = (
    "string_split_regex(regexp_replace(lower(strip_accents(CAST({} AS VARCHAR))), "
    "'[0-9!@#$%^&*()_+={{}}\\[\\]:;<>,.?~\\\\/\\|''\"`-]+', ' ', 'g'), '\\s+')"
)


def tokens_sql(expr: str) -> str:
    return _TOKENIZE.format(expr)


@cache
def fts_extension_path() -> Path:
    import duckdb_extension_fts

    root = Path(duckdb_extension_fts.__file__).parent
    version = duckdb.__version__
    exact = root / "extensions" / f"v{version}" / "fts.duckdb_extension"
    if exact.exists():
        return exact
    found = sorted(root.glob("extensions/*/fts.duckdb_extension"))
    if not found:
        raise StorageError(f"{root}: no fts extension file in duckdb-extension-fts")
    return found[-1]


def load_fts(con) -> None:
    try:
        con.execute(f"LOAD '{fts_extension_path()}'")
    except duckdb.Error as exc:
        raise StorageError(f"cannot load the fts extension: {exc}") from None


@cache
def stopwords() -> tuple[str, ...]:
    """The fts extension's english stopwords, read from a throwaway in-memory index."""
    con = duckdb.connect()
    try:
        load_fts(con)
        con.execute("CREATE TABLE one (id VARCHAR, t VARCHAR)")
        con.execute("PRAGMA create_fts_index('one', 'id', 't', stopwords = 'english')")
        return tuple(
            sorted(r[0] for r in con.execute("SELECT sw FROM fts_main_one.stopwords").fetchall())
        )
    finally:
        con.close()


def index_articles(con, changed: list[str]) -> int:
    """Add every article not yet indexed; `changed` ids (new texts) are indexed afresh.

    Called inside the caller's transaction; returns the number of articles indexed. Costs
    what the new articles cost: the index is never read whole.
    """
    import pyarrow as pa  # the night's: `tipsheet search` need not load it (storage/writes.py)

    load_fts(con)
    con.register("_changed", pa.table({"id": pa.array(changed, pa.string())}))
    try:
        con.execute(
            "DELETE FROM search_postings WHERE docid IN (SELECT docid FROM search_docs "
            "WHERE article_id IN (SELECT id FROM _changed))"
        )
        con.execute("DELETE FROM search_docs WHERE article_id IN (SELECT id FROM _changed)")
    finally:
        con.unregister("_changed")
    # The rows to index are found on ids alone, then only theirs are read by row id:
    # filtered on the ids in the same scan, DuckDB joined the title and text of every
    # stored article first. Each distinct word is stemmed once: the stemmer costs more
    # than all the rest.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _todo AS
        SELECT id AS article_id, coalesce(title, '') || ' ' || coalesce(text, '') AS body
        FROM articles WHERE rowid IN (
            SELECT a.rowid FROM articles a ANTI JOIN search_docs d ON d.article_id = a.id);
        CREATE OR REPLACE TEMP TABLE _words AS
        SELECT article_id, w, count(*) AS n
        FROM (SELECT article_id, unnest({tokens_sql("body")}) AS w FROM _todo)
        WHERE w <> '' GROUP BY article_id, w;
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stems AS "
        "SELECT w, stem(w, 'english') AS term FROM (SELECT DISTINCT w FROM _words) "
        "WHERE w NOT IN (SELECT unnest(?::VARCHAR[]))",
        [list(stopwords())],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _tokens AS "
        "SELECT article_id, term, sum(n)::INTEGER AS tf FROM _words JOIN _stems USING (w) "
        "GROUP BY article_id, term"
    )
    try:
        indexed = con.execute("SELECT count(*) FROM _todo").fetchone()[0]
        con.execute(
            """
            INSERT INTO search_dict (termid, term)
            SELECT nextval('search_term_id'), term FROM (
                SELECT DISTINCT term FROM _tokens
                WHERE term NOT IN (SELECT term FROM search_dict) ORDER BY term);
            INSERT INTO search_docs (docid, article_id, len)
            SELECT nextval('search_doc_id'), article_id, n FROM (
                SELECT t.article_id, coalesce(sum(k.tf), 0) AS n FROM _todo t
                LEFT JOIN _tokens k USING (article_id) GROUP BY t.article_id
                ORDER BY t.article_id);
            INSERT INTO search_postings (termid, docid, tf)
            SELECT d.termid, s.docid, k.tf FROM _tokens k
            JOIN search_dict d USING (term)
            JOIN (SELECT docid, article_id FROM search_docs
                  WHERE article_id IN (SELECT article_id FROM _todo)) s USING (article_id)
            ORDER BY s.docid, d.termid;
            """
        )
    finally:
        for temp in ("_todo", "_words", "_stems", "_tokens"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    return indexed


def search(con, words: str, limit: int = 20) -> list[tuple]:
    """(score, id, date, title, url) of the best BM25 matches for `words`, best first."""
    load_fts(con)
    return con.execute(
        f"""
        WITH q AS (SELECT DISTINCT stem(unnest({tokens_sql("?")}), 'english') AS term),
        p AS (
            SELECT termid, docid, tf FROM search_postings
            WHERE termid IN (SELECT termid FROM search_dict WHERE term IN (SELECT term FROM q))
        ),
        df AS (SELECT termid, count(*) AS df FROM p GROUP BY termid),
        st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
        scores AS (
            SELECT p.docid, sum(
                log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
                * p.tf * ({K1} + 1) / (p.tf + {K1} * (1 - {B} + {B} * d.len / st.avgdl))
            ) AS score
            FROM p JOIN df USING (termid) JOIN search_docs d USING (docid), st
            GROUP BY p.docid
        )
        SELECT s.score, a.id, coalesce(a.published_at::DATE::VARCHAR, '') AS date, a.title, a.url
        FROM scores s JOIN search_docs d USING (docid) JOIN articles a ON a.id = d.article_id
        ORDER BY s.score DESC, a.id LIMIT ?
        """,
        [words, limit],
    ).fetchall()
