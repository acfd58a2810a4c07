"""Turn a fetched page (bytes + Content-Type) into an ExtractedArticle: text, title, date.

A pure function of its inputs: no network, no module state, so it runs in a process pool.

Choices, each measured on ../shared/corpus (see evals/extraction.py):
- text: trafilatura in precision mode without comments; when that keeps less than half of
  what recall mode keeps, precision threw the article away (a page split in several
  containers, a teaser block), so the recall text is taken instead. The recall pass runs
  only where it can change the result: recall keeps little more than the text left after
  trafilatura's cleaning, so a precision text over RECALL_SKIP_SHARE of it stands
  (page_text_bound). Hidden elements are
  dropped first and a leading copy of the title and trailing promo lines are removed after.
- speed: the page is parsed once and every step reads that one tree; trafilatura copies
  what it prunes, and its metadata pass is run without the parts tipsheet does not store
  (its own date search, categories, tags, licence), so a page costs little more than
  trafilatura.extract alone (`make bench` prints both).
- date: the page's own structured data first (JSON-LD datePublished, article:published_time
  and similar meta, <time> in the article header), htmldate only when those are absent.
  Never a date after the fetch, never a footer copyright year.
- title: og:title / h1 / <title> whichever the others agree with, minus " | Site" tails.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from datetime import UTC, date, datetime, time, timedelta, timezone

import lxml.html
import trafilatura
from charset_normalizer import from_bytes
from htmldate import find_date
from lxml import etree
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import MANUALLY_CLEANED, Document

from tipsheet.core.errors import TipsheetError
from tipsheet.core.records import ExtractedArticle

LOGGER = logging.getLogger(__name__)

MIN_TEXT_CHARS = 100  # below this a page is a stub, a paywall teaser or an index, not an article
RECALL_SWITCH_RATIO = 0.55  # precision text under this share of the recall text: take recall
# precision text over this share of page_text_bound: the recall pass is skipped. Measured on
# the 1,592 corpus pages: the recall text was taken on 29, all under 0.40 of the bound; of the
# pages at 0.45 or more the precision text was never under 0.68 of the recall text (0.55 switches)
RECALL_SKIP_SHARE = 0.45
HTML_TYPES = ("text/html", "application/xhtml+xml")
SNIFFABLE_TYPES = ("", "application/octet-stream", "text/plain", "application/xml", "text/xml")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before utf-16-le: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s;"']+)""", re.IGNORECASE)
_LOOKS_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|p|div|article|title)[\s>/]", re.I)
_NOT_HTML_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
# promo and navigation lines that trafilatura keeps at the edges of an article
_PROMO_LINE = re.compile(
    r"^\s*(?:"
    r"(?:related|see more|see also|read more|read next|more from|also on|also read|"
    r"don'?t miss|recommended|trending|most popular|watch|listen)\b.{0,150}"
    r"|(?:tags?|topics?|share( this)?( story| article)?|advertisement|"
    r"like this story\?.*|sign up.{0,80}|subscribe.{0,80}|follow us.{0,80})\s*:?"
    r"|.{0,120}\[(?:insight|video|pics|reaction|photos?|gallery|poll|live)\]\s*\|?"
    r"|(?:copyright|©|\(c\)).{0,120}"
    r")\s*$",
    re.IGNORECASE,
)
_TITLE_SPLIT = re.compile(r"\s+(?:\||–|—|-|::|·|•|»|/)\s+")
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_date",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "article_date_original",
    "original-publish-date",
    "displaydate",
    "date.available",
    "citation_publication_date",
    "citation_date",
)
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T\s](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?",
    re.IGNORECASE,
)
_ARTICLE_TYPES = re.compile(r"article|posting|report|news|blog|webpage", re.IGNORECASE)


