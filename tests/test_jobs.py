"""Job boards and careers pages, read from a real local server with documented shapes.

Fixtures in tests/data/jobs/ are written by us, for fictional companies, in the field names
and nesting each board documents for its public API. Each board is read twice: between the
two reads one posting vanishes and one appears.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from tipsheet.connectors.careers import (
    fetch_careers_postings,
    looks_like_job_title,
    postings_from_page,
)
from tipsheet.connectors.jobs import (
    PARSERS,
    board_url,
    board_urls,
    fetch_postings,
    httpx_get_bytes,
    httpx_get_json,
)
from tipsheet.core.config import Manager
from tipsheet.core.records import Posting, Source
from tipsheet.core.signals import diff_postings, find_signals
from tipsheet.demo.localweb import LocalServer, Response

DATA = Path(__file__).parent / "data" / "jobs"
DAY1, DAY2 = date(2024, 4, 15), date(2024, 4, 16)


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass(frozen=True)
class Board:
    ats: str
    board: str
    manager: Manager
    repost: str  # posting_key of the reposted role
    unrelated: str
    vanished: str
    appeared: str  # new on the second read, on the manager's team
    routes: tuple[dict[str, str], dict[str, str]]  # path -> fixture, per read


def _mgr(company, role, team, location, rejected=date(2024, 3, 1)) -> Manager:
    return Manager(
        id=f"m-{company}",
        name="Test Manager",
        company=company,
        role=role,
        rejected_on=rejected,
        team=team,
        location=location,
    )


SR = "/v1/companies/TidewaterFreight/postings?limit=2&offset="
BOARDS = [
    Board(
        "greenhouse",
        "quillfeather",
        _mgr("quillfeather", "Senior Data Engineer", "Data Platform", "Berlin"),
        "4012001",
        "4012002",
        "4012003",
        "4012004",
        (
            {"/v1/boards/quillfeather/jobs?content=true": "greenhouse_1.json"},
            {"/v1/boards/quillfeather/jobs?content=true": "greenhouse_2.json"},
        ),
    ),
    Board(
        "lever",
        "brindle",
        _mgr("brindle", "Engineering Manager", "Perception", "Pittsburgh"),
        "7f1c2d3e-0001-4a5b-9c8d-111111111111",
        "7f1c2d3e-0002-4a5b-9c8d-222222222222",
        "7f1c2d3e-0003-4a5b-9c8d-333333333333",
        "7f1c2d3e-0004-4a5b-9c8d-444444444444",
        (
            {"/v0/postings/brindle?mode=json": "lever_1.json"},
            {"/v0/postings/brindle?mode=json": "lever_2.json"},
        ),
    ),
    Board(
        "ashby",
        "marlowe-health",
        _mgr("marlowe", "Product Manager", "Patient Experience", "New York"),
        "c0ffee00-0001-4e3b-8a11-aaaaaaaaaaaa",
        "c0ffee00-0002-4e3b-8a11-bbbbbbbbbbbb",
        "c0ffee00-0003-4e3b-8a11-cccccccccccc",
        "c0ffee00-0005-4e3b-8a11-eeeeeeeeeeee",
        (
            {"/posting-api/job-board/marlowe-health": "ashby_1.json"},
            {"/posting-api/job-board/marlowe-health": "ashby_2.json"},
        ),
    ),
    Board(
        "smartrecruiters",
        "TidewaterFreight",
        _mgr("tidewater", "Logistics Analyst", "Network Planning", "Rotterdam"),
        "744000098765001",
        "744000098765002",
        "744000098765003",
        "744000098765004",
        (
            {SR + "0": "smartrecruiters_1_p0.json", SR + "2": "smartrecruiters_1_p2.json"},
            {SR + "0": "smartrecruiters_2_p0.json", SR + "2": "smartrecruiters_2_p2.json"},
        ),
    ),
    Board(
        "workable",
        "ostrava-labs",
        _mgr("ostrava", "QA Engineer", "Quality", "Brno"),
        "3F8A1C2B7D",
        "3F8A1C2B7E",
        "3F8A1C2B7F",
        "3F8A1C2B80",
        (
            {"/api/v1/widget/accounts/ostrava-labs": "workable_1.json"},
            {"/api/v1/widget/accounts/ostrava-labs": "workable_2.json"},
        ),
    ),
]
IDS = [b.ats for b in BOARDS]


def source_for(b: Board, base_url: str | None) -> Source:
    return Source(
        id=f"src-{b.ats}",
        company_id=b.manager.company,
        type="jobs",
        url=f"{b.ats}:{b.board}",
        options={"ats": b.ats, "board": b.board, "base_url": base_url},
    )


@dataclass
class Row:
    """What the storage layer keeps of a posting across runs."""

    posting_key: str
    title: str
    url: str | None
    team: str | None
    location: str | None
    posted_at: date | None
    first_seen: date
    last_seen: date
    active: bool


def history(first: list[Posting], second: list[Posting]) -> list[Row]:
    rows: dict[str, Row] = {}
    for day, postings in ((DAY1, first), (DAY2, second)):
        for r in rows.values():
            r.active = False
        for p in postings:
            if p.posting_key in rows:
                rows[p.posting_key].last_seen = day
                rows[p.posting_key].active = True
            else:
                rows[p.posting_key] = Row(
                    p.posting_key, p.title, p.url, p.team, p.location, p.posted_at, day, day, True
                )
    return list(rows.values())


def two_reads(b: Board) -> tuple[list[Posting], list[Posting], LocalServer]:
    with LocalServer() as server:
        source = source_for(b, server.base)

        async def read(routes) -> list[Posting]:
            server.routes = {path: Response(load(f)) for path, f in routes.items()}
            async with httpx.AsyncClient(timeout=5) as client:
                postings, errors = await fetch_postings(httpx_get_json(client), source, 2)
            assert errors == []
            return postings

        first = asyncio.run(read(b.routes[0]))
        second = asyncio.run(read(b.routes[1]))
    return first, second, server


@pytest.fixture(scope="module")
def reads():
    return {b.ats: two_reads(b) for b in BOARDS}


@pytest.mark.parametrize("b", BOARDS, ids=IDS)
def test_reposted_role_found(b: Board, reads):
    first, second, _ = reads[b.ats]
    signals = find_signals(b.manager, history(first, second), [], as_of=DAY2)
    top = signals[0]
    assert top.kind == "role_reposted"
    assert top.ref == b.repost
    assert top.url and top.url.startswith("https://")
    assert top.seen_on > b.manager.rejected_on
    assert top.strength >= 0.8


@pytest.mark.parametrize("b", BOARDS, ids=IDS)
def test_unrelated_role_ignored(b: Board, reads):
    first, second, _ = reads[b.ats]
    signals = find_signals(b.manager, history(first, second), [], as_of=DAY2)
    refs = {s.ref for s in signals}
    assert b.unrelated in {p.posting_key for p in second}
    assert b.unrelated not in refs
    # The new role on the manager's team reads as the team growing, not as a repost.
    growing = [s for s in signals if s.ref == b.appeared]
    assert [s.kind for s in growing] == ["team_growing"]


@pytest.mark.parametrize("b", BOARDS, ids=IDS)
def test_posting_vanished(b: Board, reads):
    first, second, _ = reads[b.ats]
    new, vanished = diff_postings([p.posting_key for p in first], second)
    assert vanished == [b.vanished]
    assert [p.posting_key for p in new] == [b.appeared]
    rows = {r.posting_key: r for r in history(first, second)}
    assert rows[b.vanished].active is False and rows[b.vanished].last_seen == DAY1


@pytest.mark.parametrize("b", BOARDS, ids=IDS)
def test_fields_read_from_documented_shape(b: Board, reads):
    first, _, _ = reads[b.ats]
    repost = next(p for p in first if p.posting_key == b.repost)
    assert repost.company_id == b.manager.company
    assert repost.source_id == f"src-{b.ats}"
    assert repost.team and repost.location and repost.posted_at and repost.url
    assert len({p.posting_key for p in first}) == len(first)


def test_ashby_unlisted_posting_skipped():
    data = json.loads(load("ashby_1.json"))
    keys = {p.posting_key for p in PARSERS["ashby"](data, "marlowe", "s")}
    assert "c0ffee00-0004-4e3b-8a11-dddddddddddd" not in keys
    assert len(keys) == 3


def test_smartrecruiters_pages_followed(reads):
    _, _, server = reads["smartrecruiters"]
    assert server.hits[SR + "0"] == 2 and server.hits[SR + "2"] == 2


def test_smartrecruiters_public_url_and_location():
    data = json.loads(load("smartrecruiters_1_p0.json"))
    p = PARSERS["smartrecruiters"](data, "tidewater", "s")[0]
    assert p.url == "https://jobs.smartrecruiters.com/TidewaterFreight/744000098765001"
    assert p.location == "Rotterdam, South Holland, Netherlands"
    assert p.team == "Network Planning" and p.posted_at == date(2024, 3, 28)


def test_lever_created_at_is_epoch_ms():
    p = PARSERS["lever"](json.loads(load("lever_1.json")), "brindle", "s")[0]
    assert p.posted_at == date(2024, 3, 25)
    assert p.team == "Perception" and p.location == "Pittsburgh, PA"


def test_default_urls_and_base_url_override():
    urls = {
        "greenhouse": "https://boards-api.greenhouse.io/v1/boards/quillfeather/jobs?content=true",
        "lever": "https://api.lever.co/v0/postings/brindle?mode=json",
        "ashby": "https://api.ashbyhq.com/posting-api/job-board/marlowe-health",
        "smartrecruiters": "https://api.smartrecruiters.com/v1/companies/TidewaterFreight"
        "/postings?limit=100&offset=0",
        "workable": "https://apply.workable.com/api/v1/widget/accounts/ostrava-labs",
    }
    for b in BOARDS:
        assert board_urls(source_for(b, None)) == [urls[b.ats]]
    gh = source_for(BOARDS[0], "http://127.0.0.1:8000/")
    assert board_url(gh) == "http://127.0.0.1:8000/v1/boards/quillfeather/jobs?content=true"


def test_source_from_config_reads_ats_and_board():
    from tipsheet.core.config import parse_config

    cfg = parse_config(
        {
            "me": {"name": "Me"},
            "managers": [
                {"id": "a", "name": "A", "company": "q", "role": "r", "rejected_on": "2024-01-01"}
            ],
            "companies": {
                "q": {
                    "name": "Q",
                    "sources": [
                        {
                            "type": "jobs",
                            "ats": "greenhouse",
                            "board": "quillfeather",
                            "base_url": "http://127.0.0.1:9",
                        }
                    ],
                }
            },
        }
    )
    (src,) = cfg.sources()
    assert board_url(src) == "http://127.0.0.1:9/v1/boards/quillfeather/jobs?content=true"


def test_failed_read_is_an_error_not_an_empty_board():
    b = BOARDS[0]
    with LocalServer({"/v1/boards/quillfeather/jobs?content=true": Response(b"{}", 200)}) as srv:

        async def go():
            async with httpx.AsyncClient(timeout=5) as client:
                bad = await fetch_postings(httpx_get_json(client), source_for(b, srv.base))
                srv.routes.clear()
                missing = await fetch_postings(httpx_get_json(client), source_for(b, srv.base))
            return bad, missing

        (p1, e1), (p2, e2) = asyncio.run(go())
    assert p1 == [] and "unexpected response" in e1[0]
    assert p2 == [] and "HTTP 404" in e2[0]


def test_smartrecruiters_failed_page_reports_error():
    b = BOARDS[3]
    with LocalServer({SR + "0": Response(load("smartrecruiters_1_p0.json"))}) as srv:

        async def go():
            async with httpx.AsyncClient(timeout=5) as client:
                return await fetch_postings(httpx_get_json(client), source_for(b, srv.base), 2)

        postings, errors = asyncio.run(go())
    assert len(postings) == 2 and errors and "offset=2" in errors[0]


# -- careers pages -----------------------------------------------------------------------


def test_careers_page_postings_and_nav_ignored():
    base = "http://careers.fennick.example/careers"
    postings = postings_from_page(load("careers_1.html"), base, "fennick", "s")
    assert [p.title for p in postings] == [
        "Senior Firmware Engineer, Sensors",
        "Field Service Technician",
        "Finance Analyst",
    ]
    assert postings[0].posting_key == (
        "http://careers.fennick.example/careers/jobs/senior-firmware-engineer-sensors"
    )
    assert postings[2].url == "https://fennick.example/careers/jobs/finance-analyst"


@pytest.mark.parametrize(
    "text,ok",
    [
        ("Careers", False),
        ("Benefits", False),
        ("Life at Fennick", False),
        ("View all openings", False),
        ("Engineering", False),
        ("Privacy policy", False),
        ("Staff Software Engineer", True),
        ("Head of Growth", True),
        ("Sales Development Representative (Remote)", True),
    ],
)
def test_job_title_lexicon(text, ok):
    assert looks_like_job_title(text) is ok


def test_careers_page_appearance_and_disappearance_over_http():
    with LocalServer() as server:
        source = Source("src-c", "fennick", "careers_page", server.url("/careers"))

        async def read(name):
            server.routes["/careers"] = Response(load(name), headers={"Content-Type": "text/html"})
            async with httpx.AsyncClient(timeout=5) as client:
                return await fetch_careers_postings(httpx_get_bytes(client), source)

        first, e1 = asyncio.run(read("careers_1.html"))
        second, e2 = asyncio.run(read("careers_2.html"))
    assert e1 == [] and e2 == []
    new, vanished = diff_postings([p.posting_key for p in first], second)
    assert [p.title for p in new] == ["Production Planner"]
    assert vanished == ["https://fennick.example/careers/jobs/finance-analyst"]
    manager = _mgr("fennick", "Firmware Engineer", "Sensors", "Leeds")
    rows = history(first, second)
    for r in rows:  # careers pages carry no dates: first seen after the decision
        r.first_seen = r.first_seen.replace(month=4)
    signals = find_signals(manager, rows, [], as_of=DAY2)
    assert signals[0].kind == "role_reposted" and "Firmware" in signals[0].title


def test_careers_json_ld_job_posting():
    html = b"""<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "JobPosting", "title": "Optical Engineer",
     "url": "/careers/jobs/optical-engineer", "datePosted": "2024-04-01",
     "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
       "addressLocality": "Leeds", "addressCountry": "GB"}}}
    </script></head><body></body></html>"""
    (p,) = postings_from_page(html, "https://fennick.example/careers", "fennick", "s")
    assert p.title == "Optical Engineer" and p.posted_at == date(2024, 4, 1)
    assert p.location == "Leeds, GB"
    assert p.posting_key == "https://fennick.example/careers/jobs/optical-engineer"


@pytest.mark.parametrize("b", BOARDS, ids=IDS)
def test_read_through_the_polite_fetcher(b: Board):
    from tipsheet.connectors.http import Fetcher
    from tipsheet.connectors.jobs import fetcher_get_json
    from tipsheet.core.config import Fetch

    settings = Fetch(allow_private_hosts=True, delay_s=0, retries=0)
    routes = {path: Response(load(f)) for path, f in b.routes[0].items()}
    with LocalServer(routes) as server:
        source = source_for(b, server.base)

        async def go():
            async with Fetcher(settings) as fetcher:
                got = await fetch_postings(fetcher_get_json(fetcher, source.id), source, 2)
                return got, fetcher.logs

        (postings, errors), logs = asyncio.run(go())
    assert errors == []
    assert b.repost in {p.posting_key for p in postings}
    assert all(log.source_id == source.id for log in logs if "robots.txt" not in log.url)
