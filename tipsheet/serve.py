"""`make serve`: a local Prefect server, a process work pool, one worker, both deployments.

Everything binds to 127.0.0.1 and keeps its state under data/prefect (its own PREFECT_HOME,
so a Prefect Cloud profile in ~/.prefect is never touched). To use an existing server or
Prefect Cloud instead, set PREFECT_API_URL (and PREFECT_API_KEY for Cloud) and run only the
pool, deploy and worker steps (see the README):

    prefect work-pool create tipsheet --type process
    prefect --no-prompt deploy --all
    TIPSHEET_PROJECT_DIR=$PWD prefect worker start --pool tipsheet

The deployments' pull step changes into `{{ $TIPSHEET_PROJECT_DIR }}`. We deploy with that
variable unset, so the placeholder is stored as is and every worker resolves it at run time
to its own checkout: one deployment serves workers on any number of machines.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tipsheet.telemetry import QUIET_ENV

LOGGER = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[1]
POOL = "tipsheet"
DEFAULT_PORT = 4200
PROJECT_DIR_VAR = "TIPSHEET_PROJECT_DIR"


def prefect_bin() -> str:
    local = Path(sys.executable).with_name("prefect")
    return str(local) if local.exists() else (shutil.which("prefect") or "prefect")


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def stack_env(port: int, home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the server, the CLI and the worker: one API, one PREFECT_HOME.

    The project dir variable is left out on purpose (see the module docstring); only the
    worker gets it, from worker_env().
    """
    env = {**QUIET_ENV, **(os.environ if base is None else base)}
    env["PREFECT_API_URL"] = api_url(port)
    env["PREFECT_HOME"] = str(home)
    env.pop(PROJECT_DIR_VAR, None)
    env.pop("PREFECT_API_KEY", None)  # a Cloud key must never be sent to a local server
    return env


def worker_env(env: dict[str, str], project: Path = PROJECT) -> dict[str, str]:
    return {**env, PROJECT_DIR_VAR: str(project)}


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        # Own session: stop() can end the process and the flow runs it started, and a
        # Ctrl-C in the terminal reaches only us, so shutdown happens in order.
        return subprocess.Popen(
            args,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PROJECT,
            start_new_session=True,
        )


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    args = [prefect_bin(), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    return _spawn(args, env, log)


def wait_healthy(port: int, timeout_s: float = 120, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    url = f"{api_url(port)}/health"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Prefect server exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"Prefect server on port {port} not healthy after {timeout_s:.0f} s")


def prefect(args: list[str], env: dict[str, str], check: bool = True) -> str:
    done = subprocess.run(
        [prefect_bin(), *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if check and done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"prefect {' '.join(args)} failed: {' | '.join(tail)}")
    return done.stdout


def create_pool(url: str) -> None:
    """The process work pool, created through the API: two CLI calls would cost ~6 s."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    pool = WorkPoolCreate(
        name=POOL,
        type=ProcessWorker.type,
        base_job_template=ProcessWorker.get_default_base_job_template(),
    )
    with SyncPrefectClient(url) as client:
        try:
            client.create_work_pool(pool)
        except ObjectAlreadyExists:
            LOGGER.info("work pool %s exists", POOL)


def deploy(env: dict[str, str]) -> None:
    """Both deployments of prefect.yaml, without a single prompt."""
    prefect(["--no-prompt", "deploy", "--all"], env)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    args = [prefect_bin(), "worker", "start", "--pool", POOL, "--type", "process"]
    return _spawn(args, worker_env(env), log)


def stop(*procs: subprocess.Popen | None, timeout_s: float = 15) -> None:
    """End each process and its group (the flow runs a worker started), in the order given.

    One at a time: a worker stopped after its server would wait on the missing API.
    """
    for p in procs:
        if p is None:
            continue
        if p.poll() is None:
            _signal_group(p, signal.SIGTERM)
            try:
                p.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(p, signal.SIGKILL)
                p.wait(timeout=5)
        _signal_group(p, signal.SIGKILL)  # stragglers left in its group


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)  # the group's id is the pid: start_new_session=True


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--home",
        type=Path,
        default=PROJECT / "data" / "prefect",
        help="PREFECT_HOME of the server and worker (database, logs)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # Ctrl-C, and also `kill` or a service manager's stop: the finally below must run, or
    # the server and worker (in sessions of their own) would outlive us.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    home = args.home.resolve()
    logs = home / "logs"
    if not port_free(args.port):
        print(f"error: port {args.port} is taken on 127.0.0.1; try --port", file=sys.stderr)
        return 1
    env = stack_env(args.port, home)
    server = worker = None
    try:
        server = start_server(args.port, env, logs / "server.log")
        wait_healthy(args.port, proc=server)
        create_pool(api_url(args.port))
        worker = start_worker(env, logs / "worker.log")
        deploy(env)
        print(f"Prefect UI: http://127.0.0.1:{args.port}  (logs in {logs})")
        print("Deployments 'nightly/nightly' (02:00 Europe/Berlin) and 'digest/digest' ready.")
        print(f"Run one now: PREFECT_API_URL={api_url(args.port)} prefect deployment run")
        print("  nightly/nightly        Stop: Ctrl-C")
        while server.poll() is None and worker.poll() is None:
            time.sleep(1)
        print("error: the Prefect server or worker exited; see the logs", file=sys.stderr)
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
