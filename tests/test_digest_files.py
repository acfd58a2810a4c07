"""What a night writes beside the markdown: HTML pages, index.html, contacts.ics."""

from __future__ import annotations

import re
from datetime import date

import pytest
from icalendar import Calendar

from tipsheet.core.config import load_config
from tipsheet.flows.digest import digest as digest_flow
from tipsheet.flows.digests import write_texts_atomic

pytestmark = pytest.mark.slow
DAY = "2026-11-20"


def test_every_markdown_digest_has_its_html_page_and_the_index_its_calendar(demo_output):
    out = demo_output[0]
    cfg = load_config(out / "config.yaml")
    digests = out / "digests"
    for m in cfg.managers:
        assert (digests / m.id / f"{DAY}.md").is_file()
        assert (digests / m.id / f"{DAY}.html").is_file()
    assert (digests / "index.html").is_file()
    cal = Calendar.from_ical((digests / "contacts.ics").read_text())
    uids = sorted(str(e["uid"]) for e in cal.walk("VEVENT"))
    assert uids == sorted(f"{m.id}@tipsheet" for m in cfg.managers)


def test_next_day_marks_only_what_is_new_since_the_previous_digest(demo_copy):
    cfg = str(demo_copy / "config.yaml")
    ics_before = (demo_copy / "digests" / "contacts.ics").read_text()
    digest_flow(config_path=cfg, as_of=date(2026, 11, 21))
    html = (demo_copy / "digests" / "dana-kim" / "2026-11-21.html").read_text()
    assert "new since the previous digest (2026-11-20)" in html
    # The same stored articles as the night before: nothing listed is new.
    assert re.search(r'class="item new"', html) is None
    assert re.search(r'class="item"', html)
    assert "0 of the items below are new" in html
    ics_after = (demo_copy / "digests" / "contacts.ics").read_text()
    assert ics_after != ics_before and "DTSTAMP:20261121T000000Z" in ics_after


def test_markdown_and_html_are_written_together_or_not_at_all(tmp_path):
    md, html = tmp_path / "d" / "x.md", tmp_path / "d" / "x.html"
    write_texts_atomic({md: "old md", html: "old html"})
    (tmp_path / "d" / ".x.html.tmp").mkdir()  # the HTML cannot be staged
    with pytest.raises(OSError):
        write_texts_atomic({md: "new md", html: "new html"})
    assert md.read_text() == "old md" and html.read_text() == "old html"
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [".x.html.tmp", "x.html", "x.md"]
