"""Test-wide guards and fixtures.

Outbound sockets are blocked: a test may only reach loopback addresses it serves itself.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest

from tipsheet import telemetry

CORPUS = Path(
    os.environ.get("TIPSHEET_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

telemetry.quiet()

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _loopback(address) -> bool:
    if isinstance(address, str):  # AF_UNIX path
        return True
    host = address[0]
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise OSError(f"tests may not reach the internet: connect to {address!r} blocked")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise OSError(f"tests may not reach the internet: connect to {address!r} blocked")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex


@pytest.fixture
def corpus() -> Path:
    """The shared real-world corpus; skipped when absent, except under CI where it must be."""
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"corpus not found at {CORPUS} (required under CI=true)")
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """Prefect's test harness, started once per session with its own PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_output(prefect_harness, tmp_path_factory):
    """The demo run twice (a first night, then the same night again), shared read-only.

    Returns (output folder, first summary, row counts after the first run, second summary).
    Tests that write must copy the folder first.
    """
    import duckdb

    from tipsheet.demo_runner import run_demo

    out = tmp_path_factory.mktemp("demo-output")
    first = run_demo(out, fresh=True)
    con = duckdb.connect(str(out / "tipsheet.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()
    second = run_demo(out)
    return out, first, counts, second


@pytest.fixture
def demo_copy(demo_output, tmp_path) -> Path:
    """A private copy of the demo output, so writes here leave other tests alone."""
    src = demo_output[0]
    dst = tmp_path / "demo"
    shutil.copytree(src, dst)
    cfg = (dst / "config.yaml").read_text().replace(str(src), str(dst))
    (dst / "config.yaml").write_text(cfg)
    return dst
