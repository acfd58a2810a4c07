"""What each new article is about: companies mentioned, events, and the story it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field

from tipsheet.clusters import StoryIndex
from tipsheet.config import Company
from tipsheet.events import classify
from tipsheet.matching import CompanyMatcher
from tipsheet.records import Event, Mention

STORY_WINDOW_DAYS = 60  # a story older than this is not "updated" by a new article


@dataclass
class AnalysisResult:
    article_ids: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    stories: dict[str, str] = field(default_factory=dict)


def analyse_articles(
    articles: list[dict],
    companies: dict[str, Company],
    known_stories: list[tuple[str, str, str]],
) -> AnalysisResult:
    """articles: dicts with id, title, text, summary and source_company (the source's company).

    known_stories: (article id, story id, text) of recent analysed articles, so a new copy
    of an older press release joins its story.
    """
    matcher = CompanyMatcher(companies)
    index = StoryIndex.from_rows(known_stories)
    forms = {key: [*c.names, *c.domains] for key, c in companies.items()}
    result = AnalysisResult()
    for a in articles:
        text = a.get("text") or a.get("summary") or ""
        title = a.get("title")
        mentions = matcher.mentions(a["id"], title, text, a.get("source_company"))
        result.article_ids.append(a["id"])
        result.mentions.extend(mentions)
        result.events.extend(classify(title, text, mentions, a["id"], forms))
        result.stories[a["id"]] = index.assign(a["id"], f"{title or ''}\n{text}")
    return result
