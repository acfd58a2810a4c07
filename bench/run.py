"""`make bench`: the real nightly flow, twice, against a slow local web of real article pages.

One process: the web (asyncio, one thread), Prefect (ephemeral unless PREFECT_API_URL is
set), the flow and the extraction-only baseline. Prefect's start-up is timed apart, with a
trivial flow, before anything else. Figures go to stdout and bench/out/last.json.

    .venv/bin/python -m bench.run            # every page of the three page corpora
    .venv/bin/python -m bench.run --quick    # 200 pages, 6 hosts, 12 feeds: about a minute
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from tipsheet import telemetry

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="200 pages, 6 hosts, 12 feeds, no bare baseline"
    )
    p.add_argument("--pages", type=int, help="pages served (default: all, quick: 300)")
    p.add_argument("--hosts", type=int, help="hosts (default 20, quick 6)")
    p.add_argument("--feeds", type=int, help="feeds (default 50, quick 12)")
    p.add_argument("--latency", type=float, default=0.1, help="seconds per response (0.1)")
    p.add_argument("--delay", type=float, default=0.05, help="fetch.delay_s (0.05)")
    p.add_argument("--concurrency", type=int, default=2, help="per_host_concurrency (2)")
    p.add_argument("--no-bare", action="store_true", help="skip the bare trafilatura baseline")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (database, digests)")
    a = p.parse_args(argv)
    a.pages = a.pages or (200 if a.quick else None)
    a.no_bare = a.no_bare or a.quick
    a.hosts = a.hosts or (6 if a.quick else 20)
    a.feeds = a.feeds or (12 if a.quick else 50)
    return a


def _prefect_env(tmp: Path) -> str:
    """Quiet, offline Prefect with its own home, set before Prefect is imported."""
    telemetry.quiet()
    # The default 20 s is too short for a first start on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if os.environ.get("PREFECT_API_URL"):
        return f"server at {os.environ['PREFECT_API_URL']}"
    os.environ["PREFECT_HOME"] = str(tmp / "prefect-home")
    return "ephemeral (fresh PREFECT_HOME in the temp dir)"


def _task_times(flow_run_id) -> list[tuple[str, float, float]]:
    """(task name, start offset from the first task, seconds) of one flow run's tasks."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        flow_run = client.read_flow_run(flow_run_id)
    t0 = flow_run.start_time or min(r.start_time for r in runs if r.start_time)
    out = []
    for r in runs:
        if r.start_time and r.end_time:
            out.append(
                (
                    r.name,
                    (r.start_time - t0).total_seconds(),
                    (r.end_time - r.start_time).total_seconds(),
                )
            )
    return sorted(out, key=lambda x: x[1])


def _run_flow(nightly, config: Path, measure) -> tuple[dict, object, object]:
    before = measure.Usage.now()
    state = nightly(config_path=str(config), return_state=True)
    used = measure.Usage.now().since(before)
    return state.result(), used, state.state_details.flow_run_id


