"""HTTP on loopback addresses, in threads: the one local web of the demo, tests, bench and evals.

`LocalWeb` serves one handler class per host, each host on its own address (127.0.0.2,
127.0.0.3, ...) and all on one port, so per-host behaviour in the fetcher (robots.txt,
politeness delays, connection limits) is real. `LocalServer` is one host of fixed routes,
the shape most tests want.

    with LocalServer({"/feed.xml": Response(b"<rss/>")}) as srv:
        srv.url("/feed.xml")     # "http://127.0.0.1:41234/feed.xml"
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import selectors
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, TypeVar

LOGGER = logging.getLogger(__name__)

BIND_ATTEMPTS = 20
BACKLOG = 128
FALLBACK_ADDRESS = "127.0.0.1"

Key = TypeVar("Key")


def addresses(first: str, count: int) -> list[str]:
    """`count` loopback addresses from `first` up: 127.0.0.2, 127.0.0.3, ..."""
    start = ipaddress.IPv4Address(first)
    return [str(start + i) for i in range(count)]


def bind(wanted: list[str], port: int = 0, any_port_if_taken: bool = False) -> list[socket.socket]:
    """One listening socket per address, all on one port.

    Port 0 is any free port, retried when a later address has it taken. A fixed port is
    tried once and its EADDRINUSE raised, unless any_port_if_taken (a stored history names
    its URLs, but a fresh run can do with any port). Where the 127.0.0.x aliases do not
    route (macOS), every host gets its own port on 127.0.0.1 instead."""
    try:
        return _bind_shared_port(wanted, port, any_port_if_taken)
    except OSError as exc:
        if exc.errno != errno.EADDRNOTAVAIL:
            raise
    LOGGER.warning("127.0.0.x addresses unavailable; serving every host on 127.0.0.1")
    sockets: list[socket.socket] = []
    try:
        for i in range(len(wanted)):
            own = port + i if port else 0
            try:
                sockets.append(_listen(FALLBACK_ADDRESS, own))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or not (own and any_port_if_taken):
                    raise
                sockets.append(_listen(FALLBACK_ADDRESS, 0))
    except OSError:
        _close(sockets)
        raise
    return sockets


def _bind_shared_port(wanted: list[str], port: int, any_port: bool) -> list[socket.socket]:
    last: OSError | None = None
    attempts = BIND_ATTEMPTS if any_port or not port else 1
    for attempt in range(attempts):
        shared = port if attempt == 0 else 0
        sockets: list[socket.socket] = []
        try:
            for address in wanted:
                sockets.append(_listen(address, shared))
                shared = sockets[0].getsockname()[1]
            return sockets
        except OSError as exc:
            _close(sockets)
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
    raise OSError(errno.EADDRINUSE, f"no port free on all of {wanted[0]}...: {last}")


def _listen(address: str, port: int) -> socket.socket:
    return socket.create_server((address, port), backlog=BACKLOG)


def _close(sockets: list[socket.socket]) -> None:
    for s in sockets:
        s.close()


class _Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer on a socket `bind` has already bound and put to listen."""

    daemon_threads = True
    timeout = 0  # handle_request() is called once the selector says a connection waits

    def __init__(self, sock: socket.socket, handler: type[BaseHTTPRequestHandler]):
        super().__init__(sock.getsockname()[:2], handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.server_name, self.server_port = self.server_address

    def handle_error(self, request, client_address) -> None:
        # a client dropping a kept-alive connection (end of a run, a timeout) is no error
        if isinstance(sys.exc_info()[1], ConnectionError):
            LOGGER.debug("connection from %s ended abruptly", client_address)
            return
        super().handle_error(request, client_address)


class LocalWeb(Generic[Key]):
    """Each handler served on its own loopback address while started; url_map names their bases.

    bind() takes the addresses and port (so the bases are known before anything is served);
    start() binds if need be and serves every host from one thread."""

    def __init__(
        self,
        handlers: Mapping[Key, type[BaseHTTPRequestHandler]],
        first_address: str = FALLBACK_ADDRESS,
        port: int = 0,
        any_port_if_taken: bool = False,
    ):
        self.handlers = dict(handlers)
        self.first_address = first_address
        self.port = port
        self.any_port_if_taken = any_port_if_taken
        self.url_map: dict[Key, str] = {}
        self._sockets: list[socket.socket] = []
        self._servers: list[_Server] = []
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __enter__(self) -> LocalWeb[Key]:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def bind(self) -> None:
        if self._sockets:
            return
        wanted = addresses(self.first_address, len(self.handlers))
        self._sockets = bind(wanted, self.port, self.any_port_if_taken)
        for key, sock in zip(self.handlers, self._sockets, strict=True):
            address, port = sock.getsockname()[:2]
            self.url_map[key] = f"http://{address}:{port}"

    def start(self) -> None:
        if self._servers:
            return
        self.bind()
        for handler, sock in zip(self.handlers.values(), self._sockets, strict=True):
            self._servers.append(_Server(sock, handler))
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="local-web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        _close(self._sockets)
        self._servers.clear()
        self._sockets.clear()
        self.url_map = {}

    def _serve(self) -> None:
        """Accept for every host in this one thread; each connection gets a thread of its own."""
        with selectors.DefaultSelector() as selector:
            for server in self._servers:
                selector.register(server, selectors.EVENT_READ, server)
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.05):  # so stop() is quick
                    key.data.handle_request()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    send_body: bool = True,
) -> None:
    """One response: a 304 has no Content-Length, a HEAD (send_body False) no body."""
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if send_body and body:
        handler.wfile.write(body)


def not_modified(request: Mapping[str, str], etag: str, mtime: float) -> bool:
    """Whether a conditional request (If-None-Match first, else If-Modified-Since) is met;
    request takes lower-case names (an http.server Message matches any case)."""
    inm = request.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return etag in tags or "*" in tags
    ims = request.get("if-modified-since")
    if not ims:
        return False
    try:
        return int(mtime) <= parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError):
        return False


@dataclass
class Response:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


# A callable route sees the request (headers, path) and returns the Response, or None when
# it wrote the response itself (a dropped connection, a slow body).
Route = Response | Callable[[BaseHTTPRequestHandler], Response | None]


class LocalServer:
    """One host of routes, path (with query) to Response, counting hits; 404 for the rest.

    Bound when made, so base and url() work before the server is started."""

    def __init__(
        self, routes: dict[str, Route] | None = None, host: str = FALLBACK_ADDRESS, port: int = 0
    ):
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._web = LocalWeb({host: _routes_handler(self)}, first_address=host, port=port)
        self._web.bind()
        self.base = self._web.url_map[host]
        self.host = host
        self.port = int(self.base.rsplit(":", 1)[1])

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> LocalServer:
        self._web.start()
        return self

    def __exit__(self, *exc) -> None:
        self._web.stop()


def _routes_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep test and eval output clean
            pass

        def do_GET(self):
            server.hits[self.path] += 1
            server.requests.append((self.path, dict(self.headers)))
            route = server.routes.get(self.path)
            if route is None:
                resp = Response(b"not found", 404)
            elif callable(route):
                resp = route(self)
                if resp is None:
                    return
            else:
                resp = route
            self.send_response(resp.status)
            headers = {"Content-Length": str(len(resp.body)), **resp.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(resp.body)

    return Handler
