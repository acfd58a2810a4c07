from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from tipsheet.core.clusters import StoryIndex, StoryKeys
from tipsheet.core.config import parse_config
from tipsheet.core.digest import DigestItem
from tipsheet.core.errors import QueryRefused, RunInProgress, SchemaTooNew, StorageError
from tipsheet.core.ranking import Listed
from tipsheet.core.records import (
    AnalysisResult,
    Article,
    ArticleText,
    Event,
    FetchLog,
    Mention,
    Posting,
    Source,
    SourceResult,
    Validators,
)
from tipsheet.core.score import ScoreBreakdown
from tipsheet.storage import db, reads, search, writes
from tipsheet.storage.lock import run_lock
from tipsheet.storage.query import check_statement, run_query

CONFIG = {
    "me": {"name": "Alex Candidate"},
    "managers": [
        {
            "id": "dana",
            "name": "Dana Kim",
            "company": "northwind",
            "role": "Data Engineer",
            "rejected_on": "2026-10-15",
        }
    ],
    "companies": {
        "northwind": {
            "name": "Northwind Logistics",
            "competitors": ["contoso"],
            "sources": [{"type": "feed", "url": "https://northwind.example/feed.xml"}],
        },
        "contoso": {"name": "Contoso"},
    },
}


@pytest.fixture
def cfg():
    return parse_config(CONFIG)


@pytest.fixture
def fresh_db(tmp_path):
    path = tmp_path / "t.duckdb"
    con = db.connect(path)
    yield con, path
    con.close()


def _article(n: int, source_id: str = "s1") -> Article:
    return Article(
        id=f"a{n:03d}",
        url=f"https://news.example/{n}",
        title=f"Contoso acquires startup number {n}",
        text=f"Contoso announced the acquisition of startup {n} for data platforms.",
        published_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
        source_id=source_id,
        fetched_at=datetime(2026, 11, 2, tzinfo=UTC),
    )


def _result(source: Source, articles: list[Article], postings=None) -> SourceResult:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    return SourceResult(
        source=source,
        logs=[FetchLog(source.url, "ok", 200, None, now, 12, 345)],
        validators={source.url: Validators(etag='"v1"', content_hash="h")},
        articles=articles,
        postings=postings,
    )


def test_migrations_apply_once_and_record_themselves(fresh_db):
    con, path = fresh_db
    assert db.migrate(con, path) == db.latest_version()
    rows = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows == [(v, n) for v, n, _ in db.migrations()]
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    for t in ("companies", "sources", "fetches", "articles", "mentions", "events"):
        assert t in tables
    for t in ("digest_items", "outreach", "postings", "runs", "signals", "url_state"):
        assert t in tables


def test_database_from_a_future_version_is_refused_untouched(tmp_path):
    path = tmp_path / "future.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')")
    con.execute("INSERT INTO runs (started_at, as_of, status) VALUES (now(), current_date, 'x')")
    con.close()
    with pytest.raises(SchemaTooNew, match="newer tipsheet"):
        db.connect(path)
    con = duckdb.connect(str(path))
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    con.close()


def test_unreadable_database_gets_one_line_error(tmp_path):
    path = tmp_path / "garbage.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError) as exc:
        db.connect(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)
    assert path.read_bytes().startswith(b"this is not a database")


def test_saving_the_same_night_twice_stores_nothing_twice(fresh_db, cfg):
    con, _ = fresh_db
    writes.sync_config(con, cfg)
    source = cfg.sources()[0]
    posting = Posting("northwind", source.id, "p1", "Data Engineer", "https://jobs.example/1")
    results = [_result(source, [_article(i, source.id) for i in range(5)], [posting])]
    assert writes.save_source_results(con, 1, results, date(2026, 11, 2)) == 5
    assert writes.save_source_results(con, 2, results, date(2026, 11, 2)) == 0
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM url_state").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM postings").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2  # one per attempt
    validators, known = reads.fetch_state(con)
    assert validators[source.url].etag == '"v1"'
    assert "https://news.example/3" in known


