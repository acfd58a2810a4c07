"""One source's new articles for one run: listing, new entries, pages, extracted text.

Network work is concurrent (the Fetcher keeps it polite); extraction is CPU-bound and runs
in the executor the caller passes, so it uses every core and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tipsheet.connectors.discovery import feed_links
from tipsheet.connectors.feeds import is_google_news_link, parse_feed
from tipsheet.connectors.http import Fetcher, Page
from tipsheet.connectors.press import article_links
from tipsheet.core.config import Fetch, Settings
from tipsheet.core.faults import checkpoint
from tipsheet.core.records import (
    NEWS_TYPES,
    Article,
    FeedEntry,
    FetchLog,
    ParsedFeed,
    Source,
    SourceResult,
    Validators,
)
from tipsheet.core.urls import article_id, canonicalize, host_of

LOGGER = logging.getLogger(__name__)

MAX_PROBES = 6  # feed URLs tried per site
UNCHANGED = ("not_modified", "unchanged", "skipped")  # page statuses: nothing new to read
BODIES_PER_WORKER = 8  # article pages fetched ahead of extraction, per extraction worker


class BodyBudget:
    """How many article pages may be between the start of their fetch and the end of their
    extraction at once, so fetched bodies do not pile up in memory while extraction, the
    slower stage, catches up. A page holds one slot of the total and one of its host's: the
    host bound keeps one big source from taking every slot while its polite per-host limit
    lets only a few of them fetch, which would leave the other hosts idle.
    """

    def __init__(self, total: int, per_host: int):
        self._total = asyncio.Semaphore(total)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def for_pool(cls, extract_pool: Executor | None, fetch: Fetch) -> BodyBudget:
        workers = getattr(extract_pool, "_max_workers", None) or os.cpu_count() or 1
        # Per host: its fetches in flight plus a body ready for each worker.
        return cls(BODIES_PER_WORKER * workers, fetch.per_host_concurrency + workers)

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        # Keyed like the Fetcher's per-host limit: host and port.
        key = urlsplit(url).netloc.lower()
        host = self._hosts.setdefault(key, asyncio.Semaphore(self._per_host))
        async with host, self._total:
            yield


@dataclass
class SourceState:
    """What the previous runs left for one source."""

    as_of: datetime  # "today" of the run: items older than max_age_days before it are skipped
    validators: dict[str, Validators] = field(default_factory=dict)  # url -> validators
    known_urls: set[str] = field(default_factory=set)  # canonical article URLs already stored


def _is_google(url: str) -> bool:
    host = host_of(url)
    return host == "google.com" or host.endswith(".google.com") or ".google." in f".{host}"


def _left_google(link: str, final_url: str) -> bool:
    """Whether HTTP redirects took a Google News link to another site (the publisher)."""
    return urlsplit(final_url).netloc.lower() != urlsplit(link).netloc.lower() and not _is_google(
        final_url
    )


@dataclass(frozen=True)
class Listing:
    """What reading a source's listing gave: the entries to follow, or why there are none."""

    entries: list[FeedEntry] = field(default_factory=list)
    validators: dict[str, Validators] = field(default_factory=dict)  # url -> new validators
    unchanged: bool = False
    error: str | None = None


async def _listing(
    fetcher: Fetcher, url: str, state: SourceState, source_id: str
) -> tuple[Page, ParsedFeed | None]:
    """Fetch a listing with its validators; parse only when it changed."""
    page = await fetcher.get(url, state.validators.get(url), source_id=source_id)
    if page.status != "ok":
        return page, None
    return page, parse_feed(page.body, page.final_url, page.headers.get("content-type"))


def _kept(url: str, page: Page) -> dict[str, Validators]:
    """The validators a listing's answer leaves for the next run's request."""
    return {url: page.validators} if page.validators is not None else {}


async def _feed_of_site(fetcher: Fetcher, source: Source, state: SourceState) -> Listing:
    """A site's entries: its feed when one is found, else its home page's article links."""
    # The home page is fetched without validators: unchanged or not, its feed may have news.
    home = await fetcher.get(source.url, source_id=source.id)
    if home.status != "ok":
        return Listing(error=home.error)
    parsed = parse_feed(home.body, home.final_url, home.headers.get("content-type"))
    if parsed.is_feed:
        return Listing(parsed.entries)
    kept: dict[str, Validators] = {}
    for url in feed_links(home.body, home.final_url)[:MAX_PROBES]:
        page, feed = await _listing(fetcher, url, state, source.id)
        kept |= _kept(url, page)
        if page.status in UNCHANGED:
            return Listing(validators=kept, unchanged=True)
        if feed is not None and feed.is_feed:
            return Listing(feed.entries, kept)
    return Listing(article_links(home.body, home.final_url), kept)


