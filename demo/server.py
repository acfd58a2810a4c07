"""Serve the fictional demo web in-process, each host on its own loopback address.

`DemoWeb` binds one HTTP server per folder of demo/web/ to 127.0.0.2, 127.0.0.3, ... all
on the same free port, so per-host behaviour (robots.txt, politeness delays, connection
limits) is real. Files on disk keep their https://<host>.example URLs so they stay
readable; the server rewrites them to the live loopback bases as it serves each body.

    with DemoWeb() as web:
        web.url_map        # {"northwind.example": "http://127.0.0.2:41234", ...}
        config_text = web.rewrite_config(Path("demo/config.yaml").read_text(), "demo-output")
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from tipsheet.demo.localweb import LocalWeb, not_modified, send
from tipsheet.demo.world import HOSTS, WEB_DIR

LOGGER = logging.getLogger(__name__)

FIRST_ADDRESS = "127.0.0.2"  # 127.0.0.1 stays free for everything else on the machine
GZIP_MIN_BYTES = 512

_TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
}


def content_type(path: Path, body: bytes) -> str:
    """The Content-Type a real site would send for this file."""
    suffix = path.suffix.lower()
    head = body[:400]
    if suffix == ".xml":
        if b"<feed" in head:
            return "application/atom+xml; charset=utf-8"
        if b"<rss" in head:
            return "application/rss+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    if suffix == ".json":
        return "application/feed+json" if b"jsonfeed.org/version" in head else "application/json"
    return _TEXT_TYPES.get(suffix, "application/octet-stream")


class DemoWeb:
    """The demo web, live on loopback addresses while the context is open."""

    def __init__(self, web_dir: Path = WEB_DIR, hosts: tuple[str, ...] = HOSTS, port: int = 0):
        self.web_dir = Path(web_dir)
        self.port = port  # 0: any free port; a fixed one keeps stored URLs stable across runs
        self.hosts = tuple(hosts)
        self.url_map: dict[str, str] = {}
        self.requests: list[tuple[str, str, int]] = []  # (host, path, status), for tests
        self._lock = threading.Lock()
        self._web: LocalWeb[str] | None = None
        self._pattern: re.Pattern[str] | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> DemoWeb:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        if self._web is not None:
            return
        handlers = {host: _handler(self, host) for host in self.hosts}
        self._web = LocalWeb(handlers, first_address=FIRST_ADDRESS, port=self.port)
        self._web.start()
        self.url_map = dict(self._web.url_map)
        names = "|".join(re.escape(h) for h in sorted(self.hosts, key=len, reverse=True))
        self._pattern = re.compile(rf"https?://(?:{names})(?![\w.-])")
        LOGGER.info("demo web serving %d hosts: %s", len(self.hosts), self.url_map)

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
        self._web = None
        self.url_map = {}

    # ------------------------------------------------------------ rewriting

    def rewrite(self, text: str) -> str:
        """Replace every https://<host>.example of the demo web with its live base URL."""
        if self._pattern is None:
            raise RuntimeError("DemoWeb is not running")
        return self._pattern.sub(lambda m: self.url_map[m.group(0).split("://", 1)[1]], text)

    def url(self, url: str) -> str:
        """The live URL for one https://<host>.example URL."""
        return self.rewrite(url)

    def rewrite_config(self, src_yaml_text: str, output_dir: str | Path = "demo-output") -> str:
        """The demo config pointed at the live web, with its data under output_dir."""
        data = yaml.safe_load(self.rewrite(src_yaml_text))
        out = Path(output_dir).expanduser().resolve()
        settings = data.setdefault("settings", {}) or {}
        data["settings"] = settings
        fetch = settings.setdefault("fetch", {}) or {}
        settings["fetch"] = fetch
        fetch["allow_private_hosts"] = True  # the demo web lives on loopback addresses
        fetch["delay_s"] = 0.05
        settings["database"] = str(out / "tipsheet.duckdb")
        settings["digests_dir"] = str(out / "digests")
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    # ------------------------------------------------------------ serving

    def _log(self, host: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((host, path, status))

    def resolve(self, host: str, url_path: str) -> Path | None:
        """The file that serves url_path on host, or None."""
        root = (self.web_dir / host).resolve()
        rel = unquote(url_path).lstrip("/")
        if any(part in ("..", "") for part in rel.split("/")[:-1]) or "\\" in rel:
            return None
        base = root / rel
        for candidate in (base, base / "index.html", Path(f"{base}.html"), Path(f"{base}.json")):
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if resolved.is_file() and resolved.is_relative_to(root):
                return resolved
        return None


def _handler(web: DemoWeb, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"demo-{host}"
        sys_version = ""
        timeout = 10  # idle keep-alive connections do not pin a thread forever

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            LOGGER.debug("%s %s", host, format % args)

        def do_HEAD(self):
            self._serve(send_body=False)

        def do_GET(self):
            self._serve(send_body=True)

        def _serve(self, send_body: bool) -> None:
            path = urlsplit(self.path).path or "/"
            file = web.resolve(host, path)
            if file is None:
                self._send(
                    404,
                    b"<html><body><h1>404 Not Found</h1></body></html>\n",
                    {"Content-Type": "text/html; charset=utf-8"},
                    send_body,
                    path,
                )
                return
            raw = file.read_bytes()
            ctype = content_type(file, raw)
            if ctype.startswith(("text/", "application/")) and "octet" not in ctype:
                raw = web.rewrite(raw.decode("utf-8")).encode("utf-8")
            etag = '"' + hashlib.sha1(raw).hexdigest()[:20] + '"'
            mtime = file.stat().st_mtime
            headers = {
                "Content-Type": ctype,
                "ETag": etag,
                "Last-Modified": formatdate(mtime, usegmt=True),
                "Cache-Control": "max-age=300",
                "Vary": "Accept-Encoding",
            }
            if not_modified(self.headers, etag, mtime):
                self._send(304, b"", headers, False, path)
                return
            if "gzip" in self.headers.get("Accept-Encoding", "") and len(raw) >= GZIP_MIN_BYTES:
                raw = gzip.compress(raw, mtime=0)
                headers["Content-Encoding"] = "gzip"
            self._send(200, raw, headers, send_body, path)

        def _send(self, status, body, headers, send_body, path) -> None:
            web._log(host, path, status)
            send(self, status, headers, body, send_body)

    return Handler