def test_a_feed_only_article_gets_its_page_and_a_page_is_never_replaced(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    feed = _article(1, source.id)
    feed_only = Article(**{**feed.__dict__, "text": "The feed's summary.", "origin": "feed_only"})
    writes.save_source_results(con, 1, [_result(source, [feed_only])], date(2026, 11, 1))
    writes.save_analysis(con, AnalysisResult(["a001"], [], [], {"a001": "story1"}))
    page = Article(**{**feed.__dict__, "fetched_at": datetime(2026, 11, 3, tzinfo=UTC)})
    assert writes.save_source_results(con, 2, [_result(source, [page])], date(2026, 11, 3)) == 0
    row = "SELECT text, origin, fetched_at, story_id, analysed_at FROM articles"
    assert con.execute(row).fetchall() == [(feed.text, "page", page.fetched_at, None, None)]
    again = Article(**{**feed_only.__dict__, "fetched_at": datetime(2026, 11, 4, tzinfo=UTC)})
    writes.save_source_results(con, 3, [_result(source, [again])], date(2026, 11, 4))
    assert con.execute(row).fetchall() == [(feed.text, "page", page.fetched_at, None, None)]


def test_writes_keep_each_key_once_without_constraints(fresh_db, cfg):
    """Migration 009 dropped the growing tables' key constraints: the writes keep them."""
    con, _ = fresh_db
    writes.sync_config(con, cfg)
    source = cfg.sources()[0]
    other = Source(id="s2", company_id="contoso", type="feed", url=source.url)
    first, later = _result(source, [_article(1, source.id)]), _result(other, [_article(1, "s2")])
    later.validators = {source.url: Validators(etag='"v2"')}
    # One URL read by two sources in one batch, one article in both: each stored once.
    assert writes.save_source_results(con, 1, [first, later], date(2026, 11, 2)) == 1
    assert con.execute("SELECT url, etag FROM url_state").fetchall() == [(source.url, '"v2"')]
    assert con.execute("SELECT id, source_id FROM articles").fetchall() == [("a001", source.id)]

    m = Mention("a001", "contoso", 2, True, "Contoso acquires", "Contoso")
    e = Event("a001", "acquisition", "Contoso acquires", 0.9, "contoso")
    e2 = Event("a001", "acquisition", "a second finding", 0.5, "contoso")
    writes.save_analysis(con, AnalysisResult(["a001"], [m], [e, e2], {"a001": "s"}))
    assert con.execute("SELECT evidence FROM events").fetchall() == [("Contoso acquires",)]
    for mentions, events in (([m, m], []), ([Mention("a002", "contoso", 1, True, "", "")], [])):
        with pytest.raises(StorageError, match="nothing of it was stored"):
            writes.save_analysis(con, AnalysisResult(["a001"], mentions, events, {"a001": "t"}))
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1
    assert con.execute("SELECT story_id FROM articles").fetchall() == [("s",)]

    item = _listed("a001")
    writes.save_digest(con, "dana", date(2026, 11, 2), [item], [])
    with pytest.raises(StorageError, match="offered twice"):
        writes.save_digest(con, "dana", date(2026, 11, 2), [item, item], [])
    assert con.execute("SELECT article_id, rank FROM digest_items").fetchall() == [("a001", 1)]


def _stored_articles(con, cfg, count: int) -> list[Article]:
    """a001..a<count> of the config's first source, stored by one run on 2026-11-02."""
    source = cfg.sources()[0]
    writes.sync_config(con, cfg)
    arts = [_article(n, source.id) for n in range(1, count + 1)]
    writes.save_source_results(con, 1, [_result(source, arts)], date(2026, 11, 2))
    return arts


def _listed(article: str) -> Listed:
    return Listed(
        DigestItem(
            item_id=article[:8],
            article_id=article,
            title="Contoso acquires",
            url="https://news.example/1",
            company_name="Contoso",
            relation="competitor",
            event_type=None,
            published=date(2026, 11, 1),
            score=1.0,
            worth_call=False,
            talking_point="",
            why="",
        ),
        company_id="contoso",
        breakdown=ScoreBreakdown(
            factors=dict.fromkeys(
                ("relation", "interests", "prominence", "coverage", "event", "profile"), 1.0
            ),
            probability=0.5,
            recency=1.0,
            novelty=1.0,
            feedback=1.0,
            total=1.0,
            worth_call=False,
        ),
    )


def test_postings_keep_first_seen_and_close_when_gone(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    p1 = Posting("northwind", source.id, "p1", "Data Engineer")
    p2 = Posting("northwind", source.id, "p2", "Designer")
    writes.save_source_results(con, 1, [_result(source, [], [p1, p2])], date(2026, 11, 1))
    writes.save_source_results(con, 2, [_result(source, [], [p1])], date(2026, 11, 5))
    rows = {p.posting_key: p for p in reads.postings(con, "northwind")}
    assert rows["p1"].first_seen == date(2026, 11, 1)
    assert rows["p1"].last_seen == date(2026, 11, 5) and rows["p1"].active
    assert not rows["p2"].active and rows["p2"].last_seen == date(2026, 11, 1)


def test_analysis_is_replaced_atomically_and_marks_articles(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    writes.sync_config(con, cfg)  # the source row names its company
    a = _article(1, source.id)
    writes.save_source_results(con, 1, [_result(source, [a])], date(2026, 11, 2))
    assert reads.unanalysed_articles(con) == [
        ArticleText("a001", a.title, a.text, None, "northwind")
    ]
    m = Mention("a001", "contoso", 2, True, "Contoso acquires", "Contoso")
    e = Event("a001", "acquisition", "Contoso acquires", 0.9, "contoso")
    for _ in range(2):
        writes.save_analysis(con, AnalysisResult(["a001"], [m], [e], {"a001": "story1"}))
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    assert reads.unanalysed_articles(con) == []
    rows = reads.candidates(con, ["contoso"], datetime(2026, 10, 1, tzinfo=UTC))
    assert rows[0].events == (e,) and rows[0].coverage == 1
    assert (rows[0].company_id, rows[0].mention_count, rows[0].in_title) == ("contoso", 2, True)


def test_fts_search_works_offline(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    arts = [_article(1), _article(2)]
    arts[1].title, arts[1].text = "Weather report", "Rain expected over the harbour."
    writes.save_source_results(con, 1, [_result(source, arts)], date(2026, 11, 2))
    with writes.transaction(con):
        assert search.index_articles(con, []) == 2
        assert search.index_articles(con, []) == 0  # each article's terms are added once
    hits = search.search(con, "acquisition startup")
    assert [h[1] for h in hits] == ["a001"]
    # A new text replaces the article's terms instead of adding to them.
    con.execute("UPDATE articles SET text = 'Heavy rain again.' WHERE id = 'a001'")
    with writes.transaction(con):
        assert search.index_articles(con, ["a001"]) == 1
    assert {h[1] for h in search.search(con, "rain")} == {"a001", "a002"}
    assert search.search(con, "data platforms") == []  # words of the old text only


def test_search_scores_are_the_fts_extensions_bm25(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    arts = [_article(i) for i in range(1, 6)]
    for i, a in enumerate(arts):
        a.text = " ".join(["harbour"] * (i + 1) + ["cranes", "rain"] * (5 - i))
    writes.save_source_results(con, 1, [_result(source, arts)], date(2026, 11, 2))
    with writes.transaction(con):
        search.index_articles(con, [])
    ours = [(round(s, 9), i) for s, i, *_ in search.search(con, "harbour rains")]
    con.execute(
        "PRAGMA create_fts_index('articles', 'id', 'title', 'text', stemmer = 'english', "
        "stopwords = 'english')"
    )
    theirs = con.execute(
        "SELECT round(s, 9), id FROM (SELECT id, fts_main_articles.match_bm25(id, "
        "'harbour rains') AS s FROM articles) WHERE s IS NOT NULL ORDER BY s DESC, id"
    ).fetchall()
    assert ours == [tuple(r) for r in theirs] and len(ours) == 5


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM articles",
        "ATTACH 'other.duckdb'",
        "COPY articles TO 'out.csv'",
        "INSTALL httpfs",
        "SELECT 1; DROP TABLE articles",
        "CREATE TABLE x (a INT)",
        "UPDATE articles SET title = 'x'",
        "SET threads = 1",
    ],
)
def test_query_refuses_anything_but_one_reading_statement(sql):
    with pytest.raises(QueryRefused):
        check_statement(sql)


def test_query_reads_with_external_access_off(fresh_db, tmp_path):
    con, path = fresh_db
    con.close()
    ro = db.connect_read_only(path, external_access=False)
    try:
        cols, rows = run_query(ro, "SELECT count(*) AS n FROM articles")
        assert cols == ["n"] and rows == [(0,)]
        secret = tmp_path / "secret.csv"
        secret.write_text("a\n1\n")
        with pytest.raises(QueryRefused):
            run_query(ro, f"SELECT * FROM read_csv('{secret}')")
    finally:
        ro.close()


def test_snapshot_is_a_readable_copy(fresh_db):
    con, path = fresh_db
    con.execute("INSERT INTO runs (started_at, as_of, status) VALUES (now(), current_date, 'done')")
    snap = db.write_snapshot(con, path)
    ro = db.connect_read_only(snap)
    assert ro.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    ro.close()


def test_second_run_lock_fails_at_once(tmp_path):
    path = tmp_path / "x.duckdb"
    code = (
        "import sys, time; sys.path.insert(0, '.');"
        "from storage.lock import run_lock; from pathlib import Path;"
        f"cm = run_lock(Path({str(path)!r})); cm.__enter__(); print('held', flush=True);"
        "time.sleep(30)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress, match="already in progress"), run_lock(path):
            pass
    finally:
        holder.kill()
        holder.wait()
    with run_lock(path):  # the kernel released the dead holder's lock
        pass


def test_writer_waits_for_a_reader_process_then_gives_up_clearly(tmp_path):
    path = tmp_path / "busy.duckdb"
    db.connect(path).close()
    code = (
        "import duckdb, time, sys;"
        f"c = duckdb.connect({str(path)!r}, read_only=True); print('open', flush=True);"
        "time.sleep(float(sys.argv[1]))"
    )
    reader = subprocess.Popen([sys.executable, "-c", code, "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(StorageError, match="in use by another process"):
            db.connect(path, wait_s=0.5)
    finally:
        reader.kill()
        reader.wait()
    short = subprocess.Popen([sys.executable, "-c", code, "1"], stdout=subprocess.PIPE, text=True)
    assert short.stdout.readline().strip() == "open"
    con = db.connect(path, wait_s=20)  # the reader closes within a second: the writer gets in
    con.close()
    short.wait()


def test_snapshot_update_writes_only_the_blocks_that_differ(tmp_path):
    from tipsheet.storage.snapshot import BLOCK, update_in_place

    source, target = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    old = os.urandom(40 * BLOCK + 17)
    new = bytearray(old)
    new[3 * BLOCK + 5] ^= 1
    new[37 * BLOCK] ^= 1
    for changed in (bytes(new) + os.urandom(BLOCK + 3), bytes(new[: 20 * BLOCK + 9])):
        target.write_bytes(old)
        source.write_bytes(changed)
        written = update_in_place(source, target)
        assert target.read_bytes() == changed
        blocks = [changed[i : i + BLOCK] for i in range(0, len(changed), BLOCK)]
        differing = [b for i, b in enumerate(blocks) if b != old[i * BLOCK : (i + 1) * BLOCK]]
        assert written == sum(map(len, differing)) and len(differing) <= 4


def test_snapshot_follows_the_file_and_never_changes_under_a_reader(fresh_db, tmp_path):
    con, path = fresh_db
    add = "INSERT INTO runs (started_at, as_of, status) VALUES (now(), current_date, 'done')"
    con.execute(add)
    snap = db.write_snapshot(con, path)
    code = (
        "import duckdb, sys, time;"
        f"c = duckdb.connect({str(snap)!r}, read_only=True);"
        "print(c.execute('SELECT count(*) FROM runs').fetchone()[0], flush=True);"
        "sys.stdin.readline();"
        "print(c.execute('SELECT count(*) FROM runs').fetchone()[0], flush=True)"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        con.execute(add)
        db.write_snapshot(con, path)  # the reader is inside the last one: a new file
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # its file did not move under it
    finally:
        reader.kill()
        reader.wait()
    con.execute(add)
    db.write_snapshot(con, path)  # nobody inside: brought up to date in place
    aside = snap.with_name(snap.name + ".updating")
    os.replace(snap, aside)  # a run killed while updating it left it aside, half-written
    with open(aside, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(8192))
    con.execute(add)
    db.write_snapshot(con, path)
    assert not aside.exists()
    assert snap.read_bytes() == Path(path).read_bytes()
    ro = db.connect_read_only(snap)
    assert ro.execute("SELECT count(*) FROM runs").fetchone()[0] == 4
    ro.close()


def test_candidates_come_without_texts_which_are_read_by_id(fresh_db, cfg):
    con, _ = fresh_db
    source = cfg.sources()[0]
    writes.sync_config(con, cfg)
    arts = [_article(1, source.id), _article(2, source.id)]
    arts[1].id, arts[1].text = "a'2", "O'Brien's text"  # a quote in an id is no SQL
    writes.save_source_results(con, 1, [_result(source, arts)], date(2026, 11, 2))
    mentions = [Mention(a.id, c, 1, True, "", "Contoso") for a in arts for c in ("contoso", "x")]
    writes.save_analysis(con, AnalysisResult([a.id for a in arts], mentions, [], {}))
    since = datetime(2026, 10, 1, tzinfo=UTC)
    rows = reads.candidates(con, ["contoso", "x"], since)
    assert rows and all(r.text is None for r in rows)
    assert reads.article_texts(con, ["a001", "a'2", "missing"]) == {
        "a001": arts[0].text,
        "a'2": "O'Brien's text",
    }
    # What flows.digests.Pool relies on: the rows read for many companies, kept for some,
    # are the rows read for those alone.
    assert [r for r in rows if r.company_id == "contoso"] == reads.candidates(
        con, ["contoso"], since
    )


@pytest.mark.parametrize("few", [True, False])
def test_bulk_writes_store_the_same_rows_bound_as_lists_or_through_arrow(
    fresh_db, few, monkeypatch
):
    con, _ = fresh_db
    monkeypatch.setattr(writes, "_arrow_loaded", lambda: not few)
    con.execute(
        "CREATE TABLE t (k VARCHAR, d DATE, seen TIMESTAMPTZ, n INTEGER, x DOUBLE, b BOOLEAN, "
        "note VARCHAR, ids VARCHAR[])"
    )
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    rows = [
        {"k": "a'1", "d": date(2026, 11, 2), "seen": at, "n": 1, "x": 1 / 3, "b": True,
         "note": None, "ids": ["x", "y"]},
        {"k": "a2", "d": None, "seen": None, "n": None, "x": 0.0, "b": False,
         "note": "O'Brien", "ids": []},
    ]  # fmt: skip
    assert writes.bulk_insert(con, "t", rows) == 2
    writes.bulk_merge(con, "t", [{**rows[1], "note": "merged"}], ["k"], "note = excluded.note")
    stored = con.execute("SELECT * FROM t ORDER BY k").fetchall()
    assert stored == [
        ("a'1", date(2026, 11, 2), at, 1, 1 / 3, True, None, ["x", "y"]),
        ("a2", None, None, None, 0.0, False, "merged", []),
    ]
    assert "_bulk_rows" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def test_listed_before_counts_the_earlier_digests_of_the_candidates_stories(fresh_db, cfg):
    con, _ = fresh_db
    arts = _stored_articles(con, cfg, 4)
    # a001 and a002 are one story; a003 has none; a004 mentions no company asked about.
    mentions = [Mention(a.id, "contoso", 1, True, "", "Contoso") for a in arts[:3]]
    mentions.append(Mention("a004", "northwind", 1, True, "", "Northwind"))
    stories = {"a001": "s1", "a002": "s1"}
    writes.save_analysis(con, AnalysisResult([a.id for a in arts], mentions, [], stories))
    for day, ids in ((1, ["a001", "a003", "a004"]), (2, ["a002"]), (5, ["a003"])):
        writes.save_digest(con, "dana", date(2026, 11, day), [_listed(i) for i in ids], [])
    since = datetime(2026, 10, 1, tzinfo=UTC)
    got = reads.listed_before(con, "dana", date(2026, 11, 5), ["contoso"], since)
    assert got == {"s1": 2, "a003": 1}  # by story; not a004's, nor the digest of the 5th
    assert reads.listed_before(con, "other", date(2026, 11, 5), ["contoso"], since) == {}
    assert reads.listed_before(con, "dana", date(2026, 11, 5), [], since) == {}


def test_an_absent_package_fails_to_import_at_once_and_no_other_import_changes():
    finder = db._Missing("nosuchpackage")
    for name in ("nosuchpackage", "nosuchpackage.sub"):
        with pytest.raises(ModuleNotFoundError, match=name):
            finder.find_spec(name)
    assert finder.find_spec("nosuchpackages") is None
    assert finder.find_spec("json") is None


def test_lead_vectors_are_the_stored_ones_of_the_ids_asked(fresh_db, cfg):
    import numpy as np

    con, _ = fresh_db
    arts = _stored_articles(con, cfg, 20)
    vecs = {a.id: np.full(256, n, dtype=np.float32) for n, a in enumerate(arts)}
    with writes.transaction(con):
        writes._save_vectors(con, vecs)
    got = reads.lead_vectors(con, ["a002", "a004", "missing"])  # rows close together
    assert sorted(got) == ["a002", "a004"]
    assert all((got[i] == vecs[i]).all() for i in got)
    got = reads.lead_vectors(con, ["a001", "a020"])  # far apart: read by row id
    assert sorted(got) == ["a001", "a020"]
    assert all((got[i] == vecs[i]).all() for i in got)
    assert reads.lead_vectors(con, ["missing"]) == {}


def test_profile_vectors_are_stored_once_per_key(fresh_db):
    import numpy as np

    con, _ = fresh_db
    one, two = np.full(256, 0.5, dtype=np.float32), np.full(256, 0.25, dtype=np.float32)
    writes.save_profile_vectors(con, {"k1": one})
    writes.save_profile_vectors(con, {"k1": two, "k2": two})  # k1's first vector stays
    got = reads.profile_vectors(con, ["k1", "k2", "k3"])
    assert sorted(got) == ["k1", "k2"]
    assert (got["k1"] == one).all() and (got["k2"] == two).all()
    assert con.execute("SELECT count(*) FROM profile_vectors").fetchone()[0] == 2


def _three_stories(fresh_db, cfg):
    """a001 and a002 recent stories, a003 not analysed, a004 a story older than the window."""
    con, _ = fresh_db
    source = cfg.sources()[0]
    old = Article(**{**_article(4).__dict__, "published_at": datetime(2026, 8, 1, tzinfo=UTC)})
    arts = [_article(1, source.id), _article(2, source.id), _article(3, source.id), old]
    writes.save_source_results(con, 1, [_result(source, arts)], date(2026, 11, 2))
    return con, arts, {"a001": "s1", "a002": "s2", "a004": "s4"}


def test_unkeyed_stories_are_the_recent_analysed_articles_without_keys(fresh_db, cfg):
    con, arts, stories = _three_stories(fresh_db, cfg)
    writes.save_analysis(con, AnalysisResult(list(stories), [], [], stories))
    writes.save_story_keys(con, {"a002": StoryIndex.keys_for("Contoso acquires startup 2")})
    since = datetime(2026, 10, 1, tzinfo=UTC)
    # a002 has keys, a003 is not analysed, a004 is older than the window.
    assert reads.unkeyed_stories(con, since) == [("a001", f"{arts[0].title}\n{arts[0].text}")]


def test_story_candidates_are_recent_stories_sharing_a_band_key(fresh_db, cfg):
    con, arts, stories = _three_stories(fresh_db, cfg)
    keys = {i: StoryKeys(None, [n, 100 + n]) for n, i in enumerate(stories, 1)}
    writes.save_analysis(con, AnalysisResult(list(stories), [], [], stories), keys)
    writes.save_story_keys(con, {"a003": StoryKeys(None, [1, 2])})  # not analysed: no story
    since = datetime(2026, 10, 1, tzinfo=UTC)
    text = f"{arts[0].title}\n{arts[0].text}"
    # a001 has keys 1 and 101, a002 2 and 102, a004 (too old) 3 and 103.
    assert reads.story_candidates(con, [101, 3, 103, 7], since) == [("a001", "s1", text)]
    assert [r[0] for r in reads.story_candidates(con, [1, 2, 2], since)] == ["a001", "a002"]
    assert reads.story_candidates(con, [], since) == []


def test_the_long_run_benchs_history_is_written_through_storage(tmp_path):
    """bench.longrun's year is written by bench/history.py: the same writes, a smaller year."""
    from bench import history

    data = {**CONFIG, "settings": {"database": str(tmp_path / "year.duckdb")}}
    made = history.fill(parse_config(data), date(2026, 12, 3), articles=40, nights=4)
    assert made["articles"] == 40
    con = db.connect(tmp_path / "year.duckdb")
    try:
        counts = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "mentions", "article_vectors", "runs")
        ]
    finally:
        con.close()
    assert counts == [40, 40, 40, 4]
