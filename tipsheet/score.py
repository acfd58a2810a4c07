"""How much an item is worth to one manager: one formula, every component kept.

    total = 100 × relation × event × recency × coverage × prominence × interests × novelty

- relation:   competitor 1.0, customer 0.95, own 0.75, industry 0.4, anything else 0.25.
              The seed: news about a competitor or a large customer is what a hiring manager
              finds valuable; their own company's news they already know.
- event:      the strongest event of the item about this company (EVENT_WEIGHTS);
              NO_EVENT (0.15) when there is none, so quiet items sink. An event stated only
              in the body, not in the headline or lede, weighs BODY_EVENT_FACTOR (0.5) of
              that, never less than NO_EVENT.
- recency:    0.5 ** (age_days / HALF_LIFE_DAYS), 14-day half-life; 0.5 when undated.
- coverage:   1 + 0.2 × ln(coverage), coverage = sources carrying the story (>= 1).
- prominence: 1.0 when the company is in the headline, else 0.55 + 0.1 × mentions (<= 0.9):
              a passing mention in the tenth paragraph weighs little.
- interests:  1 + 0.15 × min(hits, 3), hits = the manager's interests found in the item.
- novelty:    1 / (1 + listed_before), listed_before = earlier digests that listed it
              without it being shared (shared items are filtered out by the caller).

`worth_a_call` is the pipeline's definition: a concrete business development about a
competitor, a customer or the manager's own company, prominent in the article (headline,
or named at least twice), and the article's main event: stated in its headline or lede
(`Event.in_lead`), not an aside further down. A passing mention, a review, sport or gossip
carry no event.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

RELATION_WEIGHTS = {"competitor": 1.0, "customer": 0.95, "own": 0.75, "industry": 0.4}
OTHER_RELATION = 0.25
EVENT_WEIGHTS = {
    "acquisition": 1.0,
    "funding": 0.9,
    "leadership_change": 0.9,
    "partnership": 0.85,
    "layoffs": 0.85,
    "expansion": 0.8,
    "product_launch": 0.8,
    "legal_regulatory": 0.75,
    "earnings": 0.7,
}
NO_EVENT = 0.15
BODY_EVENT_FACTOR = 0.5
MAIN_EVENT_CONFIDENCE = 0.7  # events.py: a headline or lede event scores at least this
HALF_LIFE_DAYS = 14.0
UNDATED_RECENCY = 0.5
CALL_RELATIONS = ("competitor", "customer", "own")


@dataclass(frozen=True)
class ScoreBreakdown:
    relation: float
    event: float
    recency: float
    coverage: float
    prominence: float
    interests: float
    novelty: float
    total: float
    # The inputs that decide "worth a call", kept so the breakdown explains itself.
    relation_name: str = ""
    event_types: tuple[str, ...] = field(default_factory=tuple)
    in_title: bool = False
    mention_count: int = 0
    main_event: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def explain(self) -> str:
        """One line: each factor of the product, for `tipsheet explain`."""
        return (
            f"{self.total:.1f} = 100 × relation {self.relation:.2f} ({self.relation_name})"
            f" × event {self.event:.2f} ({', '.join(self.event_types) or 'none'})"
            f" × recency {self.recency:.2f} × coverage {self.coverage:.2f}"
            f" × prominence {self.prominence:.2f} × interests {self.interests:.2f}"
            f" × novelty {self.novelty:.2f}"
        )


def _as_date(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def score_item(
    relation: str,
    event_types: list[str],
    published_at: date | datetime | None,
    as_of: date | datetime,
    coverage: int = 1,
    in_title: bool = False,
    mention_count: int = 1,
    interests_hits: int = 0,
    listed_before: int = 0,
    main_event: bool | None = None,
) -> ScoreBreakdown:
    """Score one (article, company) item for one manager; see the module docstring.

    `main_event`: whether the events are stated in the headline or lede (see
    `is_main_event`). None means the caller does not know and the events are taken as main
    events: the behaviour before events carried `in_lead`; pass it.
    """
    rel = RELATION_WEIGHTS.get(relation, OTHER_RELATION)
    known = [t for t in event_types if t in EVENT_WEIGHTS]
    main = bool(known) if main_event is None else bool(main_event and known)
    ev = max((EVENT_WEIGHTS[t] for t in known), default=NO_EVENT)
    if known and not main:
        ev = max(NO_EVENT, ev * BODY_EVENT_FACTOR)
    published, today = _as_date(published_at), _as_date(as_of)
    if published is None or today is None:
        rec = UNDATED_RECENCY
    else:
        age = max(0, (today - published).days)  # a date in the future counts as today
        rec = 0.5 ** (age / HALF_LIFE_DAYS)
    cov = 1 + 0.2 * math.log(max(1, coverage))
    prom = 1.0 if in_title else min(0.9, 0.55 + 0.1 * max(1, mention_count))
    intr = 1 + 0.15 * min(max(0, interests_hits), 3)
    nov = 1 / (1 + max(0, listed_before))
    total = 100 * rel * ev * rec * cov * prom * intr * nov
    return ScoreBreakdown(
        relation=rel,
        event=ev,
        recency=round(rec, 4),
        coverage=round(cov, 4),
        prominence=round(prom, 4),
        interests=round(intr, 4),
        novelty=round(nov, 4),
        total=round(total, 3),
        relation_name=relation,
        event_types=tuple(known),
        in_title=in_title,
        mention_count=mention_count,
        main_event=main,
    )


def worth_a_call(breakdown: ScoreBreakdown) -> bool:
    """The article's main event, about a competitor, customer or own company, prominently."""
    return (
        breakdown.relation_name in CALL_RELATIONS
        and bool(breakdown.event_types)
        and breakdown.main_event
        and (breakdown.in_title or breakdown.mention_count >= 2)
    )


