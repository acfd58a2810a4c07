"""Public job-board APIs: Greenhouse, Lever, Ashby, SmartRecruiters and Workable.

Fetching and parsing are kept apart. `parse_<board>(data, company_id, source_id)` is pure
and reads the response shape each board documents publicly; `fetch_postings(get_json,
source)` walks the URLs (SmartRecruiters is paged) through any async callable
`get_json(url) -> (object | None, error | None)`. Adapters build such a callable from an
`httpx.AsyncClient` or from the project's polite `Fetcher`.

A failed fetch never yields an empty list that could pass for "every posting vanished":
when `fetch_postings` returns errors, the caller must treat the postings as unknown.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from urllib.parse import quote

from tipsheet.core.dates import as_date
from tipsheet.core.records import Posting, Source

LOGGER = logging.getLogger(__name__)

GetJson = Callable[[str], Awaitable[tuple[object | None, str | None]]]
GetBytes = Callable[[str], Awaitable[tuple[bytes | None, str | None]]]

BOARDS = ("greenhouse", "lever", "ashby", "smartrecruiters", "workable")

DEFAULT_BASE = {
    "greenhouse": "https://boards-api.greenhouse.io",
    "lever": "https://api.lever.co",
    "ashby": "https://api.ashbyhq.com",
    "smartrecruiters": "https://api.smartrecruiters.com",
    "workable": "https://apply.workable.com",
}

PATH = {
    "greenhouse": "/v1/boards/{board}/jobs?content=true",
    "lever": "/v0/postings/{board}?mode=json",
    "ashby": "/posting-api/job-board/{board}",
    "smartrecruiters": "/v1/companies/{board}/postings?limit={limit}&offset={offset}",
    "workable": "/api/v1/widget/accounts/{board}",
}

SMARTRECRUITERS_PAGE = 100  # the API's maximum `limit`
MAX_PAGES = 50  # 5,000 postings: beyond that a board is not one we can follow anyway


# -- URLs --------------------------------------------------------------------------------


def board_of(source: Source) -> tuple[str, str, str | None]:
    """(ats, board, base_url) of a jobs source, from its options or its `ats:board` url."""
    opts = source.options or {}
    ats = opts.get("ats")
    board = opts.get("board")
    if not ats or not board:
        ats, _, board = source.url.partition(":")
    if ats not in BOARDS or not board:
        raise ValueError(f"not a jobs source: {source.url!r}")
    return ats, board, opts.get("base_url")


def board_url(source: Source, offset: int = 0, limit: int = SMARTRECRUITERS_PAGE) -> str:
    """The API URL of a board; `base_url` replaces scheme and host (and may add a prefix)."""
    ats, board, base = board_of(source)
    root = (base or DEFAULT_BASE[ats]).rstrip("/")
    return root + PATH[ats].format(board=quote(board, safe=""), offset=offset, limit=limit)


def board_urls(source: Source) -> list[str]:
    """The URLs to read first (SmartRecruiters: the first page; more follow from totalFound)."""
    return [board_url(source)]


# -- parsing -----------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None:
        return None
    s = " ".join(str(value).split())
    return s or None


def to_date(value) -> date | None:
    """An ISO date or datetime string, or epoch milliseconds (Lever), as a date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return as_date(value.strip())  # the calendar day as written, offset or "Z" aside
    return None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _posting(company_id, source_id, key, title, **kw) -> Posting | None:
    title = _text(title)
    if key in (None, "") or not title:
        return None
    return Posting(
        company_id=company_id, source_id=source_id, posting_key=str(key), title=title, **kw
    )


def parse_greenhouse(data, company_id: str, source_id: str) -> list[Posting]:
    """GET /v1/boards/{board}/jobs: {"jobs": [{id, title, updated_at, location{name},
    absolute_url, departments[{name}], offices[{name}], first_published?, content?}],
    "meta": {"total"}}."""
    out = []
    for job in _list(_dict(data).get("jobs")):
        job = _dict(job)
        depts = [_text(_dict(d).get("name")) for d in _list(job.get("departments"))]
        offices = [_text(_dict(o).get("name")) for o in _list(job.get("offices"))]
        location = _text(_dict(job.get("location")).get("name")) or next(
            (o for o in offices if o), None
        )
        p = _posting(
            company_id,
            source_id,
            job.get("id"),
            job.get("title"),
            url=job.get("absolute_url"),
            location=location,
            team=next((d for d in depts if d), None),
            posted_at=to_date(job.get("first_published")) or to_date(job.get("updated_at")),
        )
        if p:
            out.append(p)
    return out


