"""Event classification by rules, with evidence and the company it is about."""

from __future__ import annotations

import pytest

from tipsheet.events import classify, sentences
from tipsheet.records import Mention


def types(title, text):
    return sorted(e.event_type for e in classify(title, text))


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


def test_evidence_and_company():
    mentions = [
        Mention("a1", "fabrikam", 2, True, "", "Fabrikam"),
        Mention("a1", "contoso", 1, False, "", "Contoso"),
    ]
    text = "Markets were calm. Fabrikam agreed to acquire a Contoso unit for $90 million."
    [ev] = classify(None, text, mentions, "a1")
    assert ev.event_type == "acquisition" and ev.company_id == "fabrikam"
    assert ev.evidence.startswith("Fabrikam agreed") and ev.article_id == "a1"


def test_sentences_split():
    assert sentences("One. Two! Three? U.S. four") == ["One.", "Two!", "Three?", "U.S. four"]
