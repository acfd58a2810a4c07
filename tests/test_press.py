"""Press listing pages and feed discovery.

URLs here are data to parse, never fetched: tests/conftest.py refuses every socket but
loopback (127.0.0.1 and the rest of 127.0.0.0/8).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tipsheet.connectors.discovery import COMMON_PATHS, feed_links
from tipsheet.connectors.press import article_links

LISTING = b"""<!doctype html><html><head><title>Press</title></head><body>
<header><nav><a href="/">Home</a><a href="/press/">Press</a>
<a href="/about">About</a></nav></header>
<div class="cookie-banner"><a href="/privacy-policy-and-cookie-settings">Cookie settings</a></div>
<main>
 <ul class="releases">
  <li><a href="/press/northwind-raises-series-b">Northwind raises Series B</a>
      <time datetime="2025-06-02T09:00:00Z">June 2, 2025</time></li>
  <li><article><h2><a href="https://www.northwind.example/2025/05/30/new-ceo">New CEO named</a></h2>
      <time>May 30, 2025</time><a href="/2025/05/30/new-ceo">Read more</a></article></li>
  <li><a href="/press/q1-results.pdf">Q1 results (PDF)</a></li>
  <li><a href="/tag/funding">funding</a> <a href="/category/news">News</a></li>
  <li><a href="https://twitter.com/northwind">Twitter</a></li>
  <li><a href="/press/?page=2">Next</a> <a href="mailto:press@northwind.example">Mail</a></li>
 </ul>
</main>
<footer><a href="/press/legal-notice-for-press-materials">Legal</a></footer>
</body></html>"""


def test_article_links_on_a_listing():
    entries = article_links(LISTING, "https://northwind.example/press/")
    got = {e.url: (e.title, e.published_at) for e in entries}
    assert got == {
        "https://northwind.example/press/northwind-raises-series-b": (
            "Northwind raises Series B",
            datetime(2025, 6, 2, 9, tzinfo=UTC),
        ),
        "https://www.northwind.example/2025/05/30/new-ceo": (
            "New CEO named",
            datetime(2025, 5, 30, tzinfo=UTC),
        ),
    }
    assert all(".pdf" not in u and "/tag/" not in u and "legal" not in u for u in got)


def test_article_links_never_raise_on_junk():
    assert article_links(b"\x00\xff<<<", "https://x.example/") == []
    assert article_links(b"", "https://x.example/") == []


def test_feed_links_declared_and_common_paths():
    html = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed/">
    <link rel="alternate" type="application/atom+xml" href="/atom.xml">
    <link rel="alternate" type="application/feed+json" href="https://j.example/feed.json">
    <link rel="stylesheet" href="/s.css"></head></html>"""
    assert feed_links(html, "https://s.example/blog") == [
        "https://s.example/atom.xml",
        "https://j.example/feed.json",
        "https://s.example/comments/feed/",
    ]
    probes = feed_links(b"<html></html>", "https://s.example/blog/")
    assert probes == [f"https://s.example{p}" for p in COMMON_PATHS]
    assert feed_links(b"<html></html>", "https://s.example/", probe=False) == []


@pytest.mark.corpus
def test_feed_links_on_corpus_home_pages(corpus):
    df = feed_links(
        (corpus / "feeds-rsparser/DaringFireball.html").read_bytes(), "https://daringfireball.net/"
    )
    assert df and all(u.startswith("https://daringfireball.net/") for u in df)
    assert any("feeds" in u or "json" in u for u in df)
    for path in corpus.glob("feeds-*/**/*.html"):
        links = feed_links(path.read_bytes(), "https://corpus.example/")
        assert links and all(u.startswith(("http://", "https://")) for u in links), path