def parse_lever(data, company_id: str, source_id: str) -> list[Posting]:
    """GET /v0/postings/{site}?mode=json: a list of {id, text, categories{team, department,
    location, commitment, allLocations}, hostedUrl, applyUrl, createdAt (epoch ms)}."""
    out = []
    for job in _list(data):
        job = _dict(job)
        cats = _dict(job.get("categories"))
        location = _text(cats.get("location")) or _text(
            ", ".join(str(x) for x in _list(cats.get("allLocations")))
        )
        p = _posting(
            company_id,
            source_id,
            job.get("id"),
            job.get("text"),
            url=job.get("hostedUrl") or job.get("applyUrl"),
            location=location,
            team=_text(cats.get("team")) or _text(cats.get("department")),
            posted_at=to_date(job.get("createdAt")),
        )
        if p:
            out.append(p)
    return out


def parse_ashby(data, company_id: str, source_id: str) -> list[Posting]:
    """GET /posting-api/job-board/{board}: {"apiVersion", "jobs": [{id, title, department,
    team, location, isListed, publishedAt, jobUrl, applyUrl, employmentType, ...}]}.
    Unlisted postings (isListed false) are not public openings and are skipped."""
    out = []
    for job in _list(_dict(data).get("jobs")):
        job = _dict(job)
        if job.get("isListed") is False:
            continue
        p = _posting(
            company_id,
            source_id,
            job.get("id") or job.get("jobUrl"),
            job.get("title"),
            url=job.get("jobUrl") or job.get("applyUrl"),
            location=_text(job.get("location")),
            team=_text(job.get("team")) or _text(job.get("department")),
            posted_at=to_date(job.get("publishedAt")),
        )
        if p:
            out.append(p)
    return out


def parse_smartrecruiters(data, company_id: str, source_id: str) -> list[Posting]:
    """GET /v1/companies/{id}/postings: {"offset", "limit", "totalFound", "content": [{id,
    name, releasedDate, location{city, region, country, remote, fullLocation?},
    department{label}, company{identifier}, ref}]}. `ref` is the API URL of the posting;
    the public page is jobs.smartrecruiters.com/{company}/{id}."""
    out = []
    for job in _list(_dict(data).get("content")):
        job = _dict(job)
        loc = _dict(job.get("location"))
        location = _text(loc.get("fullLocation")) or _text(
            ", ".join(str(loc[k]) for k in ("city", "region", "country") if loc.get(k))
        )
        if loc.get("remote") and location and "remote" not in location.lower():
            location += " (remote)"
        elif loc.get("remote") and not location:
            location = "Remote"
        company = _text(_dict(job.get("company")).get("identifier"))
        url = f"https://jobs.smartrecruiters.com/{company}/{job.get('id')}" if company else None
        p = _posting(
            company_id,
            source_id,
            job.get("id"),
            job.get("name"),
            url=url or job.get("ref"),
            location=location,
            team=_text(_dict(job.get("department")).get("label")),
            posted_at=to_date(job.get("releasedDate")),
        )
        if p:
            out.append(p)
    return out


def parse_workable(data, company_id: str, source_id: str) -> list[Posting]:
    """GET /api/v1/widget/accounts/{slug}: {"name", "description", "jobs": [{title,
    shortcode, code, employment_type, telecommuting, department, url, shortlink,
    application_url, published_on, created_at, country, city, state, locations[]}]}."""
    out = []
    for job in _list(_dict(data).get("jobs")):
        job = _dict(job)
        location = _text(", ".join(str(job[k]) for k in ("city", "state", "country") if job.get(k)))
        if job.get("telecommuting"):
            location = f"{location} (remote)" if location else "Remote"
        p = _posting(
            company_id,
            source_id,
            job.get("shortcode") or job.get("url"),
            job.get("title"),
            url=job.get("url") or job.get("shortlink") or job.get("application_url"),
            location=location,
            team=_text(job.get("department")),
            posted_at=to_date(job.get("published_on")) or to_date(job.get("created_at")),
        )
        if p:
            out.append(p)
    return out


PARSERS: dict[str, Callable[[object, str, str], list[Posting]]] = {
    "greenhouse": parse_greenhouse,
    "lever": parse_lever,
    "ashby": parse_ashby,
    "smartrecruiters": parse_smartrecruiters,
    "workable": parse_workable,
}


