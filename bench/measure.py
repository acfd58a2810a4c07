"""What the bench measures besides the flow itself: extraction alone, memory, the database."""

from __future__ import annotations

import gzip
import os
import resource
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import trafilatura

from tipsheet.connectors.extract import ExtractionError, extract_article

IN_FLIGHT_PER_WORKER = 4  # pages queued per worker: enough to never starve it
PACKAGES = (
    "tipsheet",
    "tipsheet.core",
    "tipsheet.connectors",
    "tipsheet.storage",
    "tipsheet.flows",
    "tipsheet.demo",
)


def as_installed() -> None:
    """Compile tipsheet's modules to bytecode, as pip does when it installs the wheel.

    Where the shell forbids caching bytecode (PYTHONDONTWRITEBYTECODE, set in some
    containers) and tipsheet is an editable install, every process of a run (a command,
    each spawned worker) would compile them again: about 0.2 s a command, a cost no
    installed tipsheet has.
    """
    import compileall
    import importlib

    for name in PACKAGES:
        for folder in importlib.import_module(name).__path__:
            compileall.compile_dir(folder, quiet=1, maxlevels=0)


@dataclass
class Extraction:
    what: str
    pages: int
    extracted: int  # pages that gave an article
    wall_s: float
    workers: int
    cpu_s: float = 0.0  # parent + workers

    @property
    def per_page_s(self) -> float:
        """CPU-seconds per page in the pool: wall x workers / pages."""
        return self.wall_s * self.workers / self.pages

    @property
    def throughput(self) -> float:
        return self.extracted / self.wall_s


def _read(file: Path) -> bytes:
    raw = file.read_bytes()
    return gzip.decompress(raw) if file.name.endswith(".gz") else raw


def _article(body: bytes, url: str, fetched_at: datetime):
    try:
        return extract_article(body, url, "text/html", fetched_at)
    except ExtractionError:
        return None


def _bare(body: bytes, url: str, fetched_at: datetime):
    return trafilatura.extract(body, url=url)


def _flow_pool(workers: int) -> ProcessPoolExecutor:
    """The pool the nightly flow extracts in (same start method and initializer)."""
    try:
        from tipsheet.flows.workers import extraction_pool
    except ImportError:  # older flows: a default ProcessPoolExecutor
        return ProcessPoolExecutor(max_workers=workers)
    return extraction_pool(workers)


def flow_workers() -> int:
    try:
        from tipsheet.flows.workers import extract_workers
    except ImportError:
        from tipsheet.flows.tasks import extract_workers
    return extract_workers()


def extract_alone(files: list[Path], urls: list[str], workers: int, bare: bool) -> Extraction:
    """Extract every page in a fresh pool like the flow's, bodies sent from this process.

    Like the flow, the parent holds the bytes and the pool gets them pickled; unlike it,
    only a few pages are read ahead, so memory stays flat. Pool start-up is included, as
    it is in the flow's wall time.
    """
    fn = _bare if bare else _article
    now = datetime.now(UTC)
    extracted = 0
    before = Usage.now()
    started = time.perf_counter()
    with _flow_pool(workers) as pool:
        pending = set()
        for file, url in zip(files, urls, strict=True):
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                extracted += sum(1 for f in done if f.result())
            pending.add(pool.submit(fn, _read(file), url, now))
        extracted += sum(1 for f in pending if f.result())
    wall = time.perf_counter() - started
    used = Usage.now().since(before)
    what = "trafilatura.extract (bare)" if bare else "connectors.extract.extract_article"
    return Extraction(what, len(files), extracted, wall, workers, used.own + used.children)


SIDE_BY_SIDE_PAGES = 300


@dataclass
class SideBySide:
    pages: int
    article_s: float  # CPU-seconds per page, extract_article
    bare_s: float  # the same, bare trafilatura.extract

    @property
    def ratio(self) -> float:
        return self.article_s / self.bare_s


def side_by_side(files: list[Path], urls: list[str]) -> SideBySide:
    """CPU time per page of extract_article and of bare trafilatura.extract, in this process,
    page by page in turn: both see the same load and caches, and neither pays a pool's
    start-up. One warm-up page each first (imports, the language model)."""
    now = datetime.now(UTC)
    bodies = [(_read(f), u) for f, u in zip(files, urls, strict=True)]
    _article(*bodies[0], now), _bare(*bodies[0], now)
    spent = {_article: 0.0, _bare: 0.0}
    for i, (body, url) in enumerate(bodies):
        # alternate which goes first, so neither always finds the other's warm caches
        for fn in (_article, _bare) if i % 2 == 0 else (_bare, _article):
            t = time.process_time()
            fn(body, url, now)
            spent[fn] += time.process_time() - t
    return SideBySide(len(bodies), spent[_article] / len(bodies), spent[_bare] / len(bodies))


def peak_rss_mb() -> tuple[float, float]:
    """(this process, largest waited-for child) peak RSS in MB, from getrusage ru_maxrss."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


@dataclass
class Usage:
    """CPU-seconds so far: this process, its waited-for children, its live descendants."""

    wall: float
    own: float
    children: float
    live: float

    @classmethod
    def now(cls) -> Usage:
        t = os.times()
        live = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in _descendants():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            live += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return cls(
            time.perf_counter(), t.user + t.system, t.children_user + t.children_system, live
        )

    def since(self, before: Usage) -> Usage:
        return Usage(
            self.wall - before.wall,
            self.own - before.own,
            self.children - before.children,
            self.live - before.live,
        )

    @property
    def cpu(self) -> float:
        return self.own + self.children + self.live


def _descendants() -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    ours, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - ours
        ours |= frontier
    return ours


def live_children_hwm_mb() -> dict[int, tuple[str, float]]:
    """pid -> (command, VmHWM MB) of this process's live descendants (the Prefect server)."""
    out = {}
    for pid in _descendants():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                out[pid] = (cmd.strip(), int(line.split()[1]) / 1024)
    return out


def run_fetches(database: Path, run_id: int) -> dict[str, int]:
    """Counts of one run's rows in `fetches`, by kind of URL and status."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "SELECT CASE WHEN url LIKE '%/news/%' THEN 'page' WHEN url LIKE '%/feeds/%' "
            "THEN 'feed' ELSE 'other' END, status, count(*) FROM fetches WHERE run_id = ? "
            "GROUP BY ALL",
            [run_id],
        ).fetchall()
    finally:
        con.close()
    return {f"{kind}_{status}": n for kind, status, n in rows}


def article_counts(database: Path) -> dict[str, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute("SELECT origin, count(*) FROM articles GROUP BY ALL").fetchall()
    finally:
        con.close()
    return dict(rows)


def last_fetch_s(database: Path, run_id: int) -> float:
    """Seconds from the run's start to its last recorded fetch."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "SELECT epoch(max(f.fetched_at)) - epoch(any_value(r.started_at)) FROM fetches f "
            "JOIN runs r ON r.id = f.run_id WHERE f.run_id = ?",
            [run_id],
        ).fetchone()[0]
    finally:
        con.close()
