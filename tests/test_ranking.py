"""The production ranking: who an event is about, story-level novelty, feedback, lines."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tipsheet.core.config import Config
from tipsheet.core.ranking import Inputs, build_digest, score_candidates
from tipsheet.core.records import Judgement
from tipsheet.core.score import FEATURES, Weights

TODAY = date(2026, 11, 20)
CFG = Config.model_validate(
    {
        "me": {"name": "Alex Candidate"},
        "managers": [
            {
                "id": "priya",
                "name": "Priya Raman",
                "company": "fennimore",
                "role": "Product Manager, Integrations",
                "rejected_on": "2026-10-01",
                "last_contacted": "2026-11-15",
            }
        ],
        "companies": {
            "fennimore": {
                "name": "Fennimore Software",
                "aliases": ["Fennimore"],
                "competitors": ["quarry"],
                "customers": ["greengage"],
            },
            "quarry": {"name": "Quarry Systems"},
            "greengage": {"name": "Greengage Markets", "aliases": ["Greengage"]},
        },
    }
)
W = Weights(
    bias=-1.0,
    weights={**dict.fromkeys(FEATURES, 0.0), "rel_competitor": 1.0, "ev_partnership": 2.0},
)


def row(article_id, company, title, event=None, story=None, evidence=None):
    events = []
    if event:
        events = [
            {
                "event_type": event,
                "evidence": evidence or title,
                "confidence": 0.9,
                "company_id": company,
                "in_lead": True,
            }
        ]
    return {
        "article_id": article_id,
        "url": f"https://news.example/{article_id}",
        "title": title,
        "text": title,
        "summary": None,
        "published_at": datetime(2026, 11, 19, tzinfo=UTC),
        "published_day": date(2026, 11, 19),
        "fetched_at": datetime(2026, 11, 19, tzinfo=UTC),
        "site_name": "News",
        "language": "en",
        "origin": "page",
        "story_id": story,
        "coverage": 1,
        "company_id": company,
        "mention_count": 2,
        "in_title": True,
        "snippet": "",
        "mention_confidence": 0.9,
        "events": events,
    }


def inputs(rows, **kw) -> Inputs:
    args = {"candidates": rows, "last_contact": None, "shared": set(), "listed_before": {}}
    args.update(kw)
    return Inputs(**args)


def test_own_company_win_is_own_company_news():
    win = row("a1", "greengage", "Greengage selects Fennimore for its stores", "partnership")
    [scored] = score_candidates(CFG, CFG.managers[0], TODAY, inputs([win]), W)
    assert scored["relation"] == "own" and scored["company_name"] == "Fennimore Software"


def test_novelty_counts_the_story_not_the_url():
    a = row("a1", "quarry", "Quarry Systems signs deal with Harbor", "partnership", story="s1")
    fresh = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a]), W)[0]
    again = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a], listed_before={"s1": 1}), W)
    assert again[0]["breakdown"].novelty == 0.5 and fresh["breakdown"].novelty == 1.0


def test_not_useful_feedback_hides_the_whole_story_and_moves_similar_items():
    a = row("a1", "quarry", "Quarry Systems signs deal with Harbor", "partnership", story="s1")
    b = row(
        "a2", "quarry", "Quarry Systems signs Harbor deal, say sources", "partnership", story="s1"
    )
    c = row("a3", "quarry", "Quarry Systems partners with Harbor on robots", "partnership")
    fb = [Judgement("a1", useful=False, story_id="s1", title=a["title"], text="")]
    plain = {
        r["article_id"]: r
        for r in score_candidates(CFG, CFG.managers[0], TODAY, inputs([a, b, c]), W)
    }
    judged = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a, b, c], feedback=fb), W)
    assert [r["article_id"] for r in judged] == ["a3"]
    assert judged[0]["breakdown"].total < plain["a3"]["breakdown"].total


def test_lines_are_distinct_and_message_waits_when_too_soon():
    rows = [
        row(f"a{i}", "quarry", f"Quarry Systems deal number {i}", "partnership") for i in range(3)
    ]
    built = build_digest(
        CFG, CFG.managers[0], TODAY, inputs(rows, last_contact=date(2026, 11, 15)), [], weights=W
    )
    whys = [i.why for i in built.items if i.worth_call]
    assert len(whys) == 3 and len(set(whys)) == 3
    assert built.status.too_soon and "next week" not in built.markdown
