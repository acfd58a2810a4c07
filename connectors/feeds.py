"""RSS, Atom, RDF and JSON feeds from bytes into FeedEntry records; never raises.

feedparser is always handed the bytes inside a stream: given a str it would fetch URLs,
and given bytes it would try them as a file path.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser

from tipsheet.connectors.jsonfeed import looks_like_json, parse_json_feed
from tipsheet.core.records import FeedEntry, ParsedFeed

LOGGER = logging.getLogger(__name__)

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S,
)
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|rdf)\b", re.I)
GOOGLE_NEWS_HOSTS = ("news.google.com",)
MAX_GUNZIP_BYTES = 20_000_000


def looks_like_html(body: bytes) -> bool:
    head = body[:4096]
    return bool(_HTML_START.match(head)) and not _FEED_ROOT.search(head)


def is_google_news_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "") in GOOGLE_NEWS_HOSTS and (
        parts.path.startswith(("/rss/articles/", "/articles/", "/__i/rss/rd/articles/"))
    )


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Whatever can be read of a feed; problems are listed in `errors`."""
    try:
        return _parse(body, url, content_type)
    except Exception as exc:  # a parser bug must cost one feed, never the run
        LOGGER.warning("feed parser failed on %s", url, exc_info=True)
        return ParsedFeed(None, [], errors=[f"parser failed: {type(exc).__name__}: {exc}"])


def _parse(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    if not body or not body.strip():
        return ParsedFeed(None, [], errors=["empty body"], is_feed=False)
    errors: list[str] = []
    if body[:2] == b"\x1f\x8b":  # a .gz file served as is, without Content-Encoding
        body = _gunzip(body)
        errors.append("body was gzip-compressed without Content-Encoding")
    media = (content_type or "").split(";")[0].strip().lower()
    if looks_like_json(body) or (media.endswith("json") and not body.lstrip().startswith(b"<")):
        parsed = parse_json_feed(body, url)
        parsed.errors[:0] = errors
        return parsed
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Summaries become plain text here, so feedparser's HTML sanitizing is wasted work.
    d = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if d.get("bozo"):
        exc = d.get("bozo_exception")
        line = " ".join(str(exc).split())[:200]
        errors.append(f"malformed feed ({type(exc).__name__}): {line}")
    raw_entries = d.get("entries") or []
    is_feed = bool(d.get("version")) or bool(raw_entries)
    if not is_feed:
        why = "HTML, not a feed" if looks_like_html(body) else "not a feed"
        errors.insert(0, why)
        return ParsedFeed(None, [], errors=errors, is_feed=False)
    feed = d.get("feed") or {}
    entries: list[FeedEntry] = []
    for i, e in enumerate(raw_entries):
        entry = _entry(e, url, i, errors)
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(
        _clean(feed.get("title")), entries, ttl_s=_ttl(feed.get("ttl")), errors=errors
    )


def _gunzip(body: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return d.decompress(body, MAX_GUNZIP_BYTES)
    except zlib.error:
        return body


def _entry(e, feed_url: str, i: int, errors: list[str]) -> FeedEntry | None:
    link = e.get("link")
    if not link:
        for candidate in e.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    guid = e.get("id") or None
    if not link and guid and e.get("guidislink", True) and str(guid).startswith("http"):
        link = guid
    if not link:
        errors.append(f"entry {i} dropped: no link")
        return None
    try:
        link = urljoin(feed_url, str(link).strip())
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        errors.append(f"entry {i} dropped: invalid link {str(link)[:80]!r}")
        return None
    if scheme not in ("http", "https"):
        errors.append(f"entry {i} dropped: link {link[:80]!r} is not http(s)")
        return None
    title = _clean(e.get("title"))
    summary = _html_text(e.get("summary") or _first_content(e))
    source_name = None
    follow = True
    if is_google_news_link(link):
        follow = False
        source = e.get("source") or {}
        source_name = _clean(source.get("title")) if hasattr(source, "get") else None
        if title and source_name and title.endswith(f" - {source_name}"):
            title = title[: -len(source_name) - 3].rstrip()
    return FeedEntry(
        url=link,
        title=title,
        summary=summary,
        published_at=_when(e.get("published_parsed") or _updated(e)),
        author=_clean(e.get("author")),
        source_name=source_name,
        guid=str(guid) if guid else None,
        follow=follow,
    )


def _updated(e):
    # Asking feedparser for a missing key it aliases warns; look before asking.
    return e.get("updated_parsed") if "updated" in e else None


def _first_content(e) -> str | None:
    for c in e.get("content") or []:
        if c.get("value"):
            return c["value"]
    return None


def _html_text(value: str | None) -> str | None:
    if not value:
        return None
    if "<" not in value and "&" not in value:
        return _clean(value)
    from bs4 import BeautifulSoup

    return _clean(BeautifulSoup(value, "html.parser").get_text(" ", strip=True))


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _when(t) -> datetime | None:
    """feedparser's struct_time (already UTC) as an aware datetime."""
    if not t:
        return None
    try:
        return datetime(*t[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _ttl(value) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if 0 < minutes < 60 * 24 * 365 else None
