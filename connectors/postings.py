"""Job-board and careers-page sources, read through the polite Fetcher into SourceResults."""

from __future__ import annotations

import asyncio
import logging

from tipsheet.connectors.careers import fetch_careers_postings
from tipsheet.connectors.collect import collect_all
from tipsheet.connectors.http import Fetcher
from tipsheet.connectors.jobs import fetch_postings, fetcher_get_bytes, fetcher_get_json
from tipsheet.core.records import NEWS_TYPES, POSTING_TYPES, Source, SourceResult

LOGGER = logging.getLogger(__name__)


async def collect_postings(fetcher: Fetcher, source: Source) -> SourceResult:
    """Every posting of one board or careers page; never raises.

    A read with any error leaves `postings` None, so storage closes no posting on a night
    the board could not be read whole.
    """
    start = len(fetcher.logs)
    try:
        if source.type == "jobs":
            postings, errors = await fetch_postings(fetcher_get_json(fetcher, source.id), source)
        else:
            postings, errors = await fetch_careers_postings(
                fetcher_get_bytes(fetcher, source.id), source
            )
    except Exception as exc:  # one bad board must not stop the night
        LOGGER.exception("reading %s failed", source.url)
        postings, errors = [], [f"internal error reading {source.url}: {exc!r}"]
    return SourceResult(
        source=source,
        logs=[x for x in fetcher.logs[start:] if x.source_id == source.id],
        postings=None if errors else postings,
        error="; ".join(errors[:2]) if errors else None,
    )


async def collect_batch(sources, states, settings, extract_pool) -> list[SourceResult]:
    """News sources and posting sources of one batch, read at once through one Fetcher.

    One client for the whole batch: a host serving a feed, a press page and a careers page
    sees one per-host limit and one robots.txt read, whatever the mix of source types.
    """
    news = [s for s in sources if s.type in NEWS_TYPES]
    boards = [s for s in sources if s.type in POSTING_TYPES]
    async with Fetcher(settings) as fetcher:
        first, second = await asyncio.gather(
            collect_all(news, states, settings, extract_pool, fetcher),
            asyncio.gather(*(collect_postings(fetcher, s) for s in boards)),
        )
    return list(first) + list(second)
