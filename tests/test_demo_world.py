"""The fictional demo world: its config, its static web, its manifest and its server."""

from __future__ import annotations

import json
import re
import urllib.robotparser
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
import yaml

from tipsheet.core.config import parse_config
from tipsheet.core.records import EVENT_TYPES
from tipsheet.demo import build_web
from tipsheet.demo.server import DemoWeb
from tipsheet.demo.world import (
    CONFIG_PATH,
    DEMO_TODAY,
    HOSTS,
    MANIFEST_PATH,
    REPOSTED_ROLE,
    WEB_DIR,
)

NEGATIVE_KINDS = {"review", "sport", "gossip", "passing_mention", "ambiguous", "old"}


@pytest.fixture(scope="module")
def config():
    return parse_config(yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def articles(manifest) -> list[dict]:
    return [a for a in manifest["articles"] if a["kind"] != "private"]


@pytest.fixture(scope="module")
def web():
    with DemoWeb() as w:
        yield w


def _file(url: str) -> Path | None:
    """The file on disk that serves a https://<host>.example URL, as DemoWeb resolves it."""
    parts = urlsplit(url)
    return DemoWeb().resolve(parts.hostname, parts.path or "/")


def _published(a: dict) -> date:
    return datetime.fromisoformat(a["published"]).date()


# ---------------------------------------------------------------- config


def test_demo_config_validates(config):
    assert len(config.managers) >= 3
    assert len({m.company for m in config.managers}) >= 3
    for m in config.managers:
        own = config.companies[m.company]
        assert len(own.competitors) >= 2 and len(own.customers) >= 1, m.id
        assert m.role and m.rejected_on and m.last_contacted and m.team and m.location
    assert any(m.hired_person for m in config.managers)
    # One manager was contacted so recently that a call now would be too soon.
    assert any(
        (DEMO_TODAY - m.last_contacted).days < config.settings.cadence_days.min
        for m in config.managers
    )
    assert config.settings.today == DEMO_TODAY  # every command counts from the demo's day


def test_demo_config_uses_only_demo_hosts(config):
    kinds = Counter(s.type for s in config.sources())
    assert kinds["feed"] >= 3 and kinds["press_page"] == 1 and kinds["jobs"] >= 1
    assert config.industry_sources
    for s in config.sources():
        url = s.options.get("base_url") or s.url
        if s.type != "jobs":
            assert urlsplit(url).hostname in HOSTS, url
            assert _file(url) is not None, url
    for key, company in config.companies.items():
        for d in company.domains:
            assert d.endswith(".example"), (key, d)


# ---------------------------------------------------------------- pages and feeds


def test_at_least_40_article_pages_with_furniture(articles):
    assert len(articles) >= 40
    for a in articles:
        page = _file(a["url"])
        assert page is not None, a["url"]
        text = page.read_text(encoding="utf-8")
        assert "<title>" in text and "<h1>" in text and "<time datetime=" in text, a["url"]
        assert "article:published_time" in text or '"datePublished"' in text, a["url"]
        assert 'class="author"' in text
        for furniture in ("cookie-banner", "<nav", 'class="related"', 'class="share"', "©"):
            assert furniture in text, (a["url"], furniture)
        body = text.split('<div class="story-body">')[1].split("</div>")[0]
        assert 4 <= body.count("<p>") <= 10, a["url"]


def test_every_feed_parses_and_lists_only_existing_pages(manifest):
    assert {f["kind"] for f in manifest["feeds"]} >= {"rss", "atom", "jsonfeed"}
    for feed in manifest["feeds"]:
        raw = _file(feed["url"]).read_bytes()
        if feed["kind"] == "jsonfeed":
            data = json.loads(raw)
            assert data["version"] == "https://jsonfeed.org/version/1.1"
            links = [item["url"] for item in data["items"]]
        else:
            parsed = feedparser.parse(raw)
            assert not parsed.bozo, (feed["url"], parsed.get("bozo_exception"))
            assert parsed.version.startswith(feed["kind"][:3]), (feed["url"], parsed.version)
            assert all(e.get("published_parsed") for e in parsed.entries)
            links = [e.link for e in parsed.entries]
        assert links, feed["url"]
        for link in links:
            assert _file(link) is not None, link


def test_press_page_without_feed_links_to_releases_and_more(manifest, articles):
    (listing,) = manifest["press_pages"]
    html = _file(listing).read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    host = urlsplit(listing).hostname
    releases = {urlsplit(a["url"]).path for a in articles if a["host"] == host}
    assert releases and releases <= hrefs
    others = {h for h in hrefs if h.startswith("/") and h not in releases}
    assert len(others) >= 5  # nav and footer links that are not articles
    assert not any("feed" in h or h.endswith(".xml") for h in hrefs)


def test_robots_txt_on_every_host_and_one_disallows_a_fed_page(manifest):
    for host in HOSTS:
        assert (WEB_DIR / host / "robots.txt").is_file(), host
    blocked = [a for a in manifest["articles"] if a["robots_disallowed"]]
    assert blocked
    for a in blocked:
        rp = urllib.robotparser.RobotFileParser()
        rp.parse((WEB_DIR / a["host"] / "robots.txt").read_text().splitlines())
        assert not rp.can_fetch("tipsheet", a["url"])
        feed = next(f for f in manifest["feeds"] if urlsplit(f["url"]).hostname == a["host"])
        assert a["url"] in _file(feed["url"]).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the manifest's story


def test_every_event_type_and_every_negative_kind_appears(articles):
    events = {a["event"] for a in articles if a["worth_a_call"]}
    assert events >= set(EVENT_TYPES)
    assert {a["kind"] for a in articles} >= NEGATIVE_KINDS
    assert not any(a["worth_a_call"] for a in articles if a["kind"] in NEGATIVE_KINDS)
    old = [a for a in articles if a["kind"] == "old"]
    assert all((DEMO_TODAY - _published(a)).days > 60 for a in old)


def test_syndicated_release_appears_on_several_sites(articles):
    copies = Counter(a["duplicate_of"] for a in articles if a["duplicate_of"])
    original, n = copies.most_common(1)[0]
    assert n >= 2
    assert any(a["url"] == original for a in articles)
    hosts = {a["host"] for a in articles if a["duplicate_of"] == original or a["url"] == original}
    assert len(hosts) == n + 1


def test_every_manager_has_three_recent_strong_items(config, articles):
    for m in config.managers:
        strong = [
            a
            for a in articles
            if m.id in a["worth_a_call_for"]
            and 0 <= (DEMO_TODAY - _published(a)).days <= 30
            and a["duplicate_of"] is None
        ]
        assert len(strong) >= 3, m.id
        related = set(config.relations(m))
        assert all(set(a["about"]) & related for a in strong)


def test_manifest_names_only_configured_companies(config, manifest):
    for a in manifest["articles"]:
        assert set(a["about"]) <= set(a["mentions"]) <= set(config.companies), a["url"]
        assert a["event"] is None or a["event"] in EVENT_TYPES


def test_committed_web_matches_the_generator(tmp_path):
    build_web.build(tmp_path)
    built = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(WEB_DIR) for p in WEB_DIR.rglob("*") if p.is_file()}
    assert built == committed
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (WEB_DIR / rel).read_bytes(), rel


