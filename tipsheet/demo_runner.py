"""`tipsheet demo`: the real nightly flow, offline, against the bundled fictional web.

The demo web is served on fixed loopback addresses and a fixed port, so the URLs stored
in demo-output/ stay the same from one demo run to the next and a second run is
incremental, like a second night.
"""

from __future__ import annotations

import errno
import os
import shutil
from contextlib import nullcontext
from pathlib import Path

from tipsheet.core.errors import TipsheetError
from tipsheet.demo.server import DemoWeb
from tipsheet.demo.world import CONFIG_PATH, DEMO_TODAY

DEMO_PORT = 48_620


class DemoError(TipsheetError):
    """The demo web could not be served."""


def demo_port() -> int:
    """The fixed demo port, or TIPSHEET_DEMO_PORT: two test runs on one machine need two ports."""
    value = os.environ.get("TIPSHEET_DEMO_PORT", "")
    if not value:
        return DEMO_PORT
    if not value.isdigit() or not 0 < int(value) < 65_536:
        raise DemoError(f"TIPSHEET_DEMO_PORT: {value!r} is not a port number")
    return int(value)


def run_demo(output: Path, fresh: bool = False, status=None, port: int | None = None) -> dict:
    from tipsheet.flows.nightly import nightly

    port = port or demo_port()
    output = Path(output).resolve()
    if fresh and output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    config_path = output / "config.yaml"
    try:
        web = DemoWeb(port=port)
        web.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(
                f"demo web: port {port} is taken on 127.0.0.2-9; free it and try again"
            ) from None
        raise DemoError(f"demo web: cannot serve: {exc}") from None
    try:
        config_path.write_text(
            "# Written by `tipsheet demo` from demo/config.yaml: the demo web's live addresses.\n"
            + web.rewrite_config(CONFIG_PATH.read_text(encoding="utf-8"), output),
            encoding="utf-8",
        )
        with status("Running the nightly flow on the demo web...") if status else nullcontext():
            summary = nightly(config_path=str(config_path), as_of=DEMO_TODAY)
    finally:
        web.stop()
    summary["index"] = str(output / "digests" / "README.md")
    summary["config"] = str(config_path)
    return summary
