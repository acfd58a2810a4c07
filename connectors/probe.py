"""Checking sources and finding a site's feeds, for `tipsheet doctor` and `add-company`.

Politely, through the same Fetcher as a night (robots.txt, per-host limits, the user
agent), but with no retries: one request per source besides robots.txt. Nothing here is
stored.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from tipsheet.connectors.collect import MAX_PROBES
from tipsheet.connectors.discovery import common_feed_urls, declared_feeds
from tipsheet.connectors.feeds import parse_feed
from tipsheet.connectors.http import Fetcher, Page
from tipsheet.connectors.jobs import board_urls
from tipsheet.connectors.press import article_links
from tipsheet.core.config import Fetch
from tipsheet.core.records import FEED_TYPES, Source

OK, REDIRECTED, NOT_A_FEED = "ok", "redirected", "not a feed"
ROBOTS, UNREACHABLE = "robots refuses", "unreachable"


@dataclass(frozen=True)
class SourceCheck:
    source: Source
    url: str  # what was requested
    verdict: str  # ok | redirected | not a feed | robots refuses | unreachable
    detail: str
    fix: str | None = None

    @property
    def failed(self) -> bool:
        return self.verdict not in (OK, REDIRECTED)


def one_try(settings: Fetch) -> Fetch:
    return settings.model_copy(update={"retries": 0})


def _failure(source: Source, url: str, page: Page) -> SourceCheck:
    error = page.error or page.status
    if page.status == "refused" and "robots" in error.lower():
        return SourceCheck(
            source, url, ROBOTS, error, "the site asks robots not to read it: remove the source"
        )
    if "allow_private_hosts" in error:
        fix = "a private address: set settings.fetch.allow_private_hosts if that is intended"
    elif page.http_status in (401, 403):
        fix = "the server refuses us: check the URL in a browser, or remove the source"
    elif page.http_status == 404:
        fix = "the page is gone: find its new address (tipsheet add-company --site finds feeds)"
    else:
        fix = "check the URL and your connection; the night retries it and reports it"
    return SourceCheck(source, url, UNREACHABLE, error, fix)


def judge(source: Source, url: str, page: Page) -> SourceCheck:
    """The verdict on one source from the one page fetched for it."""
    if page.status != "ok":
        return _failure(source, url, page)
    moved = page.final_url != url
    where = f" (now at {page.final_url})" if moved else ""
    redirect_fix = f"change the url to {page.final_url}" if moved else None
    ctype = page.headers.get("content-type")
    if source.type in FEED_TYPES:
        parsed = parse_feed(page.body, page.final_url, ctype)
        if not parsed.is_feed:
            declared = declared_feeds(page.body, page.final_url)
            fix = (
                f"use the feed the page declares: {declared[0]}"
                if declared
                else "use type: press_page (a listing) or type: site (finds feeds itself)"
            )
            return SourceCheck(source, url, NOT_A_FEED, f"{ctype or 'no content type'}", fix)
        detail = f"{len(parsed.entries)} entries{where}"
    elif source.type == "jobs":
        try:
            json.loads(page.body)
        except ValueError:
            return SourceCheck(
                source, url, NOT_A_FEED, "the board did not answer JSON", "check ats and board"
            )
        detail = f"board answered{where}"
    elif source.type == "site":
        feeds = declared_feeds(page.body, page.final_url)
        detail = f"declares {len(feeds)} feed{'s' * (len(feeds) != 1)}{where}"
    else:  # press_page, careers_page: a listing of links
        detail = f"{len(article_links(page.body, page.final_url))} article links{where}"
    return SourceCheck(source, url, REDIRECTED if moved else OK, detail, redirect_fix)


def source_url(source: Source) -> str:
    return board_urls(source)[0] if source.type == "jobs" else source.url


async def _check_all(sources: list[Source], settings: Fetch) -> list[SourceCheck]:
    async with Fetcher(one_try(settings)) as fetcher:

        async def check(source: Source) -> SourceCheck:
            url = source_url(source)
            return judge(source, url, await fetcher.get(url, source_id=source.id))

        return list(await asyncio.gather(*(check(s) for s in sources)))


def check_sources(sources: list[Source], settings: Fetch) -> list[SourceCheck]:
    """Each source fetched once, in config order."""
    return asyncio.run(_check_all(sources, settings)) if sources else []


async def _discover(site: str, settings: Fetch) -> tuple[list[str], str | None]:
    async with Fetcher(one_try(settings)) as fetcher:
        home = await fetcher.get(site)
        if home.status != "ok":
            return [], home.error or home.status
        if parse_feed(home.body, home.final_url, home.headers.get("content-type")).is_feed:
            return [home.final_url], None
        candidates = declared_feeds(home.body, home.final_url) or common_feed_urls(home.final_url)
        found = []
        for url in candidates[:MAX_PROBES]:  # one after another: one host, politely
            page = await fetcher.get(url)
            if page.status != "ok":
                continue
            parsed = parse_feed(page.body, page.final_url, page.headers.get("content-type"))
            if parsed.is_feed and page.final_url not in found:
                found.append(page.final_url)
        return found, None


def discover_feeds(site: str, settings: Fetch) -> tuple[list[str], str | None]:
    """The feeds a site offers, each fetched and read as a feed; or the error reaching it."""
    return asyncio.run(_discover(site, settings))
