"""`tipsheet doctor` and `tipsheet add-company` against real local servers."""

from __future__ import annotations

import difflib
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipsheet.cli import app
from tipsheet.core.config import load_config
from tipsheet.demo.localweb import LocalServer, Response

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>Quill raises money</title><link>http://example.test/a</link></item>
</channel></rss>"""
HTML_WITH_FEED = (
    b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    b'</head><body><a href="/news/2026/a-story.html">A story</a></body></html>'
)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
runner = CliRunner()


def routes() -> dict:
    return {
        "/robots.txt": Response(ROBOTS, headers={"Content-Type": "text/plain"}),
        "/feed.xml": Response(RSS, headers={"Content-Type": "application/rss+xml"}),
        "/old-feed": Response(b"", 301, {"Location": "/feed.xml"}),
        "/home": Response(HTML_WITH_FEED, headers={"Content-Type": "text/html"}),
        "/private/feed.xml": Response(RSS, headers={"Content-Type": "application/rss+xml"}),
    }


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, srv: LocalServer, extra: str = "") -> Path:
    dead = f"http://127.0.0.1:{closed_port()}/feed.xml"
    text = f"""# My tipsheet: comments must survive add-company.
me: {{name: Alex}}   # that is me
managers:
  - id: ana                       # the manager
    name: Ana Ruiz
    company: quill
    role: Engineer
    rejected_on: 2026-10-01
companies:
  quill:
    name: Quill                   # her company
    competitors: [inkwell]
    sources:
      - {{type: feed, url: "{srv.url("/feed.xml")}"}}
      - {{type: feed, url: "{srv.url("/old-feed")}"}}
      - {{type: feed, url: "{srv.url("/home")}"}}
      - {{type: feed, url: "{srv.url("/private/feed.xml")}"}}
      - {{type: feed, url: "{dead}"}}
  inkwell: {{name: Inkwell}}
{extra}settings:
  database: data/tipsheet.duckdb
  fetch: {{allow_private_hosts: true, delay_s: 0, timeout_s: 2, connect_timeout_s: 1}}
"""
    path = folder / "config.yaml"
    path.write_text(text)
    return path


def test_doctor_says_per_source_what_is_wrong_and_stores_nothing(tmp_path):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
        result = runner.invoke(app, ["doctor", "--config", str(cfg)])
        hits = dict(srv.hits)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()

    def line(fragment: str) -> str:
        return next(x for x in lines if fragment in x)

    assert line("/feed.xml: 1 entries").startswith("ok ")
    assert line("/old-feed").startswith("redirected ")
    assert f"fix: change the url to {srv.url('/feed.xml')}" in result.stdout
    assert line("/home").startswith("not a feed ")
    assert f"fix: use the feed the page declares: {srv.url('/feed.xml')}" in result.stdout
    assert line("/private/feed.xml").startswith("robots refuses ")
    assert sum(x.startswith("unreachable ") for x in lines) == 1
    assert "managers[ana]: no source of its own for inkwell" in result.stdout
    assert "no database yet" in result.stdout
    assert result.stdout.rstrip().endswith("3 problems to fix, 2 to look at.")
    # One request per source besides robots.txt, read once; the redirect's target once more.
    assert hits == {"/robots.txt": 1, "/feed.xml": 2, "/old-feed": 1, "/home": 1}
    assert not (tmp_path / "data").exists()  # no database created


def test_doctor_reads_an_existing_database_without_changing_it(tmp_path):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
        (tmp_path / "data").mkdir()
        from tipsheet.storage import db

        con = db.connect(tmp_path / "data" / "tipsheet.duckdb")
        con.close()
        before = (tmp_path / "data" / "tipsheet.duckdb").read_bytes()
        result = runner.invoke(app, ["doctor", "--config", str(cfg)])
    assert "schema " in result.stdout and "0 articles; no run recorded yet" in result.stdout
    assert (tmp_path / "data" / "tipsheet.duckdb").read_bytes() == before


def test_doctor_on_a_bad_config_exits_2_with_one_line(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("me: {name: Alex}\nmanagers: []\n")
    result = runner.invoke(app, ["doctor", "--config", str(cfg)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_add_company_keeps_comments_and_order_and_adds_found_feeds(tmp_path):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
        before = cfg.read_text()
        result = runner.invoke(
            app,
            [
                "add-company", "contoso", "--name", "Contoso Ltd",
                "--site", srv.url("/home"), "--add-feeds", "--config", str(cfg),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Feeds found at {srv.url('/home')}: 1" in result.stdout
    assert f"  {srv.url('/feed.xml')}" in result.stdout
    after = cfg.read_text()
    # Every line of the old file is still there, in order, comments included; the new
    # company comes last under companies.
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert [x for x in diff if x.startswith("- ")] == []
    added = [x[2:] for x in diff if x.startswith("+ ")]
    assert added == [
        "  contoso:",
        "    name: Contoso Ltd",
        "    sources:",
        f"      - {{type: feed, url: {srv.url('/feed.xml')}}}",
    ]
    loaded = load_config(cfg)
    assert list(loaded.companies) == ["quill", "inkwell", "contoso"]
    assert [s.url for s in loaded.sources() if s.company_id == "contoso"] == [srv.url("/feed.xml")]


def test_add_company_without_site_adds_a_name_and_a_domain_less_entry(tmp_path):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
    result = runner.invoke(app, ["add-company", "fabrikam", "--name", "Fabrikam", "-c", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "  fabrikam:\n    name: Fabrikam\n" in cfg.read_text()
    assert load_config(cfg).companies["fabrikam"].name == "Fabrikam"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quill", "--name", "Again"], "already has a company 'quill'"),
        (["Not A Slug", "--name", "X"], "KEY: not a slug"),
        (["x", "--name", "X", "--add-feeds"], "--add-feeds: needs --site"),
        (["x", "--name", "X", "--site", "ftp://x.example/"], "--site: not an http(s) URL"),
    ],
)
def test_add_company_refuses_bad_arguments_and_leaves_the_file(tmp_path, args, message):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
    before = cfg.read_text()
    result = runner.invoke(app, ["add-company", *args, "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cfg.read_text() == before


def test_a_site_that_is_down_adds_nothing(tmp_path):
    with LocalServer(routes()) as srv:
        cfg = write_config(tmp_path, srv)
    before = cfg.read_text()
    site = f"http://127.0.0.1:{closed_port()}/"
    result = runner.invoke(app, ["add-company", "x", "--name", "X", "--site", site, "-c", str(cfg)])
    assert result.exit_code == 1 and "--site:" in result.stderr
    assert cfg.read_text() == before
