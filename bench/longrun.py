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
    .venv/bin/python -m bench.longrun --history /tmp/year.duckdb      # write it once, then reuse

With --history PATH, the history is written once and kept at PATH (with PATH.json: what it
holds and the web's port, which its sources' URLs name); later runs with the same options
copy it instead of writing it again. The copy is made the same day (the history ends the day
before it was written): on a later day, write it again.
"""

from __future__ import annotations

import argparse
import json
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
    ("outreach", ["manager-apple"]),
    # The two that write a row last, so the ones above read the night as it was left.
    ("contacted", ["manager-apple", "--item", "{item}"]),
    ("feedback", ["manager-apple", "{item}", "useful"]),
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
    p.add_argument(
        "--profile", type=Path, help="cProfile each night: PATH.empty.prof, PATH.year.prof"
    )
    p.add_argument(
        "--history",
        type=Path,
        help="keep the written history here and reuse it when it matches (see above)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    from bench.measure import as_installed

    as_installed()
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
    """Wraps storage.db.write_snapshot, and the file work inside it (refresh), to time
    them inside the night: the snapshot's time less the file's is its checkpoint."""

    def __init__(self):
        from tipsheet.storage import db, snapshot

        self.wrapped = [(db, "write_snapshot"), (snapshot, "refresh")]
        self.originals = [getattr(m, name) for m, name in self.wrapped]
        self.seconds: dict[str, float] = dict.fromkeys(("write_snapshot", "refresh"), 0.0)
        self.how = ""

    def __enter__(self):
        for (module, name), original in zip(self.wrapped, self.originals, strict=True):
            setattr(module, name, self._timed(name, original))
        return self

    def _timed(self, name, original):
        def timed(*args):
            t = time.perf_counter()
            try:
                out = original(*args)
                if name == "refresh":
                    self.how = out
                return out
            finally:
                self.seconds[name] += time.perf_counter() - t

        return timed

    def __exit__(self, *exc):
        for (module, name), original in zip(self.wrapped, self.originals, strict=True):
            setattr(module, name, original)


def _night(
    config: Path, measure, profile: Path | None = None
) -> tuple[dict, object, tuple[float, float, str]]:
    """One night, and its snapshot's seconds (whole, the file's part) and how its file was
    made; with `profile`, the main process's cProfile stats are written there (extraction
    and analysis workers are other processes)."""
    import cProfile

    from tipsheet.plain import nightly_plain

    profiler = cProfile.Profile() if profile else None
    with _Timed() as snap:
        before = measure.Usage.now()
        if profiler:
            profiler.enable()
        summary = nightly_plain(str(config))
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        used = measure.Usage.now().since(before)
    return summary, used, (snap.seconds["write_snapshot"], snap.seconds["refresh"], snap.how)


def _sizes(config_dir: Path) -> tuple[int, int]:
    live = config_dir / "data" / "tipsheet.duckdb"
    snap = live.with_name("tipsheet.snapshot.duckdb")
    return live.stat().st_size, snap.stat().st_size if snap.exists() else 0


def _reader_seconds(config: Path, item: str, runs: int = 3) -> dict[str, float]:
    """Median wall seconds of each reading command, the whole process, as a user waits."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    out = {}
    for name, template in READERS:
        args = [arg.format(item=item) for arg in template]
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


def _copy_cost(database: Path) -> tuple[float, float, bool]:
    """(wall s, CPU-s, cloned) of a whole copy of the year's file, outside a night: what
    the snapshot would cost without its update in place."""
    from tipsheet.storage.snapshot import clone

    target = database.with_name("copy-cost.duckdb")
    t, c = time.perf_counter(), time.process_time()
    cloned = clone(database, target)
    if not cloned:
        shutil.copyfile(database, target)
    out = (time.perf_counter() - t, time.process_time() - c, cloned)
    target.unlink()
    return out


