"""Re-opening signals: title matching, team growth, the hire moving, closed reposts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tipsheet.core.config import Manager
from tipsheet.core.records import Posting
from tipsheet.core.signals import (
    REPOST_THRESHOLD,
    SIMILAR_THRESHOLD,
    diff_postings,
    find_signals,
    has_strong_signal,
    normalise_title,
    role_match,
    strongest,
)

REJECTED = date(2024, 3, 1)
AS_OF = date(2024, 4, 20)


def mgr(**kw) -> Manager:
    base = dict(
        id="ana",
        name="Ana Ruiz",
        company="quill",
        role="Senior Data Engineer",
        rejected_on=REJECTED,
        team="Data Platform",
        location="Berlin",
        hired_person="Jonas Weber",
    )
    base.update(kw)
    return Manager(**base)


def row(key, title, first_seen=date(2024, 4, 1), active=True, last_seen=None, **kw):
    return {
        "posting_key": key,
        "title": title,
        "url": f"https://jobs.example/{key}",
        "team": kw.get("team"),
        "location": kw.get("location"),
        "posted_at": kw.get("posted_at"),
        "first_seen": first_seen,
        "last_seen": last_seen or AS_OF,
        "active": active,
    }


@pytest.mark.parametrize(
    "title,expect",
    [
        ("Sr. Data Eng", "data engineer"),
        ("Senior Data Engineer II (Remote)", "data engineer"),
        ("SWE, Payments", "software engineer payments"),
        ("Front-End Developer", "frontend developer"),
        ("Head of Data", "head data"),
    ],
)
def test_normalise_title(title, expect):
    assert normalise_title(title) == expect


@pytest.mark.parametrize(
    "title,above",
    [
        ("Senior Data Engineer", True),
        ("Sr. Data Engineer", True),
        ("Data Engineer", True),  # one level apart: 92
        ("Staff Data Engineer", True),
        ("Sr Data Eng, Data Platform (Berlin)", True),
        ("Junior Data Engineer", False),  # two levels apart: 84
        ("Senior Analytics Engineer", False),
        ("Senior Data Scientist", False),
        ("Data Engineering Manager", False),
        ("Account Executive", False),
    ],
)
def test_repost_threshold(title, above):
    m = role_match("Senior Data Engineer", title)
    assert (m.score >= REPOST_THRESHOLD) is above, m


def test_team_and_location_count():
    same = role_match(
        "Senior Data Engineer",
        "Senior Data Engineer",
        "Data Platform",
        "Berlin",
        "Data Platform",
        "Berlin, Germany",
    )
    other_team = role_match(
        "Senior Data Engineer",
        "Senior Data Engineer",
        "Data Platform",
        "Berlin",
        "Payments",
        "Berlin",
    )
    elsewhere = role_match(
        "Senior Data Engineer",
        "Senior Data Engineer",
        "Data Platform",
        "Berlin",
        "Payments",
        "London",
    )
    remote = role_match(
        "Senior Data Engineer",
        "Senior Data Engineer",
        "Data Platform",
        "Berlin",
        None,
        "Remote - EU",
    )
    assert same.score == 100 and same.team and same.location
    assert REPOST_THRESHOLD <= other_team.score < same.score
    assert elsewhere.score < REPOST_THRESHOLD
    assert remote.score == 100


def test_product_marketing_manager_is_not_product_manager():
    assert role_match("Product Manager", "Product Marketing Manager").score < REPOST_THRESHOLD
    assert role_match("Product Manager", "Senior Product Manager, Payments").score >= 85


def test_repost_is_strongest_and_says_what_when_where():
    postings = [
        row("1", "Sr. Data Engineer, Data Platform", team="Data Platform", location="Berlin"),
        row("2", "Senior ML Engineer", team="Data Platform", first_seen=date(2024, 4, 5)),
        row("3", "Account Executive", team="Sales"),
    ]
    news = [
        (
            "a1",
            "Quill expands",
            "Quill's Data Platform team is hiring 20 people.",
            "https://news.example/a1",
            datetime(2024, 4, 10, 9, 0),
        )
    ]
    signals = find_signals(mgr(), postings, news, AS_OF)
    assert [s.kind for s in signals] == ["role_reposted", "team_growing", "department_expanding"]
    top = signals[0]
    assert top.seen_on == date(2024, 4, 1) and top.url == "https://jobs.example/1"
    assert "Senior Data Engineer" in top.detail and str(REJECTED) in top.detail
    assert strongest(signals) is top and has_strong_signal(signals)


def test_postings_before_the_rejection_are_not_reposts():
    postings = [
        row("1", "Senior Data Engineer", first_seen=date(2024, 2, 1)),
        row("2", "Senior Data Engineer", first_seen=date(2024, 4, 1), posted_at=date(2024, 1, 5)),
        row("3", "Senior Data Engineer", first_seen=REJECTED),
    ]
    assert find_signals(mgr(), postings, [], AS_OF) == []


def test_future_postings_and_since_are_respected():
    postings = [row("1", "Senior Data Engineer", first_seen=date(2024, 5, 1))]
    assert find_signals(mgr(), postings, [], AS_OF) == []
    postings = [row("1", "Senior Data Engineer", first_seen=date(2024, 3, 5))]
    assert find_signals(mgr(), postings, [], AS_OF, since=date(2024, 4, 1)) == []


def test_closed_repost_is_posting_closed():
    postings = [
        row(
            "1",
            "Senior Data Engineer",
            first_seen=date(2024, 3, 10),
            active=False,
            last_seen=date(2024, 4, 2),
        )
    ]
    (s,) = find_signals(mgr(), postings, [], AS_OF)
    assert s.kind == "posting_closed" and s.seen_on == date(2024, 4, 2)
    assert "23 days" in s.detail and not s.strong


def test_team_growing_without_team_needs_two():
    m = mgr(team=None, location=None)
    one = [row("1", "Senior Analytics Engineer")]
    assert find_signals(m, one, [], AS_OF) == []
    two = one + [row("2", "Senior Data Platform Engineer")]
    kinds = [s.kind for s in find_signals(m, two, [], AS_OF)]
    assert kinds == ["team_growing", "team_growing"]
    assert role_match(m.role, "Senior Analytics Engineer").score >= SIMILAR_THRESHOLD


@pytest.mark.parametrize(
    "sentence,kind,strength",
    [
        ("Jonas Weber has left Quill to found a startup.", "hire_moved", 0.8),
        ("Quill said Jonas Weber departed in April.", "hire_moved", 0.8),
        ("Jonas K. Weber was promoted to lead the ML group.", "hire_moved", 0.65),
        ("Jonas Weber moved to the Payments team.", "hire_moved", 0.65),
    ],
)
def test_hire_moved(sentence, kind, strength):
    news = [("a1", "People news", f"Other text. {sentence} More.", "u", date(2024, 4, 3))]
    (s,) = find_signals(mgr(), [], news, AS_OF)
    assert (s.kind, s.strength) == (kind, strength)
    assert sentence in s.detail and s.ref == "a1" and s.seen_on == date(2024, 4, 3)


def test_hire_named_without_a_move_or_before_the_decision_is_nothing():
    news = [
        ("a1", "Talk", "Jonas Weber spoke at a data conference.", "u", date(2024, 4, 3)),
        ("a2", "Old", "Jonas Weber left his previous employer.", "u", date(2024, 2, 1)),
        ("a3", "Other", "Maria Weber left Quill.", "u", date(2024, 4, 3)),
    ]
    assert find_signals(mgr(), [], news, AS_OF) == []


def test_department_expanding_from_role_plural_without_team():
    news = [
        {
            "id": "a9",
            "title": "Quill to hire 40 data engineers",
            "text": "",
            "url": "u",
            "published_at": "2024-04-04",
        }
    ]
    (s,) = find_signals(mgr(team=None), [], news, AS_OF)
    assert s.kind == "department_expanding" and s.ref == "a9"


def test_diff_postings():
    cur = [Posting("c", "s", "k2", "B"), Posting("c", "s", "k3", "C"), Posting("c", "s", "k3", "C")]
    new, vanished = diff_postings(["k1", "k2"], cur)
    assert [p.posting_key for p in new] == ["k3"] and vanished == ["k1"]
    assert diff_postings([], []) == ([], [])
