"""Ad hoc SQL for `tipsheet query`: one reading statement on a read-only connection.

A read-only connection alone still allows ATTACH and COPY ... TO, so statements are
checked with DuckDB's own parser and external access is switched off.
"""

from __future__ import annotations

import duckdb

from tipsheet.core.errors import QueryRefused

ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA"}
SAFE_PRAGMAS = ("show_tables", "table_info", "show", "database_size", "storage_info")


def check_statement(sql: str) -> str:
    """Return the single reading statement in `sql`, or raise QueryRefused naming why."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"cannot parse the query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused(f"one statement only, got {len(statements)}")
    st = statements[0]
    kind = st.type.name
    if kind not in ALLOWED:
        # Name the statement as written: DuckDB files INSTALL under LOAD, for one.
        word = (st.query.split() or [kind])[0].upper()
        raise QueryRefused(f"only reading statements are allowed, not {word}")
    text = st.query.strip()
    if kind == "PRAGMA" and not text.lower().removeprefix("pragma").strip().startswith(
        SAFE_PRAGMAS
    ):
        raise QueryRefused("only reading pragmas are allowed")
    return text


def run_query(con, sql: str, limit: int | None = None) -> tuple[list[str], list[tuple]]:
    text = check_statement(sql)
    try:
        cur = con.execute(text)
        rows = cur.fetchmany(limit) if limit else cur.fetchall()
    except duckdb.Error as exc:
        raise QueryRefused(f"query failed: {str(exc).splitlines()[0]}") from None
    return [d[0] for d in cur.description or []], rows
