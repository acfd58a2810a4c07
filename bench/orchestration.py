"""What orchestration costs, and which task runner fans fetches out best.

    python -m bench.orchestration                 # both parts
    python -m bench.orchestration --part cost     # the demo night, with and without Prefect
    python -m bench.orchestration --part runners  # ThreadPoolTaskRunner vs DaskTaskRunner

Part "cost": the same first night of the demo (a fresh output folder each time), run as
  plain       flows/plain.py: the task functions through `.fn`, no Prefect at all
  ephemeral   flows.nightly.nightly with no PREFECT_API_URL: Prefect starts its own API
  server      the flow called in a process pointed at a running server (PREFECT_API_URL)
  deployment  a run of the nightly deployment triggered through the API and executed by a
              process worker polling every second (trigger to Completed; the default
              poll interval is 10 s)
Each run is a fresh Python process; "run" is the flow call alone, "process" adds start-up
and imports. Part "runners": the fetch fan-out alone (the flow's fetch_batch task on host
partitions) on a synthetic web of many hosts with per-request latency, under
ThreadPoolTaskRunner(4) and, when prefect-dask is installed, a local DaskTaskRunner.

Everything is served on loopback addresses; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tipsheet import serve
from tipsheet.demo.localweb import LocalWeb
from tipsheet.demo.server import DemoWeb
from tipsheet.demo.world import CONFIG_PATH, DEMO_TODAY
from tipsheet.telemetry import QUIET_ENV

RUN_TIMEOUT_S = 300
SYNTHETIC_FIRST = "127.0.1.1"  # hosts at 127.0.1.1-250: clear of the demo web's 127.0.0.2-9
MAX_SYNTHETIC_HOSTS = 250
WORDS = tuple(
    [
        "harbour",
        "freight",
        "cold",
        "chain",
        "warehouse",
        "contract",
        "pilot",
        "robotics",
        "grocery",
        "platform",
        "data",
        "tracking",
        "shipment",
        "retailer",
        "supplier",
        "quarter",
        "revenue",
        "expansion",
        "hiring",
        "engineer",
        "team",
        "launch",
        "partnership",
        "customer",
        "integration",
        "network",
        "route",
        "fleet",
        "depot",
        "forecast",
    ]
)


# ---------------------------------------------------------------- child processes


def _child(mode: str, arg: str) -> None:
    """Runs in a fresh process; prints one JSON line with its timings."""
    started = time.perf_counter()
    if mode == "plain":
        from tipsheet.plain import nightly_plain as run
    elif mode == "prefect":
        from tipsheet.flows.nightly import nightly as run
    elif mode.startswith("fanout-"):
        print(json.dumps(_fanout(mode.removeprefix("fanout-"), json.loads(arg))))
        return
    else:
        raise SystemExit(f"unknown child mode {mode}")
    imported = time.perf_counter()
    summary = run(config_path=arg, as_of=DEMO_TODAY)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "run_s": done - imported,
                "new_articles": summary["new_articles"],
                "digests": summary["digests_written"],
            }
        )
    )


def _run_child(mode: str, arg: str, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.orchestration", "--child", mode, arg],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        cwd=serve.PROJECT,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = elapsed
    return result


# ---------------------------------------------------------------- part: cost


def _demo_config(web: DemoWeb, root: Path, name: str) -> str:
    out = root / name
    out.mkdir(parents=True)
    config = out / "config.yaml"
    config.write_text(web.rewrite_config(CONFIG_PATH.read_text(encoding="utf-8"), out))
    return str(config)


def _bench_env(home: Path) -> dict[str, str]:
    env = {**QUIET_ENV, **os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env


def _deployment_run(api: str, config: str) -> float:
    from prefect.client.orchestration import SyncPrefectClient

    with SyncPrefectClient(api) as client:
        deployment = client.read_deployment_by_name("nightly/nightly")
        started = time.perf_counter()
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"config_path": config, "as_of": DEMO_TODAY.isoformat()}
        )
        while time.perf_counter() - started < RUN_TIMEOUT_S:
            state = client.read_flow_run(run.id).state
            if state is not None and state.is_final():
                if not state.is_completed():
                    raise RuntimeError(f"deployment run ended {state.type}: {state.message}")
                return time.perf_counter() - started
            time.sleep(0.1)
    raise RuntimeError(f"deployment run not final after {RUN_TIMEOUT_S} s")


def cost(repeat: int, root: Path) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {m: [] for m in ("plain", "ephemeral", "server")}
    results["deployment"] = []
    port = serve.DEFAULT_PORT if serve.port_free(serve.DEFAULT_PORT) else _free_port()
    server_env = serve.stack_env(port, root / "server-home", _bench_env(root / "unused"))
    server_env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
    server = worker = None
    with DemoWeb() as web:
        try:
            ephemeral_env = _bench_env(root / "ephemeral-home")
            for i in range(repeat):
                for mode, child, env in (
                    ("plain", "plain", _bench_env(root / "plain-home")),
                    ("ephemeral", "prefect", ephemeral_env),
                ):
                    config = _demo_config(web, root, f"{mode}-{i}")
                    results[mode].append(_run_child(child, config, env))
                    _report_one(mode, i, results[mode][-1])
            # Started only now: its boot would share the CPUs with the runs above.
            server = serve.start_server(port, server_env, root / "server.log")
            serve.wait_healthy(port, proc=server)
            serve.create_pool(serve.api_url(port))
            worker = serve.start_worker(server_env, root / "worker.log")
            serve.deploy(server_env)
            for i in range(repeat):
                config = _demo_config(web, root, f"server-{i}")
                results["server"].append(_run_child("prefect", config, server_env))
                _report_one("server", i, results["server"][-1])
                config = _demo_config(web, root, f"deployment-{i}")
                seconds = _deployment_run(serve.api_url(port), config)
                results["deployment"].append({"run_s": seconds, "process_s": seconds})
                _report_one("deployment", i, results["deployment"][-1])
        finally:
            serve.stop(worker, server)
    return results


def _report_one(mode: str, i: int, r: dict) -> None:
    extra = f", import {r['import_s']:.1f} s" if "import_s" in r else ""
    print(
        f"  {mode:<10} #{i + 1}: run {r['run_s']:.2f} s, process {r['process_s']:.2f} s{extra}",
        flush=True,
    )


def print_cost(results: dict[str, list[dict]]) -> None:
    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    base_run, base_proc = med("plain", "run_s"), med("plain", "process_s")
    print("\nmode        run s  x plain   process s  x plain   (medians)")
    for mode in results:
        run, proc = med(mode, "run_s"), med(mode, "process_s")
        print(f"{mode:<10} {run:6.2f} {run / base_run:7.2f}x  {proc:9.2f} {proc / base_proc:7.2f}x")


# ---------------------------------------------------------------- part: runners


class SyntheticWeb:
    """Many small news hosts, each on its own loopback address, each answering slowly."""

    def __init__(self, hosts: int, items: int, latency_s: float):
        if not 0 < hosts <= MAX_SYNTHETIC_HOSTS:
            raise ValueError(f"hosts must be 1-{MAX_SYNTHETIC_HOSTS}")
        self.hosts, self.items, self.latency_s = hosts, items, latency_s
        self.bases: list[str] = []
        self._web = LocalWeb(
            {n: _synthetic_handler(self, n) for n in range(hosts)},
            first_address=SYNTHETIC_FIRST,  # one port, many addresses: like the demo web
        )

    def __enter__(self) -> SyntheticWeb:
        self._web.start()
        self.bases = list(self._web.url_map.values())
        return self

    def __exit__(self, *exc) -> None:
        self._web.stop()

    def feed(self, n: int, base: str) -> bytes:
        now = datetime.now(UTC)
        items = "".join(
            f"<item><title>Host {n} story {i}</title><link>{base}/a/{i}.html</link>"
            f"<guid>{base}/a/{i}.html</guid>"
            f"<pubDate>{format_datetime(now - timedelta(hours=i + 1))}</pubDate></item>"
            for i in range(self.items)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Host {n}</title>'
            f"<link>{base}/</link>{items}</channel></rss>"
        ).encode()

    def article(self, n: int, i: int) -> bytes:
        paragraphs = "".join(
            "<p>"
            + " ".join(WORDS[(n * 7 + i * 3 + p * 5 + w) % len(WORDS)] for w in range(60))
            + ".</p>"
            for p in range(8)
        )
        return (
            f"<html><head><title>Host {n} story {i}</title></head><body><article>"
            f"<h1>Host {n} story {i}</h1>{paragraphs}</article></body></html>"
        ).encode()


def _synthetic_handler(web: SyntheticWeb, n: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def do_GET(self):
            time.sleep(web.latency_s)
            base = f"http://{self.headers.get('Host')}"
            status, ctype, body = 404, "text/plain", b"not found"
            if self.path == "/robots.txt":
                status, body = 200, b"User-agent: *\nAllow: /\n"
            elif self.path == "/feed.xml":
                status, ctype, body = 200, "application/rss+xml", web.feed(n, base)
            elif self.path.startswith("/a/"):
                i = int(self.path.removeprefix("/a/").removesuffix(".html"))
                status, ctype, body = 200, "text/html; charset=utf-8", web.article(n, i)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _fanout(runner_name: str, spec: dict) -> dict:
    """The flow's fetch fan-out alone, under the named task runner (in a child process)."""
    from prefect import flow
    from prefect.task_runners import ThreadPoolTaskRunner

    from tipsheet.connectors.collect import SourceState
    from tipsheet.core.config import Fetch
    from tipsheet.core.records import Source
    from tipsheet.flows import tasks
    from tipsheet.flows.workers import extraction_pool

    sources = [Source(id=f"syn-{i}", company_id=None, type="feed", url=u) for i, u in
               enumerate(spec["feeds"])]  # fmt: skip
    settings = Fetch(allow_private_hosts=True, delay_s=spec["delay_s"])
    state = SourceState(as_of=datetime.now(UTC))
    if runner_name == "threads":
        runner = ThreadPoolTaskRunner(max_workers=4)
    elif runner_name == "dask-cluster":  # a cluster that outlives the run, as on many hosts
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(address=spec["address"])
    else:  # a local cluster started and stopped by the flow run
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": spec["dask_workers"],
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                "dashboard_address": None,
            }
        )

    @flow(name=f"fanout-{runner_name}", task_runner=runner)
    def fanout() -> tuple[int, int]:
        batches = tasks.partition_by_host(sources, spec["batches"])
        if runner_name == "threads":  # as the nightly flow: extraction in a process pool
            with extraction_pool() as pool:
                futures = [tasks.fetch_batch.submit(b, state, settings, pool) for b in batches]
                results = [r for f in futures for r in f.result()]
        else:  # an executor cannot travel to another process: extraction in each worker
            futures = [tasks.fetch_batch.submit(b, state, settings, None) for b in batches]
            results = [r for f in futures for r in f.result()]
        return sum(len(r.articles) for r in results), sum(1 for r in results if r.error)

    started = time.perf_counter()
    articles, failed = fanout()
    return {"run_s": time.perf_counter() - started, "articles": articles, "failed": failed}


