"""collect_source / collect_all against a local web, with a stand-in extractor."""

from __future__ import annotations

import asyncio
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tipsheet.connectors.collect import SourceState, collect_all, collect_source
from tipsheet.connectors.http import Fetcher
from tipsheet.core.config import Fetch
from tipsheet.core.records import ExtractedArticle, Source
from tipsheet.core.urls import canonicalize
from tipsheet.demo.localweb import LocalServer, Response

AS_OF = datetime(2025, 6, 10, tzinfo=UTC)


class StandInError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def stand_in_extract(body: bytes, url: str, content_type=None, fetched_at=None):
    text = body.decode("utf-8", "replace")
    if "<article>" not in text:
        raise StandInError("no <article> element")
    inner = text.split("<article>", 1)[1].split("</article>", 1)[0]
    return ExtractedArticle(title="Extracted " + url.rsplit("/", 1)[-1], text=inner.strip())


@pytest.fixture(autouse=True)
def extractor(monkeypatch):
    """A minimal stand-in for tipsheet.connectors.extract, for these tests only."""
    fake = types.ModuleType("tipsheet.connectors.extract")
    fake.extract_article = stand_in_extract
    fake.ExtractionError = StandInError
    monkeypatch.setitem(sys.modules, "tipsheet.connectors.extract", fake)

    import tipsheet.connectors as connectors

    monkeypatch.setattr(connectors, "extract", fake, raising=False)


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(2) as ex:
        yield ex


def settings(**kw) -> Fetch:
    return Fetch(**{"allow_private_hosts": True, "delay_s": 0, "retries": 0, "timeout_s": 2, **kw})


