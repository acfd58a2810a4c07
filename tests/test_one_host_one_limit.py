"""One host, one limit: a fetch batch reads every kind of source of a host through one
client, so the host sees at most `per_host_concurrency` requests at once and one robots.txt
read a night. Measured at a real local server that counts requests in flight.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

from tipsheet.connectors.collect import SourceState
from tipsheet.connectors.postings import collect_batch
from tipsheet.core.config import Fetch
from tipsheet.core.records import Source
from tipsheet.demo.localweb import LocalServer, Response
from tipsheet.flows.tasks import partition_by_host

LATENCY_S = 0.15


class InFlight:
    """Requests being served at once, and the most seen."""

    def __init__(self):
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def serve(self, response: Response):
        def handler(_request) -> Response:
            with self._lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            time.sleep(LATENCY_S)
            with self._lock:
                self.now -= 1
            return response

        return handler


def _html(body: str) -> Response:
    return Response(
        f"<html><body>{body}</body></html>".encode(), headers={"Content-Type": "text/html"}
    )


def test_a_host_with_a_feed_a_press_page_and_a_careers_page_gets_one_limit(tmp_path):
    flight = InFlight()
    with LocalServer() as server:
        base, routes = server.base, server.routes
        items = "".join(
            f"<item><title>Story {n}</title><link>{base}/news/{n}</link>"
            f"<pubDate>Thu, 19 Nov 2026 0{n}:00:00 GMT</pubDate></item>"
            for n in range(1, 5)
        )
        feed = f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
        press = "".join(
            f'<a href="/press/2026/release-{n}">Northwind release number {n} on freight</a>'
            for n in range(1, 5)
        )
        careers = "".join(
            f'<a href="/careers/jobs/{n}">Senior Data Engineer {n}</a>' for n in range(1, 4)
        )
        routes["/robots.txt"] = flight.serve(
            Response(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        )
        routes["/feed.xml"] = flight.serve(
            Response(feed.encode(), headers={"Content-Type": "application/rss+xml"})
        )
        routes["/press"] = flight.serve(_html(press))
        routes["/careers"] = flight.serve(_html(careers))
        for n in range(1, 5):
            article = _html(f"<article><h1>Story {n}</h1><p>Northwind news {n}.</p></article>")
            routes[f"/news/{n}"] = flight.serve(article)
            routes[f"/press/2026/release-{n}"] = flight.serve(article)
        sources = [
            Source("s-feed", "northwind", "feed", f"{base}/feed.xml"),
            Source("s-press", "northwind", "press_page", f"{base}/press"),
            Source("s-careers", "northwind", "careers_page", f"{base}/careers"),
        ]
        (batch,) = partition_by_host(sources, 4)  # one host: one batch
        state = SourceState(as_of=datetime(2026, 11, 20, tzinfo=UTC))
        fetch = Fetch(allow_private_hosts=True, per_host_concurrency=2, delay_s=0, retries=0)
        results = asyncio.run(collect_batch(batch, {s.id: state for s in batch}, fetch, None))

    assert [r.error for r in results] == [None, None, None]
    assert server.hits["/robots.txt"] == 1
    assert flight.peak <= 2, f"{flight.peak} requests in flight at once"
    assert flight.peak == 2  # and the limit is used, not serialised
