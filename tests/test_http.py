"""Fetcher against real local servers: every hostile case of issue 3 and the polite ones."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from tipsheet.connectors.http import Fetcher, parse_content_type, parse_max_age, parse_retry_after
from tipsheet.core.config import Fetch
from tipsheet.demo.localweb import LocalServer, Response

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def settings(**kw) -> Fetch:
    base = dict(
        allow_private_hosts=True,
        delay_s=0,
        retries=2,
        backoff_s=0.01,
        timeout_s=2,
        connect_timeout_s=0.5,
        retry_after_cap_s=2,
    )
    base.update(kw)
    return Fetch(**base)


@pytest.fixture(scope="module", autouse=True)
def shared_server():
    """One server for the module; tests swap routes."""
    global _SHARED
    with LocalServer() as srv:
        _SHARED = srv
        yield srv
    _SHARED = None


_SHARED: LocalServer | None = None


@contextlib.contextmanager
def serve(routes: dict):
    srv = _SHARED
    assert srv is not None
    srv.routes.clear()
    srv.routes.update(routes)
    srv.hits.clear()
    srv.requests.clear()
    try:
        yield srv
    finally:
        srv.routes.clear()


def fetch(url: str, s: Fetch | None = None, **kw):
    """One get with a fresh Fetcher; returns (page, logs)."""

    async def run():
        async with Fetcher(s or settings()) as f:
            page = await f.get(url, **kw)
            return page, f.logs

    return asyncio.run(run())


def raw(write):
    """A route whose handler writes the raw response itself."""

    def route(h):
        try:
            write(h)
            h.wfile.flush()
        except OSError:  # the client gave up, as it should
            pass
        h.close_connection = True
        return None

    return route


# -- basics ----------------------------------------------------------------------------------


def test_ok_page_has_headers_charset_validators_and_user_agent():
    body = "Grüße".encode("latin-1")
    routes = {
        "/p": Response(
            body,
            headers={
                "Content-Type": "text/html; charset=ISO-8859-1",
                "ETag": '"v1"',
                "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
            },
        )
    }
    with serve(routes) as srv:
        page, logs = fetch(srv.url("/p"), source_id="s1")
    assert page.status == "ok" and page.http_status == 200 and page.body == body
    assert (page.content_type, page.charset) == ("text/html", "iso-8859-1")
    assert page.validators.etag == '"v1"' and page.validators.content_hash
    assert page.final_url == srv.url("/p")
    ua = dict(srv.requests)["/p"]["User-Agent"]
    assert ua.startswith("tipsheet/")
    assert [(x.status, x.source_id, x.bytes) for x in logs] == [("ok", "s1", len(body))]


def test_missing_content_type_is_none():
    with serve({"/p": Response(b"hello")}) as srv:
        page, _ = fetch(srv.url("/p"))
    assert page.status == "ok" and page.content_type is None and page.charset is None


def test_gzip_and_raw_deflate_bodies_are_decoded():
    text = b"<p>hello</p>" * 1000
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = raw_deflate.compress(text) + raw_deflate.flush()
    routes = {
        "/g": Response(gzip.compress(text), headers={"Content-Encoding": "gzip"}),
        "/d": Response(deflated, headers={"Content-Encoding": "deflate"}),
        "/z": Response(zlib.compress(text), headers={"Content-Encoding": "deflate"}),
    }
    with serve(routes) as srv:
        for path in routes:
            page, _ = fetch(srv.url(path))
            assert page.status == "ok" and page.body == text, path


# -- refusals --------------------------------------------------------------------------------


def test_private_address_refused_before_any_request():
    with serve({"/p": Response(b"x")}) as srv:
        page, logs = fetch(srv.url("/p"), settings(allow_private_hosts=False))
        assert not srv.requests  # not even robots.txt
    assert page.status == "refused" and "127.0.0.1" in page.error
    assert "allow_private_hosts" in page.error and srv.url("/p") in page.error
    assert [x.status for x in logs] == ["refused"]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:x"])
def test_non_http_schemes_refused(url):
    page, logs = fetch(url)
    assert page.status == "refused" and "not http(s)" in page.error
    assert logs[0].status == "refused"


def test_dns_failure_is_a_readable_error():
    page, logs = fetch("http://no-such-host.invalid/feed")
    assert page.status == "error"
    assert "DNS lookup failed for host no-such-host.invalid" in page.error
    assert logs[-1].error == page.error


def test_robots_disallow_refused_and_robots_fetched_once():
    routes = {
        "/robots.txt": Response(b"User-agent: *\nDisallow: /private\n"),
        "/private/a": Response(b"secret"),
        "/public": Response(b"ok"),
    }

    async def run(url):
        async with Fetcher(settings()) as f:
            a = await f.get(url + "/private/a")
            b = await f.get(url + "/public")
            return a, b, f.logs

    with serve(routes) as srv:
        a, b, logs = asyncio.run(run(srv.base))
    assert a.status == "refused" and "robots.txt" in a.error
    assert b.status == "ok"
    assert srv.hits["/private/a"] == 0 and srv.hits["/robots.txt"] == 1
    assert [x.status for x in logs] == ["refused", "ok"]


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (503, False)])
def test_robots_fetch_failures_follow_google(status, allowed):
    routes = {"/robots.txt": Response(b"", status), "/p": Response(b"ok")}
    with serve(routes) as srv:
        page, _ = fetch(srv.url("/p"))
    assert (page.status == "ok") is allowed
    if not allowed:
        assert page.status == "refused" and "503" in page.error


# -- timeouts --------------------------------------------------------------------------------


def test_connect_timeout():
    # A listener that never accepts, its backlog filled: further SYNs go unanswered.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    try:
        t0 = time.monotonic()
        page, logs = fetch(f"http://127.0.0.1:{port}/", settings(retries=0, timeout_s=1.5))
        elapsed = time.monotonic() - t0
    finally:
        for s in fillers:
            s.close()
        listener.close()
    assert page.status == "error" and ("timed out" in page.error or "longer" in page.error)
    assert elapsed < 3


def test_read_timeout_server_sleeps_before_headers():
    def slow(h):
        time.sleep(2.5)
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with serve({"/slow": raw(slow)}) as srv:
        t0 = time.monotonic()
        page, _ = fetch(srv.url("/slow"), settings(timeout_s=0.5))
        elapsed = time.monotonic() - t0
    assert page.status == "error" and srv.url("/slow") in page.error
    assert "timed out" in page.error or "longer than timeout_s" in page.error
    assert elapsed < 2 and srv.hits["/slow"] == 1  # timeouts after connect are not retried


def test_total_cap_stops_a_trickling_server():
    def trickle(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.05)

    with serve({"/t": raw(trickle)}) as srv:
        t0 = time.monotonic()
        page, _ = fetch(srv.url("/t"), settings(timeout_s=0.8))
        elapsed = time.monotonic() - t0
    assert page.status == "error" and "longer than timeout_s (0.8 s)" in page.error
    assert elapsed < 2


# -- size limits and broken bodies -------------------------------------------------------------


def test_over_max_bytes_declared():
    with serve({"/big": Response(b"x" * 5000)}) as srv:
        page, _ = fetch(srv.url("/big"), settings(max_bytes=2048))
    assert page.status == "error" and "over max_bytes (2048)" in page.error


def test_over_max_bytes_while_streaming_undeclared_length():
    def endless(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        for _ in range(200):
            h.wfile.write(b"y" * 10_000)

    with serve({"/s": raw(endless)}) as srv:
        page, _ = fetch(srv.url("/s"), settings(max_bytes=50_000))
    assert page.status == "error" and "over max_bytes" in page.error and not page.body


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros as 16 gzip members of 64 MiB: about 1 MB on the wire."""
    member = gzip.compress(bytes(64 << 20), compresslevel=9)
    return member * 16


