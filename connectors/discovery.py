"""Where a site keeps its feeds: declared <link rel="alternate"> first, then common paths."""

from __future__ import annotations

import logging
import warnings
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

LOGGER = logging.getLogger(__name__)

FEED_MIME_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
COMMON_PATHS = ("/feed", "/rss", "/feed.xml", "/atom.xml", "/index.xml", "/rss.xml")


def declared_feeds(html: bytes | str, base_url: str) -> list[str]:
    """Feeds a page declares with <link rel="alternate" type="...">, comment feeds last."""
    try:
        with warnings.catch_warnings():  # XML served to an HTML parser is expected here
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(html, "lxml")
    except Exception:  # a parser failure: no declared feeds
        LOGGER.warning("cannot parse %s for feed links", base_url, exc_info=True)
        return []
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, base_tag["href"]) if isinstance(base_tag, Tag) else base_url
    main: list[str] = []
    comments: list[str] = []
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rels = {r.lower() for r in (rel if isinstance(rel, list) else rel.split())}
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rels or kind not in FEED_MIME_TYPES:
            continue
        try:
            url = urljoin(base, link["href"].strip())
        except ValueError:
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        title = (link.get("title") or "").lower()
        target = comments if "comment" in title or "/comments/" in url else main
        if url not in main and url not in comments:
            target.append(url)
    return main + comments


def common_feed_urls(base_url: str) -> list[str]:
    parts = urlsplit(base_url)
    return [urlunsplit((parts.scheme, parts.netloc, p, "", "")) for p in COMMON_PATHS]


def feed_links(html: bytes | str, base_url: str, probe: bool = True) -> list[str]:
    """Feed URLs to try in order: declared ones, then (if none) common paths to probe."""
    declared = declared_feeds(html, base_url)
    if declared or not probe:
        return declared
    return common_feed_urls(base_url)