def _shape_error(ats: str, data) -> str | None:
    """Say so when a response is not the documented shape, rather than read it as empty."""
    if ats == "lever":
        ok = isinstance(data, list)
        want = "a JSON list"
    else:
        key = "content" if ats == "smartrecruiters" else "jobs"
        ok = isinstance(data, dict) and isinstance(data.get(key), list)
        want = f"an object with a {key!r} list"
    return None if ok else f"{ats}: unexpected response, expected {want}"


# -- fetching ----------------------------------------------------------------------------


async def fetch_postings(
    get_json: GetJson, source: Source, page_size: int = SMARTRECRUITERS_PAGE
) -> tuple[list[Posting], list[str]]:
    """Read every posting of a board. Errors non-empty means the list is incomplete."""
    ats, _, _ = board_of(source)
    company_id = source.company_id or ""
    parse = PARSERS[ats]
    if ats != "smartrecruiters":
        url = board_url(source)
        data, err = await get_json(url)
        if err:
            return [], [f"{url}: {err}"]
        shape = _shape_error(ats, data)
        if shape:
            return [], [f"{url}: {shape}"]
        return parse(data, company_id, source.id), []

    postings: list[Posting] = []
    offset = 0
    for _ in range(MAX_PAGES):
        url = board_url(source, offset=offset, limit=page_size)
        data, err = await get_json(url)
        if err:
            return postings, [f"{url}: {err}"]
        shape = _shape_error(ats, data)
        if shape:
            return postings, [f"{url}: {shape}"]
        page = parse(data, company_id, source.id)
        postings.extend(page)
        content = data.get("content") or []
        total = data.get("totalFound")
        offset += len(content)
        if not content or not isinstance(total, int) or offset >= total:
            break
    else:
        LOGGER.warning("%s: stopped after %d pages", source.url, MAX_PAGES)
    return _dedupe(postings), []


def _dedupe(postings: list[Posting]) -> list[Posting]:
    # Paging over a list that changes between requests can show a posting twice.
    seen: dict[str, Posting] = {}
    for p in postings:
        seen.setdefault(p.posting_key, p)
    return list(seen.values())


# -- adapters ----------------------------------------------------------------------------


def httpx_get_json(client) -> GetJson:
    """A `get_json` over an httpx.AsyncClient."""
    import httpx

    async def get_json(url: str) -> tuple[object | None, str | None]:
        try:
            resp = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if resp.status_code != 200:
            return None, f"HTTP {resp.status_code}"
        return _decode(resp.content)

    return get_json


def httpx_get_bytes(client) -> GetBytes:
    """A `get_bytes` over an httpx.AsyncClient."""
    import httpx

    async def get_bytes(url: str) -> tuple[bytes | None, str | None]:
        try:
            resp = await client.get(url)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if resp.status_code != 200:
            return None, f"HTTP {resp.status_code}"
        return resp.content, None

    return get_bytes


def fetcher_get_bytes(fetcher, source_id: str | None = None, logs: list | None = None) -> GetBytes:
    """A `get_bytes` over the polite Fetcher (connectors/http.py): `await fetcher.get(url,
    validators=None, source_id=...) -> Page`. No validators are sent: a board must be read
    whole each run, since a posting's absence is what we look for. Each Page is appended
    to `logs` when given, so the caller can keep its FetchLog."""

    async def get_bytes(url: str) -> tuple[bytes | None, str | None]:
        page = await fetcher.get(url, validators=None, source_id=source_id)
        if logs is not None:
            logs.append(page)
        if page.status != "ok" or page.body is None:
            why = page.error or (f"HTTP {page.http_status}" if page.http_status else page.status)
            return None, f"{page.status}: {why}"
        return page.body, None

    return get_bytes


def fetcher_get_json(fetcher, source_id: str | None = None, logs: list | None = None) -> GetJson:
    """A `get_json` over the polite Fetcher; see fetcher_get_bytes."""
    get_bytes = fetcher_get_bytes(fetcher, source_id, logs)

    async def get_json(url: str) -> tuple[object | None, str | None]:
        body, err = await get_bytes(url)
        if err:
            return None, err
        return _decode(body)

    return get_json


def _decode(body: bytes) -> tuple[object | None, str | None]:
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"invalid JSON: {exc}"
