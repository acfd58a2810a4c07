"""What each new article is about: companies mentioned, events, and the story it belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor

from tipsheet.core.clusters import StoryIndex
from tipsheet.core.config import Company
from tipsheet.core.facts import FactFinder, Facts, Models, worker_facts
from tipsheet.core.records import AnalysisResult, ArticleText

STORY_WINDOW_DAYS = 60  # a story older than this is not "updated" by a new article
# Fewer new articles than this are analysed in-process. A worker's start-up (scikit-learn
# and SciPy imported, the models loaded) is about 2.8 CPU-s: on 300 articles the pool cost
# 13.3 CPU-s and 8.9 s against 7.8 CPU-s and 7.6 s in-process; on 1,592, one worker saved
# a fifth of the wall time for 3 CPU-s more. The two meet near 500.
PARALLEL_MIN_ARTICLES = 600
CHUNK = 16  # articles per task sent to a worker: few round trips, an even split


def analyse_articles(
    articles: list[ArticleText],
    companies: dict[str, Company],
    known_stories: list[tuple[str, str, str]] | StoryIndex,
    pool: Executor | None = None,
    models: Models | None = None,
    facts: Iterator[Facts] | None = None,
) -> AnalysisResult:
    """articles: the night's new articles, as storage read them.

    known_stories: (article id, story id, text) of recent analysed articles, so a new copy
    of an older press release joins its story; or a StoryIndex already loaded with them.

    pool: an executor whose workers ran `tipsheet.core.facts.init_worker` with these companies;
    mentions and events are then found there, while this process assigns stories, one
    article after another in the order given (ids depend on it). The result is the same
    with or without a pool.

    models: the trained models (the committed ones when None; workers load those). An
    evaluation passes models trained without the articles it scores, and no pool.

    facts: instead of a pool, `pooled_facts(pool, articles)` submitted earlier, so that the
    workers start and run while the caller prepares the stories and the search index.
    """
    if (pool is not None or facts is not None) and models is not None:
        raise ValueError("injected models run in-process: pass no pool")
    if pool is not None and facts is not None:
        raise ValueError("pass a pool or the facts submitted to one, not both")
    if pool is not None:
        facts = pooled_facts(pool, articles)
    elif facts is None:
        finder = FactFinder(companies, models)
        facts = (
            f
            for i in range(0, len(articles), CHUNK)
            for f in finder.facts_of(articles[i : i + CHUNK])
        )
    index = (
        known_stories
        if isinstance(known_stories, StoryIndex)
        else StoryIndex.from_rows(known_stories)
    )
    stories = {a.id: index.assign(a.id, story_text(a)) for a in articles}
    result = AnalysisResult(stories=stories)
    for a, (mentions, events) in zip(articles, facts, strict=True):
        result.article_ids.append(a.id)
        result.mentions.extend(mentions)
        result.events.extend(events)
    return result


def story_text(article: ArticleText) -> str:
    """What an article is clustered on (reads.STORY_TEXT is the same, in SQL)."""
    return f"{article.title or ''}\n{article.body}"


def pooled_facts(pool: Executor, articles: list[ArticleText]) -> Iterator[Facts]:
    """The articles' facts, submitted at once to a pool whose workers ran
    `tipsheet.core.facts.init_worker` (they run while this process goes on), read in order."""
    futures = [
        pool.submit(worker_facts, articles[i : i + CHUNK]) for i in range(0, len(articles), CHUNK)
    ]

    def results() -> Iterator[Facts]:
        for future in futures:
            yield from future.result()

    return results()
