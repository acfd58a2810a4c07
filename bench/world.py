"""The benchmark's web, planned: which corpus page lives on which host, in which feed.

Nothing is copied from the corpus: a page is a (host, path) -> corpus file mapping, and the
server decompresses the file when it is asked for. Feeds are RSS we write from the plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

PAGE_CORPORA = (
    "article-extraction-benchmark",
    "newspaper4k-article-extraction-dataset",
    "trafilatura-eval",
)
# Companies the corpus pages talk about, so the analysis stage does real matching work.
COMPANIES = (
    ("apple", "Apple Inc.", ["Apple"], "apple.com"),
    ("google", "Google", ["Alphabet"], "google.com"),
    ("microsoft", "Microsoft", [], "microsoft.com"),
    ("amazon", "Amazon", ["Amazon.com"], "amazon.com"),
    ("facebook", "Facebook", ["Meta Platforms"], "facebook.com"),
    ("tesla", "Tesla", ["Tesla Motors"], "tesla.com"),
    ("twitter", "Twitter", [], "twitter.com"),
    ("netflix", "Netflix", [], "netflix.com"),
    ("samsung", "Samsung", ["Samsung Electronics"], "samsung.com"),
    ("uber", "Uber", ["Uber Technologies"], "uber.com"),
)


class CorpusMissing(SystemExit):
    pass


def corpus_dir(repo: Path) -> Path:
    """TIPSHEET_CORPUS, else ../shared/corpus beside the repo; exit with a message if absent."""
    env = os.environ.get("TIPSHEET_CORPUS")
    path = Path(env) if env else repo.parent / "shared" / "corpus"
    missing = [c for c in PAGE_CORPORA if not (path / c / "html").is_dir()]
    if missing:
        raise CorpusMissing(
            f"bench: corpus not found: {path} lacks {', '.join(c + '/html' for c in missing)}. "
            "Set TIPSHEET_CORPUS to the shared corpus folder (the one holding "
            "article-extraction-benchmark/, newspaper4k-article-extraction-dataset/ and "
            "trafilatura-eval/)."
        )
    return path


def corpus_pages(corpus: Path, limit: int | None = None) -> list[Path]:
    """Every article page of the three page corpora, or an even spread of `limit` of them."""
    files = sorted(f for c in PAGE_CORPORA for f in (corpus / c / "html").iterdir() if f.is_file())
    if limit is not None and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return files


@dataclass
class Page:
    file: Path  # in the corpus, maybe gzipped
    host: int
    path: str  # URL path on its host


@dataclass
class Feed:
    host: int
    path: str
    company: str
    pages: list[Page] = field(default_factory=list)


@dataclass
class Plan:
    hosts: int
    feeds: list[Feed]
    pages: list[Page]
    published: datetime  # the newest item's date; the others go back a minute each

    def routes(self, host: int, base: str) -> dict[str, Path | bytes]:
        """URL path -> corpus file (a page) or bytes (a feed, robots.txt) on one host."""
        out: dict[str, Path | bytes] = {
            "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
        }
        for f in self.feeds:
            if f.host == host:
                out[f.path] = rss(f, base, self.published)
        for p in self.pages:
            if p.host == host:
                out[p.path] = p.file
        return out


def plan(files: list[Path], hosts: int, feeds: int) -> Plan:
    """Feed i lives on host i % hosts; page j is listed by feed j % feeds, on its host."""
    companies = [c[0] for c in COMPANIES]
    feed_list = [
        Feed(host=i % hosts, path=f"/feeds/{i:02d}.xml", company=companies[i % len(companies)])
        for i in range(feeds)
    ]
    pages = []
    for j, file in enumerate(files):
        feed = feed_list[j % feeds]
        name = file.name.removesuffix(".gz")
        corpus_name = file.parent.parent.name
        page = Page(file=file, host=feed.host, path=f"/news/{corpus_name}/{name}")
        feed.pages.append(page)
        pages.append(page)
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return Plan(hosts=hosts, feeds=feed_list, pages=pages, published=published)


def rss(feed: Feed, base: str, published: datetime) -> bytes:
    """An RSS 2.0 feed listing the feed's pages, newest first, with stable dates."""
    items = []
    for k, page in enumerate(feed.pages):
        when = format_datetime(published - timedelta(minutes=k), usegmt=True)
        stem = page.path.rsplit("/", 1)[-1].split(".")[0]
        items.append(
            "<item>"
            f"<title>Story {escape(stem[:12])}</title>"
            f"<link>{escape(base + page.path)}</link>"
            f'<guid isPermaLink="true">{escape(base + page.path)}</guid>'
            f"<pubDate>{when}</pubDate>"
            f"<description>Report {escape(stem[:12])} from the bench corpus.</description>"
            "</item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench feed {escape(feed.path)}</title><link>{escape(base)}/</link>"
        "<description>tipsheet benchmark feed</description>"
        f"<lastBuildDate>{format_datetime(published, usegmt=True)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>\n"
    )
    return body.encode("utf-8")


def config_yaml(
    plan_: Plan, bases: dict[int, str], out_dir: Path, delay_s: float, concurrency: int
) -> str:
    """A config whose companies read the plan's feeds, with its data under out_dir."""
    companies: dict[str, dict] = {}
    for key, name, aliases, domain in COMPANIES:
        companies[key] = {
            "name": name,
            "aliases": aliases,
            "domains": [domain],
            "sources": [],
        }
    for feed in plan_.feeds:
        companies[feed.company]["sources"].append(
            {"type": "feed", "url": bases[feed.host] + feed.path}
        )
    companies["apple"]["competitors"] = ["google", "microsoft", "samsung"]
    companies["google"]["competitors"] = ["microsoft", "apple", "facebook"]
    companies["microsoft"]["competitors"] = ["google", "apple", "amazon"]
    companies["microsoft"]["customers"] = ["uber", "netflix"]
    managers = [
        {
            "id": f"manager-{key}",
            "name": f"Manager {key.title()}",
            "company": key,
            "role": "Staff Engineer",
            "rejected_on": (plan_.published.date() - timedelta(days=20)).isoformat(),
            "interests": ["cloud", "artificial intelligence"],
        }
        for key in ("apple", "google", "microsoft")
    ]
    data = {
        "me": {"name": "Bench Candidate"},
        "managers": managers,
        "companies": companies,
        "settings": {
            "database": str(out_dir / "tipsheet.duckdb"),
            "digests_dir": str(out_dir / "digests"),
            "timezone": "UTC",
            "fetch": {
                "allow_private_hosts": True,  # the bench web lives on loopback addresses
                "per_host_concurrency": concurrency,
                "delay_s": delay_s,
                "max_articles_per_source": 100_000,  # take every page a feed lists
                "max_age_days": 3650,
            },
        },
    }
    return yaml.safe_dump(data, sort_keys=False)
