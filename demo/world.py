"""The demo world's fixed facts: its "today", where its files live, its hosts.

Everything in the demo world is invented: companies, people, domains (all ending in
.example) and prose. `tipsheet demo` runs the nightly flow "as of" DEMO_TODAY so the
digests look the same whatever the real date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

DEMO_TODAY = date(2026, 11, 20)

DEMO_DIR = Path(__file__).resolve().parent
WEB_DIR = DEMO_DIR / "web"  # one folder per fictional host, served by demo.server.DemoWeb
CONFIG_PATH = DEMO_DIR / "config.yaml"
MANIFEST_PATH = WEB_DIR / "manifest.json"  # what each article is about; for end-to-end tests

# The hosts, in the order they get loopback addresses (127.0.0.2, 127.0.0.3, ...).
HOSTS = (
    "northwind.example",
    "contoso.example",
    "fennimore.example",
    "bramblewood.example",
    "freightwire.example",
    "shelfsignal.example",
    "metrodaily.example",
    "boards.example",
)

# The strongest re-opening signal in the demo: the role Dana Kim interviewed for is
# posted again on Northwind's (Greenhouse-shaped) job board.
REPOSTED_ROLE = {
    "manager_id": "dana-kim",
    "ats": "greenhouse",
    "board": "northwind",
    "job_id": 4820013,
    "title": "Senior Data Engineer, Data Platform",
}
