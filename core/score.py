"""How much an item is worth to one manager: a fitted model whose factors stay readable.

    odds(worth a call) = exp(bias) × relation × event × prominence × profile × interests
                         × coverage × feedback
    score = 100 × odds / (1 + odds) × recency × novelty

Each factor is exp(weight × feature), so it reads as "this multiplies the odds by x":

- relation:   competitor, customer or own company (industry is the baseline). Who an event
              is about decides it: an article whose main event names the manager's own
              company (it wins a customer, a rival buys it) is own-company news;
- event:      the article's main event, by type, times the event model's confidence;
              no event is the baseline;
- prominence: the company in the headline; how often it is named;
- profile:    the cosine similarity of the headline and lede to the manager's profile (role,
              team, interests, company and its `description`), so the Xbox Cloud Gaming
              manager sees game streaming before AI tooling;
- interests:  how many of the manager's interests the item names (at most 3);
- coverage:   ln(sources carrying the story);
- feedback:   the manager's own judgements of similar items (`tipsheet feedback`).

The weights are fitted (`make train`) on judged scenarios: for each, every article was
judged 0, 1 or 2 for a call by a reader. Recency (a 14-day half-life) and novelty
(1 / (1 + earlier digests that listed the story)) are not fitted: judged articles carry no
dates and no history; they scale the fitted probability.

Worth a call: a competitor, customer or own-company item with a main event whose fitted
probability reaches the threshold fitted with the weights.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from tipsheet.core.dates import as_date
from tipsheet.core.records import EVENT_TYPES

WEIGHTS_FILE = Path(__file__).resolve().parent / "models" / "ranking.json"
HALF_LIFE_DAYS = 14.0
UNDATED_RECENCY = 0.5
CALL_RELATIONS = ("competitor", "customer", "own")
RELATION_FEATURES = ("rel_competitor", "rel_customer", "rel_own")
EVENT_FEATURES = tuple(f"ev_{t}" for t in EVENT_TYPES)
FEATURES = (
    *RELATION_FEATURES,
    *EVENT_FEATURES,
    "in_title",
    "mentions",
    "profile",
    "interests",
    "coverage",
)
# Which features make up each factor that `tipsheet explain` prints.
FACTORS = {
    "relation": RELATION_FEATURES,
    "event": EVENT_FEATURES,
    "prominence": ("in_title", "mentions"),
    "profile": ("profile",),
    "interests": ("interests",),
    "coverage": ("coverage",),
}
# Each factor's features as a slice of FEATURES: they follow its order, so a factor's sum
# adds the same terms in the same order as a sum over its names would.
_SLICES = {
    name: slice(FEATURES.index(keys[0]), FEATURES.index(keys[0]) + len(keys))
    for name, keys in FACTORS.items()
}
assert all(FEATURES[_SLICES[n]] == keys for n, keys in FACTORS.items())
_AT = {k: i for i, k in enumerate(FEATURES)}
_LN10 = math.log(10)
_RELATION_AT = {r: _AT[f"rel_{r}"] for r in CALL_RELATIONS}
_EVENT_AT = {t: _AT[f"ev_{t}"] for t in EVENT_TYPES}


@dataclass(frozen=True)
class Weights:
    """Fitted weights (see `training/ranking.py`), one per feature, and the threshold."""

    bias: float
    weights: dict[str, float]
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"bias": self.bias, "weights": self.weights, "threshold": self.threshold}
        return json.dumps({**data, "meta": self.meta}, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Weights:
        d = json.loads(text)
        return cls(float(d["bias"]), dict(d["weights"]), float(d["threshold"]), d.get("meta", {}))

    @cached_property
    def in_order(self) -> tuple[float, ...]:
        """One weight per feature, in the order of FEATURES (0 for a missing one)."""
        return tuple(self.weights.get(k, 0.0) for k in FEATURES)


@cache
def default_weights() -> Weights:
    """The committed weights, loaded once per process."""
    return Weights.from_json(WEIGHTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Features:
    relation: str
    event_type: str | None
    event_confidence: float
    in_title: bool
    mention_count: int
    profile: float
    # None: not counted, their weight being zero (a digest's ranking: no score depends on it)
    interests_hits: int | None
    coverage: int

    def vector(self) -> dict[str, float]:
        return dict(zip(FEATURES, self.values(), strict=True))

    def values(self) -> list[float]:
        """The feature values in the order of FEATURES."""
        v = [0.0] * len(FEATURES)
        if self.relation in _RELATION_AT:
            v[_RELATION_AT[self.relation]] = 1.0
        if self.event_type in _EVENT_AT:
            v[_EVENT_AT[self.event_type]] = float(self.event_confidence)
        v[_AT["in_title"]] = float(self.in_title)
        v[_AT["mentions"]] = math.log1p(max(0, self.mention_count)) / _LN10
        v[_AT["profile"]] = float(self.profile)
        v[_AT["interests"]] = float(min(max(0, self.interests_hits or 0), 3))
        v[_AT["coverage"]] = math.log(max(1, self.coverage))
        return v


@dataclass(frozen=True)
class ScoreBreakdown:
    factors: dict[str, float]  # factor name -> odds multiplier
    probability: float
    recency: float
    novelty: float
    feedback: float
    total: float
    relation_name: str = ""
    event_type: str | None = None
    worth_call: bool = False

    def explain(self) -> str:
        """One line: each factor, for `tipsheet explain`."""
        parts = " × ".join(f"{k} {v:.2f}" for k, v in self.factors.items())
        return (
            f"{self.total:.1f} = 100 × p {self.probability:.3f} (odds: base × {parts}"
            f" × feedback {self.feedback:.2f}) × recency {self.recency:.2f}"
            f" × novelty {self.novelty:.2f}"
        )


def recency(published_at: date | datetime | None, as_of: date | datetime) -> float:
    return _recency(as_date(published_at), as_date(as_of))


def _recency(published: date | None, today: date | None) -> float:
    if published is None or today is None:
        return UNDATED_RECENCY
    age = max(0, (today - published).days)  # a date in the future counts as today
    return 0.5 ** (age / HALF_LIFE_DAYS)


def score_item(
    f: Features,
    weights: Weights,
    published_at: date | datetime | None,
    as_of: date | datetime,
    listed_before: int = 0,
    feedback: float = 0.0,
) -> ScoreBreakdown:
    """Score one (article, company) item for one manager; see the module docstring.

    feedback: the manager's adjustment to the log-odds for items like this one."""
    terms, prob, rec, nov, worth = _score(f, weights, published_at, as_of, listed_before, feedback)
    factors = {name: math.exp(sum(terms[at])) for name, at in _SLICES.items()}
    return ScoreBreakdown(
        factors={k: round(x, 4) for k, x in factors.items()},
        probability=round(prob, 4),
        recency=round(rec, 4),
        novelty=round(nov, 4),
        feedback=round(math.exp(feedback), 4),
        total=_total(prob, rec, nov),
        relation_name=f.relation,
        event_type=f.event_type,
        worth_call=worth,
    )


