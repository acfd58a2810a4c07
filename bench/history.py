"""A year of nights written straight through storage/, for the long-run bench.

Each night gets what a real night leaves: a run, its fetches and URL state, its articles
(through writes.save_source_results), their mentions, events, stories, story keys and lead
vectors (writes.save_analysis), their search terms (search.index_articles), each manager's
digest rows, and the run finished. Only the work that makes these rows is skipped: texts are drawn
from a vocabulary instead of extracted, and analysis results drawn instead of found.

The texts are unrelated to each other and to the bench's pages, so each article is its own
story, and its LSH band keys are drawn at random: that is what unrelated texts' keys are.
"""

from __future__ import annotations

import random
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta

import numpy as np

from tipsheet.core.clusters import BANDS, StoryKeys, headline_key
from tipsheet.core.config import Config
from tipsheet.core.digest import MAX_OTHER, MAX_WORTH, DigestItem
from tipsheet.core.profile import lead_vectors
from tipsheet.core.ranking import Listed
from tipsheet.core.records import (
    AnalysisResult,
    Article,
    Event,
    FetchLog,
    Mention,
    SourceResult,
    Validators,
)
from tipsheet.core.score import ScoreBreakdown
from tipsheet.core.urls import article_id
from tipsheet.storage import db, search, writes

WORDS_PER_ARTICLE = (250, 650)  # a news article's length, in words
# The search index takes a month of nights at a time: the same rows as night by night, with
# fewer fixed costs (the bench reports the filling's time apart).
INDEX_EVERY = 30
EVENTS = ("acquisition", "funding", "leadership_change", "partnership", "earnings")
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ra",
    "su",
    "ti",
    "vo",
    "ba",
    "de",
    "fi",
    "gu",
    "ha",
    "je",
    "ko",
    "lu",
    "ma",
    "no",
    "pe",
    "qui",
    "ro",
    "sa",
    "te",
    "vi",
    "wa",
    "ze",
]


