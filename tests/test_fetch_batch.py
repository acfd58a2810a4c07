"""A fetch batch against a real local web whose errors are the transient kind.

The nightly flow does not retry a batch: the Fetcher retries each request, and a source
that still fails is a failed SourceResult, never an exception that would stop (or, under a
batch retry, refetch) the batch's other sources.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from tipsheet.connectors.collect import SourceState
from tipsheet.core.config import Fetch
from tipsheet.core.records import Source
from tipsheet.demo.localweb import LocalServer, Response
from tipsheet.flows import tasks

NOW = datetime.now(UTC)
RETRIES = 2


def rss(base: str) -> bytes:
    when = (NOW - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        f"<item><title>Northwind opens a hub</title><link>{base}/story</link>"
        f"<description>Northwind opened a hub.</description><pubDate>{when}</pubDate></item>"
        "</channel></rss>"
    ).encode()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_batch_returns_each_sources_failure_and_never_raises():
    flaky = [Response(b"", 503), Response(b"", 503)]

    def recovering(h):  # two 503s, then the feed: the Fetcher's retries get it
        return flaky.pop(0) if flaky else Response(rss(srv.base))

    def hang_up(h):  # the connection drops before any response
        h.close_connection = True

    with LocalServer() as srv:
        srv.routes.update(
            {
                "/recovering": recovering,
                "/down": Response(b"", 503),
                "/hang-up": hang_up,
                "/story": Response(
                    b"<html><body><article><p>Northwind opened a hub.</p></article></body></html>",
                    headers={"Content-Type": "text/html; charset=utf-8"},
                ),
            }
        )
        refused = f"http://127.0.0.1:{closed_port()}/feed"
        sources = [
            Source(id=name, company_id=None, type="feed", url=url)
            for name, url in (
                ("recovering", srv.url("/recovering")),
                ("down", srv.url("/down")),
                ("hang-up", srv.url("/hang-up")),
                ("refused", refused),
            )
        ]
        settings = Fetch(allow_private_hosts=True, delay_s=0, retries=RETRIES, backoff_s=0)
        results = tasks.fetch_batch.fn(sources, SourceState(as_of=NOW), settings, None)

    by_id = {r.source.id: r for r in results}
    assert list(by_id) == [s.id for s in sources]
    assert by_id["recovering"].error is None
    assert [a.url for a in by_id["recovering"].articles] == [srv.url("/story")]
    for failed in ("down", "hang-up", "refused"):
        assert by_id[failed].error and by_id[failed].articles == []
    assert srv.hits["/recovering"] == 3
    assert srv.hits["/down"] == srv.hits["/hang-up"] == RETRIES + 1
