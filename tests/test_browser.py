"""The HTML digests in a real headless Chromium: they load cleanly, offline, from disk.

Screenshots go under pytest's tmp path; each path is printed (see it with `pytest -s`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.browser import Browser, chromium_path
from tests.test_html_digest import html_of, item, page
from tipsheet.core.config import load_config

pytestmark = pytest.mark.slow
DAY = "2026-11-20"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(chromium_path(), tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _shot(browser: Browser, path: Path) -> None:
    browser.screenshot(path)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    print(f"screenshot: {path}")


def test_the_harness_sees_console_errors(browser, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nope();</script>")
    browser.open(bad)
    errors = browser.errors()
    assert any("boom" in e for e in errors) and len(errors) >= 2, errors


def test_index_loads_and_lists_who_is_due_first(demo_output, browser, tmp_path):
    digests = demo_output[0] / "digests"
    browser.open(digests / "index.html")
    assert browser.errors() == []
    rows = browser.evaluate(
        "[...document.querySelectorAll('#managers tbody tr')].map(r => ["
        "r.querySelector('a').getAttribute('href'), r.cells[2].textContent])"
    )
    cfg = load_config(demo_output[0] / "config.yaml")
    assert sorted(href for href, _ in rows) == sorted(f"{m.id}/{DAY}.html" for m in cfg.managers)
    due = [text.split()[0] for _, text in rows]
    assert due == sorted(due)
    for href, _ in rows:
        assert (digests / href).is_file()
    _shot(browser, tmp_path / "index.png")


def test_each_digest_loads_with_its_sections_links_and_charts(demo_output, browser, tmp_path):
    out = demo_output[0]
    cfg = load_config(out / "config.yaml")
    for manager in cfg.managers:
        path = out / "digests" / manager.id / f"{DAY}.html"
        browser.open(path)
        assert browser.errors() == [], manager.id
        assert browser.evaluate("document.title").startswith(manager.name)
        sections = browser.evaluate("[...document.querySelectorAll('section')].map(s => s.id)")
        assert {"status", "trends", "worth", "message"} <= set(sections), sections
        items = browser.evaluate("document.querySelectorAll('#worth article').length")
        assert items >= 3
        # The first digest of the demo: everything is new.
        assert browser.evaluate("document.querySelectorAll('#worth article.new').length") == items
        charts = browser.evaluate("document.querySelectorAll('#trends svg').length")
        assert charts == len(cfg.relations(manager))
        bars = browser.evaluate("document.querySelectorAll('#trends rect.articles').length")
        assert bars > 0
        hrefs = browser.evaluate(
            "[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"
        )
        local = [h for h in hrefs if not h.startswith(("http://", "https://"))]
        assert local and all((path.parent / h).resolve().is_file() for h in local), local
        external = [h for h in hrefs if h.startswith("http")]
        assert len(external) >= items
        # Nothing is fetched from anywhere: every resource is the page itself.
        loaded = browser.evaluate("performance.getEntriesByType('resource').length")
        assert loaded == 0
        _shot(browser, tmp_path / f"{manager.id}.png")


def test_hostile_titles_stay_text_in_the_browser(browser, tmp_path):
    hostile = (
        '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>'
    )
    html = html_of(page([item(1, hostile), item(6, hostile)]), previous=date(2026, 11, 13))
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")
    browser.open(path)
    assert browser.errors() == []
    assert browser.evaluate("document.title") != "owned"
    assert browser.evaluate("document.querySelectorAll('img, script').length") == 0
    heading = browser.evaluate("document.querySelector('#worth h3').textContent")
    assert "<img src=x" in heading
