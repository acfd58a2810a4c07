"""Fitting the ranking's weights on judged scenarios (`make train`, and each fold of `make eval`).

Rows come from the production ranking itself (`tipsheet.core.ranking.score_candidates`), run on a
real run's stored rows with neutral weights, so the features fitted are the features the
digest computes: one row per story, the candidate of the closest relation. Its label is the
reader's value of the article for that scenario's manager (0, 1 or 2): relevant means 1 or
2, and a 2 weighs twice. A logistic regression with an L2 penalty gives one weight per
feature, the events' and relations' held at 0 or above (NON_NEGATIVE); the threshold for
"worth a call" is the probability with the best F1 on the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.linear_model import LogisticRegression

from tipsheet.core.config import load_config
from tipsheet.core.ranking import Scored, score_candidates
from tipsheet.core.score import FEATURES, Weights
from tipsheet.flows.digests import ranking_inputs
from tipsheet.storage import db
from training.folds import AS_OF, Stored

C = 1.0
# An event of any type, and a known relation (own, competitor, customer), never count
# against an item: a few hundred judged rows cannot tell "an acquisition lowers an item's
# value" from noise, so such a weight fitted negative is fixed at 0 and the rest refitted.
NON_NEGATIVE = ("ev_", "rel_")
NEUTRAL = Weights(bias=0.0, weights={}, threshold=0.5)


@dataclass
class Row:
    scenario: str
    article_id: str
    vector: dict[str, float]
    value: int


def fit(rows: list[Row], seed: int = 0) -> Weights:
    # Rows in an order of their content alone: a real run's row order and article ids (URL
    # hashes, with the loopback port in them) differ between runs, and the solver's sums with them.
    rows = sorted(rows, key=lambda r: (r.scenario, [r.vector[k] for k in FEATURES], r.value))
    X = np.array([[r.vector[k] for k in FEATURES] for r in rows])
    y = np.array([int(r.value >= 1) for r in rows])
    w = np.array([2.0 if r.value == 2 else 1.0 for r in rows])
    active = list(range(len(FEATURES)))
    while True:
        model = LogisticRegression(C=C, max_iter=5000, random_state=seed)
        model.fit(X[:, active], y, sample_weight=w)
        coef = dict(zip(active, model.coef_[0], strict=True))
        negative = [j for j, v in coef.items() if v < 0 and FEATURES[j].startswith(NON_NEGATIVE)]
        if not negative:
            break
        active = [j for j in active if j not in negative]
    probs = model.predict_proba(X[:, active])[:, 1]
    return Weights(
        bias=round(float(model.intercept_[0]), 4),
        weights={k: round(float(coef.get(j, 0.0)), 4) for j, k in enumerate(FEATURES)},
        threshold=_threshold(probs, y),
        meta={"rows": len(rows)},
    )


def _threshold(probs: np.ndarray, y: np.ndarray) -> float:
    best = (-1.0, 0.5)
    for thr in np.arange(0.1, 0.91, 0.025):
        pred = probs >= thr
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        best = max(best, (f1, round(float(thr), 3)))
    return best[1]


def values_of(stored: Stored) -> dict[str, dict[str, int]]:
    """scenario -> article id -> value."""
    out: dict[str, dict[str, int]] = {}
    for r in stored.data["value"]:
        aid = stored.article_of.get(r["doc"])
        if aid:
            out.setdefault(r["scenario"], {})[aid] = int(r["value"])
    return out


def manager_id(scenario: str) -> str:
    return scenario.replace("_", "-")


def order(cfg, con, scenario: str, weights, keep=None) -> list[Scored]:
    manager = next(m for m in cfg.managers if m.id == manager_id(scenario))
    inputs = ranking_inputs(con, cfg, manager, AS_OF)
    if keep is not None:
        inputs = replace(inputs, candidates=[c for c in inputs.candidates if c.article_id in keep])
    return score_candidates(cfg, manager, AS_OF, inputs, weights)


def training_rows(stored: Stored) -> list[Row]:
    cfg = load_config(stored.config)
    values = values_of(stored)
    con = db.connect_read_only(stored.database)
    try:
        rows = []
        for scenario, judged in values.items():
            for r in order(cfg, con, scenario, NEUTRAL):
                rows.append(
                    Row(
                        scenario,
                        r.article_id,
                        r.features.vector(),
                        judged.get(r.article_id, 0),
                    )
                )
    finally:
        con.close()
    return rows
