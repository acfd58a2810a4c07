"""Company matching's deterministic half: candidates by surface form and the signals read
around them. (The learned decision is tested in tests/test_models.py and measured on real
news, leave-company-out, in make eval.)"""

from __future__ import annotations

import re

import pytest

from tipsheet.core.config import Company
from tipsheet.core.matching import CompanyMatcher, _snippet, is_ambiguous

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


def found(matcher, text, title=None, source=None) -> dict[str, list]:
    return {c.company_id: c.occurrences for c in matcher.candidates(title, text, source)}


def signal(matcher, text, name="apple", key="acts", index=0) -> float:
    return found(matcher, text)[name][index].signals[key]


def test_ambiguity_is_detected_from_word_frequencies():
    assert is_ambiguous("Apple") and is_ambiguous("Delta") and is_ambiguous("The Gap")
    assert not is_ambiguous("Northwind") and not is_ambiguous("Delta Air Lines")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Shares of Apple (NASDAQ: AAPL) fell.", "ticker"),
        ("$AAPL rallied into the close.", "ticker"),
        ("Repair guides are on support.apple.com now.", "domain"),
        ("Apple Inc. named a new head of retail.", "name"),
    ],
)
def test_candidates_by_every_surface_form(matcher, text, kind):
    assert kind in {o.kind for o in found(matcher, text)["apple"]}


@pytest.mark.parametrize(
    "text",
    [
        "Guides at SUPPORT.APPLE.COM and apple.cOm; tracking at Northwind.Example.",
        # re.IGNORECASE matches the dotted and dotless capital and small i to "i": the
        # substring test that rules a domain out before its pattern runs must find them too.
        "Tracking at northw\u0131nd.example and NORTHW\u0130ND.EXAMPLE.",
    ],
)
def test_a_domain_is_found_in_any_case(matcher, text):
    key, domain = "northwind", "northwind.example"
    pattern = re.compile(rf"(?<![\w-])(?:[\w-]+\.)*{re.escape(domain)}(?![\w-]|\.\w)", re.I)
    expected = [m.span() for m in pattern.finditer(text)]
    got = [(o.start, o.end) for o in found(matcher, text)[key] if o.kind == "domain"]
    assert expected and got == expected


def test_case_boundaries_and_exclusions(matcher):
    assert "northwind" not in found(matcher, "A cold northwind swept the plains.")
    assert "northwind" not in found(matcher, "Northwindish weather")
    assert "delta" not in found(matcher, "Delta Faucet recalled 30,000 taps.")
    # the longest form wins an overlap: one occurrence, not two
    [occ] = found(matcher, "Delta Air Lines added flights.")["delta"]
    assert occ.form == "Delta Air Lines" and not occ.ambiguous


def test_own_source_and_lower_case_use_are_recorded(matcher):
    [cand] = matcher.candidates(None, "Delta welcomes you aboard.", "delta")
    assert cand.own_source
    [fruit] = matcher.candidates(None, "Apple growers said every apple was small.")
    assert fruit.lower_use


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Apple sold fewer laptops in Europe this spring.", "acts"),
        ("Apple on Tuesday unveiled a cheaper tablet.", "acts"),
        ("Apple rose 3% in early trading.", "acts"),
        ("Apple CEO Tim Cook met suppliers in Shenzhen.", "titled"),
        ("Apple, the iPhone maker, settled a patent case.", "described"),
        ("Runners lined up in the Big Apple on Sunday.", "glued_before"),
        ("Apple sauce is a good substitute for oil.", "compound"),
        ("Apple growers in the valley expect a poor harvest.", "sense"),
        ("Shares of Apple fell after the results.", "cue"),
    ],
)
def test_signals_read_the_context(matcher, text, key):
    assert signal(matcher, text, key=key) == 1.0


def test_a_company_form_after_the_name(matcher):
    assert signal(matcher, "Delta Corp. said so.", "delta", "form_after") == 1.0


def test_context_words_and_title_case(matcher):
    assert signal(matcher, "Delta is changing SkyMiles status rules.", "delta", "context") == 1.0
    [occ] = found(matcher, "Judges favour a flaky crust.", "Apple Pie Contest Returns")["apple"]
    assert occ.in_title and occ.signals["title_mode"] == 1.0


def test_a_snippet_is_the_sentence_of_its_occurrence_whole():
    text = "Intro.\nThe U.S. unit of Contoso Ltd. said: Contoso will  grow. Later, Contoso\nfell."
    starts = [i for i in range(len(text)) if text.startswith("Contoso", i)]
    got = [_snippet(text, s, s + len("Contoso")) for s in starts]
    assert got == [
        "The U.S. unit of Contoso Ltd. said: Contoso will grow.",
        "The U.S. unit of Contoso Ltd. said: Contoso will grow.",
        "Later, Contoso fell.",
    ]
