"""What one article says on its own: the companies it mentions and the events it reports.

Unlike stories (core/analysis.py, which compares articles), these facts depend on one
article only, so a night's articles can be split among processes. The worker side of such
a pool lives here and imports only the matcher and the event rules: a worker starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tipsheet.core import events, mention_model
from tipsheet.core.config import Company
from tipsheet.core.event_model import EventModel
from tipsheet.core.matching import CompanyMatcher
from tipsheet.core.mention_model import MentionModel
from tipsheet.core.records import ArticleText, Event, Mention

Facts = tuple[list[Mention], list[Event]]


@dataclass(frozen=True)
class Models:
    """The trained models analysis uses; the committed ones unless an evaluation injects
    models trained without the articles it scores."""

    events: EventModel
    mentions: MentionModel

    @classmethod
    def default(cls) -> Models:
        return cls(events.default_model(), mention_model.default())


class FactFinder:
    """The matcher and surface forms built once from the companies, applied per article."""

    def __init__(self, companies: dict[str, Company], models: Models | None = None):
        self.models = models or Models.default()
        self.matcher = CompanyMatcher(companies, self.models.mentions)
        self.forms = {key: [*c.names, *c.domains] for key, c in companies.items()}

    def facts(self, article: ArticleText) -> Facts:
        (found,) = self.facts_of([article])
        return found

    def facts_of(self, articles: list[ArticleText]) -> list[Facts]:
        """Each article's facts, the same as `facts` gives; the event model reads the
        articles in one batch, which costs less than one call each."""
        mentions = [
            self.matcher.mentions(a.id, a.title, a.body, a.source_company) for a in articles
        ]
        found = events.classify_all(
            [(a.title, a.body, m, a.id) for a, m in zip(articles, mentions, strict=True)],
            self.forms,
            self.models.events,
        )
        return list(zip(mentions, found, strict=True))


def companies_as_data(companies: dict[str, Company]) -> dict[str, dict]:
    """Plain data for a worker's initializer (rebuilt there by `init_worker`)."""
    return {key: c.model_dump() for key, c in companies.items()}


# Process-local, and set only in pool workers by init_worker: the one FactFinder a worker
# builds at start (building it per task would cost more than the task).
_WORKER: dict[str, FactFinder] = {}


def init_worker(companies: dict[str, dict], on_start: Callable[[], None] | None = None) -> None:
    """A pool's initializer: build the worker's FactFinder from `companies_as_data`."""
    if on_start is not None:
        on_start()
    _WORKER["finder"] = FactFinder(
        {key: Company.model_validate(data) for key, data in companies.items()}
    )


def worker_facts(articles: list[ArticleText]) -> list[Facts]:
    """The facts of a chunk of articles, in a worker set up by `init_worker`."""
    return _WORKER["finder"].facts_of(articles)
