"""From stored candidates to one manager's ranked digest (pure: rows in, records and text out)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from tipsheet.core.cadence import ContactStatus, contact_status, last_contact_of, n_days
from tipsheet.core.config import Config, Manager
from tipsheet.core.dates import local_date
from tipsheet.core.digest import (
    MAX_OTHER,
    MAX_WORTH,
    DigestItem,
    DigestPage,
    render_digest,
    why_it_matters,
)
from tipsheet.core.feedback import feedback_adjustments
from tipsheet.core.profile import (
    profile_text,
    profile_vector,
    similarities,
    stored_or_embedded,
)
from tipsheet.core.records import Candidate, Event, Judgement, Posting
from tipsheet.core.score import (
    FeatureColumns,
    Features,
    ScoreBreakdown,
    Weights,
    default_weights,
    interests_hits,
    score_item,
    score_ranks,
)
from tipsheet.core.signals import Signal, find_signals, has_strong_signal, strongest
from tipsheet.core.talking_points import talking_points

RELATION_ORDER = {"competitor": 0, "customer": 1, "own": 2, "industry": 3}


@dataclass
class Inputs:
    candidates: list[Candidate]  # one per (article, company), with its events
    last_contact: date | None
    shared: set[str]  # article ids already shared with this manager
    listed_before: dict[str, int]  # story (or article) id -> earlier digests that listed it
    postings: list[Posting] = field(default_factory=list)
    news: list[Candidate] = field(default_factory=list)  # about the manager's company
    feedback: list[Judgement] = field(default_factory=list)  # the manager's judged items
    # article id -> stored lead vector (tipsheet.core.profile.lead_vectors), of candidates
    # and judged items; one without is embedded here
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    # the manager's profile embedding, as stored (storage.reads.profile_vectors); None:
    # embedded here
    profile: np.ndarray | None = None
    # article ids -> their texts, for candidates read without them (storage.reads.candidates);
    # None: each candidate carries its own text
    texts: Callable[[list[str]], dict[str, str | None]] | None = None

    def texts_of(self, article_ids: list[str]) -> dict[str, str | None]:
        if self.texts is not None:
            return self.texts(article_ids)
        wanted = set(article_ids)
        return {c.article_id: c.text for c in self.candidates if c.article_id in wanted}


@dataclass(frozen=True)
class Listed:
    """One item of a digest as it is kept: its rank is its place in Built.listed."""

    item: DigestItem
    company_id: str
    breakdown: ScoreBreakdown


@dataclass
class Built:
    markdown: str
    listed: list[Listed]  # the shown items, best first
    status: ContactStatus
    signals: list[Signal]
    page: DigestPage  # what the markdown was rendered from (the HTML page renders it too)

    @property
    def items(self) -> list[DigestItem]:
        return [x.item for x in self.listed]

    @property
    def best_title(self) -> str | None:
        if self.signals and self.signals[0].strong:
            return f"{self.signals[0].kind.replace('_', ' ')}: {self.signals[0].title}"
        worth = [i for i in self.items if i.worth_call]
        return worth[0].title if worth else None


def _primary_event(events: tuple[Event, ...], company_id: str) -> Event | None:
    """The article's main event: each stored row is one, the most confident first."""
    if not events:
        return None
    about = [e for e in events if e.company_id == company_id]
    return max(about or events, key=lambda e: e.confidence or 0)


def _name_patterns(names: list[str]) -> list[re.Pattern]:
    return [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)") for n in names if n]


def _names_company(text: str, patterns: list[re.Pattern]) -> bool:
    return any(p.search(text or "") for p in patterns)


def relation_of(relation: str, event: Event | None, own: list[re.Pattern], title: str) -> str:
    """Who an event is about decides the relation: when the main event names the manager's
    own company as a party ("Greengage selects Fennimore" for a Fennimore manager), the
    item is own-company news, whoever else it names. own: its names (_name_patterns)."""
    if relation == "own" or event is None:
        return relation
    if _names_company(event.evidence or "", own) or _names_company(title, own):
        return "own"
    return relation


def score_candidates(
    cfg: Config,
    manager: Manager,
    as_of: date,
    inputs: Inputs,
    weights: Weights | None = None,
) -> list[Scored]:
    """Score every (article, company) pair, keep the best per story, best first."""
    weights = weights or default_weights()
    ranked = _ranked(cfg, manager, as_of, inputs, weights, every_feature=True)
    return [_row(cfg, manager, r) for r in ranked]


@dataclass(slots=True)
class _Ranked:
    """A story's best row, ranked: its row made whole (_row) only if it is returned or shown."""

    worth_call: bool
    candidate: Candidate
    event: Event | None
    scoring: Callable[[], tuple]  # score_item's arguments


