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


@pytest.mark.parametrize(
    "text",
    [
        "Apple sold fewer laptops in Europe this spring.",  # an organisation verb
        "Apple on Tuesday unveiled a cheaper tablet.",  # ... after a time adverbial
        "Apple rose 3% in early trading.",  # a price move with a figure
        "Apple CEO Tim Cook met suppliers in Shenzhen.",  # its executives
        "Apple, the iPhone maker, settled a patent case.",  # an appositive
        "Apple's AI team lost two researchers.",  # a possessive before an acronym
    ],
)
def test_general_evidence_for_a_sentence_initial_name(matcher, text):
    assert ids(matcher, text) == ["apple"]


@pytest.mark.parametrize(
    "text",
    [
        "Apple sauce is a good substitute for oil.",  # open compound ("applesauce")
        "Apple pie sold out at the bakery by noon.",  # noun compound, no verb of its own
        "Apple harvest opened early, growers said.",
        "Delta variant infections rose again, officials said.",
        "Delta opened wider as silt built up at the river mouth.",  # sense words veto
    ],
)
def test_ordinary_senses_stay_out(matcher, text):
    assert ids(matcher, text) == []


def test_headlines_in_title_case(matcher):
    # heading the headline with an organisation verb
    assert ids(matcher, "Terms were not disclosed.", "Apple Buys Music Startup") == ["apple"]
    # not heading it: "Gender Gap Closes", here "Candy Apple Sells Out"
    assert ids(matcher, "Stalls ran out by noon.", "Candy Apple Sells Out") == []
    # the lede refers back to a company and never uses the word in lower case
    assert ids(matcher, "The company said so.", "Apple Eyes India Growth") == ["apple"]
    assert ids(matcher, "Pick an apple at the company farm.", "Apple Eyes India Growth") == []
    # a mostly title-case headline with lower-case words still shows a longer name
    assert ids(matcher, "The plumbing maker recalled taps.", "Delta Faucet taps recall") == []