# ---------------------------------------------------------------- job boards


def test_greenhouse_board_has_the_public_shape_and_the_reposted_role(config):
    data = json.loads(_file("https://boards.example/v1/boards/northwind/jobs").read_text())
    assert set(data) == {"jobs", "meta"} and data["meta"]["total"] == len(data["jobs"])
    for job in data["jobs"]:
        assert {
            "id",
            "title",
            "updated_at",
            "location",
            "absolute_url",
            "departments",
            "offices",
            "content",
        } <= set(job)
        assert set(job["location"]) == {"name"} and job["departments"][0]["name"]
        assert "&lt;p&gt;" in job["content"]  # Greenhouse escapes the HTML
    reposted = next(j for j in data["jobs"] if j["id"] == REPOSTED_ROLE["job_id"])
    manager = config.manager(REPOSTED_ROLE["manager_id"])
    assert reposted["title"].startswith(manager.role)
    assert manager.team in reposted["title"] and manager.location in reposted["location"]["name"]


def test_lever_board_has_the_public_shape():
    data = json.loads(_file("https://boards.example/v0/postings/fennimore").read_text())
    assert isinstance(data, list) and data
    for p in data:
        assert {"id", "text", "categories", "hostedUrl", "createdAt"} <= set(p)
        assert {"team", "location", "commitment"} <= set(p["categories"])
        assert isinstance(p["createdAt"], int) and p["createdAt"] > 1_700_000_000_000


