"""robots.txt rules, as Google reads them, on top of protego.

A 4xx (the file does not exist) allows everything; a 5xx, 429 or an unreachable server
disallows everything for this run, since the site may be struggling.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from protego import Protego

LOGGER = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 500_000  # Google reads the first 500 KiB
MAX_CRAWL_DELAY_S = 10.0  # a site's Crawl-delay is honoured up to this


@dataclass
class RobotsRules:
    """What one origin's robots.txt lets us fetch."""

    parser: Protego | None = None
    allow_all: bool = False
    reason: str | None = None  # why everything is disallowed
    unreachable: bool = False  # no answer at all: the site's pages would fail the same way

    def allows(self, url: str, user_agent: str) -> bool:
        if self.allow_all:
            return True
        if self.parser is None:
            return False
        try:
            return bool(self.parser.can_fetch(url, user_agent))
        except Exception:  # protego bug on odd input: fail open like a missing file
            LOGGER.debug("protego failed on %s", url, exc_info=True)
            return True

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        try:
            delay = self.parser.crawl_delay(user_agent)
        except Exception:  # protego bug on odd input: no delay rather than no run
            return 0.0
        return min(float(delay or 0.0), MAX_CRAWL_DELAY_S)


def rules_from_response(status: int | None, body: bytes, error: str | None) -> RobotsRules:
    """Rules from the robots.txt fetch outcome (status None: no response at all)."""
    if status is None:
        return RobotsRules(reason=f"robots.txt unreachable: {error}", unreachable=True)
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
        try:
            return RobotsRules(parser=Protego.parse(text))
        except Exception:  # unparseable rules: treat like no rules
            return RobotsRules(allow_all=True)
    if status == 429 or status >= 500:
        return RobotsRules(reason=f"robots.txt answered HTTP {status}")
    return RobotsRules(allow_all=True)  # 3xx left over, 4xx: no rules