def page(n: int) -> Response:
    return Response(
        f"<html><body><nav>menu</nav><article>Story {n} text.</article></body></html>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def feed(base: str, items: list[tuple[str, datetime]], ttl: int | None = None) -> bytes:
    out = "".join(
        f"<item><title>T {path}</title><link>{base}{path}?utm_source=rss</link>"
        f"<description>Summary of {path}</description>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for path, when in items
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{ttl_tag}{out}'
        "</channel></rss>"
    ).encode()


def run(source, state, pool, s=None):
    async def go():
        async with Fetcher(s or settings()) as f:
            return await collect_source(f, source, state, pool)

    return asyncio.run(go())


def test_feed_source_first_and_second_run(pool):
    recent = AS_OF - timedelta(days=1)
    with LocalServer() as srv:
        items = [
            ("/a/1", recent),
            ("/a/2", recent),
            ("/a/old", AS_OF - timedelta(days=90)),
            ("/a/bad", recent),
        ]

        def feed_route(h):
            if h.headers.get("If-None-Match") == '"f1"':
                return Response(b"", 304)
            return Response(feed(srv.base, items), headers={"ETag": '"f1"'})

        q = "?utm_source=rss"
        srv.routes.update({"/feed": feed_route, "/a/1" + q: page(1), "/a/2" + q: page(2)})
        srv.routes["/a/bad" + q] = Response(b"<html>no story here</html>")
        source = Source(id="s1", company_id="nw", type="feed", url=srv.url("/feed"))
        first = run(source, SourceState(as_of=AS_OF), pool)

        assert first.error is None and not first.unchanged
        by_url = {a.url: a for a in first.articles}
        assert set(by_url) == {srv.url(p) for p in ("/a/1", "/a/2", "/a/bad")}
        a1 = by_url[srv.url("/a/1")]
        assert a1.text == "Story 1 text." and a1.origin == "page" and a1.source_id == "s1"
        assert a1.published_at == recent.replace(microsecond=0) and a1.summary == "Summary of /a/1"
        bad = by_url[srv.url("/a/bad")]
        assert bad.origin == "feed_only" and bad.text == "Summary of /a/bad"
        assert any(x.status == "error" and "no <article>" in x.error for x in first.logs)
        assert srv.hits["/a/old?utm_source=rss"] == 0  # too old to fetch
        assert first.validators[srv.url("/feed")].etag == '"f1"'

        # Second run, same web: a 304 and no article fetched.
        state = SourceState(
            as_of=AS_OF, validators=first.validators, known_urls={a.url for a in first.articles}
        )
        before = sum(srv.hits.values())
        second = run(source, state, pool)
        assert second.unchanged and second.articles == [] and second.error is None
        assert sum(srv.hits.values()) - before == 2  # robots.txt and the conditional feed GET

        # The server ignores validators now: known URLs are still never fetched again.
        srv.routes["/feed"] = Response(feed(srv.base, items + [("/a/3", recent)]))
        srv.routes["/a/3" + q] = page(3)
        third = run(source, state, pool)
        assert [a.url for a in third.articles] == [srv.url("/a/3")]
        assert srv.hits["/a/1?utm_source=rss"] == 1


def test_max_articles_per_source_keeps_newest(pool):
    items = [(f"/n/{i}", AS_OF - timedelta(hours=i)) for i in range(6)]
    with LocalServer() as srv:
        srv.routes["/feed"] = Response(feed(srv.base, items))
        for i in range(6):
            srv.routes[f"/n/{i}?utm_source=rss"] = page(i)
        source = Source(id="s2", company_id=None, type="feed", url=srv.url("/feed"))
        result = run(source, SourceState(as_of=AS_OF), pool, settings(max_articles_per_source=3))
    assert sorted(a.url for a in result.articles) == [srv.url(f"/n/{i}") for i in range(3)]


def test_failed_listing_is_an_error_not_an_exception(pool):
    with LocalServer() as srv:
        source = Source(id="s3", company_id=None, type="feed", url=srv.url("/gone"))
        result = run(source, SourceState(as_of=AS_OF), pool)
    assert result.error and "HTTP 404" in result.error and result.articles == []
    assert result.logs[0].status == "error"


def test_feed_url_serving_html_rediscovers_its_feed(pool):
    with LocalServer() as srv:
        srv.routes["/news"] = Response(
            b'<html><head><link rel="alternate" type="application/rss+xml" href="/real.xml">'
            b"</head><body>hi</body></html>",
            headers={"Content-Type": "application/rss+xml"},
        )
        srv.routes["/real.xml"] = Response(feed(srv.base, [("/r/1", AS_OF)]))
        srv.routes["/r/1?utm_source=rss"] = page(1)
        source = Source(id="s4", company_id=None, type="feed", url=srv.url("/news"))
        result = run(source, SourceState(as_of=AS_OF), pool)
    assert [a.url for a in result.articles] == [srv.url("/r/1")]


def test_site_source_discovers_feed_or_falls_back_to_links(pool):
    with LocalServer() as srv:
        srv.routes["/"] = Response(b"<html><body>no feed declared</body></html>")
        srv.routes["/feed.xml"] = Response(feed(srv.base, [("/s/1", AS_OF)]))
        srv.routes["/s/1?utm_source=rss"] = page(1)
        source = Source(id="s5", company_id=None, type="site", url=srv.url("/"))
        result = run(source, SourceState(as_of=AS_OF), pool)
        assert [a.url for a in result.articles] == [srv.url("/s/1")]
        assert srv.url("/feed.xml") in result.validators

    with LocalServer() as srv:
        srv.routes["/"] = Response(
            b'<html><body><main><a href="/2025/06/01/big-news">Big news</a></main></body></html>'
        )
        srv.routes["/2025/06/01/big-news"] = page(7)  # press links carry no tracking
        source = Source(id="s6", company_id=None, type="site", url=srv.url("/"))
        result = run(source, SourceState(as_of=AS_OF), pool)
    assert [(a.url, a.text) for a in result.articles] == [
        (srv.url("/2025/06/01/big-news"), "Story 7 text.")
    ]


def test_press_page_source(pool):
    with LocalServer() as srv:
        srv.routes["/press"] = Response(
            b'<html><body><nav><a href="/press/about-us-and-more">About</a></nav>'
            b'<ul><li><a href="/press/acme-buys-widgets-inc">Acme buys Widgets</a>'
            b'<time datetime="2025-06-05">5 June</time></li></ul></body></html>',
            headers={"Content-Type": "text/html"},
        )
        srv.routes["/press/acme-buys-widgets-inc"] = page(9)
        source = Source(id="s7", company_id="acme", type="press_page", url=srv.url("/press"))
        result = run(source, SourceState(as_of=AS_OF), pool)
    (a,) = result.articles
    assert a.url == srv.url("/press/acme-buys-widgets-inc") and a.text == "Story 9 text."
    assert a.published_at == datetime(2025, 6, 5, tzinfo=UTC)


GNEWS = """<item><title>{title} - Ledger</title><link>{link}</link><source url="https://l.example">Ledger</source>
<description>{title} summary</description><pubDate>Mon, 09 Jun 2025 10:00:00 GMT</pubDate></item>"""


def test_google_news_items_are_feed_only_unless_redirected_to_a_publisher(pool, monkeypatch):
    # Google News links point at news.google.com: route that name to the local server.
    import tipsheet.connectors.feeds as feeds_mod

    with LocalServer() as pub, LocalServer() as google:
        monkeypatch.setattr(feeds_mod, "GOOGLE_NEWS_HOSTS", ("news.google.com", "127.0.0.1"))
        interstitial = google.url("/rss/articles/AAA")
        redirected = google.url("/rss/articles/BBB")
        google.routes["/rss/articles/AAA"] = Response(
            b"<html><article>Google page</article></html>"
        )
        google.routes["/rss/articles/BBB"] = Response(
            status=302, headers={"Location": pub.url("/story")}
        )
        pub.routes["/story"] = page(5)
        items = GNEWS.format(title="Deal", link=interstitial) + GNEWS.format(
            title="Merger", link=redirected
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>{items}'
        google.routes["/rss/search"] = Response((body + "</channel></rss>").encode())
        source = Source(id="g", company_id="nw", type="google_news", url=google.url("/rss/search"))
        result = run(source, SourceState(as_of=AS_OF), pool)
    by_title = {a.title: a for a in result.articles}
    deal = by_title["Deal"]
    assert (
        deal.origin == "feed_only" and deal.site_name == "Ledger" and "Google page" not in deal.text
    )
    merger = [a for a in result.articles if a.origin == "page"]
    assert [a.url for a in merger] == [pub.url("/story")] and merger[0].text == "Story 5 text."


def test_collect_all_runs_sources_together(pool):
    with LocalServer() as a, LocalServer() as b:
        a.routes["/feed"] = Response(feed(a.base, [("/x", AS_OF)]))
        a.routes["/x?utm_source=rss"] = page(1)
        b.routes["/feed"] = Response(b"", 500)
        sources = [
            Source(id="a", company_id=None, type="feed", url=a.url("/feed")),
            Source(id="b", company_id=None, type="feed", url=b.url("/feed")),
            Source(id="j", company_id="nw", type="jobs", url="greenhouse:nw"),
        ]
        states = {"a": SourceState(as_of=AS_OF)}
        results = asyncio.run(collect_all(sources, states, settings(), pool))
    assert [r.source.id for r in results] == ["a", "b"]
    assert len(results[0].articles) == 1 and results[1].error and "HTTP 500" in results[1].error
    assert all(log.source_id == r.source.id for r in results for log in r.logs)
    assert canonicalize(results[0].articles[0].url) == results[0].articles[0].url


@pytest.mark.parametrize("total, per_host", [(4, 8), (8, 3)])
def test_pages_waiting_for_extraction_are_bounded(monkeypatch, pool, total, per_host):
    """No more pages are fetched ahead of extraction than the budget allows, and all arrive."""
    import time

    from tipsheet.connectors.collect import BodyBudget

    fetched, extracted, ahead = [0], [0], []

    def slow_extract(body, url, content_type=None, fetched_at=None):
        time.sleep(0.01)
        out = stand_in_extract(body, url, content_type, fetched_at)
        extracted[0] += 1
        return out

    def story(n):
        def route(handler):
            fetched[0] += 1
            ahead.append(fetched[0] - extracted[0])
            return page(n)

        return route

    monkeypatch.setattr(sys.modules["tipsheet.connectors.extract"], "extract_article", slow_extract)
    recent = AS_OF - timedelta(days=1)
    with LocalServer() as srv:
        paths = [f"/s/{n}" for n in range(30)]
        srv.routes["/feed"] = Response(feed(srv.base, [(p, recent) for p in paths]))
        srv.routes.update({p + "?utm_source=rss": story(n) for n, p in enumerate(paths)})
        source = Source(id="s", company_id=None, type="feed", url=srv.url("/feed"))

        async def go():
            async with Fetcher(settings(per_host_concurrency=8)) as f:
                budget = BodyBudget(total, per_host)
                return await collect_source(f, source, SourceState(as_of=AS_OF), pool, budget)

        result = asyncio.run(go())
    assert len(result.articles) == 30
    assert max(ahead) <= min(total, per_host)