def test_gzip_bomb_cut_at_max_bytes(gzip_bomb):
    routes = {"/bomb": Response(gzip_bomb, headers={"Content-Encoding": "gzip"})}
    with serve(routes) as srv:
        t0 = time.monotonic()
        page, _ = fetch(srv.url("/bomb"), settings(max_bytes=2_000_000))
        elapsed = time.monotonic() - t0
    assert page.status == "error" and "over max_bytes (2000000) once decompressed" in page.error
    assert elapsed < 3


def test_truncated_body_is_an_error():
    def short(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"z" * 400)

    with serve({"/short": raw(short)}) as srv:
        page, logs = fetch(srv.url("/short"), settings(retries=1))
    assert page.status == "error" and "truncated" in page.error
    assert len(logs) == 2  # a broken connection is worth one more try


def test_truncated_gzip_body_is_an_error():
    data = gzip.compress(bytes(range(256)) * 100, compresslevel=0)[:-200]
    with serve({"/g": Response(data, headers={"Content-Encoding": "gzip"})}) as srv:
        page, _ = fetch(srv.url("/g"))
    assert page.status == "error" and "gzip" in page.error


# -- redirects -------------------------------------------------------------------------------


def test_redirect_loop():
    routes = {
        "/a": Response(status=302, headers={"Location": "/b"}),
        "/b": Response(status=301, headers={"Location": "/a"}),
    }
    with serve(routes) as srv:
        page, _ = fetch(srv.url("/a"))
    assert page.status == "error" and "redirect loop" in page.error
    assert srv.hits["/a"] == 1 and srv.hits["/b"] == 1  # loops are not retried


