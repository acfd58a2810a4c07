"""A many-host loopback web with a fixed latency per response.

Each host is its own address (127.0.0.N, one shared port), so the fetcher's per-host
limits apply as they would on the real web. Every response, 304s included, waits the same
artificial latency before its first byte. Corpus pages are read and decompressed when
asked for; feeds and robots.txt are bytes in memory. ETag and Last-Modified are sent on
every 200 and honoured on conditional requests; no Cache-Control, so a second run must
revalidate every feed.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tipsheet.demo.localweb import LocalWeb, not_modified, send

FIRST_ADDRESS = "127.0.0.40"  # 127.0.0.40 and up: clear of the demo web's 127.0.0.2-9


def _kind(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if path.startswith("/feeds/"):
        return "feed"
    return "page"


class LatencyWeb:
    """Serves `hosts` hosts while started; routes are set per host once bases are known."""

    def __init__(self, hosts: int, latency_s: float, port: int = 0):
        self.hosts = hosts
        self.latency_s = latency_s
        self.port = port  # tried first when not 0: a stored history names its sources' URLs
        self.bases: dict[int, str] = {}
        self.stats: Counter[str] = Counter()
        self.cpu_s = 0.0  # CPU-seconds of the serving threads: the bench's, not the night's
        self._lock = threading.Lock()
        self._routes: dict[int, dict[str, Path | bytes]] = {}
        self._validators: dict[tuple[int, str], tuple[str, float]] = {}
        self._web = LocalWeb(
            {host: _handler(self, host) for host in range(hosts)},
            first_address=FIRST_ADDRESS,
            port=port,
            any_port_if_taken=True,
        )

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LatencyWeb:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._web.start()
        self.bases = dict(self._web.url_map)  # kept after stop: the bench names URLs by them

    def stop(self) -> None:
        self._web.stop()

    # ------------------------------------------------------------------ content

    def set_routes(self, host: int, routes: dict[str, Path | bytes]) -> None:
        self._routes[host] = routes
        for path, target in routes.items():
            if isinstance(target, Path):
                st = target.stat()
                tag = hashlib.sha1(f"{target}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
                self._validators[(host, path)] = (f'"{tag[:20]}"', st.st_mtime)
            else:
                tag = hashlib.sha1(target).hexdigest()
                self._validators[(host, path)] = (f'"{tag[:20]}"', 1_700_000_000.0)

    def reset_stats(self) -> Counter[str]:
        """The counts so far, and zero for what follows."""
        with self._lock:
            stats, self.stats = self.stats, Counter()
        return stats

    def reset_cpu(self) -> float:
        """CPU-seconds the serving threads spent since the last call (closed connections)."""
        with self._lock:
            spent, self.cpu_s = self.cpu_s, 0.0
        return spent

    def _spent(self, seconds: float) -> None:
        with self._lock:
            self.cpu_s += seconds

    # ------------------------------------------------------------------ serving

    def _count(self, *keys: str, by: int = 1) -> None:
        with self._lock:  # one thread per connection
            for key in keys:
                self.stats[key] += by

    def _respond(self, host: int, target: str, req: dict[str, str]):
        path = unquote(urlsplit(target).path or "/")
        kind = _kind(path)
        self._count("requests", f"host_{host}", f"requests_{kind}")
        conditional = "if-none-match" in req or "if-modified-since" in req
        if conditional:
            self._count("conditional")
        route = self._routes.get(host, {}).get(path)
        if route is None:
            self._count("not_found")
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        etag, mtime = self._validators[(host, path)]
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if conditional and not_modified(req, etag, mtime):
            self._count("not_modified", f"not_modified_{kind}")
            return 304, headers, b""
        if isinstance(route, Path):
            raw = route.read_bytes()
            body = gzip.decompress(raw) if route.name.endswith(".gz") else raw
            headers["Content-Type"] = "text/html"
        else:
            body = route
            headers["Content-Type"] = (
                "application/rss+xml; charset=utf-8" if kind == "feed" else "text/plain"
            )
        self._count(f"bodies_{kind}")
        self._count("bytes", by=len(body))
        return 200, headers, body


def _handler(web: LatencyWeb, host: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tipsheet-bench"
        sys_version = ""

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def handle(self):
            # one thread per connection: its CPU time when the connection closes is the
            # serving's whole cost, which shares the cores with the night it serves
            try:
                super().handle()
            finally:
                web._spent(time.thread_time())

        def do_GET(self):
            self._serve(send_body=True)

        def do_HEAD(self):
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            time.sleep(web.latency_s)
            req = {k.lower(): v for k, v in self.headers.items()}
            status, headers, body = web._respond(host, self.path, req)
            send(self, status, headers, body, send_body)

    return Handler
