"""Migrations that change stored rows, run on a database left by the version before them."""

from __future__ import annotations

from datetime import date

import duckdb

from tipsheet.storage import db


def _database_at(path, version: int) -> None:
    """A database as a tipsheet that knew migrations up to `version` left it."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE TABLE schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT now())"
        )
        for v, name, sql in db.migrations():
            if v <= version:
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [v, name]
                )
    finally:
        con.close()


def _item(con, manager: str, day: date, rank: int, worth: bool) -> None:
    con.execute(
        "INSERT INTO digest_items (manager_id, run_date, article_id, item_id, rank, score, "
        "worth_call) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [manager, day, f"{manager}-{day}-{rank}", f"{rank:08d}", rank, 1.0 / rank, worth],
    )


def test_008_keeps_the_items_each_digest_showed_and_drops_the_rest(tmp_path):
    path = tmp_path / "old.duckdb"
    _database_at(path, 7)
    night, earlier = date(2026, 11, 2), date(2026, 11, 1)
    con = duckdb.connect(str(path))
    try:
        # A night of the old kind: 30 worth a call and 40 others, interleaved by rank.
        for rank in range(1, 71):
            _item(con, "m1", night, rank, worth=rank % 7 < 3)
        for rank in range(1, 6):  # a digest already small is left alone
            _item(con, "m1", earlier, rank, worth=rank == 1)
            _item(con, "m2", night, rank, worth=False)
    finally:
        con.close()

    con = db.connect(path)
    try:
        kept = con.execute(
            "SELECT rank, worth_call FROM digest_items "
            "WHERE manager_id = 'm1' AND run_date = ? ORDER BY rank",
            [night],
        ).fetchall()
        worth = [r for r, w in kept if w]
        others = [r for r, w in kept if not w]
        assert worth == [r for r in range(1, 71) if r % 7 < 3][:10]
        assert others == [r for r in range(1, 71) if r % 7 >= 3][:15]
        small = con.execute(
            "SELECT manager_id, run_date, count(*) FROM digest_items "
            "WHERE NOT (manager_id = 'm1' AND run_date = ?) GROUP BY ALL ORDER BY ALL",
            [night],
        ).fetchall()
        assert small == [("m1", earlier, 5), ("m2", night, 5)]
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == (
            db.latest_version()
        )
    finally:
        con.close()


GROWING = ("articles", "url_state", "mentions", "events", "digest_items")


def test_009_keeps_every_row_of_the_tables_it_makes_again_without_keys(tmp_path):
    path = tmp_path / "old.duckdb"
    _database_at(path, 8)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "INSERT INTO articles (id, url, title, text, published_at, fetched_at, origin, "
            "story_id, published_day) VALUES "
            "('a1', 'https://x.example/1', 'One', 'Text one', '2026-11-01 09:00:00+00', "
            "'2026-11-02 00:00:00+00', 'page', 's1', '2026-11-01'), "
            "('a2', 'https://x.example/2', NULL, NULL, NULL, '2026-11-02 00:00:00+00', "
            "'feed_only', NULL, NULL)"
        )
        con.execute(
            "INSERT INTO url_state VALUES ('https://x.example/1', '\"e\"', NULL, 'h', NULL, "
            "'2026-11-02 00:00:00+00')"
        )
        con.execute("INSERT INTO mentions VALUES ('a1', 'c1', 2, true, 'One', 'One', 0.9)")
        con.execute("INSERT INTO events VALUES ('a1', 'acquisition', 'One', 0.8, 'c1', true)")
        _item(con, "m1", date(2026, 11, 2), 1, worth=True)
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in GROWING}
        columns = {t: con.execute(f"DESCRIBE {t}").fetchall() for t in GROWING}
    finally:
        con.close()

    con = db.connect(path)
    try:
        for t in GROWING:
            assert con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() == before[t]
            # The same columns, in the same order; former key columns still NOT NULL.
            now = con.execute(f"DESCRIBE {t}").fetchall()
            assert [(c[0], c[1], c[5]) for c in now] == [(c[0], c[1], c[5]) for c in columns[t]]
            assert [c[2] for c in now] == ["NO" if c[3] == "PRI" else c[2] for c in columns[t]]
        keys = con.execute(
            "SELECT DISTINCT table_name FROM duckdb_constraints() "
            "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchall()
        assert not {t for (t,) in keys} & set(GROWING)
        assert (
            con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            == db.latest_version()
        )
        # The default a later insert relies on is kept.
        con.execute("INSERT INTO events (article_id, event_type) VALUES ('a2', 'funding')")
        assert con.execute("SELECT in_lead FROM events WHERE article_id = 'a2'").fetchone() == (
            False,
        )
    finally:
        con.close()
