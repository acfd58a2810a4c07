"""The fitted score: readable factors, recency and novelty, worth-a-call, talking points."""

from __future__ import annotations

import math
from datetime import date

from tipsheet.core.score import FEATURES, Features, Weights, default_weights, score_item
from tipsheet.core.talking_points import talking_points

TODAY = date(2026, 11, 20)
W = Weights(
    bias=-2.0,
    weights={**dict.fromkeys(FEATURES, 0.0), "rel_competitor": 1.5, "ev_acquisition": 2.0},
    threshold=0.5,
)


def f(**kw) -> Features:
    args = {
        "relation": "competitor",
        "event_type": "acquisition",
        "event_confidence": 1.0,
        "in_title": True,
        "mention_count": 2,
        "profile": 0.3,
        "interests_hits": 0,
        "coverage": 1,
    }
    args.update(kw)
    return Features(**args)


def test_factors_multiply_to_the_odds():
    b = score_item(f(), W, TODAY, TODAY)
    odds = math.exp(W.bias) * math.prod(b.factors.values())
    assert abs(odds / (1 + odds) - b.probability) < 1e-3
    assert abs(b.total - 100 * b.probability) < 0.05
    assert "relation" in b.explain() and "recency" in b.explain()


def test_recency_novelty_and_feedback_scale_the_score():
    base = score_item(f(), W, TODAY, TODAY).total
    assert score_item(f(), W, date(2026, 11, 6), TODAY).total < base
    assert abs(score_item(f(), W, None, TODAY).recency - 0.5) < 1e-9
    assert score_item(f(), W, TODAY, TODAY, listed_before=1).novelty == 0.5
    assert score_item(f(), W, TODAY, TODAY, feedback=1.0).total > base
    assert score_item(f(), W, TODAY, TODAY, feedback=-1.0).total < base


def test_worth_a_call_needs_a_call_relation_an_event_and_the_threshold():
    assert score_item(f(), W, TODAY, TODAY).worth_call
    assert not score_item(f(relation="industry"), W, TODAY, TODAY).worth_call
    assert not score_item(f(event_type=None, event_confidence=0.0), W, TODAY, TODAY).worth_call
    weak = score_item(f(relation="customer", event_type="earnings"), W, TODAY, TODAY)
    assert weak.probability < 0.5 and not weak.worth_call


def test_committed_weights_prefer_a_competitor_event_to_a_passing_mention():
    w = default_weights()
    assert set(w.weights) == set(FEATURES)
    event = score_item(f(), w, TODAY, TODAY).total
    passing = score_item(
        f(relation="industry", event_type=None, event_confidence=0.0, in_title=False),
        w,
        TODAY,
        TODAY,
    ).total
    assert event > passing


def test_talking_points_pick_the_event_sentence():
    text = (
        "Founded in 1998, Contoso makes software. On Tuesday Contoso said it had raised "
        "$50 million in a Series C round led by Harbor. Shares of peers rose."
    )
    tp = talking_points(text, ["Contoso"], "funding")
    assert tp.startswith("On Tuesday Contoso said it had raised $50 million")
    assert talking_points("", ["Contoso"], None) == ""


def test_talking_points_are_whole_sentences_of_one_paragraph():
    text = (
        "Northwind Logistics and Bramblewood Foods today announced a five-year agreement "
        "under which Northwind will run Bramblewood's chilled distribution.\n\n"
        "The agreement covers an estimated 140,000 pallets a year.\n\n"
        '"Fresh bakery is unforgiving," said Fiona Aldridge of Bramblewood Foods. '
        '"Northwind showed us where our product was waiting. That is what won them the '
        'agreement with Northwind Logistics."'
    )
    tp = talking_points(text, ["Northwind Logistics", "Northwind"], "partnership")
    assert tp.startswith("Northwind Logistics and Bramblewood Foods today announced")
    assert "won them" not in tp  # from another paragraph, and a fragment of a quotation
    assert tp.count('"') % 2 == 0


def test_the_ranks_are_the_breakdowns_worth_and_total_bit_for_bit():
    import dataclasses
    import random

    from tipsheet.core.score import FeatureColumns, score_ranks

    rng = random.Random(7)
    weights = Weights(
        bias=-1.3,
        weights={k: rng.uniform(-2, 2) for k in FEATURES},
        threshold=0.4,
    )
    items = [
        f(
            relation=rng.choice(["competitor", "customer", "own", "industry"]),
            event_type=rng.choice([None, "acquisition", "funding", "partnership"]),
            event_confidence=rng.random(),
            in_title=rng.random() < 0.5,
            mention_count=rng.randint(1, 12),
            profile=rng.uniform(-0.3, 0.9),
            interests_hits=rng.choice([None, 0, 1, 4]),
            coverage=rng.randint(1, 6),
        )
        for _ in range(500)
    ]
    published = [rng.choice([None, TODAY, date(2026, 11, 1), date(2026, 12, 1)]) for _ in items]
    listed = [rng.randint(0, 3) for _ in items]
    feedback = [rng.choice([0.0, rng.uniform(-3, 3)]) for _ in items]
    columns = FeatureColumns(
        **{k.name: [getattr(x, k.name) for x in items] for k in dataclasses.fields(Features)}
    )
    assert [columns.row(i) for i in range(len(items))] == items
    worth, totals = score_ranks(columns, weights, published, TODAY, listed, feedback)
    for i, item in enumerate(items):
        b = score_item(item, weights, published[i], TODAY, listed[i], feedback[i])
        assert (worth[i], totals[i]) == (b.worth_call, b.total)
    assert any(worth) and not all(worth)
