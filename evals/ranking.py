"""The digest's order on judged scenarios, through the production ranking.

Runs on the BBC set's real run (see training/folds.py) after its fold-by-fold analysis, so
no article is ranked with mentions or events from models trained on its fold. For each of
the four scenarios (a hiring manager, their competitors and customers, each article judged
0, 1 or 2 for a call), the weights are fitted on the other three scenarios only
(leave-one-scenario-out) and passed to `tipsheet.core.ranking.score_candidates`, the function
the nightly digest calls, on the rows `flows.digests.ranking_inputs` reads.

- P@5: relevant (1 or 2) items among the top five, over scenarios with at least five
  relevant articles; nDCG@10 with gains 0/1/2.
- Feedback, simulated: each scenario's articles are split in two halves by a hash of the
  article id; the top ten items of the first half are judged as a user would (`tipsheet
  feedback`: 1 or 2 useful, 0 not-useful, stored in the feedback table), then the second
  half is ranked with and without that feedback.
"""

from __future__ import annotations

import hashlib
import math

from tipsheet.core.config import load_config
from tipsheet.storage import db, writes
from training import ranking as fitting
from training.folds import Stored


def ndcg(gains: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(gs: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best else 1.0


def _half(article_id: str) -> int:
    return hashlib.sha1(article_id.encode()).digest()[0] % 2


def evaluate(stored: Stored) -> dict:
    cfg = load_config(stored.config)
    values = fitting.values_of(stored)
    rows = fitting.training_rows(stored)
    per: dict[str, dict] = {}
    con = db.connect(stored.database)
    try:
        con.execute("DELETE FROM feedback")
        for scenario, judged in sorted(values.items()):
            weights = fitting.fit([r for r in rows if r.scenario != scenario])
            order = fitting.order(cfg, con, scenario, weights)
            gains = [judged.get(r.article_id, 0) for r in order]
            relevant = sum(1 for v in judged.values() if v >= 1)
            res = {
                "relevant": relevant,
                "p_at_5": sum(1 for g in gains[:5] if g >= 1) / 5,
                "ndcg_at_10": round(ndcg(gains, list(judged.values())), 4),
                "top5": [(r.candidate.title, judged.get(r.article_id, 0)) for r in order[:5]],
            }
            first = {a for a in judged if _half(a) == 0}
            second = {a for a in judged if _half(a) == 1}
            before = fitting.order(cfg, con, scenario, weights, keep=second)
            for r in fitting.order(cfg, con, scenario, weights, keep=first)[:10]:
                useful = judged.get(r.article_id, 0) >= 1
                writes.save_feedback(
                    con, fitting.manager_id(scenario), r.article_id, useful, "simulated"
                )
            after = fitting.order(cfg, con, scenario, weights, keep=second)
            con.execute("DELETE FROM feedback")
            res["second_half_p_at_5"] = {
                "without_feedback": sum(judged.get(r.article_id, 0) >= 1 for r in before[:5]) / 5,
                "with_feedback": sum(judged.get(r.article_id, 0) >= 1 for r in after[:5]) / 5,
            }
            per[scenario] = res
    finally:
        con.close()
    scored = [r for r in per.values() if r["relevant"] >= 5]
    return {
        "scenarios": per,
        "p_at_5": round(sum(r["p_at_5"] for r in scored) / len(scored), 4),
        "ndcg_at_10": round(sum(r["ndcg_at_10"] for r in per.values()) / len(per), 4),
        "feedback_p_at_5": {
            k: round(sum(r["second_half_p_at_5"][k] for r in scored) / len(scored), 4)
            for k in ("without_feedback", "with_feedback")
        },
    }