def vocabulary(size: int, rnd: random.Random) -> list[str]:
    """Made-up words: distinct, of the lengths English words have."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rnd.choices(_SYLLABLES, k=rnd.randint(1, 4))))
    return sorted(words)


def fill(cfg: Config, as_of: date, articles: int, nights: int = 365, seed: int = 7) -> dict:
    """Write `nights` nights ending the day before `as_of`, `articles` articles in all."""
    rnd = random.Random(seed)
    vocab = vocabulary(30_000, rnd)
    # Zipf-like word frequencies, as in any language: a few words make most of a text.
    weights = 1 / np.arange(1, len(vocab) + 1)
    draw = np.random.default_rng(seed)
    words = np.array(vocab, dtype=object)

    def text(n: int) -> list[str]:
        return list(words[draw.choice(len(vocab), size=n, p=weights / weights.sum())])

    sources = cfg.sources()
    companies = list(cfg.companies)
    per_night = articles // nights
    started = time.perf_counter()
    window: deque[tuple[date, list[tuple[Article, str]]]] = deque()
    con = db.connect(cfg.settings.database)
    try:
        writes.sync_config(con, cfg)
        for n in range(nights):
            day = as_of - timedelta(days=nights - n)
            _night(con, cfg, day, n, per_night, sources, companies, text, rnd, window)
        with writes.transaction(con):
            search.index_articles(con, [])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"nights": nights, "articles": per_night * nights, "s": time.perf_counter() - started}


def _night(con, cfg, day, n, count, sources, companies, text, rnd, window) -> None:
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    run_id = writes.start_run(con, day)
    by_source: dict[str, SourceResult] = {s.id: SourceResult(source=s) for s in sources}
    for s in sources:  # each feed answered, most nights with new items
        by_source[s.id].logs.append(FetchLog(s.url, "ok", 200, None, at, 120, 40_000))
        by_source[s.id].validators[s.url] = Validators(etag=f'"{n}-{s.id}"')
    made: list[Article] = []
    for k in range(count):
        source = sources[k % len(sources)]
        url = f"https://history{k % 40}.example/{day.isoformat()}/{k}"
        words = text(rnd.randint(*WORDS_PER_ARTICLE))
        company = companies[k % len(companies)]
        name = cfg.companies[company].name
        title = f"{name} {' '.join(words[:8])}"
        body = "\n".join(
            " ".join(words[i : i + 60]).capitalize() + "." for i in range(0, len(words), 60)
        )
        a = Article(
            id=article_id(url),
            url=url,
            title=title,
            text=f"{name} {body}",
            published_at=at - timedelta(hours=rnd.randint(1, 20)),
            source_id=source.id,
            fetched_at=at,
            site_name=f"History {k % 40}",
            language="en",
            published_day=day,
        )
        made.append(a)
        result = by_source[source.id]
        result.articles.append(a)
        result.logs.append(FetchLog(url, "ok", 200, None, at, 150, 60_000))
        result.validators[url] = Validators(content_hash=a.id)
    writes.save_source_results(con, run_id, list(by_source.values()), day)
    mentions, events, stories, keys = [], [], {}, {}
    for k, a in enumerate(made):
        company = companies[k % len(companies)]
        mentions.append(Mention(a.id, company, rnd.randint(1, 5), True, a.title, a.title))
        if rnd.random() < 0.3:
            events.append(Event(a.id, rnd.choice(EVENTS), a.title, 0.8, company, True))
        stories[a.id] = a.id
        keys[a.id] = StoryKeys(
            headline_key(f"{a.title}\n{a.text}"), [rnd.getrandbits(32) for _ in range(BANDS)]
        )
    if n % INDEX_EVERY == INDEX_EVERY - 1:
        with writes.transaction(con):
            search.index_articles(con, [])
    vectors = lead_vectors(made)
    writes.save_analysis(
        con,
        AnalysisResult([a.id for a in made], mentions, events, stories),
        keys,
        dict(zip([a.id for a in made], vectors, strict=True)),
    )
    # Each digest stores a row for each item it shows, as a real night's does (see
    # core/ranking.py): MAX_WORTH worth a call, then MAX_OTHER others, of the lookback
    # window's stories that mention one of the manager's companies.
    owners = [companies[k % len(companies)] for k in range(count)]
    window.append((day, list(zip(made, owners, strict=True))))
    while window and window[0][0] < day - timedelta(days=cfg.settings.lookback_days):
        window.popleft()
    for manager in cfg.managers:
        relations = cfg.relations(manager)
        listed = [(a, c) for _, night in reversed(window) for a, c in night if c in relations]
        shown = listed[: MAX_WORTH + MAX_OTHER]
        items = [_item(manager, a, relations[c], rank) for rank, (a, c) in enumerate(shown, 1)]
        writes.save_digest(con, manager.id, day, items, [])
    writes.finish_run(
        con,
        run_id,
        "done",
        {"sources_total": len(sources), "new_articles": count, "digests_written": 3},
    )


def _item(manager, a: Article, relation: str, rank: int) -> Listed:
    worth = rank <= MAX_WORTH
    score = 50.0 / rank
    factors = dict.fromkeys(("relation", "interests", "prominence", "coverage", "profile"), 1.0)
    return Listed(
        DigestItem(
            item_id=a.id[:8],
            article_id=a.id,
            title=a.title,
            url=a.url,
            company_name="",
            relation=relation,
            event_type=None,
            published=a.published_day,
            score=score,
            worth_call=worth,
            talking_point=a.text[:200] if worth else "",
            why=f"{a.title.split()[0]} ({relation}) is in the news; worth knowing for "
            f"{manager.name.split()[0]}'s work as {manager.role}.",
        ),
        company_id=None,
        breakdown=ScoreBreakdown(
            factors={**factors, "event": 0.15},
            probability=0.5,
            recency=1.0,
            novelty=1.0 / rank,
            feedback=1.0,
            total=score,
            worth_call=worth,
        ),
    )
