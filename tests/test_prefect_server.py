"""The deployments on a real Prefect server: pool, `prefect deploy --all`, a worker, a run.

Everything `make serve` does, on a free loopback port with a PREFECT_HOME of its own, then
a run of the nightly deployment on the demo web through the API. The test process serves
the demo web itself (DemoWeb on free ports, so a `tipsheet demo` running beside it does not
collide) and passes the config it wrote as the deployment's `config_path` parameter: the
deployment under test is the real one, not a wrapper. Only the subprocesses see the
server's PREFECT_HOME and PREFECT_API_URL; this process talks to it through an explicit
client, so the session's `prefect_harness` is untouched.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import IN_CI
from tipsheet import serve
from tipsheet.demo.server import DemoWeb
from tipsheet.demo.world import CONFIG_PATH, DEMO_TODAY

pytestmark = pytest.mark.slow

SERVER_START_TIMEOUT_S = 90
RUN_TIMEOUT_S = 240
MANAGER = "dana-kim"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} missing)"


@pytest.fixture
def stack(tmp_path):
    """A Prefect server on a free port; skipped only when it cannot start (never in CI)."""
    port = _free_port()
    logs = tmp_path / "logs"
    env = serve.stack_env(port, tmp_path / "prefect-home")
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"  # pick the run up at once, not within 10 s
    env["PREFECT_LOGGING_LEVEL"] = "INFO"  # the worker log explains a failure
    server = serve.start_server(port, env, logs / "server.log")
    try:
        # Imported while the server boots (~10 s): they cost ~3 s in a fresh process.
        import prefect.client.orchestration  # noqa: F401
        import prefect.workers.process  # noqa: F401

        try:
            serve.wait_healthy(port, timeout_s=SERVER_START_TIMEOUT_S, proc=server)
        except RuntimeError as exc:
            message = f"Prefect server cannot start here: {exc}\n{_tail(logs / 'server.log')}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        yield port, env, logs
    finally:
        serve.stop(server)


def _wait_final(client, run_id, worker, logs: Path):
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        state = client.read_flow_run(run_id).state
        if state is not None and state.is_final():
            return state
        assert worker.poll() is None, f"worker exited\n{_tail(logs / 'worker.log')}"
        time.sleep(0.5)
    pytest.fail(f"flow run not final after {RUN_TIMEOUT_S} s\n{_tail(logs / 'worker.log')}")


def _run_logs(client, run_id) -> str:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return "\n".join(log.message for log in logs[-40:])


def test_nightly_deployment_runs_the_demo_on_a_server(stack, tmp_path):
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    port, env, logs = stack
    out = tmp_path / "demo-output"
    out.mkdir()
    config = out / "config.yaml"
    worker = None
    with DemoWeb() as web:
        config.write_text(web.rewrite_config(CONFIG_PATH.read_text(encoding="utf-8"), out))
        try:
            serve.create_pool(serve.api_url(port))
            worker = serve.start_worker(env, logs / "worker.log")
            serve.deploy(env)
            with SyncPrefectClient(serve.api_url(port)) as client:
                nightly = client.read_deployment_by_name("nightly/nightly")
                digest = client.read_deployment_by_name("digest/digest")
                (schedule,) = nightly.schedules
                assert (schedule.schedule.cron, schedule.schedule.timezone) == (
                    "0 2 * * *",
                    "Europe/Berlin",
                )
                assert nightly.parameters == digest.parameters == {"config_path": "config.yaml"}
                assert not digest.schedules
                # Stored unresolved: each worker resolves it to its own checkout.
                assert "{{ $TIPSHEET_PROJECT_DIR }}" in str(nightly.pull_steps)

                run = client.create_flow_run_from_deployment(
                    nightly.id,
                    parameters={"config_path": str(config), "as_of": DEMO_TODAY.isoformat()},
                )
                state = _wait_final(client, run.id, worker, logs)
                assert state.is_completed(), (
                    f"{state.type}: {state.message}\n{_run_logs(client, run.id)}\n"
                    f"{_tail(logs / 'worker.log')}"
                )
                artifacts = client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        key=ArtifactFilterKey(any_=[f"digest-{MANAGER}"])
                    )
                )
        finally:
            serve.stop(worker)

    (artifact,) = [a for a in artifacts if a.flow_run_id == run.id]
    assert artifact.type == "markdown"
    assert "Dana Kim" in artifact.data and "## Worth a call" in artifact.data
    digest_file = out / "digests" / MANAGER / f"{DEMO_TODAY.isoformat()}.md"
    assert digest_file.read_text(encoding="utf-8") == artifact.data

    con = duckdb.connect(str(out / "tipsheet.duckdb"), read_only=True)
    try:
        runs = con.execute("SELECT status, new_articles, digests_written FROM runs").fetchall()
        worth = con.execute(
            "SELECT count(*) FROM digest_items WHERE manager_id = ? AND worth_call", [MANAGER]
        ).fetchone()[0]
    finally:
        con.close()
    assert len(runs) == 1 and runs[0][0] == "done" and runs[0][1] > 0 and runs[0][2] >= 3
    assert worth >= 3
