from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipsheet.core.digest import (
    DigestItem,
    DigestPage,
    IndexRow,
    render_digest,
    render_index,
    suggested_message,
    why_it_matters,
)
from tipsheet.core.markdown import inline, link, safe_url
from tipsheet.core.records import Event

HOSTILE = [
    "](javascript:alert(1))",
    "<script>alert(1)</script>",
    "# Heading injected",
    "![img](https://evil.example/x.png)",
    "[click](https://evil.example)",
    "line one\n## line two",
    "| a | b |",
    "`code` and **bold**",
    "<img src=x onerror=alert(1)>",
]


def _item(title: str, url: str = "https://news.example/a", worth: bool = True) -> DigestItem:
    return DigestItem(
        item_id="abcd1234",
        article_id="abcd1234abcd1234",
        title=title,
        url=url,
        company_name="Contoso",
        relation="competitor",
        event_type="acquisition",
        published=date(2026, 11, 10),
        score=0.8,
        worth_call=worth,
        site_name="Freight Wire",
        coverage=3,
        why="Contoso is a competitor.",
        talking_point=title,
    )


def _page(items) -> DigestPage:
    return DigestPage(
        me="Alex Candidate",
        manager_id="dana-kim",
        manager_name="Dana Kim",
        manager_role="Senior Data Engineer",
        company_name="Northwind Logistics",
        as_of=date(2026, 11, 20),
        status_lines=["Next contact due: 2026-12-01."],
        items=items,
    )


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_cannot_inject_markdown_or_html(title):
    md = render_digest(_page([_item(title), _item(title, worth=False)]))
    assert not re.search(r"(?<!\\)<(script|img)", md)
    assert "](javascript:" not in md
    assert "![" not in md
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert all(re.match(r"^#{1,3} ", h) for h in headings)
    assert not any("Heading injected" in h and not h.startswith("### ") for h in headings)
    # The only link destinations are the ones we wrote.
    targets = re.findall(r"(?<!\\)\]\((\S*?)\)", md)
    assert set(targets) == {"<https://news.example/a>"}


def test_links_only_for_http_urls():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert link("x", "javascript:alert(1)") == "x"
    assert link("a", "https://x.example/a b)c") == "[a](<https://x.example/a%20b%29c>)"


@given(st.text())
def test_inline_text_stays_on_one_line_with_every_metacharacter_escaped(text):
    out = inline(text)
    assert "\n" not in out and not re.search(r"(?<!\\)<", out)
    assert not re.search(r"(?<!\\)[\[\]()`*_#|!]", out)


def test_digest_sections_and_item_fields():
    md = render_digest(_page([_item("Contoso buys Fabrikam"), _item("Other", worth=False)]))
    assert md.startswith("# Dana Kim, Northwind Logistics: 2026-11-20")
    for section in ("## Contact status", "## Worth a call (1)", "## Other items noted"):
        assert section in md
    assert "also covered by 2 sources" in md
    assert "Item `abcd1234`" in md
    assert "## Suggested message" in md


def test_suggested_message_asks_for_a_call_without_giving_the_news_away():
    items = [_item("Contoso buys Fabrikam for 2 billion")]
    msg = suggested_message("Alex Candidate", "Dana Kim", "Data Platform", "Northwind", items)
    assert msg.startswith("Hi Dana,") and "call" in msg and "Data Platform" in msg
    assert "competitors" in msg
    assert "Fabrikam" not in msg and "billion" not in msg and "Contoso" not in msg


def test_suggested_message_fits_the_top_item_and_the_contact_status():
    customer = _item("Greengage opens 40 stores")
    customer.relation = "customer"
    msg = suggested_message(
        "Alex Candidate", "Dana Kim", "Data Platform", "Northwind", [customer, _item("x")]
    )
    assert "customers" in msg and "competitors" not in msg
    assert "next week" in msg
    soon = suggested_message(
        "Alex Candidate", "Dana Kim", "Data Platform", "Northwind", [customer], too_soon=True
    )
    assert "week" not in soon and "When the timing suits you" in soon


def test_why_it_matters_names_what_happened_and_the_role():
    event = Event("a1", "funding", "Contoso raised $50 million from Harbor.")
    line = why_it_matters(
        "Dana Kim", "Senior Data Engineer", "Northwind", "Contoso", "competitor", event
    )
    assert line.startswith("Contoso, a competitor of Northwind: funding round ($50 million)")
    assert "Senior Data Engineer" in line
    deal = Event("a2", "partnership", "Greengage selects Northwind for chilled.")
    own = why_it_matters("Dana Kim", "Senior Data Engineer", "Northwind", "Northwind", "own", deal)
    assert own.startswith("Northwind: partnership") and "open doors for Northwind" not in own
    assert (
        why_it_matters(
            "Dana Kim", "Senior Data Engineer", "Northwind", "Contoso", "competitor", None
        )
        != line
    )


def test_index_sorted_by_due_date():
    rows = [
        IndexRow("b", "Bo", "B Co", date(2026, 12, 5), "due later", None, "b/x.md"),
        IndexRow("a", "Al", "A Co", date(2026, 11, 25), "due soon", "Big news", "a/x.md"),
    ]
    md = render_index(rows, date(2026, 11, 20))
    assert md.index("Al") < md.index("Bo")
    assert "nothing worth a call yet" in md
