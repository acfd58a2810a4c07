"""`make bench`, long-run part: does a night cost what its new work costs, whatever is stored?

The same night (the same pages, feeds and web) runs twice, each time with the nightly
flow's own tasks and no Prefect (flows/plain.py: Prefect's fixed costs would only hide a
difference): once on an empty database, once on a database holding a year of nights
(bench/history.py, written straight through storage/). Printed: the night's cost on the
year against on empty (aim <= 1.1), wall and CPU; the database's size per 1,000 articles;
the snapshot's cost at the night's end, on empty and on the year; and how long the commands
that only read answer on the year (aim < 1.5 s each).

    .venv/bin/python -m bench.longrun                 # 100,000 articles of history, 300 pages
    .venv/bin/python -m bench.longrun --articles 20000 --pages 100   # a quick look
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from tipsheet import telemetry

REPO = Path(__file__).resolve().parents[1]
READERS = (
    ("digest", []),
    ("query", ["SELECT count(*) FROM articles"]),
    ("search", ["cloud acquisition"]),
    ("explain", ["manager-apple"]),
    ("sources", []),
)


def _args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.longrun", description=__doc__.split("\n")[0])
    p.add_argument("--articles", type=int, default=100_000, help="history (100000)")
    p.add_argument("--nights", type=int, default=365, help="nights of history (365)")
    p.add_argument("--pages", type=int, default=300, help="the night's pages (300)")
    p.add_argument("--hosts", type=int, default=6)
    p.add_argument("--feeds", type=int, default=12)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    telemetry.quiet()
    tmp = Path(tempfile.mkdtemp(prefix="tipsheet-longrun-"))
    try:
        return _bench(a, tmp)
    finally:
        if a.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


class _Timed:
    """Wraps storage.db.write_snapshot to time it inside the night."""

    def __init__(self):
        from tipsheet.storage import db

        self.db, self.original, self.seconds = db, db.write_snapshot, []

    def __enter__(self):
        def timed(*args):
            t = time.perf_counter()
            try:
                return self.original(*args)
            finally:
                self.seconds.append(time.perf_counter() - t)

        self.db.write_snapshot = timed
        return self

    def __exit__(self, *exc):
        self.db.write_snapshot = self.original


def _night(config: Path, measure) -> tuple[dict, object, float]:
    from tipsheet.plain import nightly_plain

    with _Timed() as snap:
        before = measure.Usage.now()
        summary = nightly_plain(str(config))
        used = measure.Usage.now().since(before)
    return summary, used, sum(snap.seconds)


def _sizes(config_dir: Path) -> tuple[int, int]:
    live = config_dir / "data" / "tipsheet.duckdb"
    snap = live.with_name("tipsheet.snapshot.duckdb")
    return live.stat().st_size, snap.stat().st_size if snap.exists() else 0


def _reader_seconds(config: Path, runs: int = 3) -> dict[str, float]:
    """Median wall seconds of each reading command, the whole process, as a user waits."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    out = {}
    for name, args in READERS:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "tipsheet.cli", name, *args, "--config", str(config)],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - t)
            if done.returncode != 0:
                raise SystemExit(f"bench: tipsheet {name} failed: {done.stderr.strip()[-300:]}")
        out[name] = statistics.median(times)
    return out


def _bench(a, tmp: Path) -> int:
    from bench import history, measure, world
    from bench.web import LatencyWeb
    from tipsheet.core.config import load_config
    from tipsheet.storage import db

    files = world.corpus_pages(world.corpus_dir(REPO), a.pages)
    plan = world.plan(files, a.hosts, a.feeds)
    print(
        f"tipsheet long-run bench: a night of {len(plan.pages)} pages ({a.hosts} hosts, "
        f"{len(plan.feeds)} feeds, {a.latency * 1000:.0f} ms/response), on an empty database "
        f"and on {a.articles:,} articles of history ({a.nights} nights); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    sys.stdout.flush()
    results = {}
    with LatencyWeb(a.hosts, a.latency) as web:
        for host in range(a.hosts):
            web.set_routes(host, plan.routes(host, web.bases[host]))
        for mode in ("empty", "year"):
            root = tmp / mode
            root.mkdir()
            config = root / "config.yaml"
            config.write_text(
                world.config_yaml(plan, web.bases, root / "data", 0.0, 2), encoding="utf-8"
            )
            fill = copy_s = None
            if mode == "year":
                cfg = load_config(config)
                fill = history.fill(cfg, date.today(), a.articles, a.nights)
                con = db.connect(cfg.settings.database)
                try:
                    t = time.perf_counter()
                    db.write_snapshot(con, cfg.settings.database)  # none yet: a whole copy
                    copy_s = time.perf_counter() - t
                finally:
                    con.close()
            web.reset_stats()
            summary, used, snap_s = _night(config, measure)
            results[mode] = (summary, used, snap_s, fill, copy_s, _sizes(root), config)
            print(
                f"  {mode:5}  night {used.wall:.1f} s wall, {used.cpu:.1f} CPU-s; "
                f"{summary['new_articles']} new articles; snapshot {snap_s:.2f} s"
                + (f"; history written in {fill['s']:.0f} s (not counted)" if fill else "")
            )
            sys.stdout.flush()
    empty, year = results["empty"], results["year"]
    stored = year[3]["articles"] + year[0]["new_articles"]
    live, snap = year[5]
    readers = _reader_seconds(year[6])
    print(
        "\n".join(
            [
                "",
                f"night on a year / on empty   wall {year[1].wall / empty[1].wall:.2f}, "
                f"CPU {year[1].cpu / empty[1].cpu:.2f} (aim <= 1.1)",
                f"database per 1,000 articles  {live / stored * 1000 / 1e6:.1f} MB "
                f"({live / 1e6:.0f} MB for {stored:,} articles), with its snapshot "
                f"{(live + snap) / stored * 1000 / 1e6:.1f} MB",
                f"snapshot                     {year[2]:.2f} s at the night's end on the year "
                f"(on empty: {empty[2]:.2f} s); the first, right after the history was "
                f"written, took {year[4]:.2f} s",
                "readers on the year          "
                + ", ".join(f"{k} {v:.2f} s" for k, v in readers.items())
                + " (median of 3, whole process; aim < 1.5 s)",
            ]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
