"""Company matching: names, aliases, domains, tickers, and ambiguous names that need support."""

from __future__ import annotations

import pytest

from tipsheet.config import Company
from tipsheet.matching import CompanyMatcher, is_ambiguous

COMPANIES = {
    "apple": Company(name="Apple Inc.", aliases=["Apple"], domains=["apple.com"], ticker="AAPL"),
    "delta": Company(
        name="Delta Air Lines",
        aliases=["Delta"],
        ticker="DAL",
        context=["SkyMiles"],
        exclude=["Delta Faucet"],
    ),
    "northwind": Company(
        name="Northwind Logistics",
        aliases=["Northwind"],
        domains=["northwind.example"],
        ticker="NWND",
    ),
}


@pytest.fixture(scope="module")
def matcher() -> CompanyMatcher:
    return CompanyMatcher(COMPANIES)


def ids(matcher, text, title=None, source=None):
    return sorted(m.company_id for m in matcher.mentions("a1", title, text, source))


def test_ambiguity_is_detected_from_word_frequencies():
    assert is_ambiguous("Apple") and is_ambiguous("Delta") and is_ambiguous("The Gap")
    assert not is_ambiguous("Northwind") and not is_ambiguous("Delta Air Lines")


@pytest.mark.parametrize(
    "text",
    [
        "Shares of Apple (NASDAQ: AAPL) fell.",
        "$AAPL rallied into the close.",
        "Apple's services revenue hit a record.",
        "A supplier will build modems for Apple next year.",
        "Apple said on Monday it would open a store in Mumbai.",
        "Repair guides are on support.apple.com now.",
        "Apple Inc. named a new head of retail.",
    ],
)
def test_corroborated_apple_matches(matcher, text):
    assert ids(matcher, text) == ["apple"]


@pytest.mark.parametrize(
    "text",
    [
        "Apple picking season opens this weekend at the farm.",
        "Bake a warm apple crumble with firm apples.",
        "Runners lined up in the Big Apple on Sunday.",
        "Apple growers in the valley expect a poor harvest.",
        "The apple of his eye was his granddaughter.",
    ],
)
def test_fruit_and_other_entities_do_not_match(matcher, text):
    assert ids(matcher, text) == []


def test_other_entities_and_exclusions(matcher):
    assert ids(matcher, "Farmers in the Mekong Delta grow rice.") == []
    assert ids(matcher, "Delta Faucet recalled 30,000 taps, the company said.") == []
    assert ids(matcher, "Delta pilots approved a contract with the airline.") == ["delta"]
    # the user's context words corroborate
    assert ids(matcher, "Delta is changing SkyMiles status rules.") == ["delta"]


def test_title_case_headline_needs_support(matcher):
    assert ids(matcher, "Judges favour a flaky crust.", "Apple Pie Contest Returns") == []
    assert ids(matcher, "The iPhone maker sold less.", "Apple Shares Fall After Miss") == ["apple"]


def test_own_source_corroborates(matcher):
    assert ids(matcher, "Delta welcomes you aboard.") == []
    assert ids(matcher, "Delta welcomes you aboard.", source="delta") == ["delta"]


def test_unambiguous_names_case_and_boundaries(matcher):
    assert ids(matcher, "NWND rose after Northwind won a contract.") == ["northwind"]
    assert ids(matcher, "A cold northwind swept the plains.") == []
    assert ids(matcher, "Track at northwind.example/track.") == ["northwind"]
    assert ids(matcher, "Northwindish weather") == []


def test_mention_fields(matcher):
    [m] = matcher.mentions(
        "a9",
        "Northwind opens hub",
        "Intro text. Northwind Logistics opened a hub. Northwind said so.",
    )
    assert m.article_id == "a9" and m.in_title and m.count == 3
    assert m.snippet == "Northwind Logistics opened a hub."
    assert m.confidence == 1.0
    [a] = matcher.mentions("a10", None, "Apple said it would hire 100 engineers.")
    assert not a.in_title and a.confidence < 1.0 and a.matched == "Apple"
