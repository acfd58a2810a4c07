"""Escaping text from the web before it goes into a markdown digest.

Titles and texts are written by strangers: none of them may open a link, an image, raw
HTML, a heading or a table, nor break the line it sits on.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# `-`, `+` and `.` only mean something at the start of a line, where inline text never is.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~<>])")
_SPACE = re.compile(r"\s+")


def inline(text: str | None, limit: int | None = None) -> str:
    """One line of plain text, safe anywhere inline in markdown."""
    if not text:
        return ""
    text = _SPACE.sub(" ", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    # A backslash before < makes it text: no tag can open, and the raw file stays readable.
    return _SPECIAL.sub(r"\\\1", text)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with the characters that could end a markdown link encoded."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return quote(url.strip(), safe=":/?&=%#@+,;~!$'*")


def link(label: str | None, url: str | None) -> str:
    target = safe_url(url)
    text = inline(label) or "link"
    return f"[{text}](<{target}>)" if target else text


def quote_block(text: str | None, limit: int = 600) -> str:
    body = inline(text, limit)
    return f"> {body}" if body else ""