def test_long_redirect_chain_and_short_one():
    routes = {f"/r{i}": Response(status=307, headers={"Location": f"/r{i + 1}"}) for i in range(9)}
    routes["/r9"] = Response(b"end")
    with serve(routes) as srv:
        long_page, _ = fetch(srv.url("/r0"), settings(max_redirects=5))
        short_page, _ = fetch(srv.url("/r6"), settings(max_redirects=5))
    assert long_page.status == "error" and "too many redirects (over 5)" in long_page.error
    assert short_page.status == "ok" and short_page.final_url.endswith("/r9")
    assert short_page.url.endswith("/r6")


def test_redirect_to_non_http_refused():
    routes = {"/x": Response(status=302, headers={"Location": "ftp://example.com/file"})}
    with serve(routes) as srv:
        page, _ = fetch(srv.url("/x"))
    assert page.status == "refused" and "not http(s)" in page.error


# -- retries ---------------------------------------------------------------------------------


def sequence(*responses):
    items = list(responses)

    def route(h):
        return items.pop(0) if len(items) > 1 else items[0]

    return route


def test_no_retry_on_404():
    with serve({"/missing-page": Response(b"", 404)}) as srv:
        page, logs = fetch(srv.url("/missing-page"))
    assert page.status == "error" and page.http_status == 404
    assert "HTTP 404" in page.error and srv.url("/missing-page") in page.error
    assert srv.hits["/missing-page"] == 1 and len(logs) == 1


def test_retry_on_503_then_ok():
    route = sequence(Response(b"", 503), Response(b"", 503), Response(b"fine"))
    with serve({"/flaky": route}) as srv:
        page, logs = fetch(srv.url("/flaky"))
    assert page.status == "ok" and page.body == b"fine"
    assert [x.http_status for x in logs] == [503, 503, 200]


def test_retries_exhausted_on_500():
    with serve({"/down": Response(b"", 500)}) as srv:
        page, logs = fetch(srv.url("/down"), settings(retries=2))
    assert page.status == "error" and "after 3 attempts" in page.error
    assert srv.hits["/down"] == 3 and len(logs) == 3


def test_429_retry_after_is_waited():
    route = sequence(Response(b"", 429, {"Retry-After": "1"}), Response(b"now"))
    with serve({"/rl": route}) as srv:
        t0 = time.monotonic()
        page, _ = fetch(srv.url("/rl"))
        elapsed = time.monotonic() - t0
    assert page.status == "ok" and elapsed >= 0.9


