"""The judgement floors hold on labelled real news, measured as make eval measures them:
a real run stores the BBC and HuffPost articles, models trained without each fold analyse
it through analyse_articles, and the ranking is scored leave-one-scenario-out through
score_candidates. The floors are pinned in evals/baseline.json."""

from __future__ import annotations

import json

import pytest

from evals import judgement


@pytest.mark.corpus
@pytest.mark.slow
def test_judgement_floors(corpus):
    report = judgement.evaluate(corpus)
    baseline = json.loads((judgement.ROOT / "evals" / "baseline.json").read_text("utf-8"))
    assert any(k.startswith("judgement.") for k in baseline)
    assert judgement.check(report, baseline) == []
    for name in ("bbc-judgement", "huffpost-judgement"):
        assert report[name]["events"]["not_stored"] == 0
        # the companies listed with their errors account for every one the figures count
        lco = report[name]["mentions_lco"]
        for kind in ("false", "missed"):
            assert sum(n for n, _, _ in lco["errors"][kind].values()) == lco[kind]
            assert all(doc for _, doc, _ in lco["errors"][kind].values())
