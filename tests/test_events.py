"""The hand-written event cues: features of the learned event model (core/event_cues.py).

The learned decision is tested in tests/test_models.py and measured on real news in
make eval; these tests pin what each cue means, so a change to one is deliberate.
"""

from __future__ import annotations

import pytest

from tipsheet.core.event_cues import genre, paragraphs, sentences, triggers
from tipsheet.core.records import EVENT_TYPES


def types(title, text):
    units = ([title] if title else []) + sentences(text)
    return sorted(t for t in EVENT_TYPES if any(triggers(u, t) for u in units))


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Contoso raises $50 million Series C", "The round was led by Harbor.", ["funding"]),
        (None, "Fabrikam agreed to buy the analytics unit for $200 million.", ["acquisition"]),
        (None, "Northwind signed a multi-year agreement with Tailspin Toys.", ["partnership"]),
        (None, "Apple unveiled a new iPhone with a faster chip.", ["product_launch"]),
        (None, "Contoso appointed Maria Lopez as chief executive officer.", ["leadership_change"]),
        (None, "Contoso will lay off about 500 employees.", ["layoffs"]),
        (None, "Contoso reported third-quarter revenue of $1.2 billion, up 14%.", ["earnings"]),
        (None, "Northwind opened a new distribution center in Rotterdam.", ["expansion"]),
        (None, "A class-action lawsuit accuses Contoso of losing data.", ["legal_regulatory"]),
    ],
)
def test_each_event_type(title, text, expected):
    assert types(title, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The Rangers acquired a veteran pitcher at the trade deadline.",
        "The club confirmed it has acquired the striker on a four-year contract.",
        "Customer acquisition costs are rising for consumer brands.",
        "Volunteers raised $5,000 at a bake sale for the library.",
        "The club sacked its head coach and named an interim manager for the rest of the season.",
        "NASA launched a weather satellite on Saturday.",
    ],
)
def test_not_business_events(text):
    assert types(None, text) == []


def test_sentences_split():
    assert sentences("One. Two! Three? U.S. four") == ["One.", "Two!", "Three?", "U.S. four"]


@pytest.mark.parametrize(
    "text",
    [
        "The appointment comes a week after the company announced 200 job cuts.",
        "Ruiz joined the group in 2016 and led the acquisition of two rivals.",
        "Shares fell, days after the retailer agreed to buy a rival for $50 million.",
    ],
)
def test_background_clauses_state_no_event(text):
    assert types(None, text) == []


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Review: the Contoso Air headphones", "Great sound, weak battery. Four stars."),
        (
            "Harbour 2–1 Rovers: late goal settles derby",
            "The visitors made three changes at half-time, and the fans went home happy.",
        ),
        (
            "Spotted: a tycoon's party on a superyacht",
            "Guests drank champagne before a celebrity DJ took over the deck.",
        ),
        (None, "The verdict: tasty, but pricey. Worth buying if you can find them on sale."),
    ],
)
def test_soft_genres_are_recognised(title, text):
    assert genre(title, paragraphs(text)) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The new manager took over the team in June.", []),
        ("The successor takes over from the interim boss in January.", []),
        ("Shoppers can buy Contoso's robots from its website.", []),
        ("From April drivers will be charged £3 an hour to park.", []),
        ('"We are proud," said interim chief executive Jo Marsh.', []),
        ("Copperline will take over Ridge Street Ales for $25 million.", ["acquisition"]),
        ("A federal judge ruled that the patent was infringed.", ["legal_regulatory"]),
        (
            "The company was fined 110 million euros by the European Commission.",
            ["legal_regulatory"],
        ),
    ],
)
def test_weak_triggers_need_a_business_object(text, expected):
    assert types(None, text) == expected


def test_wire_copy_is_unwrapped_and_its_results_table_read():
    body = (
        "Allied Widgets Inc said it\ncompleted the previously announced sale of its\n"
        "packaging unit to a group of investors.\n    The price was not disclosed.\n"
    )
    assert [s[:22] for s in sentences(body)] == ["Allied Widgets Inc sai", "The price was not disc"]
    assert types("ALLIED WIDGETS COMPLETES UNIT SALE", body) == ["acquisition"]
    table = "Shr profit 12 cts vs loss 1.15 dlrs\n    Net profit 300,286 vs loss 2,855,887\n"
    assert "earnings" in types("ACME CORP 4TH QTR NET", table)


def test_abbreviations_do_not_end_sentences():
    assert sentences("The U.S. Department of Justice sued. Next.") == [
        "The U.S. Department of Justice sued.",
        "Next.",
    ]


def test_an_event_needs_both_its_any_development_and_its_type_probability():
    import numpy as np

    from tipsheet.core.event_model import CLASSES
    from tipsheet.core.events import main_event

    def row(**p):
        return np.array([p.get(c, 0.0) for c in CLASSES])

    split = row(none=0.1, acquisition=0.5, partnership=0.4)  # sure of a deal, not which kind
    assert main_event(split, 0.85, 0.6) is None  # the type named would too often be wrong
    assert main_event(split, 0.85, 0.5) == ("acquisition", 0.5)
    unsure = row(none=0.3, earnings=0.7)  # a clear type, but maybe no development at all
    assert main_event(unsure, 0.85, 0.6) is None
    assert main_event(unsure, 0.7, 0.6) == ("earnings", 0.7)