def _listed_item(database: Path) -> str:
    """An item id the night's digest printed, for `contacted` and `feedback`."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "SELECT item_id FROM digest_items WHERE manager_id = 'manager-apple' "
            "ORDER BY run_date DESC, rank LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


def _history(a, cfg, port: int) -> dict:
    """The year's history in cfg's database: copied from a.history when it holds the same
    history written today on the same port, else written (and kept at a.history)."""
    from bench import history
    from tipsheet.storage import db

    database = Path(cfg.settings.database)
    # digest_rows: a history written before digests kept only their shown items is another;
    # schema: one written by an older schema holds what its migrations left (migration
    # 009's remade tables leave the old ones' blocks free in the file, copied each night).
    want = {
        "requested": a.articles,
        "nights": a.nights,
        "as_of": date.today().isoformat(),
        "digest_rows": "shown",
        "schema": db.latest_version(),
    }
    meta_path = a.history.with_name(a.history.name + ".json") if a.history else None
    if meta_path and meta_path.exists() and a.history.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in want} == want and meta.get("port") == port:
            database.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(a.history, database)
            return {**meta, "reused": True}
        print(f"  {a.history}: another history or port ({meta}), writing it again")
    fill = history.fill(cfg, date.today(), a.articles, a.nights)
    if a.history:
        shutil.copyfile(database, a.history)
        meta_path.write_text(json.dumps({**fill, **want, "port": port}))
    return {**fill, "reused": False}


def _bench(a, tmp: Path) -> int:
    from bench import measure, world
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
    port = 0
    meta_path = a.history.with_name(a.history.name + ".json") if a.history else None
    if meta_path and meta_path.exists():
        port = json.loads(meta_path.read_text()).get("port", 0)
    with LatencyWeb(a.hosts, a.latency, port) as web:
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
                fill = _history(a, cfg, int(web.bases[0].rsplit(":", 1)[1]))
                con = db.connect(cfg.settings.database)
                try:
                    t = time.perf_counter()
                    db.write_snapshot(con, cfg.settings.database)  # none yet: a whole copy
                    copy_s = time.perf_counter() - t
                finally:
                    con.close()
            web.reset_stats()
            profile = a.profile.with_suffix(f".{mode}.prof") if a.profile else None
            summary, used, snap_s = _night(config, measure, profile)
            results[mode] = (summary, used, snap_s, fill, copy_s, _sizes(root), config)
            print(
                f"  {mode:5}  night {used.wall:.1f} s wall, {used.cpu:.1f} CPU-s; "
                f"{summary['new_articles']} new articles; snapshot {snap_s[0]:.2f} s "
                f"(its checkpoint {snap_s[0] - snap_s[1]:.2f} s, then {snap_s[2]} in "
                f"{snap_s[1]:.2f} s)"
                + (
                    f"; history {'reused, first ' if fill['reused'] else ''}written in "
                    f"{fill['s']:.0f} s (not counted)"
                    if fill
                    else ""
                )
            )
            sys.stdout.flush()
    empty, year = results["empty"], results["year"]
    stored = year[3]["articles"] + year[0]["new_articles"]
    live, snap = year[5]
    database = tmp / "year" / "data" / "tipsheet.duckdb"
    copy = _copy_cost(database)
    readers = _reader_seconds(year[6], _listed_item(database))
    print(
        "\n".join(
            [
                "",
                f"night on a year / on empty   wall {year[1].wall / empty[1].wall:.2f}, "
                f"CPU {year[1].cpu / empty[1].cpu:.2f} (aim <= 1.1)",
                f"database per 1,000 articles  {live / stored * 1000 / 1e6:.1f} MB "
                f"({live / 1e6:.0f} MB for {stored:,} articles), with its snapshot "
                f"{(live + snap) / stored * 1000 / 1e6:.1f} MB",
                f"snapshot                     {year[2][0]:.2f} s at the night's end on the year, "
                f"its checkpoint of the night's writes included, then {year[2][2]} (on empty: "
                f"{empty[2][0]:.2f} s); "
                + (
                    f"a clone alone {copy[0]:.2f} s"
                    if copy[2]
                    else f"a whole copy instead, outside a night, {copy[0]:.2f} s wall, "
                    f"{copy[1]:.2f} CPU-s (no clones here)"
                )
                + f"; the first, right after the history was written, took {year[4]:.2f} s",
                "readers on the year          "
                + ", ".join(f"{k} {v:.2f} s" for k, v in readers.items())
                + " (median of 3, whole process; aim < 1.5 s)",
            ]
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
