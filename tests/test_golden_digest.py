"""Golden files: the demo's digests, byte for byte.

A change that alters what a digest says shows up here as a diff to read. When the change
is meant, regenerate with `TIPSHEET_UPDATE_GOLDEN=1 pytest tests/test_golden_digest.py`
and commit the new files with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).resolve().parent / "golden"
MANAGERS = ("dana-kim", "priya-raman", "marcus-oduya")


@pytest.mark.parametrize("manager", MANAGERS)
def test_demo_digest_matches_its_golden_file(demo_output, manager):
    from tipsheet.demo_runner import DEMO_PORT, demo_port

    if demo_port() != DEMO_PORT:  # item ids hash the URL, and the URL holds the port
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"TIPSHEET_DEMO_PORT is set: golden files are written at port {DEMO_PORT}")
        pytest.skip(f"TIPSHEET_DEMO_PORT is set: golden files are written at port {DEMO_PORT}")
    out = demo_output[0]
    text = (out / "digests" / manager / "2026-11-20.md").read_text(encoding="utf-8")
    golden = GOLDEN / f"{manager}-2026-11-20.md"
    if os.environ.get("TIPSHEET_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with TIPSHEET_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")
