"""The one place in code that keeps Prefect quiet: nothing leaves the machine but requests to
the user's own sources unless the user turns Prefect's telemetry on themselves.

Defaults only: a variable already set wins, so `DO_NOT_TRACK=0
PREFECT_SERVER_ANALYTICS_ENABLED=true tipsheet run` turns them back on. Call `quiet()` before
Prefect is imported; processes tipsheet starts get `QUIET_ENV` in their environment.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# Every outbound call Prefect 3.9 makes by default that is not to the user's own API.
QUIET_ENV = {
    # SDK usage events (Amplitude) from the CLI, the worker and flow-run processes.
    "DO_NOT_TRACK": "1",
    # The server's daily heartbeat to sens-o-matic.prefect.io, and the UI's own Amplitude
    # events in the browser (the UI reads this setting from the API).
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Upgrade prompts and marketing banners in the UI.
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}
# Prefect's per-task INFO lines drown the tool's own output on a terminal.
LOG_LEVEL = {"PREFECT_LOGGING_LEVEL": "WARNING"}


def quiet(env: MutableMapping[str, str] | None = None) -> None:
    """Set the telemetry and log-level defaults in `env` (the process environment)."""
    env = os.environ if env is None else env
    for key, value in {**QUIET_ENV, **LOG_LEVEL}.items():
        env.setdefault(key, value)