def runners(args, root: Path) -> dict[str, list[float]]:
    try:
        import prefect_dask  # noqa: F401

        names = ["threads", "dask", "dask-cluster"]
    except ImportError:
        print("  prefect-dask is not installed: measuring ThreadPoolTaskRunner only")
        names = ["threads"]
    port = _free_port()
    env = serve.stack_env(port, root / "runners-home", _bench_env(root / "unused"))
    server = serve.start_server(port, env, root / "runners-server.log")
    out: dict[str, list[float]] = {n: [] for n in names}
    try:
        serve.wait_healthy(port, proc=server)
        with (
            SyntheticWeb(args.hosts, args.items, args.latency_ms / 1000) as web,
            _dask_cluster("dask-cluster" in names, args.dask_workers, env) as address,
        ):
            spec = {
                "feeds": [f"{b}/feed.xml" for b in web.bases],
                "delay_s": args.delay_ms / 1000,
                "batches": args.batches,
                "dask_workers": args.dask_workers,
                "address": address,
            }
            for i in range(args.repeat):
                for name in names:
                    r = _run_child(f"fanout-{name}", json.dumps(spec), env)
                    expected = args.hosts * args.items
                    if r["failed"] or r["articles"] != expected:
                        raise RuntimeError(f"{name}: {r['articles']}/{expected} articles, "
                                           f"{r['failed']} failed sources")  # fmt: skip
                    out[name].append(r["run_s"])
                    print(f"  {name:<12} #{i + 1}: {r['run_s']:.2f} s, {r['articles']} articles")
    finally:
        serve.stop(server)
    base = statistics.median(out["threads"])
    print(
        f"\n{args.hosts} hosts x {args.items} articles, {args.latency_ms} ms latency, "
        f"{args.delay_ms} ms politeness delay, {args.batches} batches"
    )
    for name, seconds in out.items():
        m = statistics.median(seconds)
        print(f"{name:<12} {m:6.2f} s  {m / base:5.2f}x threads   (median of {len(seconds)})")
    return out


@contextlib.contextmanager
def _dask_cluster(wanted: bool, workers: int, env: dict[str, str]) -> Iterator[str | None]:
    """A local Dask cluster kept up across runs; its first run meets cold workers."""
    if not wanted:
        yield None
        return
    from distributed import LocalCluster

    prefect_env = {k: v for k, v in env.items() if k.startswith("PREFECT_") or k == "DO_NOT_TRACK"}
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env=prefect_env,
    ) as cluster:
        yield cluster.scheduler_address


# ---------------------------------------------------------------- main


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "cost", "runners"), default="all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=48)
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--dask-workers", type=int, default=4)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="tipsheet-bench-") as tmp:
        root = Path(tmp)
        if args.part in ("all", "cost"):
            print(f"cost of orchestration: the demo's first night, {args.repeat} runs each")
            print_cost(cost(args.repeat, root))
        if args.part in ("all", "runners"):
            print("\ntask runners: the fetch fan-out on a synthetic many-host web")
            runners(args, root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
