"""Polite, bounded HTTP fetching for a whole run: one client, per-host limits, no raising.

`Fetcher.get` returns a `Page` whatever the web does: timeouts, bombs, loops, refusals and
HTTP errors become a status and one readable line, and every attempt is a `FetchLog`.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import re
import socket
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from tipsheet.connectors.robots import MAX_ROBOTS_BYTES, RobotsRules, rules_from_response
from tipsheet.core.config import Fetch
from tipsheet.core.records import FetchLog, Validators

LOGGER = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
MAX_AGE_CAP_S = 24 * 3600  # a nightly job: a year-long max-age must not silence a feed
DECODE_STEP = 64 * 1024  # decompressed bytes produced per step


@dataclass
class Page:
    """The outcome of one `Fetcher.get`."""

    url: str  # as asked
    final_url: str  # after redirects
    status: str  # ok | not_modified | unchanged | error | refused | skipped
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str | None = None  # the media type alone, lowercased
    charset: str | None = None  # as declared in the Content-Type header
    error: str | None = None
    validators: Validators | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class _Failure(Exception):
    """One attempt failed; `retryable` says whether another attempt may help."""

    def __init__(self, message: str, *, retryable: bool = False, http_status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.http_status = http_status
        self.retry_after: float | None = None


class _Refused(Exception):
    """Policy says no before any request: scheme, address, robots.txt."""


@dataclass
class _Raw:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header value."""
    if not value:
        return None, None
    parts = value.split(";")
    media = parts[0].strip().lower() or None
    charset = None
    for p in parts[1:]:
        key, _, val = p.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media, charset


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*\"?(\d+)", re.I)


def parse_max_age(cache_control: str | None) -> int | None:
    if not cache_control:
        return None
    if re.search(r"no-store|no-cache", cache_control, re.I):
        return None
    m = _MAX_AGE.search(cache_control)
    return min(int(m.group(1)), MAX_AGE_CAP_S) if m else None