async def _read_listing(fetcher: Fetcher, source: Source, state: SourceState) -> Listing:
    if source.type == "site":
        return await _feed_of_site(fetcher, source, state)
    page, parsed = await _listing(fetcher, source.url, state, source.id)
    kept = _kept(source.url, page)
    if page.status in UNCHANGED:
        return Listing(validators=kept, unchanged=True)
    if parsed is None:
        return Listing(validators=kept, error=page.error)
    if source.type == "press_page" and not parsed.is_feed:
        return Listing(article_links(page.body, page.final_url), kept)
    if parsed.is_feed:
        return Listing(parsed.entries, _with_ttl(kept, source.url, parsed, page))
    entries, found = await _rediscover(fetcher, source, state, page)
    kept |= found
    if entries is None:
        why = "; ".join(parsed.errors[:1]) or "not a feed"
        return Listing(validators=kept, error=f"{source.url}: {why}, and no feed found on it")
    return Listing(entries, kept)


def _new_entries(
    entries: list[FeedEntry], state: SourceState, settings: Fetch
) -> list[tuple[str, FeedEntry]]:
    oldest = state.as_of - timedelta(days=settings.max_age_days)
    seen: set[str] = set()
    fresh: list[tuple[str, FeedEntry]] = []
    for e in entries:
        url = canonicalize(e.url)
        if url in state.known_urls or url in seen:
            continue
        if e.published_at is not None and e.published_at < oldest:
            continue
        seen.add(url)
        fresh.append((url, e))
    # Newest first when dated, so the cap keeps the latest news.
    fresh.sort(key=lambda p: p[1].published_at or state.as_of, reverse=True)
    return fresh[: settings.max_articles_per_source]


def _feed_only(url: str, entry: FeedEntry, source: Source) -> Article | None:
    text = entry.summary or entry.title
    if not text:
        return None
    return Article(
        id=article_id(url),
        url=url,
        title=entry.title,
        text=text,
        published_at=entry.published_at,
        published_day=entry.published_at.date() if entry.published_at else None,
        source_id=source.id,
        fetched_at=datetime.now(UTC),
        author=entry.author,
        site_name=entry.source_name,
        summary=entry.summary,
        origin="feed_only",
    )


async def _article(
    fetcher: Fetcher,
    url: str,
    entry: FeedEntry,
    source: Source,
    extract_pool: Executor | None,
    bodies: BodyBudget | None = None,
) -> tuple[Article | None, FetchLog | None]:
    """The entry's article, and the log of an extraction that found none (else None)."""
    async with bodies.slot(entry.url) if bodies else nullcontext():
        return await _fetch_and_extract(fetcher, url, entry, source, extract_pool)


async def _fetch_and_extract(
    fetcher: Fetcher,
    url: str,
    entry: FeedEntry,
    source: Source,
    extract_pool: Executor | None,
) -> tuple[Article | None, FetchLog | None]:
    page = await fetcher.get(entry.url, source_id=source.id)
    google = not entry.follow or is_google_news_link(entry.url)
    if google and (page.status != "ok" or not _left_google(entry.url, page.final_url)):
        # Google's interstitial is never article text: keep what the feed said.
        return _feed_only(url, entry, source), None
    if page.status != "ok":
        return _feed_only(url, entry, source), None
    if google:  # HTTP redirects led to the publisher: that page is the story's identity
        url = canonicalize(page.final_url)
    from tipsheet.connectors.extract import ExtractionError, extract_article

    loop = asyncio.get_running_loop()
    content_type = page.headers.get("content-type")
    try:
        extracted = await loop.run_in_executor(
            extract_pool, extract_article, page.body, page.final_url, content_type, page.fetched_at
        )
    except ExtractionError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        log = _extraction_log(page, source, f"no article in {page.final_url}: {reason}")
        return _feed_only(url, entry, source), log
    except Exception as exc:  # an extractor bug costs this page, never the source
        LOGGER.warning("extraction failed on %s", page.final_url, exc_info=True)
        log = _extraction_log(page, source, f"extraction failed on {page.final_url}: {exc!r}")
        return _feed_only(url, entry, source), log
    checkpoint("extract")
    published = publication_time(entry.published_at, extracted.published_at)
    article = Article(
        id=article_id(url),
        url=url,
        title=extracted.title or entry.title,
        text=extracted.text,
        published_at=published,
        published_day=published.date() if published else None,
        source_id=source.id,
        fetched_at=page.fetched_at,
        author=extracted.author or entry.author,
        site_name=extracted.site_name or entry.source_name,
        language=extracted.language,
        summary=entry.summary,
        origin="page",
    )
    return article, None


def publication_time(feed: datetime | None, page: datetime | None) -> datetime | None:
    """The page's own date when the feed agrees with it (it keeps the page's timezone, so
    its calendar day); the feed's when they disagree (the page's may be an update) or
    when the page has none."""
    if page is None:
        return feed
    if feed is None or abs(feed - page) <= timedelta(days=1):
        return page
    return feed


