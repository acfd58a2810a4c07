"""Full-text search over articles with DuckDB's fts extension (BM25), offline.

The fts extension is loaded from the file shipped inside the `duckdb-extension-fts`
package: DuckDB would otherwise try to download it, and tipsheet must work offline.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from tipsheet.errors import StorageError


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


def rebuild_index(con) -> None:
    """(Re)build the BM25 index over article titles and texts; run once per night."""
    load_fts(con)
    con.execute(
        "PRAGMA create_fts_index('articles', 'id', 'title', 'text', overwrite = 1, "
        "stemmer = 'english', stopwords = 'english')"
    )


def search(con, words: str, limit: int = 20) -> list[tuple]:
    load_fts(con)
    has_index = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_articles'"
    ).fetchone()[0]
    if not has_index:
        return []
    return con.execute(
        """
        SELECT score, id, coalesce(published_at::DATE::VARCHAR, '') AS date, title, url
        FROM (SELECT *, fts_main_articles.match_bm25(id, ?) AS score FROM articles)
        WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT ?
        """,
        [words, limit],
    ).fetchall()
