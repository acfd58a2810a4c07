"""Text-overlap scores, computed exactly as the Zyte article-extraction-benchmark does.

Its `evaluate.py` counts 4-word shingles (`\\w+` tokens, case kept), turns each page's
true/false positives and negatives into fractions of that page's total (so long pages do not
weigh more), then averages precision and recall over pages and takes F1 of the two means.
Reimplemented here (no code copied) so our figures compare with its published ones.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Overlap:
    """One page's true positives, false positives and false negatives, as fractions."""

    tp: float
    fp: float
    fn: float


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # Like upstream: a text shorter than n tokens is one short shingle, an empty text none.
    grams = [tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))]
    return Counter(g for g in grams if g)


def overlap(true: str, pred: str, n: int = 4) -> Overlap:
    t, p = shingles(true, n), shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total:
        return Overlap(tp / total, fp / total, fn / total)
    return Overlap(0.0, 0.0, 0.0)


def _precision(o: Overlap) -> float:
    if o.fp == o.fn == 0:
        return 1.0
    return 0.0 if o.tp == o.fp == 0 else o.tp / (o.tp + o.fp)


def _recall(o: Overlap) -> float:
    if o.fp == o.fn == 0:
        return 1.0
    return 0.0 if o.tp == o.fn == 0 else o.tp / (o.tp + o.fn)


def prf(overlaps: list[Overlap]) -> dict[str, float]:
    """Precision and recall averaged over pages, F1 of those two means (upstream's method)."""
    precisions = [_precision(o) for o in overlaps if o.tp + o.fp > 0]
    recalls = [_recall(o) for o in overlaps if o.tp + o.fn > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}