def test_retry_after_over_cap_gives_up():
    with serve({"/rl": Response(b"", 503, {"Retry-After": "3600"})}) as srv:
        t0 = time.monotonic()
        page, _ = fetch(srv.url("/rl"), settings(retry_after_cap_s=1))
    assert page.status == "error" and "retry_after_cap_s" in page.error
    assert srv.hits["/rl"] == 1 and time.monotonic() - t0 < 1


def test_parse_retry_after_forms():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", now) == 30
    assert parse_retry_after("Tue, 31 Dec 2024 00:00:30 GMT", now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# -- incremental -----------------------------------------------------------------------------


def test_conditional_get_304():
    def route(h):
        if h.headers.get("If-None-Match") == '"v1"':
            return Response(b"", 304, {"ETag": '"v1"'})
        return Response(FEED, headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025"})

    with serve({"/feed": route}) as srv:
        first, _ = fetch(srv.url("/feed"))
        second, logs = fetch(srv.url("/feed"), validators=first.validators)
        sent = srv.requests[-1][1]
    assert first.status == "ok"
    assert second.status == "not_modified" and second.body == b"" and second.http_status == 304
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Wed, 01 Jan 2025"
    assert second.validators.content_hash == first.validators.content_hash
    assert logs[0].status == "not_modified"


def test_unchanged_by_body_hash_when_server_ignores_validators():
    with serve({"/feed": Response(FEED)}) as srv:
        first, _ = fetch(srv.url("/feed"))
        second, _ = fetch(srv.url("/feed"), validators=first.validators)
    assert first.status == "ok" and second.status == "unchanged"


def test_max_age_sets_next_fetch_and_skips_until_then():
    with serve({"/feed": Response(FEED, headers={"Cache-Control": "public, max-age=600"})}) as srv:
        page, _ = fetch(srv.url("/feed"))
        again, logs = fetch(srv.url("/feed"), validators=page.validators)
        assert srv.hits["/feed"] == 1
    delta = page.validators.next_fetch_after - datetime.now(UTC)
    assert timedelta(seconds=590) < delta <= timedelta(seconds=600)
    assert again.status == "skipped" and logs[0].status == "skipped"


def test_header_parsers():
    assert parse_max_age("no-cache, max-age=60") is None
    assert parse_max_age("s-maxage=5, max-age=60") == 60
    assert parse_max_age("max-age=99999999") == 24 * 3600
    assert parse_content_type('application/rss+xml; charset="UTF-8"') == (
        "application/rss+xml",
        "utf-8",
    )


# -- politeness ------------------------------------------------------------------------------


def test_per_host_concurrency_and_delay():
    active = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def slow(h):
        with lock:
            active["now"] += 1
            active["peak"] = max(active["peak"], active["now"])
        time.sleep(0.2)
        with lock:
            active["now"] -= 1
        return Response(b"ok")

    routes = {f"/p{i}": slow for i in range(6)}

    async def run(base, s):
        async with Fetcher(s) as f:
            return await asyncio.gather(*(f.get(f"{base}/p{i}") for i in range(6)))

    with serve(routes) as srv:
        t0 = time.monotonic()
        pages = asyncio.run(run(srv.base, settings(per_host_concurrency=2)))
        elapsed = time.monotonic() - t0
    assert all(p.status == "ok" for p in pages)
    assert active["peak"] == 2 and elapsed >= 0.6

    with serve({"/a": Response(b"a"), "/b": Response(b"b"), "/c": Response(b"c")}) as srv:

        async def spaced():
            async with Fetcher(settings(delay_s=0.25, per_host_concurrency=4)) as f:
                return await asyncio.gather(*(f.get(srv.url(p)) for p in ("/a", "/b", "/c")))

        t0 = time.monotonic()
        asyncio.run(spaced())
        assert time.monotonic() - t0 >= 0.5  # robots.txt, then three starts 0.25 s apart


def test_get_outside_context_manager_is_a_bug():
    with pytest.raises(RuntimeError):
        asyncio.run(Fetcher(settings()).get("http://127.0.0.1/"))
