"""The production ranking: who an event is about, story-level novelty, feedback, lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from tipsheet.core.config import Config
from tipsheet.core.profile import lead_vectors
from tipsheet.core.ranking import Inputs, build_digest, score_candidates
from tipsheet.core.records import Candidate, Event, Judgement
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


def row(article_id, company, title, event=None, story=None, evidence=None, text=None):
    events = ()
    if event:
        events = (Event(article_id, event, evidence or title, 0.9, company, in_lead=True),)
    return Candidate(
        article_id=article_id,
        url=f"https://news.example/{article_id}",
        title=title,
        text=text or title,
        summary=None,
        published_at=datetime(2026, 11, 19, tzinfo=UTC),
        published_day=date(2026, 11, 19),
        fetched_at=datetime(2026, 11, 19, tzinfo=UTC),
        site_name="News",
        language="en",
        origin="page",
        story_id=story,
        coverage=1,
        company_id=company,
        mention_count=2,
        in_title=True,
        snippet="",
        mention_confidence=0.9,
        events=events,
    )


def inputs(rows, **kw) -> Inputs:
    args = {"candidates": rows, "last_contact": None, "shared": set(), "listed_before": {}}
    args.update(kw)
    return Inputs(**args)


def test_own_company_win_is_own_company_news():
    win = row("a1", "greengage", "Greengage selects Fennimore for its stores", "partnership")
    [scored] = score_candidates(CFG, CFG.managers[0], TODAY, inputs([win]), W)
    assert scored.relation == "own" and scored.company_name == "Fennimore Software"


def test_novelty_counts_the_story_not_the_url():
    a = row("a1", "quarry", "Quarry Systems signs deal with Harbor", "partnership", story="s1")
    fresh = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a]), W)[0]
    again = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a], listed_before={"s1": 1}), W)
    assert again[0].breakdown.novelty == 0.5 and fresh.breakdown.novelty == 1.0


def test_not_useful_feedback_hides_the_whole_story_and_moves_similar_items():
    a = row("a1", "quarry", "Quarry Systems signs deal with Harbor", "partnership", story="s1")
    b = row(
        "a2", "quarry", "Quarry Systems signs Harbor deal, say sources", "partnership", story="s1"
    )
    c = row("a3", "quarry", "Quarry Systems partners with Harbor on robots", "partnership")
    fb = [Judgement("a1", useful=False, story_id="s1", title=a.title, text="")]
    plain = {
        r.article_id: r for r in score_candidates(CFG, CFG.managers[0], TODAY, inputs([a, b, c]), W)
    }
    judged = score_candidates(CFG, CFG.managers[0], TODAY, inputs([a, b, c], feedback=fb), W)
    assert [r.article_id for r in judged] == ["a3"]
    assert judged[0].breakdown.total < plain["a3"].breakdown.total


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


def _without_text(rows):
    return [replace(r, text=None) for r in rows]


def test_a_digest_reads_the_texts_of_its_shown_items_and_news_only():
    rows = [
        row(f"a{i}", "quarry", f"Quarry Systems deal number {i}", "partnership") for i in range(30)
    ]
    rows += [row("n1", "fennimore", "Fennimore hires 40 product managers", "expansion")]
    rows = [replace(r, text=f"{r.title}. More about it, in the cloud.") for r in rows]
    asked: list[str] = []

    def texts(ids):
        asked.extend(ids)
        return {r.article_id: r.text for r in rows if r.article_id in ids}

    news = [r for r in rows if r.company_id == "fennimore"]
    # Stored vectors for all but one: that one's text is read to embed it.
    stored = dict(zip([r.article_id for r in rows], lead_vectors(rows), strict=True))
    del stored["a7"]
    full = build_digest(CFG, CFG.managers[0], TODAY, inputs(rows, news=news), [], weights=W)
    lean = build_digest(
        CFG,
        CFG.managers[0],
        TODAY,
        inputs(_without_text(rows), news=_without_text(news), texts=texts, vectors=stored),
        [],
        weights=W,
    )
    assert lean.markdown == full.markdown
    assert [x.breakdown for x in lean.listed] == [x.breakdown for x in full.listed]
    shown = {x.item.article_id for x in lean.listed if x.item.worth_call}
    assert set(asked) == shown | {"n1", "a7"} and len(asked) < len(rows)


def test_interests_are_counted_for_training_and_wherever_they_weigh():
    a = row(
        "a1",
        "quarry",
        "Quarry Systems moves to the cloud",
        "partnership",
        text="Quarry Systems moves its platform to the cloud.",
    )
    manager = CFG.managers[0].model_copy(update={"interests": ["cloud"]})
    weighed = Weights(bias=W.bias, weights={**W.weights, "interests": 0.5})
    [trained] = score_candidates(CFG, manager, TODAY, inputs([a]), W)
    assert trained.features.interests_hits == 1
    [plain] = build_digest(CFG, manager, TODAY, inputs([a]), [], weights=W).listed
    [heavier] = build_digest(CFG, manager, TODAY, inputs([a]), [], weights=weighed).listed
    assert heavier.breakdown.factors["interests"] > 1.0 == plain.breakdown.factors["interests"]
    assert heavier.breakdown.total > plain.breakdown.total
