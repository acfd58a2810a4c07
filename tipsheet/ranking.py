"""From stored candidates to one manager's ranked digest (pure: rows in, rows and text out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tipsheet.cadence import ContactStatus, contact_status, last_contact_of, n_days
from tipsheet.config import Config, Manager
from tipsheet.dates import local_date
from tipsheet.digest import DigestItem, DigestPage, render_digest, why_it_matters
from tipsheet.score import interests_hits, is_main_event, score_item, worth_a_call
from tipsheet.signals import Signal, find_signals, has_strong_signal, strongest
from tipsheet.talking_points import talking_points

RELATION_ORDER = {"competitor": 0, "customer": 1, "own": 2, "industry": 3}


@dataclass
class Inputs:
    candidates: list[dict]  # one row per (article, company), with its events
    last_contact: date | None
    shared: set[str]  # article ids already shared with this manager
    listed_before: dict[str, int]  # article id -> earlier digests that listed it
    postings: list[dict] = field(default_factory=list)
    news: list[dict] = field(default_factory=list)  # articles about the manager's company


@dataclass
class Built:
    markdown: str
    item_rows: list[dict]
    signal_rows: list[dict]
    status: ContactStatus
    items: list[DigestItem]
    signals: list[Signal]

    @property
    def best_title(self) -> str | None:
        if self.signals and self.signals[0].strong:
            return f"{self.signals[0].kind.replace('_', ' ')}: {self.signals[0].title}"
        worth = [i for i in self.items if i.worth_call]
        return worth[0].title if worth else None


def _primary_event(events: list[dict], company_id: str) -> dict | None:
    about = [e for e in events if e.get("company_id") == company_id]
    pool = about or [e for e in events if not e.get("company_id")]
    # The article's main event (headline or lede) before anything said further down.
    return max(pool, key=lambda e: (is_main_event(e), e.get("confidence") or 0), default=None)


def score_candidates(cfg: Config, manager: Manager, as_of: date, inputs: Inputs) -> list[dict]:
    """Score every (article, company) pair, keep the best per story, best first."""
    relations = cfg.relations(manager)
    shared_stories = {
        c["story_id"] for c in inputs.candidates if c["article_id"] in inputs.shared
    } - {None}
    own_name = cfg.companies[manager.company].name
    best: dict[str, dict] = {}
    for c in inputs.candidates:
        if c["article_id"] in inputs.shared or c["story_id"] in shared_stories:
            continue
        relation = relations.get(c["company_id"], "industry")
        event = _primary_event(c["events"], c["company_id"])
        event_types = [event["event_type"]] if event else []
        breakdown = score_item(
            relation=relation,
            event_types=event_types,
            published_at=c.get("published_day") or c["published_at"] or c["fetched_at"],
            as_of=as_of,
            coverage=c["coverage"],
            in_title=c["in_title"],
            mention_count=c["mention_count"],
            interests_hits=interests_hits(
                f"{c['title'] or ''}\n{c['text'] or ''}", manager.interests
            ),
            listed_before=inputs.listed_before.get(c["article_id"], 0),
            main_event=is_main_event(event),
        )
        row = {
            **c,
            "relation": relation,
            "event": event,
            "breakdown": breakdown,
            "worth_call": worth_a_call(breakdown) and relation != "industry",
            "company_name": cfg.companies[c["company_id"]].name,
            "own_name": own_name,
        }
        key = c["story_id"] or c["article_id"]
        current = best.get(key)
        if current is None or _order(row) < _order(current):
            best[key] = row
    return sorted(best.values(), key=_order)


def _order(row: dict) -> tuple:
    return (
        -row["worth_call"],
        -row["breakdown"].total,
        RELATION_ORDER.get(row["relation"], 9),
        row["article_id"],
    )


def _item(row: dict, manager: Manager, tz: str) -> DigestItem:
    event_type = row["event"]["event_type"] if row["event"] else None
    point = ""
    if row["worth_call"]:
        names = [row["company_name"]]
        point = talking_points(row["text"] or row["summary"] or "", names, event_type)
    return DigestItem(
        item_id=row["article_id"][:8],
        article_id=row["article_id"],
        title=row["title"],
        url=row["url"],
        company_name=row["company_name"],
        relation=row["relation"],
        event_type=event_type,
        published=row.get("published_day") or local_date(row["published_at"], tz),
        score=row["breakdown"].total,
        worth_call=row["worth_call"],
        site_name=row["site_name"],
        coverage=row["coverage"],
        why=why_it_matters(
            manager.name, row["own_name"], row["company_name"], row["relation"], event_type
        ),
        talking_point=point,
        language=row["language"],
    )


def components(b) -> dict[str, float]:
    """The score's factors as stored in digest_items, for `tipsheet explain` and SQL."""
    return {
        "s_relation": b.relation,
        "s_event": b.event,
        "s_recency": b.recency,
        "s_coverage": b.coverage,
        "s_novelty": b.novelty,
        "s_interest": b.interests,
        "s_prominence": b.prominence,
    }


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
) -> Built:
    tz = cfg.settings.timezone
    rows = score_candidates(cfg, manager, as_of, inputs)
    items = [_item(r, manager, tz) for r in rows]
    news = [
        (
            n["article_id"],
            n["title"],
            n["text"],
            n["url"],
            n.get("published_day") or local_date(n["published_at"], tz),
        )
        for n in inputs.news
    ]
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
        notice=notice,
    )
    item_rows = [
        {
            "manager_id": manager.id,
            "run_date": as_of,
            "article_id": r["article_id"],
            "item_id": i.item_id,
            "rank": n,
            "score": r["breakdown"].total,
            "worth_call": r["worth_call"],
            "company_id": r["company_id"],
            "relation": r["relation"],
            "event_type": i.event_type,
            "coverage": r["coverage"],
            "talking_point": i.talking_point,
            "why": i.why,
            **components(r["breakdown"]),
        }
        for n, (r, i) in enumerate(zip(rows, items, strict=True), 1)
    ]
    signal_rows = [
        {
            "manager_id": manager.id,
            "run_date": as_of,
            "kind": s.kind,
            "strength": s.strength,
            "title": s.title,
            "seen_on": s.seen_on,
            "url": s.url,
            "detail": s.detail,
        }
        for s in signals
    ]
    return Built(render_digest(page), item_rows, signal_rows, status, items, signals)
