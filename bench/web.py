"""A many-host loopback web with a fixed latency per response, on asyncio in one thread.

Each host is its own address (127.0.0.N, one shared port), so the fetcher's per-host
limits apply as they would on the real web. Every response, 304s included, waits the same
artificial latency before its first byte. Corpus pages are read and decompressed when
asked for; feeds and robots.txt are bytes in memory. ETag and Last-Modified are sent on
every 200 and honoured on conditional requests; no Cache-Control, so a second run must
revalidate every feed.
"""

from __future__ import annotations

import asyncio
import errno
import gzip
import hashlib
import logging
import threading
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

LOGGER = logging.getLogger(__name__)

FIRST_ADDRESS = 40  # 127.0.0.40 and up: clear of the demo web's 127.0.0.2-9
BIND_ATTEMPTS = 20
MAX_HEAD = 64 * 1024

_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found"}


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
        self._routes: dict[int, dict[str, Path | bytes]] = {}
        self._validators: dict[tuple[int, str], tuple[str, float]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LatencyWeb:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._bind())
            except BaseException as exc:  # reported to start() below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="bench-web", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop(self) -> None:
        if self._loop is None:
            return

        async def close() -> None:
            for s in self._servers:
                s.close()
            for s in self._servers:
                await s.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    async def _bind(self) -> None:
        try:
            await self._bind_shared_port()
        except OSError as exc:
            if exc.errno != errno.EADDRNOTAVAIL:
                raise
            # No 127.0.0.x aliases (macOS): every host on 127.0.0.1, one port each.
            LOGGER.warning("127.0.0.x unavailable: one port per host on 127.0.0.1")
            for host in range(self.hosts):
                server = await self._server(host, "127.0.0.1", 0)
                port = server.sockets[0].getsockname()[1]
                self.bases[host] = f"http://127.0.0.1:{port}"

    async def _bind_shared_port(self) -> None:
        last: OSError | None = None
        for attempt in range(BIND_ATTEMPTS):
            wanted = self.port if attempt == 0 else 0
            try:
                first = await self._server(0, f"127.0.0.{FIRST_ADDRESS}", wanted)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or not wanted:
                    raise
                last = exc
                continue
            port = first.sockets[0].getsockname()[1]
            try:
                for host in range(1, self.hosts):
                    await self._server(host, f"127.0.0.{FIRST_ADDRESS + host}", port)
            except OSError as exc:
                for s in self._servers:
                    s.close()
                self._servers.clear()
                if exc.errno != errno.EADDRINUSE:
                    raise
                last = exc
                continue
            self.bases = {
                h: f"http://127.0.0.{FIRST_ADDRESS + h}:{port}" for h in range(self.hosts)
            }
            return
        raise OSError(errno.EADDRINUSE, f"no port free on all bench addresses: {last}")

    async def _server(self, host: int, address: str, port: int) -> asyncio.Server:
        async def handle(reader, writer):
            await self._connection(host, reader, writer)

        server = await asyncio.start_server(handle, address, port, limit=MAX_HEAD, backlog=256)
        self._servers.append(server)
        return server

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
        stats, self.stats = self.stats, Counter()
        return stats

    # ------------------------------------------------------------------ serving

    async def _connection(self, host: int, reader, writer) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                await asyncio.sleep(self.latency_s)
                if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
                    status, out_headers, body = 400, {}, b""
                else:
                    status, out_headers, body = self._respond(host, parts[1], headers)
                    if parts[0] == "HEAD":
                        body = b""
                writer.write(self._head(status, out_headers, len(body)) + body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()

    @staticmethod
    def _head(status: int, headers: dict[str, str], length: int) -> bytes:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Server: tipsheet-bench"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if status != 304:
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _respond(self, host: int, target: str, req: dict[str, str]):
        path = unquote(urlsplit(target).path or "/")
        kind = _kind(path)
        self.stats["requests"] += 1
        self.stats[f"host_{host}"] += 1
        self.stats[f"requests_{kind}"] += 1
        conditional = "if-none-match" in req or "if-modified-since" in req
        if conditional:
            self.stats["conditional"] += 1
        route = self._routes.get(host, {}).get(path)
        if route is None:
            self.stats["not_found"] += 1
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        etag, mtime = self._validators[(host, path)]
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if conditional and _not_modified(req, etag, mtime):
            self.stats["not_modified"] += 1
            self.stats[f"not_modified_{kind}"] += 1
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
        self.stats[f"bodies_{kind}"] += 1
        self.stats["bytes"] += len(body)
        return 200, headers, body


def _not_modified(req: dict[str, str], etag: str, mtime: float) -> bool:
    inm = req.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return etag in tags or "*" in tags
    try:
        return int(mtime) <= parsedate_to_datetime(req["if-modified-since"]).timestamp()
    except (TypeError, ValueError, KeyError):
        return False
