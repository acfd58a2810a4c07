"""Plain records passed between the layers.

Connectors return them, the core analyses them, storage writes them. None of them knows
where it came from or where it goes, so every layer can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

EVENT_TYPES = (
    "funding",
    "acquisition",
    "partnership",
    "product_launch",
    "leadership_change",
    "layoffs",
    "earnings",
    "expansion",
    "legal_regulatory",
)


# The source types config.yaml may declare, grouped by what a night does with them.
FEED_TYPES = ("feed", "google_news")  # read as feeds
NEWS_TYPES = ("feed", "site", "press_page", "google_news")  # their pages are articles
POSTING_TYPES = ("jobs", "careers_page")  # their pages are job postings
SOURCE_TYPES = (*NEWS_TYPES, *POSTING_TYPES)


@dataclass(frozen=True)
class Source:
    """One place we look for news or postings, as declared in config.yaml."""

    id: str  # stable: a hash of company, type and url/board
    company_id: str | None  # None for industry sources
    type: str  # one of SOURCE_TYPES
    url: str
    options: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Validators:
    """What we remember of a URL between runs, for conditional requests."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    next_fetch_after: datetime | None = None


@dataclass
class FetchLog:
    """One fetch attempt, including those refused before a request was sent."""

    url: str
    status: str  # ok | not_modified | unchanged | error | refused | skipped
    http_status: int | None
    error: str | None
    fetched_at: datetime
    elapsed_ms: int = 0
    bytes: int = 0
    source_id: str | None = None
    final_url: str | None = None


@dataclass
class FeedEntry:
    """An item of a feed, a press page or a search feed, before its page is fetched."""

    url: str
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    source_name: str | None = None  # the publisher named by an aggregator (Google News)
    guid: str | None = None
    follow: bool = True  # False when the page behind the link is not the article


@dataclass
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]
    ttl_s: int | None = None
    errors: list[str] = field(default_factory=list)
    is_feed: bool = True


@dataclass
class ExtractedArticle:
    title: str | None
    text: str
    published_at: datetime | None = None
    author: str | None = None
    site_name: str | None = None
    language: str | None = None


@dataclass
class Article:
    """An article as stored: one per canonical URL."""

    id: str  # hash of the canonical url
    url: str  # canonical
    title: str | None
    text: str
    published_at: datetime | None
    source_id: str | None
    fetched_at: datetime
    author: str | None = None
    site_name: str | None = None
    language: str | None = None
    summary: str | None = None
    origin: str = "page"  # page | feed_only (no page fetched: the feed's text is all we have)
    published_day: date | None = None  # the page's own calendar day, in its own timezone


@dataclass(frozen=True)
class ArticleText:
    """What analysis reads of a stored article: its words, and the company of its source."""

    id: str
    title: str | None
    text: str | None
    summary: str | None = None
    source_company: str | None = None  # None for industry sources

    @property
    def body(self) -> str:
        """The page's text, or the feed's summary when the page gave none."""
        return self.text or self.summary or ""


@dataclass
class Mention:
    article_id: str
    company_id: str
    count: int
    in_title: bool
    snippet: str
    matched: str  # the surface form that matched
    confidence: float = 1.0


@dataclass
class Event:
    article_id: str
    event_type: str
    evidence: str
    confidence: float = 1.0  # the event model's probability for the type
    company_id: str | None = None
    in_lead: bool = False  # stated in the headline or lede: the article's main event


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recent stored article as one of a digest's candidates: one per (article, company
    it mentions), with its events. Read without its text (storage.reads.article_texts reads
    it when ranking asks), unless built with one."""

    article_id: str
    url: str
    title: str | None
    summary: str | None
    published_at: datetime | None
    published_day: date | None  # the page's own calendar day
    fetched_at: datetime
    site_name: str | None
    language: str | None
    origin: str
    story_id: str | None
    coverage: int  # how many sites carry its story
    company_id: str
    mention_count: int
    in_title: bool
    snippet: str | None = None
    mention_confidence: float | None = None
    events: tuple[Event, ...] = ()
    text: str | None = None

    @property
    def when(self) -> date | datetime:
        """The day it was published, else the moment, else when it was fetched."""
        return self.published_day or self.published_at or self.fetched_at


@dataclass
class Posting:
    """A job posting seen on a board or a careers page."""

    company_id: str
    source_id: str
    posting_key: str  # the board's id, or the URL for careers pages
    title: str
    url: str | None = None
    location: str | None = None
    team: str | None = None
    posted_at: date | None = None
    # Storage keeps these across runs; a posting just read has none yet.
    first_seen: date | None = None
    last_seen: date | None = None
    active: bool = True


@dataclass(frozen=True)
class Judgement:
    """A manager's judgement of a listed item (`tipsheet feedback`), with the item's words."""

    article_id: str
    useful: bool
    note: str | None = None
    story_id: str | None = None
    title: str | None = None
    text: str | None = None  # the page's text, or the feed's summary

    @property
    def summary(self) -> None:
        """None: `text` holds the feed's summary already when the page gave no text."""
        return None


@dataclass
class SourceResult:
    """What one source yielded in one run."""

    source: Source
    logs: list[FetchLog] = field(default_factory=list)
    validators: dict[str, Validators] = field(default_factory=dict)  # url -> new validators
    articles: list[Article] = field(default_factory=list)
    postings: list[Posting] | None = None  # None: not a jobs source or the fetch failed
    error: str | None = None
    unchanged: bool = False


@dataclass
class AnalysisResult:
    """What analysis found in a night's new articles, in the order they were given."""

    article_ids: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    stories: dict[str, str] = field(default_factory=dict)  # article id -> story id
