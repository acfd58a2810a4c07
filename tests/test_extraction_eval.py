"""Extraction quality must not drop below the floors pinned in evals/baseline.json.

A quick subset of the corpus (the first 60 Zyte benchmark pages and the first 80 newspaper4k
pages, in id order), measured like the full `python -m evals.extraction`: served from a
loopback HTTP server, listed in feeds, fetched and stored by the real nightly flow (under
the session's Prefect test harness), and scored from `articles` in the DuckDB file. The
subset has floors of its own ("extraction.subset.*").
"""

from __future__ import annotations

import pytest

from evals.extraction import (
    N4K,
    ZYTE,
    Page,
    check_floors,
    evaluate,
    feed_xml,
    load_floors,
    page_index,
    served_path,
)
from evals.textmetrics import overlap, prf

SUBSET = {ZYTE: 60, N4K: 80}


def test_shingle_metric_matches_upstream_definition():
    exact = overlap("one two three four five", "one two three four five")
    assert (exact.tp, exact.fp, exact.fn) == (1.0, 0.0, 0.0)
    half = overlap("a b c d e", "a b c d x")  # shingles (a,b,c,d)+(b,c,d,e) vs (a,b,c,d)+(b,c,d,x)
    assert half.tp == pytest.approx(1 / 3)
    empty = overlap("a b c d", "")
    assert prf([exact, empty]) == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3})


def test_served_urls_map_back_to_their_page_and_feeds_carry_no_date_or_title(tmp_path):
    from datetime import UTC, datetime

    from tipsheet.core.urls import canonicalize

    pages = [
        Page(ZYTE, "a", tmp_path, "https://news.example/2019/05/10/story.html?utm_source=x"),
        Page(N4K, "b", tmp_path, "https://news.example/2019/05/10/story.html"),  # same URL
        Page("trafilatura_eval", "c", tmp_path, "hard::file-name.html"),  # not a URL
    ]
    paths = [served_path(i, p) for i, p in enumerate(pages)]
    assert paths[0] == "/zyte/0/2019/05/10/story.html"  # the URL's own path is kept
    assert paths[2] == "/trafilatura_eval/2/"
    base = "http://127.0.0.1:8000"
    assert [page_index(canonicalize(base + p)) for p in paths] == [0, 1, 2]
    feed = feed_xml(base, list(enumerate(pages)), ZYTE, datetime.now(UTC)).decode()
    assert feed.count("<item>") == 3
    # the flow prefers a feed's date and title to the page's: the feed must give neither
    assert "<pubDate>" not in feed and "<item><title>" not in feed


@pytest.mark.corpus
def test_extraction_subset_above_floors(corpus, prefect_harness, tmp_path):
    floors = {
        key.removeprefix("extraction.subset."): value
        for key, value in load_floors("extraction.subset.").items()
    }
    assert floors, "no extraction.subset.* floors in evals/baseline.json"
    metrics, outcomes = evaluate(corpus, SUBSET, workdir=tmp_path)
    assert len(outcomes) == sum(SUBSET.values())
    # every page was fetched over HTTP and reached the store (or failed extraction, said so)
    lost = [(o.page.key, o.ours_error) for o in outcomes if o.ours_error and "HTTP" in o.ours_error]
    assert not lost, lost
    metrics = {key.removeprefix("extraction."): row for key, row in metrics.items()}
    failures = check_floors(metrics, floors)
    assert not failures, "extraction below its floor:\n" + "\n".join(failures)
    # the pipeline must never do worse than trafilatura called directly
    assert metrics[f"{ZYTE}.f1"]["ours"] >= metrics[f"{ZYTE}.f1"]["direct"] - 0.002
