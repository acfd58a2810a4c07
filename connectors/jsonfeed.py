"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org), read into the same records as RSS and Atom."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from tipsheet.core.records import FeedEntry, ParsedFeed

LOGGER = logging.getLogger(__name__)


def looks_like_json(body: bytes) -> bool:
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def parse_datetime(value: object) -> datetime | None:
    """An RFC 3339 date as an aware UTC datetime (None when unreadable)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _text(value: object) -> str | None:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return None


def _html_text(html: str) -> str | None:
    from bs4 import BeautifulSoup

    return _text(BeautifulSoup(html, "html.parser").get_text(" ", strip=True))


def _author(item: dict, feed: dict) -> str | None:
    for holder in (item, feed):
        authors = holder.get("authors")
        if isinstance(authors, list):
            for a in authors:
                if isinstance(a, dict) and _text(a.get("name")):
                    return _text(a.get("name"))
        author = holder.get("author")
        if isinstance(author, dict) and _text(author.get("name")):
            return _text(author.get("name"))
    return None


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """Parse a JSON Feed; anything else is returned with is_feed False and a reason."""
    try:
        data = json.loads(body.decode("utf-8-sig", "replace"))
    except (ValueError, RecursionError) as exc:
        return ParsedFeed(None, [], errors=[f"not JSON: {exc}"], is_feed=False)
    if not isinstance(data, dict):
        return ParsedFeed(None, [], errors=["JSON but not a JSON Feed object"], is_feed=False)
    version = data.get("version")
    items = data.get("items")
    is_jsonfeed = isinstance(version, str) and "jsonfeed.org/version" in version
    if not isinstance(items, list):
        if is_jsonfeed:
            return ParsedFeed(_text(data.get("title")), [], errors=["JSON Feed without items"])
        return ParsedFeed(None, [], errors=["JSON but not a JSON Feed"], is_feed=False)
    errors: list[str] = []
    if not is_jsonfeed:
        errors.append(f"JSON Feed version missing or unknown: {version!r}")
    base = data.get("feed_url") if isinstance(data.get("feed_url"), str) else url
    entries: list[FeedEntry] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"item {i} dropped: not an object")
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.strip():
            errors.append(f"item {i} dropped: no url")
            continue
        try:
            link = urljoin(base, link.strip())
            scheme = urlsplit(link).scheme.lower()
        except ValueError:
            errors.append(f"item {i} dropped: invalid url {link!r}")
            continue
        if scheme not in ("http", "https"):
            errors.append(f"item {i} dropped: link {link[:80]!r} is not http(s)")
            continue
        summary = _text(item.get("summary")) or _text(item.get("content_text"))
        if summary is None and isinstance(item.get("content_html"), str):
            summary = _html_text(item["content_html"])
        guid = item.get("id")
        entries.append(
            FeedEntry(
                url=link,
                title=_text(item.get("title")),
                summary=summary,
                published_at=parse_datetime(item.get("date_published"))
                or parse_datetime(item.get("date_modified")),
                author=_author(item, data),
                guid=str(guid) if guid is not None else None,
            )
        )
    return ParsedFeed(_text(data.get("title")), entries, errors=errors)