def _ranked(
    cfg: Config,
    manager: Manager,
    as_of: date,
    inputs: Inputs,
    weights: Weights,
    every_feature: bool,
) -> list[_Ranked]:
    """Each story's best row, best first.

    every_feature: count each row's interests even when their weight is zero, as training
    needs; a digest skips them then (no score depends on them) and reads no text for them."""
    relations = cfg.relations(manager)
    own_names = _name_patterns([*cfg.companies[manager.company].names])
    blocked = inputs.shared | {f.article_id for f in inputs.feedback if not f.useful}
    blocked_stories = {c.story_id for c in inputs.candidates if c.article_id in blocked} | {
        f.story_id for f in inputs.feedback if not f.useful
    }
    blocked_stories.discard(None)
    rows = [
        c
        for c in inputs.candidates
        if c.article_id not in blocked and c.story_id not in blocked_stories
    ]
    first = {c.article_id: c for c in rows}
    ids = list(first)
    vecs = _vectors([first[i] for i in ids], inputs)
    profile = inputs.profile
    if profile is None:
        profile = profile_vector(profile_text(cfg, manager))
    sims = dict(zip(ids, similarities(profile, vecs), strict=True))
    adjust = feedback_adjustments(inputs.feedback, ids, vecs, inputs.vectors)
    count_interests = every_feature or weights.weights.get("interests", 0.0) != 0.0
    texts = inputs.texts_of(ids) if count_interests else {}
    found = [_primary_event(c.events, c.company_id) for c in rows]
    columns = FeatureColumns(
        relation=[
            relation_of(relations.get(c.company_id, "industry"), e, own_names, c.title or "")
            for c, e in zip(rows, found, strict=True)
        ],
        event_type=[e.event_type if e else None for e in found],
        event_confidence=[(e.confidence or 0.0) if e else 0.0 for e in found],
        in_title=[c.in_title for c in rows],
        mention_count=[c.mention_count or 1 for c in rows],
        profile=[sims[c.article_id] for c in rows],
        interests_hits=[
            interests_hits(f"{c.title or ''}\n{texts[c.article_id] or ''}", manager.interests)
            if count_interests
            else None
            for c in rows
        ],
        coverage=[c.coverage for c in rows],
    )
    keys = [c.story_id or c.article_id for c in rows]
    listed = [inputs.listed_before.get(k, 0) for k in keys]
    adjusted = [adjust.get(c.article_id, 0.0) for c in rows]
    worth, totals = score_ranks(columns, weights, [c.when for c in rows], as_of, listed, adjusted)

    def scoring(i: int) -> Callable[[], tuple]:
        return lambda: (columns.row(i), weights, rows[i].when, as_of, listed[i], adjusted[i])

    return [
        _Ranked(worth[i], rows[i], found[i], scoring(i))
        for i in _best_per_story(keys, worth, totals, columns.relation, rows)
    ]


def _best_per_story(
    keys: list[str],
    worth: list[bool],
    totals: list[float],
    relations: list[str],
    rows: list[Candidate],
) -> list[int]:
    """The index of each story's best row, best first. Best: worth a call, then the score,
    the closer relation, the article id; of equal rows, the first."""
    if not rows:
        return []
    # np.lexsort sorts on its last key first, and keeps equal rows in their order.
    by_order = np.lexsort(
        (
            np.array([c.article_id for c in rows]),
            np.array([RELATION_ORDER.get(r, 9) for r in relations]),
            -np.array(totals, dtype=np.float64),
            -np.array(worth, dtype=np.int8),
        )
    )
    seen: set[str] = set()
    best = []
    for i in by_order.tolist():
        if keys[i] not in seen:
            seen.add(keys[i])
            best.append(i)
    return best


@dataclass(frozen=True)
class Scored:
    """A story's best candidate, scored: what score_candidates returns and a digest shows."""

    candidate: Candidate
    company_id: str  # the manager's own company when the item is own-company news
    relation: str
    event: Event | None
    features: Features
    breakdown: ScoreBreakdown
    company_name: str
    own_name: str

    @property
    def article_id(self) -> str:
        return self.candidate.article_id

    @property
    def worth_call(self) -> bool:
        return self.breakdown.worth_call


def _row(cfg: Config, manager: Manager, ranked: _Ranked) -> Scored:
    """The ranked row with its score's breakdown."""
    c, scoring = ranked.candidate, ranked.scoring()
    features = scoring[0]
    company_id = manager.company if features.relation == "own" else c.company_id
    return Scored(
        candidate=c,
        company_id=company_id,
        relation=features.relation,
        event=ranked.event,
        features=features,
        breakdown=score_item(*scoring),
        company_name=cfg.companies[company_id].name,
        own_name=cfg.companies[manager.company].name,
    )


def _vectors(rows: list[Candidate], inputs: Inputs) -> np.ndarray:
    """One lead vector per row, in order: the stored one, else embedded now from its text."""
    missing = [r.article_id for r in rows if r.article_id not in inputs.vectors]
    texts = inputs.texts_of(missing) if missing else {}
    return stored_or_embedded(
        [replace(r, text=texts[r.article_id]) if r.article_id in texts else r for r in rows],
        inputs.vectors,
    )


