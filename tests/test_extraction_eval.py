"""Extraction quality must not drop below the floors pinned in evals/baseline.json.

A quick subset of the corpus (the first 60 Zyte benchmark pages and the first 80 newspaper4k
pages, in id order), fetched over a loopback HTTP server like the full `python -m
evals.extraction`; the subset has floors of its own ("extraction.subset.*").
"""

from __future__ import annotations

import pytest

from evals.extraction import N4K, ZYTE, check_floors, evaluate, load_floors
from evals.textmetrics import overlap, prf

SUBSET = {ZYTE: 60, N4K: 80}


def test_shingle_metric_matches_upstream_definition():
    exact = overlap("one two three four five", "one two three four five")
    assert (exact.tp, exact.fp, exact.fn) == (1.0, 0.0, 0.0)
    half = overlap("a b c d e", "a b c d x")  # shingles (a,b,c,d)+(b,c,d,e) vs (a,b,c,d)+(b,c,d,x)
    assert half.tp == pytest.approx(1 / 3)
    empty = overlap("a b c d", "")
    assert prf([exact, empty]) == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3})


@pytest.mark.corpus
def test_extraction_subset_above_floors(corpus):
    floors = {
        key.removeprefix("extraction.subset."): value
        for key, value in load_floors("extraction.subset.").items()
    }
    assert floors, "no extraction.subset.* floors in evals/baseline.json"
    metrics, outcomes = evaluate(corpus, SUBSET)
    assert len(outcomes) == sum(SUBSET.values())
    metrics = {key.removeprefix("extraction."): row for key, row in metrics.items()}
    failures = check_floors(metrics, floors)
    assert not failures, "extraction below its floor:\n" + "\n".join(failures)
    # the pipeline must never do worse than trafilatura called directly
    assert metrics[f"{ZYTE}.f1"]["ours"] >= metrics[f"{ZYTE}.f1"]["direct"] - 0.002
