"""The HTML digest, the HTML index, the trend charts and contacts.ics (pure rendering)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from tipsheet.core.digest import DigestItem, DigestPage, IndexRow
from tipsheet.core.html_digest import new_since, render_digest_html, render_index_html
from tipsheet.core.records import Candidate
from tipsheet.core.reminders import Reminder, render_ics
from tipsheet.core.signals import Signal
from tipsheet.core.trends import Trend, trend_svg, trends_for, week_starts, weekly

AS_OF = date(2026, 11, 20)
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</style><style>body{display:none}</style>",
    "<a href='https://evil.example'>click</a>",
    "& &amp; &lt;",
]


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def item(n: int, title: str = "Contoso buys Fabrikam", url: str = "https://news.example/a"):
    return DigestItem(
        item_id=f"{n:08x}",
        article_id=f"{n:08x}" * 2,
        title=title,
        url=url,
        company_name="Contoso",
        relation="competitor",
        event_type="acquisition",
        published=date(2026, 11, 10),
        score=1.0 - n / 100,
        worth_call=n < 3,
        site_name="Freight Wire",
        coverage=2,
        why="Contoso is a competitor.",
        talking_point=title if n < 3 else "",
    )


def candidate(article_id: str, story_id: str | None) -> Candidate:
    at = datetime(2026, 11, 10, tzinfo=UTC)
    return Candidate(
        article_id, "https://news.example/a", "Contoso buys Fabrikam", None, at, None, at,
        None, "en", "page", story_id, 1, "contoso", 1, True,
    )  # fmt: skip


def page(items, signals=()) -> DigestPage:
    return DigestPage(
        me="Alex Candidate",
        manager_id="dana-kim",
        manager_name="Dana Kim",
        manager_role="Senior Data Engineer",
        company_name="Northwind Logistics",
        as_of=AS_OF,
        status_lines=["Next contact due: 2026-11-18.", "**Too soon to call**: wait."],
        signals=list(signals),
        items=items,
        failing_sources=[("https://broken.example/feed", 3, "HTTP 500")],
    )


def html_of(p: DigestPage, **kw) -> str:
    args = {"new_items": set(), "old_signals": set(), "previous": None, "trends": []}
    return render_digest_html(p, **{**args, **kw})


def test_page_has_its_sections_and_is_self_contained():
    html = html_of(page([item(1), item(2), item(5)]))
    ids = {a.get("id") for _, a in tags(html)}
    assert {"status", "worth", "other", "message", "failing", "new-since"} <= ids
    assert "<strong>Too soon to call</strong>" in html
    # No script and nothing loaded from anywhere: no src, no stylesheet link.
    names = [t for t, _ in tags(html)]
    assert "script" not in names and "img" not in names and "iframe" not in names
    assert not any("src" in a for _, a in tags(html))
    assert not any(t == "link" for t in names)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "This is the first digest" in html


@given(st.sampled_from(HOSTILE), st.sampled_from(HOSTILE))
def test_text_from_the_web_cannot_open_a_tag(title, other):
    hostile = replace(item(1, title, "javascript:alert(1)"), why=other, site_name=other)
    signal = Signal("role_reposted", 1.0, title, AS_OF, "javascript:x", other)
    html = html_of(page([hostile, replace(item(7, other), company_name=title)], [signal]))
    found = tags(html)
    assert [t for t, _ in found if t in ("script", "img", "svg", "iframe", "style")] == ["style"]
    for _, attrs in found:
        assert not any(k.startswith("on") for k in attrs)
        href = attrs.get("href")
        assert href is None or href.startswith(("https://", "../", "20")), href


def test_new_items_and_signals_are_marked():
    items = [item(1), item(2), item(5)]
    old = Signal("role_reposted", 1.0, "Senior Data Engineer", AS_OF, None, "")
    new = Signal("hire_moved", 0.9, "Sam Doe leaves", AS_OF, None, "")
    html = html_of(
        page(items, [old, new]),
        new_items={items[1].article_id, items[2].article_id},
        old_signals={("role_reposted", "Senior Data Engineer")},
        previous=date(2026, 11, 13),
    )
    new_articles = re.findall(r'<article class="item new" id="item-(\w+)"', html)
    assert new_articles == [items[1].item_id]
    assert re.search(r'<article class="item" id="item-' + items[0].item_id, html)
    assert "2 of the items below are new since the previous digest (2026-11-13)" in html
    signal_lines = re.findall(r"<li><strong>(.+?)</strong>.*?</li>", html.split('id="signals"')[1])
    assert signal_lines[:2] == ["role reposted", "hire moved"]
    section = html.split('id="signals"')[1].split("</section>")[0]
    assert section.count('class="badge"') == 1 and "Sam Doe leaves" in section.split("badge")[0]


def test_an_item_is_new_when_no_earlier_digest_listed_its_story():
    items = [item(1), item(2), item(3)]
    candidates = [
        candidate(items[0].article_id, "s1"),
        candidate(items[1].article_id, "s2"),
        candidate("other-of-s1", "s1"),
        candidate(items[2].article_id, None),
    ]
    # s1 was shown through another of its articles; the third was listed itself.
    listed = {"other-of-s1": 1, items[2].article_id: 2, "gone-from-the-window": 1}
    assert new_since(items, candidates, listed) == {items[1].article_id}


def test_index_lists_who_is_due_first_with_links_to_the_pages():
    rows = [
        IndexRow("b", "Bo", "Beta", AS_OF + timedelta(days=9), "Too soon", None, "b/d.md"),
        IndexRow("a", "<Al>", "Alpha", AS_OF - timedelta(days=2), "Overdue", "News", "a/d.md"),
    ]
    html = render_index_html(rows, AS_OF)
    hrefs = [a["href"] for t, a in tags(html) if t == "a"]
    assert hrefs[:2] == ["a/d.html", "b/d.html"]
    assert "&lt;Al&gt;" in html
    assert re.search(r'<tr class="due" id="manager-a">', html)
    assert re.search(r'<tr class="later" id="manager-b">', html)
    assert "contacts.ics" in hrefs


def test_weeks_end_on_the_day_and_cover_ninety_days():
    starts = week_starts(AS_OF)
    assert len(starts) == 13 and starts[-1] + timedelta(days=6) == AS_OF
    assert (AS_OF - starts[0]).days == 90
    daily = {AS_OF: (2, 1), AS_OF - timedelta(days=6): (1, 0), starts[0]: (3, 2)}
    daily[starts[0] - timedelta(days=1)] = (50, 50)  # before the window: dropped
    weeks = weekly(daily, AS_OF)
    assert [(w.articles, w.events) for w in weeks][0] == (3, 2)
    assert (weeks[-1].articles, weeks[-1].events) == (3, 1)
    assert sum(w.articles for w in weeks) == 6


def test_trend_chart_draws_one_bar_per_week_scaled_to_the_busiest():
    weeks = weekly({AS_OF: (4, 2), AS_OF - timedelta(days=14): (2, 0)}, AS_OF)
    svg = trend_svg(Trend("c", 'Contoso "<b>"', "competitor", weeks))
    assert svg.count("<g>") == 13
    assert re.findall(r'height="(\d+)" class="articles"', svg) == ["24", "48"]
    assert re.findall(r'height="(\d+)" class="events"', svg) == ["24"]
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "6 articles and 2 events" in svg


def test_trends_list_the_own_company_then_competitors_then_customers():
    relations = {"own": "own", "z": "customer", "a": "competitor"}
    names = {"own": "Northwind", "z": "Zeta", "a": "Alpha"}
    trends = trends_for(relations, names, {}, AS_OF)
    assert [t.company_id for t in trends] == ["own", "a", "z"]
    assert all(t.articles == 0 for t in trends)


def test_contacts_ics_has_one_event_per_manager_on_the_due_day():
    reminders = [
        Reminder(
            "dana-kim",
            "Dana Kim",
            "Northwind",
            AS_OF - timedelta(days=2),
            "Overdue.",
            "Contoso, buys; Fabrikam",
            "dana-kim/2026-11-20.html",
        ),
        Reminder(
            "priya",
            "Priya Raman",
            "Fennimore",
            AS_OF + timedelta(days=19),
            "Too soon.",
            None,
            "priya/2026-11-20.html",
        ),
    ]
    text = render_ics(reminders, AS_OF)
    assert text == render_ics(list(reversed(reminders)), AS_OF)  # a rerun writes the same bytes
    cal = Calendar.from_ical(text)
    events = cal.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["dana-kim@tipsheet", "priya@tipsheet"]
    # Overdue: today, not a past day; the other on its due day; all-day events.
    assert [e.decoded("dtstart") for e in events] == [AS_OF, AS_OF + timedelta(days=19)]
    assert events[0].decoded("dtend") == AS_OF + timedelta(days=1)
    assert str(events[0]["summary"]) == "Call Dana Kim (Northwind)"
    assert "Best item: Contoso, buys; Fabrikam" in str(events[0]["description"])
    assert "tipsheet contacted priya --item ID" in str(events[1]["description"])
    assert all(len(line) <= 75 for line in text.splitlines())
