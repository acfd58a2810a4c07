"""Records to rows and rows to records: the one place where column names meet the core's.

The core and the connectors pass typed records (core/records.py, the ranking's Listed, the
signals' Signal); only this module knows which column of which table holds each field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from tipsheet.core.records import (
    Article,
    ArticleText,
    Candidate,
    Event,
    FetchLog,
    Judgement,
    Mention,
    Posting,
    Validators,
)

if TYPE_CHECKING:  # annotations only: storage needs none of the ranking's imports
    from tipsheet.core.ranking import Listed
    from tipsheet.core.signals import Signal


def article_row(a: Article) -> dict:
    """A new article, not yet analysed: no story, no analysed_at."""
    return {
        "id": a.id,
        "url": a.url,
        "title": a.title,
        "text": a.text,
        "published_at": a.published_at,
        "source_id": a.source_id,
        "fetched_at": a.fetched_at,
        "author": a.author,
        "site_name": a.site_name,
        "language": a.language,
        "summary": a.summary,
        "origin": a.origin,
        "published_day": a.published_day,
        "story_id": None,
        "analysed_at": None,
    }


# The columns article_text_from reads, in its order; the query aliases the source's company.
ARTICLE_TEXT_COLUMNS = "a.id, a.title, a.text, a.summary, s.company_id"


def article_text_from(row: tuple) -> ArticleText:
    id_, title, text, summary, source_company = row
    return ArticleText(id_, title, text, summary, source_company)


def fetch_row(run_id: int, source_id: str, log: FetchLog) -> dict:
    return {
        "run_id": run_id,
        "source_id": log.source_id or source_id,
        "url": log.url,
        "final_url": log.final_url,
        "status": log.status,
        "http_status": log.http_status,
        "error": log.error,
        "fetched_at": log.fetched_at,
        "elapsed_ms": log.elapsed_ms,
        "bytes": log.bytes,
    }


def url_state_row(url: str, v: Validators, now: datetime) -> dict:
    return {
        "url": url,
        "etag": v.etag,
        "last_modified": v.last_modified,
        "content_hash": v.content_hash,
        "next_fetch_after": v.next_fetch_after,
        "updated_at": now,
    }


VALIDATOR_COLUMNS = "url, etag, last_modified, content_hash, next_fetch_after"


def validators_from(row: tuple) -> tuple[str, Validators]:
    url, etag, last_modified, content_hash, next_fetch_after = row
    return url, Validators(etag, last_modified, content_hash, next_fetch_after)


def posting_row(source_id: str, p: Posting, as_of: date) -> dict:
    """A posting seen on `as_of`: first and last seen then, until storage merges it."""
    return {
        "source_id": source_id,
        "posting_key": p.posting_key,
        "company_id": p.company_id,
        "title": p.title,
        "url": p.url,
        "location": p.location,
        "team": p.team,
        "posted_at": p.posted_at,
        "first_seen": as_of,
        "last_seen": as_of,
        "active": True,
    }


POSTING_COLUMNS = (
    "source_id, posting_key, company_id, title, url, location, team, posted_at, "
    "first_seen, last_seen, active"
)


def posting_from(row: tuple) -> Posting:
    source_id, key, company_id, title, url, location, team, posted, first, last, active = row
    return Posting(
        company_id=company_id,
        source_id=source_id,
        posting_key=key,
        title=title,
        url=url,
        location=location,
        team=team,
        posted_at=posted,
        first_seen=first,
        last_seen=last,
        active=active,
    )


# The columns judgement_from reads, in its order: the feedback row and its article's words.
JUDGEMENT_COLUMNS = (
    "f.article_id, f.useful, f.note, a.story_id, a.title, coalesce(a.text, a.summary)"
)


def judgement_from(row: tuple) -> Judgement:
    article_id, useful, note, story_id, title, text = row
    return Judgement(article_id, useful, note, story_id, title, text)


def mention_row(m: Mention) -> dict:
    return {
        "article_id": m.article_id,
        "company_id": m.company_id,
        "count": m.count,
        "in_title": m.in_title,
        "snippet": m.snippet,
        "matched": m.matched,
        "confidence": m.confidence,
    }


def event_row(e: Event) -> dict:
    return {
        "article_id": e.article_id,
        "event_type": e.event_type,
        "evidence": e.evidence,
        "confidence": e.confidence,
        "company_id": e.company_id,
        "in_lead": e.in_lead,
    }


# The two moments read as UTC wall times, made aware in candidate_from: DuckDB gives each
# TIMESTAMPTZ value a pytz zone, which cost more than the rest of the read.
CANDIDATE_ARTICLE_COLUMNS = (
    "id, url, title, summary, timezone('UTC', published_at), published_day, "
    "timezone('UTC', fetched_at), site_name, language, origin, story_id"
)
CANDIDATE_MENTION_COLUMNS = "article_id, company_id, count, in_title, snippet, confidence"
EVENT_COLUMNS = "article_id, event_type, evidence, confidence, company_id, in_lead"


def candidate_from(
    article: tuple, mention: tuple, coverage: int, events: tuple[Event, ...]
) -> Candidate:
    """One candidate from its article's CANDIDATE_ARTICLE_COLUMNS and one mention's
    CANDIDATE_MENTION_COLUMNS."""
    (id_, url, title, summary, published_at, published_day, fetched_at, site, language, origin,
     story_id) = article  # fmt: skip
    _, company_id, count, in_title, snippet, confidence = mention
    return Candidate(
        article_id=id_,
        url=url,
        title=title,
        summary=summary,
        published_at=published_at.replace(tzinfo=UTC) if published_at else None,
        published_day=published_day,
        fetched_at=fetched_at.replace(tzinfo=UTC),
        site_name=site,
        language=language,
        origin=origin,
        story_id=story_id,
        coverage=coverage,
        company_id=company_id,
        mention_count=count,
        in_title=bool(in_title),
        snippet=snippet,
        mention_confidence=confidence,
        events=events,
    )


def event_from(row: tuple) -> Event:
    """One event from its EVENT_COLUMNS."""
    article_id, event_type, evidence, confidence, company_id, in_lead = row
    return Event(article_id, event_type, evidence, confidence, company_id, bool(in_lead))


def digest_item_row(manager_id: str, run_date: date, rank: int, listed: Listed) -> dict:
    """One listed item, with the score's factors `tipsheet explain` and SQL read back."""
    item, b = listed.item, listed.breakdown
    f = b.factors
    return {
        "manager_id": manager_id,
        "run_date": run_date,
        "article_id": item.article_id,
        "item_id": item.item_id,
        "rank": rank,
        "score": b.total,
        "worth_call": b.worth_call,
        "company_id": listed.company_id,
        "relation": item.relation,
        "event_type": item.event_type,
        "coverage": item.coverage,
        "talking_point": item.talking_point,
        "why": item.why,
        "s_relation": f["relation"],
        "s_event": f["event"],
        "s_recency": b.recency,
        "s_coverage": f["coverage"],
        "s_novelty": b.novelty,
        "s_interest": f["interests"],
        "s_prominence": f["prominence"],
        "s_profile": f["profile"],
        "s_feedback": b.feedback,
        "probability": b.probability,
    }


def signal_row(manager_id: str, run_date: date, s: Signal) -> dict:
    return {
        "manager_id": manager_id,
        "run_date": run_date,
        "kind": s.kind,
        "strength": s.strength,
        "title": s.title,
        "seen_on": s.seen_on,
        "url": s.url,
        "detail": s.detail,
    }