def _extraction_log(page: Page, source: Source, error: str) -> FetchLog:
    return FetchLog(
        url=page.url,
        status="error",
        http_status=page.http_status,
        error=error,
        fetched_at=page.fetched_at,
        bytes=len(page.body),
        source_id=source.id,
        final_url=page.final_url,
    )


async def collect_source(
    fetcher: Fetcher,
    source: Source,
    state: SourceState,
    extract_pool: Executor | None,
    bodies: BodyBudget | None = None,
) -> SourceResult:
    """New articles of one feed, site, press page or Google News source; never raises.

    `bodies` bounds the article pages fetched but not yet extracted (shared by the sources
    collected together); None leaves them unbounded.
    """
    start = len(fetcher.logs)
    listing, articles, extraction_logs = Listing(), [], []
    try:
        if source.type not in NEWS_TYPES:
            listing = Listing(error=f"source type {source.type!r} is not a news source")
        else:
            listing = await _read_listing(fetcher, source, state)
        if listing.entries:
            articles, extraction_logs = await _articles(
                fetcher, source, state, listing.entries, extract_pool, bodies
            )
    except Exception as exc:  # a bug in one source must not stop the run
        LOGGER.exception("collecting %s failed", source.url)
        listing = replace(listing, error=f"internal error collecting {source.url}: {exc!r}")
    logs = [x for x in fetcher.logs[start:] if x.source_id == source.id] + extraction_logs
    return SourceResult(
        source=source,
        logs=logs,
        validators=listing.validators,
        articles=articles,
        error=listing.error,
        unchanged=listing.unchanged,
    )


async def _articles(
    fetcher: Fetcher,
    source: Source,
    state: SourceState,
    entries: list[FeedEntry],
    extract_pool: Executor | None,
    bodies: BodyBudget | None,
) -> tuple[list[Article], list[FetchLog]]:
    """The new entries' articles, each URL once, and the logs of extractions that failed."""
    fresh = _new_entries(entries, state, fetcher.settings)
    found = await asyncio.gather(
        *(_article(fetcher, url, e, source, extract_pool, bodies) for url, e in fresh)
    )
    articles: list[Article] = []
    seen: set[str] = set()
    for a, _ in found:
        if a is not None and a.url not in seen and a.url not in state.known_urls:
            seen.add(a.url)
            articles.append(a)
    return articles, [log for _, log in found if log is not None]


async def _rediscover(
    fetcher: Fetcher, source: Source, state: SourceState, page: Page
) -> tuple[list[FeedEntry] | None, dict[str, Validators]]:
    """A feed URL that now serves HTML: use the feed that page declares, if any."""
    kept: dict[str, Validators] = {}
    for url in feed_links(page.body, page.final_url, probe=False)[:MAX_PROBES]:
        sub, feed = await _listing(fetcher, url, state, source.id)
        kept |= _kept(url, sub)
        if feed is not None and feed.is_feed:
            return feed.entries, kept
    return None, kept


def _with_ttl(
    kept: dict[str, Validators], url: str, parsed: ParsedFeed, page: Page
) -> dict[str, Validators]:
    """A feed's <ttl> pushes the next fetch back like max-age does (the later wins)."""
    v = kept.get(url)
    if v is None or not parsed.ttl_s:
        return kept
    after = page.fetched_at + timedelta(seconds=min(parsed.ttl_s, 24 * 3600))
    if v.next_fetch_after is not None and after <= v.next_fetch_after:
        return kept
    return {**kept, url: replace(v, next_fetch_after=after)}


async def collect_all(
    sources: list[Source],
    states: dict[str, SourceState],
    settings: Fetch | Settings,
    extract_pool: Executor | None,
    fetcher: Fetcher | None = None,
) -> list[SourceResult]:
    """Collect many sources at once with one Fetcher; states are keyed by source id.

    Pass the batch's `fetcher` so that every source of a host, news or postings, shares one
    per-host limit and one robots.txt read; without one, a Fetcher is opened for this call.
    One BodyBudget per call: the flow collects each batch in its own thread and event loop,
    so the pages waiting for extraction are bounded per batch.
    """
    fetch = settings.fetch if isinstance(settings, Settings) else settings
    if fetcher is None:
        async with Fetcher(fetch) as own:
            return await collect_all(sources, states, fetch, extract_pool, own)
    now = datetime.now(UTC)
    news = [s for s in sources if s.type in NEWS_TYPES]
    bodies = BodyBudget.for_pool(extract_pool, fetch)
    return list(
        await asyncio.gather(
            *(
                collect_source(
                    fetcher,
                    s,
                    states.get(s.id) or SourceState(as_of=now),
                    extract_pool,
                    bodies,
                )
                for s in news
            )
        )
    )
