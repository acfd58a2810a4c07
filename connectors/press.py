"""Article links on a press or news listing page that has no feed."""

from __future__ import annotations

import logging
import re
import warnings
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from tipsheet.connectors.jsonfeed import parse_datetime
from tipsheet.core.records import FeedEntry

LOGGER = logging.getLogger(__name__)

# Page furniture whose links are never articles.
_SKIP_TAGS = ("nav", "footer", "aside")
_FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|footer|breadcrumbs?|share|sharing|social|"
    r"cookies?|pagination|pager|sidebar|skip-link)(?:$|[-_\s])",
    re.I,
)
_SKIP_PATH = re.compile(
    r"/(?:tags?|category|categories|topics?|authors?|login|log-in|signin|sign-in|signup|"
    r"sign-up|register|account|search|subscribe|newsletter|about|contact|privacy|terms|"
    r"legal|cookies?|careers|jobs|feed|rss|page|wp-admin|wp-login\.php|cart|share)(?:/|$)",
    re.I,
)
_SKIP_EXT = re.compile(
    r"\.(?:pdf|jpe?g|png|gif|svg|webp|zip|gz|mp3|mp4|mov|docx?|xlsx?|pptx?|xml|json|rss|css|js)$",
    re.I,
)
_DATE_IN_PATH = re.compile(
    r"/(?:19|20)\d{2}(?:/[01]?\d(?:/[0-3]?\d)?)?/|\b(?:19|20)\d{2}-\d{2}-\d{2}\b"
)
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.I)
_GENERIC_TEXT = re.compile(
    r"^(?:read more|more|continue reading|learn more|details|»|›|→)\W*$", re.I
)
_TEXT_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%b. %d, %Y")


def _same_site(a: str, b: str) -> bool:
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _is_furniture(a: Tag) -> bool:
    for parent in a.parents:
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
            break
        if parent.name in _SKIP_TAGS:
            return True
        if parent.name == "header" and not parent.find_parent(("article", "main")):
            return True
        role = (parent.get("role") or "").lower()
        if role in ("navigation", "contentinfo", "banner", "menu"):
            return True
        marks = " ".join([*(parent.get("class") or []), parent.get("id") or ""])
        if marks and _FURNITURE.search(marks):
            return True
    return False


def _looks_like_article(path: str, listing_path: str) -> bool:
    if _SKIP_PATH.search(path) or _SKIP_EXT.search(path):
        return False
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    base = listing_path.rstrip("/")
    if base and path.startswith(base + "/") and len(path) > len(base) + 1:
        return True  # below the listing: /press/some-release
    if _DATE_IN_PATH.search(path + "/"):
        return True
    last = segments[-1].rsplit(".", 1)[0]
    return bool(_SLUG.fullmatch(last)) or (len(segments) >= 2 and len(last) >= 20)


def _text(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


def _title(a: Tag) -> str | None:
    text = _text(a.get_text(" ", strip=True)) or _text(a.get("title"))
    if not text:
        img = a.find("img")
        text = _text(img.get("alt")) if isinstance(img, Tag) else None
    if text and _GENERIC_TEXT.match(text):
        return None
    return text


def _parse_when(value: str | None) -> datetime | None:
    value = _text(value)
    if not value:
        return None
    when = parse_datetime(value)
    if when:
        return when
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _nearby_time(a: Tag) -> datetime | None:
    """The date of the smallest block around the link that holds a <time> and few links."""
    node: Tag | None = a
    for _ in range(5):
        node = node.parent if node is not None else None
        if not isinstance(node, Tag) or node.name in ("body", "html"):
            return None
        hrefs = {x.get("href") for x in node.find_all("a", href=True)}
        if len(hrefs) > 3:
            return None  # we reached the list itself: its dates belong to other items
        t = node.find("time")
        if isinstance(t, Tag):
            return _parse_when(t.get("datetime")) or _parse_when(t.get_text(" ", strip=True))
    return None


def article_links(html: bytes | str, base_url: str) -> list[FeedEntry]:
    """Links that look like articles of the listing's own site, in page order, deduplicated."""
    try:
        with warnings.catch_warnings():  # XML served to an HTML parser is expected here
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(html, "lxml")
    except Exception:  # a parser failure costs this page only
        LOGGER.warning("cannot parse listing page %s", base_url, exc_info=True)
        return []
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, base_tag["href"]) if isinstance(base_tag, Tag) else base_url
    try:
        listing = urlsplit(base_url)
    except ValueError:
        return []
    listing_host = (listing.hostname or "").lower()
    found: dict[str, FeedEntry] = {}
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            parts = urlsplit(urljoin(base, href))
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if not _same_site(parts.hostname.lower(), listing_host):
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if parts.path.rstrip("/") == listing.path.rstrip("/"):
            continue
        if not _looks_like_article(parts.path, listing.path) or _is_furniture(a):
            continue
        title = _title(a)
        entry = found.get(url)
        if entry is None:
            found[url] = FeedEntry(url=url, title=title, published_at=_nearby_time(a))
        elif title and (not entry.title or len(title) > len(entry.title)):
            entry.title = title
    return [e for e in found.values() if e.title]