def is_public_address(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


class _Decoder:
    """Content-Encoding undone in bounded steps, so a bomb is cut at the byte limit."""

    def __init__(self, encodings: list[str], limit: int, url: str):
        self.limit = limit
        self.url = url
        self.total = 0
        self.fed = False
        self.stages = []
        for enc in encodings:
            if enc in ("gzip", "x-gzip"):
                self.stages.append(["gzip", zlib.decompressobj(16 + zlib.MAX_WBITS), True])
            elif enc == "deflate":
                self.stages.append(["deflate", zlib.decompressobj(), True])
            elif enc in ("identity", ""):
                continue
            else:
                raise _Failure(f"unsupported Content-Encoding {enc!r} from {url}")
        # Encodings are listed in the order applied: undo the last first.
        self.stages.reverse()

    def _step(self, stage: list, data: bytes) -> list[bytes]:
        kind, d, first = stage
        out: list[bytes] = []
        produced = 0
        while True:
            try:
                chunk = d.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if kind == "deflate" and first:  # servers send raw deflate despite the RFC
                    stage[1] = d = zlib.decompressobj(-zlib.MAX_WBITS)
                    stage[2] = first = False
                    continue
                raise _Failure(f"corrupt {kind} body from {self.url}: {exc}") from None
            stage[2] = first = False
            out.append(chunk)
            produced += len(chunk)
            if produced > self.limit:
                break  # feed() counts and aborts
            if d.eof:
                rest = d.unused_data
                if kind == "gzip" and rest.startswith(b"\x1f\x8b"):  # another gzip member
                    stage[1] = d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                    continue
                break
            data = d.unconsumed_tail
            # Stop once input is used up and zlib had no more output than it was allowed.
            if not data and len(chunk) < DECODE_STEP:
                break
        return out

    def feed(self, data: bytes) -> bytes:
        if data:
            self.fed = True
        pieces = [data]
        for stage in self.stages:
            nxt: list[bytes] = []
            for p in pieces:
                nxt.extend(self._step(stage, p))
                if sum(len(x) for x in nxt) > self.limit:
                    break
            pieces = nxt
        out = b"".join(pieces)
        self.total += len(out)
        if self.total > self.limit:
            raise _Failure(f"body of {self.url} over max_bytes ({self.limit}) once decompressed")
        return out

    def finish(self) -> bytes:
        out = []
        if not self.fed:
            return b""
        for stage in self.stages:
            kind, d, _ = stage
            if not d.eof:
                tail = d.flush()
                out.append(tail)
                if kind == "gzip":
                    raise _Failure(f"truncated gzip body from {self.url}")
        data = b"".join(out)
        self.total += len(data)
        if self.total > self.limit:
            raise _Failure(f"body of {self.url} over max_bytes ({self.limit}) once decompressed")
        return data


class Fetcher:
    """One run's HTTP client: `async with Fetcher(settings) as f: page = await f.get(url)`."""

    def __init__(self, settings: Fetch, *, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.logs: list[FetchLog] = []
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._dns: dict[tuple[str, int], list[str]] = {}

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._client = httpx.AsyncClient(
            headers={
                "User-Agent": s.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "*/*",
            },
            timeout=httpx.Timeout(s.timeout_s, connect=s.connect_timeout_s),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
            transport=self._transport,
            trust_env=False,  # no proxies or netrc picked up from the environment
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- public -------------------------------------------------------------------------

    async def get(
        self, url: str, validators: Validators | None = None, source_id: str | None = None
    ) -> Page:
        """Fetch a URL politely; never raises for anything the web does."""
        if self._client is None:
            raise RuntimeError("Fetcher used outside `async with`")
        started = time.monotonic()
        now = datetime.now(UTC)
        if validators and validators.next_fetch_after and now < validators.next_fetch_after:
            page = Page(url, url, "skipped", validators=validators)
            page.error = f"{url}: not due before {validators.next_fetch_after.isoformat()}"
            self._log(page, source_id, started)
            return page
        attempts = self.settings.retries + 1
        page: Page | None = None
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                raw = await self._follow(url, validators)
            except _Refused as exc:
                page = Page(url, url, "refused", error=f"refused {url}: {exc}")
                self._log(page, source_id, started)
                return page
            except _Failure as exc:
                wait = self._retry_wait(exc, attempt, attempts)
                cap = self.settings.retry_after_cap_s
                if wait is not None and exc.retry_after is not None and exc.retry_after > cap:
                    exc.args = (
                        f"{exc} asks to retry after {exc.retry_after:.0f} s, over "
                        f"retry_after_cap_s ({cap:g} s); gave up",
                    )
                    wait = None
                page = Page(url, url, "error", http_status=exc.http_status, error=str(exc))
                self._log(page, source_id, started)
                if wait is None:
                    return page
                LOGGER.debug("retrying %s in %.2f s: %s", url, wait, exc)
                await asyncio.sleep(wait)
                continue
            page = self._page(url, raw, validators)
            self._log(page, source_id, started)
            return page
        assert page is not None
        return page

    # -- policy -------------------------------------------------------------------------

    def _retry_wait(self, exc: _Failure, attempt: int, attempts: int) -> float | None:
        if not exc.retryable or attempt + 1 >= attempts:
            if exc.retryable and attempts > 1:
                exc.args = (f"{exc.args[0]} (after {attempts} attempts)",)
            return None
        backoff = self.settings.backoff_s * (2**attempt)
        if exc.retry_after is not None:
            return max(exc.retry_after, backoff)
        return backoff

    async def _check_target(self, url: str) -> None:
        """Refuse what we must never fetch; raise _Failure when the host has no address."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _Refused(f"invalid URL ({exc})") from None
        if parts.scheme not in ("http", "https"):
            raise _Refused(f"scheme {parts.scheme or '(none)'!r} is not http(s)")
        host = parts.hostname
        if not host:
            raise _Refused("no host in URL")
        port = port or (443 if parts.scheme == "https" else 80)
        addrs = await self._resolve(host, port)
        if self.settings.allow_private_hosts:
            return
        for addr in addrs:
            if not is_public_address(addr):
                raise _Refused(
                    f"host {host} resolves to non-public address {addr} "
                    "(set allow_private_hosts to fetch it)"
                )

    async def _resolve(self, host: str, port: int) -> list[str]:
        key = (host, port)
        if key in self._dns:
            return self._dns[key]
        if _is_ip_literal(host):
            addrs = [host]
        else:
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(self.settings.connect_timeout_s):
                    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError, TimeoutError) as exc:
                raise _Failure(f"DNS lookup failed for host {host}: {exc}") from None
            addrs = sorted({info[4][0] for info in infos})
            if not addrs:
                raise _Failure(f"DNS lookup failed for host {host}: no address")
        self._dns[key] = addrs
        return addrs

    async def _robots_allow(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        rules = self._robots.get(origin)
        if rules is None:
            lock = self._robots_locks.setdefault(origin, asyncio.Lock())
            async with lock:
                rules = self._robots.get(origin)
                if rules is None:
                    rules = await self._fetch_robots(origin)
                    self._robots[origin] = rules
                    delay = rules.crawl_delay(self.settings.user_agent)
                    if delay > self.settings.delay_s:
                        LOGGER.info("%s asks for a crawl delay of %.1f s", origin, delay)
        if rules.unreachable:
            raise _Failure(f"{url} not fetched: {rules.reason}")
        if not rules.allows(url, self.settings.user_agent):
            raise _Refused(rules.reason or "disallowed by robots.txt")

    async def _fetch_robots(self, origin: str) -> RobotsRules:
        url = origin + "/robots.txt"
        try:
            raw = await self._follow(url, None, check_robots=False, limit=MAX_ROBOTS_BYTES)
        except _Refused as exc:
            return rules_from_response(None, b"", str(exc))
        except _Failure as exc:
            return rules_from_response(exc.http_status, b"", str(exc))
        return rules_from_response(raw.status, raw.body, None)

    # -- transport ----------------------------------------------------------------------

    def _host_key(self, url: str) -> str:
        return urlsplit(url).netloc.lower()

    async def _wait_turn(self, key: str) -> None:
        """Space request starts to one host by delay_s (or its robots.txt Crawl-delay)."""
        delay = self.settings.delay_s
        rules = self._robots.get(next((o for o in self._robots if o.endswith("//" + key)), ""))
        if rules is not None:
            delay = max(delay, rules.crawl_delay(self.settings.user_agent))
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next_start.get(key, now))
        self._next_start[key] = start + delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _follow(
        self,
        url: str,
        validators: Validators | None,
        *,
        check_robots: bool = True,
        limit: int | None = None,
    ) -> _Raw:
        """One attempt: request and follow redirects by hand, checking each hop."""
        seen: set[str] = set()
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            if current in seen:
                raise _Failure(f"redirect loop at {current} (from {url})")
            seen.add(current)
            await self._check_target(current)
            if check_robots:
                await self._robots_allow(current)
            raw = await self._exchange(current, validators, limit or self.settings.max_bytes)
            if raw.status in REDIRECTS and raw.headers.get("location"):
                current = urljoin(current, raw.headers["location"].strip())
                continue
            return raw
        raise _Failure(f"too many redirects (over {self.settings.max_redirects}) from {url}")

    async def _exchange(self, url: str, validators: Validators | None, limit: int) -> _Raw:
        """One HTTP request and its bounded body, within the per-host limits and total cap."""
        assert self._client is not None
        headers = {}
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        key = self._host_key(url)
        slot = self._slots.setdefault(key, asyncio.Semaphore(self.settings.per_host_concurrency))
        s = self.settings
        async with slot:
            await self._wait_turn(key)
            try:
                async with asyncio.timeout(s.timeout_s):
                    return await self._send(url, headers, limit)
            except TimeoutError:
                raise _Failure(f"{url} took longer than timeout_s ({s.timeout_s:g} s)") from None
            except httpx.ConnectTimeout:
                raise _Failure(
                    f"connect to {url} timed out after {s.connect_timeout_s:g} s", retryable=True
                ) from None
            except httpx.ReadTimeout:
                raise _Failure(f"{url} read timed out (no data for {s.timeout_s:g} s)") from None
            except httpx.TimeoutException as exc:
                raise _Failure(f"{url} timed out: {type(exc).__name__}") from None
            except httpx.ConnectError as exc:
                raise _Failure(f"connection to {url} failed: {exc}", retryable=True) from None
            except httpx.RemoteProtocolError as exc:
                raise _Failure(
                    f"truncated or malformed response from {url}: {exc}", retryable=True
                ) from None
            except (httpx.ReadError, httpx.WriteError) as exc:
                raise _Failure(f"connection to {url} broke: {exc}", retryable=True) from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise _Refused(f"invalid URL ({exc})") from None
            except httpx.HTTPError as exc:
                raise _Failure(f"{url}: {type(exc).__name__}: {exc}") from None

    async def _send(self, url: str, headers: dict[str, str], limit: int) -> _Raw:
        assert self._client is not None
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status == 304 or status in REDIRECTS:
                return _Raw(url, status, response.headers)
            if not 200 <= status < 300:
                exc = _Failure(
                    f"HTTP {status} for {url}",
                    retryable=status in RETRY_STATUSES,
                    http_status=status,
                )
                if status in (429, 503):
                    exc.retry_after = parse_retry_after(response.headers.get("retry-after"))
                raise exc
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _Failure(f"{url} declares {declared} bytes, over max_bytes ({limit})")
            encodings = [
                e.strip().lower()
                for e in response.headers.get("content-encoding", "").split(",")
                if e.strip()
            ]
            decoder = _Decoder(encodings, limit, url)
            chunks: list[bytes] = []
            raw_total = 0
            async for chunk in response.aiter_raw():
                raw_total += len(chunk)
                if raw_total > limit:
                    raise _Failure(f"body of {url} over max_bytes ({limit}); aborted")
                chunks.append(decoder.feed(chunk))
            chunks.append(decoder.finish())
            return _Raw(url, status, response.headers, b"".join(chunks))
        finally:
            await response.aclose()

    # -- results ------------------------------------------------------------------------

    def _page(self, url: str, raw: _Raw, old: Validators | None) -> Page:
        media, charset = parse_content_type(raw.headers.get("content-type"))
        headers = {k.lower(): v for k, v in raw.headers.items()}
        now = datetime.now(UTC)
        max_age = parse_max_age(raw.headers.get("cache-control"))
        next_after = now + timedelta(seconds=max_age) if max_age else None
        page = Page(
            url,
            raw.url,
            "ok",
            http_status=raw.status,
            headers=headers,
            content_type=media,
            charset=charset,
            fetched_at=now,
        )
        if raw.status == 304:
            page.status = "not_modified"
            base = old or Validators()
            page.validators = Validators(
                etag=raw.headers.get("etag") or base.etag,
                last_modified=raw.headers.get("last-modified") or base.last_modified,
                content_hash=base.content_hash,
                next_fetch_after=next_after,
            )
            return page
        if raw.status in REDIRECTS:  # a redirect without Location
            page.status = "error"
            page.error = f"HTTP {raw.status} without a Location header for {raw.url}"
            return page
        page.body = raw.body
        digest = hashlib.sha256(raw.body).hexdigest()
        page.validators = Validators(
            etag=raw.headers.get("etag"),
            last_modified=raw.headers.get("last-modified"),
            content_hash=digest,
            next_fetch_after=next_after,
        )
        if old is not None and old.content_hash == digest:
            page.status = "unchanged"
        return page

    def _log(self, page: Page, source_id: str | None, started: float) -> None:
        self.logs.append(
            FetchLog(
                url=page.url,
                status=page.status,
                http_status=page.http_status,
                error=page.error,
                fetched_at=page.fetched_at,
                elapsed_ms=int((time.monotonic() - started) * 1000),
                bytes=len(page.body),
                source_id=source_id,
                final_url=page.final_url,
            )
        )
