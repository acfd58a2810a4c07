"""The demo world's fixed facts: its "today", where its files live, its hosts.

Everything in the demo world is invented: companies, people, domains (all ending in
.example) and prose. `tipsheet demo` runs the nightly flow "as of" DEMO_TODAY so the
digests look the same whatever the real date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

DEMO_TODAY = date(2026, 11, 20)

DEMO_DIR = Path(__file__).resolve().parent
WEB_DIR = DEMO_DIR / "web"  # one folder per fictional host, served by demo.server.DemoWeb
CONFIG_PATH = DEMO_DIR / "config.yaml"
MANIFEST_PATH = WEB_DIR / "manifest.json"  # what each article is about; for end-to-end tests

CONTENT_DIR = DEMO_DIR / "content"  # what build_web.py builds the web from
SITES_PATH = CONTENT_DIR / "sites.yaml"
BOARDS_HOST = "boards.example"

# The hosts, in the order they get loopback addresses (127.0.0.2, 127.0.0.3, ...): the
# sites in the order of sites.yaml, then the job boards.
HOSTS = (*yaml.safe_load(SITES_PATH.read_text(encoding="utf-8")), BOARDS_HOST)

# The strongest re-opening signal in the demo: the role Dana Kim interviewed for is
# posted again on Northwind's (Greenhouse-shaped) job board.
REPOSTED_ROLE = {
    "manager_id": "dana-kim",
    "ats": "greenhouse",
    "board": "northwind",
    "job_id": 4820013,
    "title": "Senior Data Engineer, Data Platform",
}