def is_main_event(event) -> bool:
    """Whether an event (an Event, or a stored row as a dict) is stated in the headline or
    lede: its `in_lead` flag, or, for rows stored before that column existed, its
    confidence (events.py scores headline and lede events at MAIN_EVENT_CONFIDENCE or more)."""
    if event is None:
        return False
    get = event.get if isinstance(event, dict) else lambda k, d=None: getattr(event, k, d)
    flag = get("in_lead", None)
    if flag is not None:
        return bool(flag)
    return (get("confidence", 0.0) or 0.0) >= MAIN_EVENT_CONFIDENCE


def interests_hits(text: str, interests: list[str]) -> int:
    """How many of the manager's interests the text names (case-insensitive, whole words)."""
    low = (text or "").lower()
    return sum(
        1
        for i in interests
        if i.strip() and re.search(rf"(?<!\w){re.escape(i.lower())}(?!\w)", low)
    )


def rank_scenario(scenario: dict, companies: dict) -> list[str]:
    """Article ids of a labelled ranking scenario in digest order (for evals and tests).

    The same chain the nightly flow runs: mentions, events, then the best item per article
    among the companies related to the manager; worth-a-call items first, then by score.
    """
    from tipsheet.events import classify
    from tipsheet.matching import CompanyMatcher

    matcher = CompanyMatcher(companies)
    relations: dict[str, str] = scenario["relations"]
    as_of = date.fromisoformat(scenario["as_of"])
    interests = scenario.get("interests", [])
    scored: list[tuple[bool, float, str]] = []
    for art in scenario["articles"]:
        published = date.fromisoformat(art["published"]) if art.get("published") else None
        mentions = matcher.mentions(art["id"], art.get("title"), art["text"], art.get("source"))
        events = classify(art.get("title"), art["text"], mentions, art["id"])
        best: tuple[bool, float] = (False, 0.0)
        for m in mentions:
            relation = relations.get(m.company_id, "industry")
            about = [e for e in events if e.company_id in (m.company_id, None)]
            main = [e for e in about if is_main_event(e)]
            # The main events when there are any; else the body-only ones, which weigh less.
            types = [e.event_type for e in (main or about)]
            b = score_item(
                relation,
                types,
                published,
                as_of,
                coverage=art.get("coverage", 1),
                in_title=m.in_title,
                mention_count=m.count,
                interests_hits=interests_hits(f"{art.get('title') or ''} {art['text']}", interests),
                listed_before=art.get("listed_before", 0),
                main_event=bool(main),
            )
            best = max(best, (worth_a_call(b), b.total))
        scored.append((best[0], best[1], art["id"]))
    scored.sort(key=lambda s: (not s[0], -s[1], s[2]))
    return [s[2] for s in scored]