# ---------------------------------------------------------------- the server


def test_each_host_is_served_on_its_own_address(web):
    bases = [urlsplit(web.url_map[h]) for h in HOSTS]
    assert len({b.hostname for b in bases}) == len(HOSTS)
    if bases[0].hostname != "127.0.0.1":  # the shared-port layout (Linux)
        assert len({b.port for b in bases}) == 1
    with httpx.Client(timeout=5) as client:
        for host in HOSTS:
            r = client.get(web.url_map[host] + "/robots.txt")
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        r = client.get(web.url_map["northwind.example"] + "/does-not-exist.html")
        assert r.status_code == 404


def test_served_bodies_point_at_the_live_web(web):
    with httpx.Client(timeout=5) as client:
        r = client.get(web.url_map["freightwire.example"] + "/rss.xml")
        assert r.headers["content-type"].startswith("application/rss+xml")
        assert ".example/" not in r.text
        links = [e.link for e in feedparser.parse(r.content).entries]
        assert links and all(link.startswith(web.url_map["freightwire.example"]) for link in links)
        page = client.get(links[0])
        assert page.status_code == 200 and "<h1>" in page.text
        atom = client.get(web.url_map["shelfsignal.example"] + "/feed.atom")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        jobs = client.get(web.url_map["boards.example"] + "/v1/boards/northwind/jobs?content=true")
        assert jobs.headers["content-type"] == "application/json"
        assert jobs.json()["jobs"][0]["absolute_url"].startswith(web.url_map["boards.example"])


def test_conditional_requests_get_304(web):
    url = web.url_map["northwind.example"] + "/news/feed.xml"
    with httpx.Client(timeout=5) as client:
        first = client.get(url)
        assert first.status_code == 200 and first.headers["etag"]
        assert first.headers["content-encoding"] == "gzip"  # httpx asks for it
        again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        since = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
        assert since.status_code == 304
        stale = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200


def test_rewrite_config_points_at_the_live_web(web, tmp_path):
    text = web.rewrite_config(CONFIG_PATH.read_text(encoding="utf-8"), tmp_path / "out")
    assert ".example/" not in text.replace("tipsheet.example/demo", "")
    cfg = parse_config(yaml.safe_load(text))
    assert cfg.settings.fetch.allow_private_hosts is True
    assert cfg.settings.fetch.delay_s <= 0.1
    assert cfg.settings.database == tmp_path / "out" / "tipsheet.duckdb"
    assert cfg.settings.digests_dir == tmp_path / "out" / "digests"
    jobs = [s for s in cfg.sources() if s.type == "jobs"]
    assert jobs and all(s.options["base_url"] == web.url_map["boards.example"] for s in jobs)


def test_the_demo_today_is_after_every_story(articles):
    assert all(_published(a) < DEMO_TODAY for a in articles)
    assert max(_published(a) for a in articles) >= DEMO_TODAY - timedelta(days=2)