@dataclass(frozen=True)
class FeatureColumns:
    """Many items' Features, a list per field: what score_ranks reads."""

    relation: list[str]
    event_type: list[str | None]
    event_confidence: list[float]
    in_title: list[bool]
    mention_count: list[int]
    profile: list[float]
    interests_hits: list[int | None]
    coverage: list[int]

    def row(self, i: int) -> Features:
        return Features(
            self.relation[i],
            self.event_type[i],
            self.event_confidence[i],
            self.in_title[i],
            self.mention_count[i],
            self.profile[i],
            self.interests_hits[i],
            self.coverage[i],
        )

    def matrix(self) -> np.ndarray:
        """One row of Features.values() per item, the same floats."""
        n = len(self.relation)
        x = np.zeros((n, len(FEATURES)))
        relation = np.array(self.relation, dtype=object)
        for name, at in _RELATION_AT.items():
            x[:, at] = relation == name
        event = np.array(self.event_type, dtype=object)
        confidence = np.array(self.event_confidence, dtype=np.float64)
        for name, at in _EVENT_AT.items():
            x[:, at] = np.where(event == name, confidence, 0.0)
        x[:, _AT["in_title"]] = np.array(self.in_title, dtype=np.float64)
        x[:, _AT["mentions"]] = [_mentions_value(m) for m in self.mention_count]
        x[:, _AT["profile"]] = np.array(self.profile, dtype=np.float64)
        x[:, _AT["interests"]] = [min(max(0, h or 0), 3) for h in self.interests_hits]
        x[:, _AT["coverage"]] = [_coverage_value(c) for c in self.coverage]
        return x


@cache
def _mentions_value(count: int) -> float:
    return math.log1p(max(0, count)) / _LN10


@cache
def _coverage_value(coverage: int) -> float:
    return math.log(max(1, coverage))


def score_ranks(
    features: FeatureColumns,
    weights: Weights,
    published: list[date | datetime | None],
    as_of: date | datetime,
    listed_before: list[int],
    feedback: list[float],
) -> tuple[list[bool], list[float]]:
    """(worth_call, total) of score_item's breakdown for many items at once, without the
    factors: what ranking thousands of items needs, the factors being read for the few
    shown. The same numbers as score_item's, bit for bit: the weighted sum is added up one
    feature at a time, in FEATURES' order, as score_item's sum is, and every step numpy does
    is a single IEEE operation (the logarithms, exponentials and rounding stay in Python)."""
    if not features.relation:
        return [], []
    x = features.matrix()
    logit = np.zeros(len(x))
    for j, w in enumerate(weights.in_order):
        logit += w * x[:, j]
    logit = weights.bias + logit + np.asarray(feedback, dtype=np.float64)
    prob = [1 / (1 + math.exp(-v)) for v in logit.tolist()]
    today = as_date(as_of)
    totals = [
        _total(p, _recency(as_date(when), today), _novelty(n))
        for p, when, n in zip(prob, published, listed_before, strict=True)
    ]
    worth = [
        _worth(relation, event, p, weights)
        for relation, event, p in zip(features.relation, features.event_type, prob, strict=True)
    ]
    return worth, totals


def _score(f, weights, published_at, as_of, listed_before, feedback):
    terms = [w * x for w, x in zip(weights.in_order, f.values(), strict=True)]
    logit = weights.bias + sum(terms) + feedback
    prob = 1 / (1 + math.exp(-logit))
    rec = recency(published_at, as_of)
    return (
        terms,
        prob,
        rec,
        _novelty(listed_before),
        _worth(f.relation, f.event_type, prob, weights),
    )


def _novelty(listed_before: int) -> float:
    return 1 / (1 + max(0, listed_before))


def _worth(relation: str, event_type: str | None, prob: float, weights: Weights) -> bool:
    """Worth a call: a relation that warrants one, an event, and the threshold reached."""
    return relation in CALL_RELATIONS and event_type is not None and prob >= weights.threshold


def _total(prob: float, rec: float, nov: float) -> float:
    return round(100 * prob * rec * nov, 3)


def interests_hits(text: str, interests: list[str]) -> int:
    """How many of the manager's interests the text names (case-insensitive, whole words)."""
    low = (text or "").lower()
    # The substring test first: most texts name no interest, and it is far cheaper.
    return sum(
        1
        for i in interests
        if i.strip()
        and i.lower() in low
        and re.search(rf"(?<!\w){re.escape(i.lower())}(?!\w)", low)
    )