def shown_rows(rows: list[_Ranked]) -> list[_Ranked]:
    """The ranked rows a digest shows, in rank order: the first MAX_WORTH worth a call, then
    the first MAX_OTHER others (ranking orders every item worth a call first)."""
    worth = [r for r in rows if r.worth_call][:MAX_WORTH]
    return worth + [r for r in rows if not r.worth_call][:MAX_OTHER]


def _item(row: Scored, manager: Manager, tz: str, text: str | None) -> DigestItem:
    """The item as the digest shows it; a talking point for each item worth a call."""
    c = row.candidate
    event_type = row.event.event_type if row.event else None
    point = ""
    if row.worth_call:
        point = talking_points(text or c.summary or "", [row.company_name], event_type)
    return DigestItem(
        item_id=c.article_id[:8],
        article_id=c.article_id,
        title=c.title,
        url=c.url,
        company_name=row.company_name,
        relation=row.relation,
        event_type=event_type,
        published=c.published_day or local_date(c.published_at, tz),
        score=row.breakdown.total,
        worth_call=row.worth_call,
        site_name=c.site_name,
        coverage=c.coverage,
        why=why_it_matters(
            manager.name, manager.role, row.own_name, row.company_name, row.relation, row.event
        ),
        talking_point=point,
        language=c.language,
    )


def _distinct_lines(items: list[DigestItem]) -> list[DigestItem]:
    """Two items never share a why-line: a repeated one names its own headline."""
    seen: set[str] = set()
    for item in items:
        if item.why in seen:
            item.why = f'{item.why[:-1]} ("{(item.title or "")[:80]}").'
        seen.add(item.why)
    return items


def status_lines(status: ContactStatus, rejected_on: date, window_days: int) -> list[str]:
    if status.last_contact:
        lines = [
            f"Last contact: {status.last_contact.isoformat()} "
            f"({n_days(status.days_since_contact)} ago)."
        ]
    else:
        lines = ["No contact logged since the rejection."]
    lines.append(f"Next contact due: {status.next_due.isoformat()}.")
    if status.too_soon:
        lines.append(
            f"**Too soon to call**: only {n_days(status.days_since_contact)} since the last "
            "contact. Wait, or it reads as stalking."
        )
    elif status.override_reason:
        lines.append(f"**Call now**: {status.override_reason}.")
    window = (
        f"day {status.days_since_rejection} of the {window_days}-day window "
        f"({status.window_days_left} days left)"
        if status.in_window
        else f"day {status.days_since_rejection}: past the {window_days}-day window"
    )
    lines.append(f"Rejected on {rejected_on.isoformat()}: {window}.")
    return lines


def build_digest(
    cfg: Config,
    manager: Manager,
    as_of: date,
    inputs: Inputs,
    failing: list[tuple[str, int, str]],
    notice: str | None = None,
    weights: Weights | None = None,
) -> Built:
    tz = cfg.settings.timezone
    # Only the shown items are made and kept: the rest would cost a row each, night after
    # night, and novelty counts what a manager was shown (storage.reads.listed_before).
    weights = weights or default_weights()
    ranked = _ranked(cfg, manager, as_of, inputs, weights, every_feature=False)
    rows = [_row(cfg, manager, r) for r in shown_rows(ranked)]
    dated = [(n, n.published_day or local_date(n.published_at, tz)) for n in inputs.news]
    # Signals never report news from before the rejection (find_signals: since), so their
    # texts are not read.
    dated = [(n, day) for n, day in dated if day is None or day > manager.rejected_on]
    texts = inputs.texts_of(
        [r.article_id for r in rows if r.worth_call] + [n.article_id for n, _ in dated]
    )
    items = _distinct_lines([_item(r, manager, tz, texts.get(r.article_id)) for r in rows])
    news = [(n.article_id, n.title, texts[n.article_id], n.url, day) for n, day in dated]
    signals = find_signals(manager, inputs.postings, news, as_of)
    # Only a signal seen since the last contact justifies calling early: one seen before
    # it was there to talk about on that call.
    last = last_contact_of(manager, inputs.last_contact, as_of)
    fresh = [s for s in signals if last is None or s.seen_on > last]
    top = strongest(fresh)
    status = contact_status(
        manager,
        inputs.last_contact,
        as_of,
        cfg.settings.cadence_days,
        cfg.settings.window_days,
        strong_signal=(top.kind.replace("_", " ") if has_strong_signal(fresh) else False),
    )
    page = DigestPage(
        me=cfg.me.name,
        manager_id=manager.id,
        manager_name=manager.name,
        manager_role=manager.role,
        company_name=cfg.companies[manager.company].name,
        as_of=as_of,
        status_lines=status_lines(status, manager.rejected_on, cfg.settings.window_days),
        signals=signals,
        items=items,
        failing_sources=failing,
        manager_team=manager.team,
        too_soon=status.too_soon,
        notice=notice,
    )
    listed = [Listed(i, r.company_id, r.breakdown) for r, i in zip(rows, items, strict=True)]
    return Built(render_digest(page), listed, status, signals, page)
