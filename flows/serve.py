"""`make serve`: a local Prefect server, a process work pool, one worker, both deployments.

Everything binds to 127.0.0.1. To use an existing server or Prefect Cloud instead, set
PREFECT_API_URL (and PREFECT_API_KEY for Cloud) and run only the deploy and worker steps:
`prefect deploy --all` and `prefect worker start --pool tipsheet` (see the README).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

LOGGER = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[1]
POOL = "tipsheet"
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}


def prefect_bin() -> str:
    local = Path(sys.executable).with_name("prefect")
    return str(local) if local.exists() else (shutil.which("prefect") or "prefect")


def server_env(port: int, home: Path | None = None) -> dict[str, str]:
    env = {**os.environ, **QUIET_ENV}
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    env["TIPSHEET_PROJECT_DIR"] = str(PROJECT)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    return env


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("ab")
    return subprocess.Popen(
        [prefect_bin(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=PROJECT,
    )


def wait_healthy(port: int, timeout_s: float = 120, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    url = f"http://127.0.0.1:{port}/api/health"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Prefect server exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Prefect server on port {port} not healthy after {timeout_s:.0f} s")


def prefect(args: list[str], env: dict[str, str], check: bool = True) -> str:
    done = subprocess.run(
        [prefect_bin(), *args], env=env, cwd=PROJECT, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"prefect {' '.join(args)} failed: {' | '.join(tail)}")
    return done.stdout


def create_pool(env: dict[str, str]) -> None:
    listed = prefect(["work-pool", "ls"], env)
    if POOL not in listed:
        prefect(["work-pool", "create", POOL, "--type", "process"], env)


def deploy(env: dict[str, str]) -> None:
    prefect(["--no-prompt", "deploy", "--all"], env)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("ab")
    return subprocess.Popen(
        [prefect_bin(), "worker", "start", "--pool", POOL, "--type", "process"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=PROJECT,
    )


def stop(*procs: subprocess.Popen | None) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.terminate()
    for p in procs:
        if p is not None:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4200)
    parser.add_argument("--logs", type=Path, default=PROJECT / "data" / "prefect-logs")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    env = server_env(args.port)
    server = worker = None
    try:
        server = start_server(args.port, env, args.logs / "server.log")
        wait_healthy(args.port, proc=server)
        create_pool(env)
        deploy(env)
        worker = start_worker(env, args.logs / "worker.log")
        print(f"Prefect UI: http://127.0.0.1:{args.port}  (logs in {args.logs})")
        print("Deployments 'nightly/nightly' (02:00 daily) and 'digest/digest' registered.")
        print("Run one now: prefect deployment run nightly/nightly   Stop: Ctrl-C")
        while server.poll() is None and worker.poll() is None:
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(worker, server)


if __name__ == "__main__":
    sys.exit(main())
