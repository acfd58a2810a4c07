"""The committed judgement models: loadable offline, small, traceable to their inputs, and
sensible on plain cases. (How good they are on real news is measured in make eval and
gated in tests/test_judgement_eval.py.)"""

from __future__ import annotations

import hashlib

import pytest
import sklearn

from tipsheet.core import model_files
from tipsheet.core.config import Company
from tipsheet.core.events import classify
from tipsheet.core.matching import CompanyMatcher
from tipsheet.core.records import Mention
from tipsheet.core.wordlists import is_adjective


def test_models_are_small_and_carry_their_provenance():
    files = sorted(model_files.MODELS.glob("*"))
    assert {f.name for f in files} >= {
        "events.pkl",
        "mentions.pkl",
        "manifest.json",
        "ranking.json",
    }
    assert sum(f.stat().st_size for f in files) < 20 * 1024 * 1024
    manifest = model_files.manifest()
    assert manifest["versions"]["scikit-learn"] == sklearn.__version__
    assert manifest["data"] and manifest["code"] and manifest["seed"] == 0


@pytest.mark.corpus
def test_manifest_matches_the_corpus(corpus):
    for rel, digest in model_files.manifest()["data"].items():
        assert hashlib.sha256((corpus / rel).read_bytes()).hexdigest() == digest, rel


def test_a_model_from_another_library_version_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"versions": {"scikit-learn": "0.0.1"}}')
    (tmp_path / "events.pkl").write_bytes(b"")
    with pytest.raises(model_files.ModelFileError, match="scikit-learn 0.0.1"):
        model_files.load("events", tmp_path)
    with pytest.raises(model_files.ModelFileError, match="run `make train`"):
        model_files.load("nothing", tmp_path)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        (
            "Harbor Foods agrees to buy rival Cobalt Snacks for $2bn",
            "Harbor Foods has agreed to acquire Cobalt Snacks in a deal worth $2bn, the "
            "companies said on Monday. Shareholders of Cobalt will receive $40 a share.",
            "acquisition",
        ),
        (
            "Quarry Systems profits jump 40% on strong demand",
            "Quarry Systems reported a 40% rise in annual profit to $120m, beating analysts' "
            "forecasts, as sales of its warehouse software grew.",
            "earnings",
        ),
        (
            "Fabrikam to cut 2,000 jobs in restructuring",
            "Fabrikam will cut 2,000 jobs and close two factories as part of a restructuring "
            "plan announced on Tuesday.",
            "layoffs",
        ),
    ],
)
def test_clear_business_news_gets_its_event(title, text, expected):
    [event] = classify(title, text)
    assert event.event_type == expected and event.in_lead
    assert 0 < event.confidence <= 1 and event.evidence


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Rovers beat Town 2-1 in late drama",
            "A late goal from the substitute striker settled the derby in front of 30,000 fans.",
        ),
        (
            "Review: a gentle comedy with a great cast",
            "The film is charming, if slow, and the lead performance is the best of the year.",
        ),
        (
            "Minister promises more money for schools",
            "The education minister said the government would spend more on teachers next year.",
        ),
    ],
)
def test_news_without_a_business_development_gets_none(title, text):
    assert classify(title, text) == []


def test_the_event_names_its_company_and_evidence():
    mentions = [
        Mention("a1", "harbor", 2, True, "", "Harbor Foods"),
        Mention("a1", "cobalt", 1, False, "", "Cobalt Snacks"),
    ]
    [ev] = classify(
        "Harbor Foods agrees to buy rival Cobalt Snacks for $2bn",
        "Harbor Foods has agreed to acquire Cobalt Snacks in a deal worth $2bn.",
        mentions,
        "a1",
    )
    assert ev.company_id == "harbor" and ev.article_id == "a1"


COMPANIES = {
    "american": Company(name="American Airlines", aliases=["American"]),
    "united": Company(name="United Airlines", aliases=["United"]),
    "sun": Company(name="Sun Microsystems", aliases=["Sun"]),
    "virgin": Company(name="Virgin Group", aliases=["Virgin"]),
    "northwind": Company(name="Northwind Logistics", aliases=["Northwind"]),
}


@pytest.fixture(scope="module")
def matcher() -> CompanyMatcher:
    return CompanyMatcher(COMPANIES)


def ids(matcher, text, title=None):
    return sorted(m.company_id for m in matcher.mentions("a1", title, text))


@pytest.mark.parametrize(
    "text",
    [
        "American farmers face higher costs as fertiliser prices climb.",
        "Manchester United won 2-0 at home on Saturday.",
        "The United States and Canada signed a trade pact.",
        "It is a crime for American firms to bribe foreign officials.",
        "Next week the commission will present revised proposals.",
    ],
)
def test_other_things_with_the_same_name_are_not_mentions(matcher, text):
    assert ids(matcher, text) == []


def test_a_name_that_is_an_adjective_in_a_headline_needs_more_than_capitals(matcher):
    title = "Many American Voters Are Worried About Prices, Survey Finds"
    assert ids(matcher, "Most of those asked said prices rose this year.", title) == []
    title = "American Airlines Cancels 300 Flights As Storm Nears"
    assert ids(matcher, "The airline said crews were stranded.", title) == ["american"]


@pytest.mark.parametrize(
    ("word", "adjective"),
    [("American", True), ("Swiss", True), ("United", True), ("Next", True), ("Real", True)]
    + [("Apple", False), ("Northwind", False), ("Tesco", False), ("Shell", False)],
)
def test_names_that_are_also_adjectives_are_known(word, adjective):
    assert is_adjective(word) is adjective


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Northwind Logistics opened a hub in Antwerp.", ["northwind"]),
        ("Virgin Atlantic said it would add flights to Lagos.", ["virgin"]),
        ("Shares in Sun Microsystems rose 5% after the results.", ["sun"]),
    ],
)
def test_companies_brands_and_subsidiaries_are_mentions(matcher, text, expected):
    assert ids(matcher, text) == expected


def test_mention_fields(matcher):
    [m] = matcher.mentions(
        "a9",
        "Northwind opens hub",
        "Intro text. Northwind Logistics opened a hub. Northwind said so.",
    )
    assert m.article_id == "a9" and m.in_title and m.count == 3
    assert m.snippet == "Northwind Logistics opened a hub."
    assert 0.5 <= m.confidence <= 1.0