def _phases(rows: list[tuple[str, float, float]], wall: float) -> str:
    """Seconds per kind of task (fetch batches as one span), and what no task covers."""
    kinds: dict[str, list[tuple[float, float]]] = {}
    for name, start, secs in rows:
        kinds.setdefault(name.rsplit("-", 1)[0], []).append((start, start + secs))
    parts = []
    for kind, spans in kinds.items():
        if kind == "fetch_batch":
            secs = max(e for _, e in spans) - min(s for s, _ in spans)
            parts.append(f"fetch+extract {secs:.1f} s ({len(spans)} batches in parallel)")
        else:
            parts.append(f"{kind} {sum(e - s for s, e in spans):.1f} s")
    covered, last = 0.0, 0.0
    for s, e in sorted(x for spans in kinds.values() for x in spans):
        covered += max(0.0, e - max(s, last))
        last = max(last, e)
    parts.append(f"outside tasks (Prefect, flow body) {wall - covered:.1f} s")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    from bench.measure import as_installed

    as_installed()
    tmp = Path(tempfile.mkdtemp(prefix="tipsheet-bench-"))
    try:
        return _bench(a, tmp)
    finally:
        if a.keep:
            print(f"\nkept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(a: argparse.Namespace, tmp: Path) -> int:
    prefect_mode = _prefect_env(tmp)
    from bench import measure, world
    from bench.web import LatencyWeb

    corpus = world.corpus_dir(REPO)
    files = world.corpus_pages(corpus, a.pages)
    plan = world.plan(files, a.hosts, a.feeds)
    cores = os.cpu_count() or 1
    print(
        f"tipsheet bench: {len(plan.pages)} pages of {corpus}, {a.hosts} hosts, "
        f"{len(plan.feeds)} feeds, latency {a.latency * 1000:.0f} ms/response, "
        f"per_host_concurrency {a.concurrency}, delay_s {a.delay:g}; "
        f"{cores} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    sys.stdout.flush()

    t = time.perf_counter()
    from prefect import flow

    from tipsheet.flows.nightly import nightly

    import_s = time.perf_counter() - t

    @flow(name="bench-warmup")
    def warmup() -> int:
        return 1

    t = time.perf_counter()
    warmup()
    prefect_start_s = time.perf_counter() - t
    t = time.perf_counter()
    warmup()
    prefect_flow_s = time.perf_counter() - t

    with LatencyWeb(a.hosts, a.latency) as web:
        for host in range(a.hosts):
            web.set_routes(host, plan.routes(host, web.bases[host]))
        out_dir = tmp / "data"
        config = tmp / "config.yaml"
        config.write_text(
            world.config_yaml(plan, web.bases, out_dir, a.delay, a.concurrency), encoding="utf-8"
        )
        load_before = os.getloadavg()[0]
        first, used1, flow1 = _run_flow(nightly, config, measure)
        stats1, web_cpu1 = web.reset_stats(), web.reset_cpu()
        rss1 = measure.peak_rss_mb()
        second, used2, flow2 = _run_flow(nightly, config, measure)
        stats2 = web.reset_stats()
        rss2 = measure.peak_rss_mb()
        load_after = os.getloadavg()[0]
        live = measure.live_children_hwm_mb()

    database = out_dir / "tipsheet.duckdb"
    fetch1 = measure.run_fetches(database, first["run_id"])
    fetch2 = measure.run_fetches(database, second["run_id"])
    network_done = measure.last_fetch_s(database, first["run_id"])
    articles = measure.article_counts(database)
    tasks1, tasks2 = _task_times(flow1), _task_times(flow2)

    workers = measure.flow_workers()
    urls = [web.bases[p.host] + p.path for p in plan.pages]
    base = measure.extract_alone(files, urls, workers, bare=False)
    bare = None if a.no_bare else measure.extract_alone(files, urls, workers, bare=True)
    side = None
    if not a.no_bare:
        step = max(1, len(files) // measure.SIDE_BY_SIDE_PAGES)
        side = measure.side_by_side(files[::step], urls[::step])
    load_end = os.getloadavg()[0]

    # --- figures ---------------------------------------------------------------------
    wall1, wall2 = used1.wall, used2.wall
    pages = len(plan.pages)
    requests1 = stats1["requests"]
    concurrency = a.hosts * a.concurrency
    net_s = requests1 * a.latency / concurrency
    cpu_s = pages * base.per_page_s / workers
    per_host = max(v for k, v in stats1.items() if k.startswith("host_"))
    delay_s = per_host * a.delay
    ideal = max(net_s, cpu_s, delay_s)
    budget = _cpu_budget(used1.cpu, web_cpu1, base, cores, ideal)
    page_articles = articles.get("page", 0)
    pipe_tp = page_articles / wall1
    bodies2_db = sum(v for k, v in fetch2.items() if k in ("page_ok", "page_unchanged"))
    cond2_db = sum(v for k, v in fetch2.items() if k.endswith("_not_modified"))
    servers = "; ".join(f"{cmd.split(' -')[0][-30:]} {mb:.0f} MB" for cmd, mb in live.values())

    lines = [
        "",
        f"Prefect      {prefect_mode}; imports {import_s:.1f} s, start-up (first trivial "
        f"flow) {prefect_start_s:.1f} s, a trivial flow afterwards {prefect_flow_s:.2f} s "
        "(none counted below)",
        "",
        f"first run    {wall1:.1f} s, ideal {ideal:.1f} s: ratio {wall1 / ideal:.2f} (aim <= 1.2)",
        f"  ideal = max(network {requests1} requests x {a.latency:g} s / {concurrency} "
        f"connections = {net_s:.1f} s; CPU {pages} pages x {base.per_page_s * 1000:.0f} ms / "
        f"{workers} cores = {cpu_s:.1f} s; politeness {per_host} requests on the busiest "
        f"host x delay_s {a.delay:g} = {delay_s:.1f} s)",
        f"  where: {_phases(tasks1, wall1)}; last response received {network_done:.1f} s "
        "after the run started",
        f"  CPU-seconds {used1.cpu:.0f} (this process {used1.own:.0f}, extraction workers "
        f"{used1.children:.0f}, Prefect server {used1.live:.0f}) vs {base.cpu_s:.0f} for "
        "extraction alone (CPU-seconds hardly move with the machine's other load; wall does)",
        budget,
        f"  {first['new_articles']} new articles ({page_articles} from pages, "
        f"{articles.get('feed_only', 0)} feed-only: extraction found no article); "
        f"fetches table: {_fmt(fetch1)}; server: {_fmt(stats1, skip='host_')}",
        f"second run   {wall2:.2f} s: first/second {wall1 / wall2:.0f}x (aim >= 50x)",
        f"  article bodies fetched {bodies2_db} (fetches table; the server sent "
        f"{stats2['bodies_page']}); conditional requests {stats2['conditional']} sent, "
        f"{cond2_db} answered 304 (fetches table: {_fmt(fetch2)})",
        f"  where: {_phases(tasks2, wall2)}",
        f"extraction   {base.what} in the flow's {workers}-process pool: {base.wall_s:.1f} s "
        f"for {pages} pages = {base.per_page_s * 1000:.0f} ms per page per core, "
        f"{base.extracted} articles",
    ]
    if bare is not None:
        lines.append(
            f"             {bare.what}, same pool and pages: {bare.wall_s:.1f} s = "
            f"{bare.per_page_s * 1000:.0f} ms per page per core (reference only)"
        )
    if bare is not None:
        lines.append(
            f"             extract_article / bare trafilatura per page in that pool: "
            f"{base.per_page_s / bare.per_page_s:.2f} (wall, the pool's start-up included); "
            f"pipeline {pipe_tp:.2f} "
            f"articles/s vs bare trafilatura alone {bare.throughput:.2f}/s: ratio "
            f"{pipe_tp / bare.throughput:.2f}"
        )
    if side is not None:
        lines.append(
            f"             CPU per page in one process, the two in turn on {side.pages} of "
            f"the pages: extract_article {side.article_s * 1000:.0f} ms, bare trafilatura "
            f"{side.bare_s * 1000:.0f} ms: ratio {side.ratio:.2f} (aim <= 1.3)"
        )
    lines += [
        f"throughput   pipeline {pipe_tp:.2f} articles/s vs extract_article alone "
        f"{base.throughput:.2f}/s: ratio {pipe_tp / base.throughput:.2f} (aim >= 0.9); "
        f"by CPU-seconds {base.cpu_s / used1.cpu:.2f}",
        f"peak memory  getrusage ru_maxrss: this process {rss1[0]:.0f} MB after run 1, "
        f"{rss2[0]:.0f} MB after run 2 (with the bench web and Prefect's client); largest "
        f"extraction worker {rss2[1]:.0f} MB (its own process); VmHWM of live children: "
        f"{servers or 'none'}",
        f"machine      {cores} CPUs shared with other work: load average {load_before:.2f} "
        f"before run 1, {load_after:.2f} after run 2, {load_end:.2f} at the end",
    ]
    print("\n".join(lines))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "last.json").write_text(
        json.dumps(
            {
                "at": datetime.now().isoformat(timespec="seconds"),
                "args": vars(a),
                "load": [load_before, load_after, load_end],
                "prefect_start_s": prefect_start_s,
                "first_s": wall1,
                "first_cpu_s": used1.cpu,
                "first_web_cpu_s": web_cpu1,
                "ideal_s": ideal,
                "network_s": net_s,
                "cpu_s": cpu_s,
                "politeness_s": delay_s,
                "second_s": wall2,
                "bodies_second_run": bodies2_db,
                "not_modified_second_run": cond2_db,
                "extract_article_per_page_s": base.per_page_s,
                "extract_article_cpu_s": base.cpu_s,
                "bare_trafilatura_per_page_s": bare.per_page_s if bare else None,
                "side_by_side_cpu_ratio": side.ratio if side else None,
                "throughput_ratio": pipe_tp / base.throughput,
                "throughput_ratio_vs_bare": pipe_tp / bare.throughput if bare else None,
                "peak_rss_mb": rss2[0],
                "tasks_first": tasks1,
                "tasks_second": tasks2,
                "server_first": dict(stats1),
                "server_second": dict(stats2),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return 0


def _cpu_budget(run_cpu: float, web_cpu: float, base, cores: int, ideal: float) -> str:
    """What the two aims leave for everything besides extraction, when every core is busy.

    A run cannot take less than its CPU-seconds over the cores. So the first run's 1.2 of
    the ideal allows 1.2 x ideal x cores CPU-seconds in all, and a throughput of 0.9 of
    extraction alone allows extraction alone's wall / 0.9 x cores (its articles are the
    run's, give or take feed-only ones); what extraction alone spent is taken off both.
    """
    beyond = run_cpu - base.cpu_s
    per = 1000 / base.pages
    floor = run_cpu / cores
    for_first = 1.2 * ideal * cores - base.cpu_s
    for_throughput = base.wall_s / 0.9 * cores - base.cpu_s
    return (
        f"  CPU budget: beyond extraction alone the run spent {beyond:.0f} CPU-s "
        f"({beyond * per:.1f} ms an article; the bench's own web {web_cpu:.1f} of them); "
        f"the 1.2 aim leaves {for_first:.0f} ({for_first * per:.1f} ms), the 0.9 aim "
        f"{for_throughput:.0f} ({for_throughput * per:.1f} ms). With every core busy this "
        f"run could take no less than {floor:.1f} s: {floor / ideal:.2f} of the ideal, "
        f"throughput at most {base.wall_s / floor:.2f}"
    )


def _fmt(counts: dict, skip: str | None = None) -> str:
    return ", ".join(
        f"{k} {v}" for k, v in sorted(counts.items()) if not (skip and k.startswith(skip))
    )


if __name__ == "__main__":
    raise SystemExit(main())