class ExtractionError(TipsheetError):
    """The page holds no article we can use; `reason` says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def extract_article(
    body: bytes,
    url: str,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
) -> ExtractedArticle:
    """Decode, extract and date one fetched page; raise ExtractionError when it is no article."""
    _check_html(body, content_type)
    html = decode_html(body, content_type)
    tree = _parse(html)
    if tree is None:
        raise ExtractionError(f"unparseable HTML ({len(body)} bytes)")
    _drop_hidden(tree)
    meta = page_metadata(tree, url)
    title = choose_title(tree, meta.title, meta.sitename)
    text = _extract_text(tree, url)
    text = _clean_lines(text, title)
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"no article text ({len(text)} characters extracted)")
    return ExtractedArticle(
        title=title,
        text=text,
        published_at=find_published(tree, html, url, fetched_at),
        author=meta.author or None,
        site_name=_site_name(tree, meta.sitename),
        language=detect_language(text, tree),
    )


# --- bytes to text ------------------------------------------------------------------------


def _check_html(body: bytes, content_type: str | None) -> None:
    if not body or not body.strip():
        raise ExtractionError("empty body")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES and mime not in SNIFFABLE_TYPES:
        raise ExtractionError(f"not HTML: Content-Type {mime}")
    head = body[:2048].lstrip()
    if head.startswith(_NOT_HTML_MAGIC):
        raise ExtractionError(f"not HTML: binary content ({head[:4]!r}...)")
    if mime not in HTML_TYPES and not _LOOKS_HTML.search(body[:4096]):
        raise ExtractionError(f"not HTML: no HTML markup in the first bytes (type {mime or '?'})")


def _codec(name: str | None) -> str | None:
    """Python codec name for a declared charset, None if unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # browsers read latin-1 and ascii labels as windows-1252 (WHATWG): do the same
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset the server or the page declares: header first, then <meta>."""
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        codec = _codec(m.group(1))
        if codec:
            return codec
    if m := _META_CHARSET.search(body[:8192]):
        return _codec(m.group(1).decode("ascii", "ignore"))
    return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text: BOM, then declared charset (checked), then detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    declared = declared_charset(body, content_type)
    if declared and declared.startswith("utf_16") or declared == "utf_32":
        declared = "utf-8"  # a UTF-16 page without BOM is read as ASCII-compatible by browsers
    utf8 = _try_decode(body, "utf-8")
    if declared:
        if codecs.lookup(declared).name == "utf-8":
            if utf8 is not None:
                return utf8
            LOGGER.debug("declared utf-8 but the bytes are not: detecting")
        elif utf8 is not None and not body.isascii() and _is_single_byte(declared):
            # valid multi-byte UTF-8 is almost never a legacy single-byte text by accident:
            # the usual case is a server default (iso-8859-1) over a UTF-8 page
            return utf8
        else:
            text = _try_decode(body, declared)
            if text is not None:
                return text
    if utf8 is not None:
        return utf8
    return body.decode(_detect(body), errors="replace")


def _detect(body: bytes) -> str:
    """Detected codec; windows-1252 (browsers' Western default) when it fits about as well.

    A mostly-ASCII page with a few accents fits many single-byte codepages equally well, and
    the detector's pick among them is arbitrary (cp1257 for French, say)."""
    matches = from_bytes(body[:200_000])
    best = matches.best()
    if best is None:
        return "cp1252"
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + 0.02:
            return "cp1252"
    return best.encoding


def _try_decode(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_single_byte(codec: str) -> bool:
    name = codecs.lookup(codec).name
    return name.startswith(("cp12", "iso8859", "latin", "koi8", "mac-", "cp8", "windows-"))


def _parse(html: str) -> lxml.html.HtmlElement | None:
    # lxml refuses str input that still carries an XML encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    return tree


def _drop_hidden(tree: lxml.html.HtmlElement) -> None:
    """Remove what a reader never sees: hover cards, templates, hidden blocks."""
    # one cheap XPath selects the candidates; the style test is done here, in Python,
    # because XPath's translate() over every element's style costs more than the rest
    for el in _HIDDEN_CANDIDATES(tree):
        if el.tag not in ("template", "noscript") and not _hidden(el):
            continue
        if el.getparent() is not None and el.tag not in ("body", "html", "main", "article"):
            el.drop_tree()


_HIDDEN_CANDIDATES = etree.XPath(
    "//body//*[@hidden or @aria-hidden='true' or @style] | //template | //noscript"
)


def _hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style", "").replace(" ", "")
    return "display:none" in style or "visibility:hidden" in style


# --- text -----------------------------------------------------------------------------------


def _trafilatura_text(tree: lxml.html.HtmlElement, url: str, **options) -> str:
    # trafilatura copies a tree it is given before pruning it: `tree` stays whole
    text = trafilatura.extract(
        tree, url=url, include_comments=False, include_tables=True, **options
    )
    return text or ""


def _extract_text(tree: lxml.html.HtmlElement, url: str) -> str:
    precise = _trafilatura_text(tree, url, favor_precision=True)
    if len(precise) >= MIN_TEXT_CHARS and len(precise) >= RECALL_SKIP_SHARE * page_text_bound(tree):
        return precise  # the recall text would not be long enough to be taken
    recall = _trafilatura_text(tree, url, favor_recall=True)
    if len(precise) < RECALL_SWITCH_RATIO * len(recall) or len(precise) < MIN_TEXT_CHARS:
        return recall
    return precise


# What trafilatura's cleaning deletes before it extracts (its MANUALLY_CLEANED), and what
# a reader never sees.
_NOT_EXTRACTED = frozenset(MANUALLY_CLEANED) | {"script", "style", "template", "noscript", "head"}
_BLOCK_MARGIN = 2  # characters trafilatura may add per element: a line break, a "| " cell


def page_text_bound(tree: lxml.html.HtmlElement) -> int:
    """About the most characters a trafilatura text of this page can have.

    trafilatura's text is made of the words left after its cleaning, one space or line
    break between them and at most a separator per element; its rescue pass may take
    JSON-LD's articleBody instead. So: those words with one space each, a margin per
    element, and the longest articleBody. Not a strict bound (readability, which trafilatura
    consults, reads the page before cleaning; a recall text reached 1.43 of it once), but
    on the 1,592 corpus pages no precision text above 0.40 of it was ever replaced by the
    recall text.
    """
    body = tree.find("body")
    body = tree if body is None else body
    chars = len(" ".join((body.text or "").split()))
    elements, stack = 0, [body]
    while stack:
        for child in stack.pop():
            if child.tail:
                chars += len(" ".join(child.tail.split())) + 1
            if not isinstance(child.tag, str):  # a comment: only its tail shows
                continue
            elements += 1
            if child.tag in _NOT_EXTRACTED:
                continue
            if child.text:
                chars += len(" ".join(child.text.split())) + 1
            stack.append(child)
    bodies = [len(b) for b in tree.xpath("//script[@type='application/ld+json']/text()")]
    return chars + _BLOCK_MARGIN * elements + max(bodies, default=0)


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def _clean_lines(text: str, title: str | None) -> str:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    # a leading copy of the headline belongs to the title field, not the body
    if lines and title and _norm(lines[0]) == _norm(title):
        lines.pop(0)
    # promos cluster at the end: drop them from the tail, and single ones inside
    while lines and _PROMO_LINE.match(lines[-1]):
        lines.pop()
    lines = [line for line in lines if not _PROMO_LINE.match(line)]
    return "\n".join(lines)


# --- title and site ---------------------------------------------------------------------


def _meta_content(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            values = tree.xpath(f"//meta[@{attr}=$n]/@content", n=name)
            for value in values:
                if value and value.strip():
                    return value.strip()
    return None


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = re.sub(r"\s+", " ", title).strip()
    return title or None


def _strip_site(title: str, site: str | None) -> str:
    """Drop a " | Site" or "Site - " part when the rest is clearly the headline."""
    parts = _TITLE_SPLIT.split(title)
    if len(parts) < 2:
        return title
    if site:
        kept = [p for p in parts if _norm(p) != _norm(site) and _norm(site) not in _norm(p)]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    # no site to match: the longest part is the headline when it clearly dominates
    longest = max(parts, key=len)
    if len(longest) >= 0.6 * len(title):
        return longest
    return title


def choose_title(tree: lxml.html.HtmlElement, fallback: str | None, site: str | None) -> str | None:
    og = _clean_title(_meta_content(tree, "og:title", "twitter:title"))
    h1s = [_clean_title(h.text_content()) for h in tree.xpath("//h1")]
    h1s = [h for h in h1s if h and len(h) > 8]
    head = _clean_title(" ".join(tree.xpath("//head/title//text()")))
    site = site or _meta_content(tree, "og:site_name", "application-name")
    candidates = [t for t in (og, head, fallback) if t]
    # an h1 that matches the og:title or the <title> head is the headline as printed
    for h1 in h1s:
        for other in candidates:
            if _norm(h1) and _norm(h1) in _norm(other):
                return h1
    for candidate in (og, head, fallback):
        if candidate:
            return _strip_site(candidate, site)
    return h1s[0] if h1s else None


def page_metadata(tree: lxml.html.HtmlElement, url: str | None) -> Document:
    """trafilatura's extract_metadata, read from our tree, without its date (find_published
    is ours), categories, tags and licence, which tipsheet does not store. None of the parts
    kept changes the tree."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception as exc:  # trafilatura's JSON-LD reader has bugs of its own
        LOGGER.debug("JSON-LD metadata skipped: %s", exc)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.author:
        meta.author = extract_author(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url and (m := META_URL.match(meta.url)):
        meta.sitename = m[1]
    meta.clean_and_trim()
    return meta


def _site_name(tree: lxml.html.HtmlElement, fallback: str | None) -> str | None:
    return _meta_content(tree, "og:site_name", "application-name") or fallback or None


# --- date -----------------------------------------------------------------------------------


def _parse_date(value: str) -> datetime | None:
    """ISO-ish date or datetime. Date-only values: midnight UTC of that day. Datetimes keep
    the page's own offset so `.date()` is the page's local calendar day."""
    m = _ISO_DATE.search(value or "")
    if not m:
        return None
    y, mo, d, hh, mm, ss, tz = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
    except ValueError:
        return None
    if hh is None:
        return datetime.combine(day, time(0), tzinfo=UTC)
    try:
        clock = time(int(hh), int(mm), int(ss or 0))
    except ValueError:
        return datetime.combine(day, time(0), tzinfo=UTC)
    if tz is None or tz.upper() in ("Z", "UTC", "GMT"):
        tzinfo = UTC
    else:
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
    return datetime.combine(day, clock, tzinfo=tzinfo)


def _walk_json(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_json(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_json(value)


def _jsonld_dates(tree: lxml.html.HtmlElement) -> list[str]:
    found: list[tuple[int, str]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content(), strict=False)
        except ValueError:
            continue
        for node in _walk_json(data):
            value = node.get("datePublished") or node.get("dateCreated")
            if not isinstance(value, str):
                continue
            kind = node.get("@type")
            kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
            # an article node beats a breadcrumb, a video or a related item
            found.append((0 if _ARTICLE_TYPES.search(kind) else 1, value))
    found.sort(key=lambda item: item[0])
    return [value for _, value in found]


_DATE_META_ATTRS = ("property", "name", "itemprop", "http-equiv")


def _meta_dates(tree: lxml.html.HtmlElement) -> list[str]:
    """Dated <meta> contents, by name in _DATE_META's order, then attribute, then position."""
    found: dict[tuple[str, str], list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in _DATE_META_ATTRS:
            value = el.get(attr)
            if value is not None:
                found.setdefault((value.lower(), attr), []).append(content)
    values = [
        v for name in _DATE_META for attr in _DATE_META_ATTRS for v in found.get((name, attr), ())
    ]
    marked = tree.xpath("//*[@itemprop='datePublished']")
    values += [v for v in (el.get("datetime") for el in marked) if v is not None]
    values += [v for v in (el.get("content") for el in marked) if v is not None]
    return values


def _header_time(tree: lxml.html.HtmlElement) -> list[str]:
    """<time datetime> near the headline, not in a footer, a comment or a related list."""
    values = []
    for el in tree.xpath("//article//time[@datetime] | //header//time[@datetime]"):
        ancestry = " ".join(
            f"{a.tag} {a.get('class', '')} {a.get('id', '')}" for a in el.iterancestors()
        ).lower()
        if re.search(r"footer|comment|related|sidebar|aside|recommend", ancestry):
            continue
        values.append(el.get("datetime"))
    return values[:1]


def _mentions_new_year(html: str, year: str) -> bool:
    patterns = (f"{year}-01-01", f"01/01/{year}", f"01.01.{year}", f"{year}/01/01")
    return any(p in html for p in patterns) or bool(
        re.search(rf"(Jan(uary)?\.? 0?1(st)?,? {year}|\b1(st)? Jan(uary)?\.? {year})", html)
    )


def find_published(
    tree: lxml.html.HtmlElement, html: str, url: str, fetched_at: datetime | None
) -> datetime | None:
    latest = (fetched_at or datetime.now(UTC)) + timedelta(days=1)
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    # the date printed in the article header is the page's own; structured data next
    # each source is read only when the ones before it gave no date
    for source in (_header_time, _jsonld_dates, _meta_dates):
        for value in source(tree):
            parsed = _parse_date(value)
            if parsed and _plausible(parsed, latest):
                return parsed
    guess = find_date(
        tree,  # htmldate copies a tree before pruning it
        extensive_search=True,
        original_date=True,
        outputformat="%Y-%m-%d",
        url=url,
        max_date=latest.strftime("%Y-%m-%d"),
    )
    if not guess:
        return None
    parsed = _parse_date(guess)
    if parsed is None or not _plausible(parsed, latest):
        return None
    if guess.endswith("-01-01") and not _mentions_new_year(html, guess[:4]):
        # htmldate fell back to a bare year ("© 2021", "founded in 2019"): not a date
        return None
    return parsed


def _plausible(value: datetime, latest: datetime) -> bool:
    return datetime(1995, 1, 1, tzinfo=UTC) <= value <= latest


# --- language -----------------------------------------------------------------------------


def detect_language(text: str, tree: lxml.html.HtmlElement | None = None) -> str | None:
    """ISO 639-1 code from the text itself; the page's lang attribute only as a fallback."""
    import py3langid  # imported here: its model loads on first use, in the worker

    sample = text[:3000]
    if len(sample) >= 40:
        lang, _ = py3langid.classify(sample)
        return lang
    if tree is not None:
        declared = tree.get("lang") or ""
        code = declared.split("-")[0].strip().lower()
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return None
