"""Postings on a company's own careers page, for companies with no known job board.

A posting is a link whose text reads as a job title: it names a role noun (engineer,
manager, analyst ...) and is not site navigation ("Careers", "Benefits", "Life at X").
schema.org JobPosting blocks (JSON-LD) are read too, when a page carries them. The key of
a posting is its absolute URL, so appearance and disappearance between runs is a set
difference (tipsheet.core.signals.diff_postings).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urldefrag, urljoin

from bs4 import BeautifulSoup

from tipsheet.connectors.jobs import GetBytes, to_date
from tipsheet.core.records import Posting, Source
from tipsheet.core.wordlists import word_list

LOGGER = logging.getLogger(__name__)

ROLE_NOUNS = "|".join(map(re.escape, word_list("role_nouns")))
ROLE = re.compile(rf"\b(?:{ROLE_NOUNS})\b", re.I)

# Link texts that name a page of the site rather than an opening.
NAV = re.compile(
    r"^(?:careers?|jobs?|benefits|perks|culture|life at\b.*|about( us)?|our (team|values|story)"
    r"|meet the team|team|teams|leadership|view all.*|see all.*|all (jobs|openings|roles)"
    r"|open (positions|roles)|apply( now)?|learn more|read more|contact( us)?|blog|press"
    r"|news|privacy.*|terms.*|cookie.*|log ?in|sign (in|up)|home|students?|internships?)$",
    re.I,
)
NAV_WORDS = re.compile(
    r"\b(?:privacy|cookie|terms of|log ?in|sign ?up|newsletter|read more|learn more)\b", re.I
)
MIN_WORDS, MAX_WORDS = 1, 14


def looks_like_job_title(text: str) -> bool:
    text = " ".join(text.split())
    if not text or NAV.match(text) or NAV_WORDS.search(text):
        return False
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or len(text) > 120:
        return False
    return bool(ROLE.search(text))


def postings_from_page(
    html: bytes | str, base_url: str, company_id: str, source_id: str
) -> list[Posting]:
    """The postings a careers page links to, one per absolute URL, in page order."""
    soup = BeautifulSoup(html, "lxml")
    found: dict[str, Posting] = {}
    for p in _json_ld_postings(soup, base_url, company_id, source_id):
        found.setdefault(p.posting_key, p)
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        text = " ".join(a.get_text(" ", strip=True).split())
        if not looks_like_job_title(text):
            continue
        url = urldefrag(urljoin(base_url, href)).url
        if not url.startswith(("http://", "https://")):
            continue
        found.setdefault(
            url,
            Posting(
                company_id=company_id,
                source_id=source_id,
                posting_key=url,
                title=text,
                url=url,
            ),
        )
    return list(found.values())


def _json_ld_postings(soup, base_url, company_id, source_id) -> list[Posting]:
    out = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        for item in _walk(data):
            if item.get("@type") != "JobPosting" or not item.get("title"):
                continue
            url = item.get("url") or base_url
            url = urldefrag(urljoin(base_url, str(url))).url
            out.append(
                Posting(
                    company_id=company_id,
                    source_id=source_id,
                    posting_key=url,
                    title=" ".join(str(item["title"]).split()),
                    url=url,
                    location=_ld_location(item.get("jobLocation")),
                    team=None,
                    posted_at=to_date(item.get("datePosted")),
                )
            )
    return out


def _walk(data):
    if isinstance(data, list):
        for x in data:
            yield from _walk(x)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _walk(data["@graph"])


def _ld_location(loc) -> str | None:
    if isinstance(loc, list):
        loc = loc[0] if loc else None
    if not isinstance(loc, dict):
        return None
    addr = loc.get("address")
    if isinstance(addr, dict):
        parts = [addr.get(k) for k in ("addressLocality", "addressRegion", "addressCountry")]
        parts = [p if isinstance(p, str) else (p or {}).get("name") for p in parts]
        return ", ".join(p for p in parts if p) or None
    return addr if isinstance(addr, str) else None


async def fetch_careers_postings(
    get_bytes: GetBytes, source: Source
) -> tuple[list[Posting], list[str]]:
    """Read a careers_page source. Errors non-empty means the postings are unknown."""
    body, err = await get_bytes(source.url)
    if err:
        return [], [f"{source.url}: {err}"]
    return postings_from_page(body, source.url, source.company_id or "", source.id), []
