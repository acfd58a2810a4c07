"""config.yaml validation: one-line errors that name the key path.

URLs here are data to parse, never fetched: tests/conftest.py refuses every socket but
loopback (127.0.0.1 and the rest of 127.0.0.0/8).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tipsheet.core.config import load_config, parse_config
from tipsheet.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

BASE = {
    "me": {"name": "Alex Candidate"},
    "managers": [
        {
            "id": "dana-kim",
            "name": "Dana Kim",
            "company": "northwind",
            "role": "Senior Data Engineer",
            "rejected_on": "2026-10-15",
        }
    ],
    "companies": {
        "northwind": {
            "name": "Northwind Logistics",
            "competitors": ["contoso"],
            "customers": ["tailspin"],
            "sources": [
                {"type": "feed", "url": "https://northwind.example/feed.xml"},
                {"type": "google_news"},
            ],
        },
        "contoso": {"name": "Contoso"},
        "tailspin": {"name": "Tailspin Toys"},
    },
}


def _with(path: tuple, value):
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(("managers", 0, "company"), "nope"), "managers[0].company: no company 'nope'"),
        (
            _with(("companies", "northwind", "competitors"), ["ghost"]),
            "companies.northwind.competitors[0]: no company 'ghost'",
        ),
        (_with(("managers", 0, "rejected_on"), "2026-02-30"), "managers[0].rejected_on:"),
        (
            _with(("companies", "northwind", "sources"), [{"type": "feed", "url": "ftp://x"}]),
            "companies.northwind.sources[0].url: not an http(s) URL",
        ),
        (_with(("managers", 0, "favourite"), "tea"), "managers[0].favourite: unknown key"),
        (_with(("settings",), {"timezone": "Mars/Base"}), "settings.timezone: unknown timezone"),
        (
            _with(("settings",), {"cadence_days": {"min": 40, "target": 30}}),
            "settings.cadence_days: min (40) is above target (30)",
        ),
        (_with(("managers", 0, "id"), "Dana Kim"), "managers[0].id: not a slug"),
        (
            _with(("companies", "northwind", "sources"), [{"type": "rss", "url": "https://x.y"}]),
            "companies.northwind.sources[0]",
        ),
    ],
)
def test_mistakes_name_the_key_path_in_one_line(data, message):
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    path = tmp_path / "sub" / "config.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(BASE))
    cfg = load_config(path)
    assert cfg.settings.database == path.parent / "data" / "tipsheet.duckdb"
    assert cfg.settings.digests_dir == path.parent / "digests"


def test_relations_and_sources():
    cfg = parse_config(BASE)
    manager = cfg.managers[0]
    assert cfg.relations(manager) == {
        "northwind": "own",
        "tailspin": "customer",
        "contoso": "competitor",
    }
    sources = cfg.sources()
    assert [s.type for s in sources] == ["feed", "google_news"]
    assert sources[1].url.startswith("https://news.google.com/rss/search?q=")
    assert "Northwind+Logistics" in sources[1].url
    assert len({s.id for s in sources}) == 2


def test_missing_file_and_bad_yaml_get_one_line(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("managers: [\n  - id: x\n  bad: : :\n")
    with pytest.raises(ConfigError) as exc:
        load_config(bad)
    assert str(bad) in str(exc.value) and "line" in str(exc.value)


def test_shipped_configs_validate():
    assert load_config(ROOT / "config.yaml").managers
    assert len(load_config(ROOT / "demo" / "config.yaml").managers) >= 3


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.dates().map(str)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(yaml_values)
def test_any_document_is_accepted_or_refused_with_config_error(doc):
    try:
        parse_config(doc)
    except ConfigError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["managers", "companies", "settings", "me"]), yaml_values)
def test_mutating_a_valid_config_never_crashes(key, value):
    data = copy.deepcopy(BASE)
    data[key] = value
    try:
        parse_config(data)
    except ConfigError as exc:
        assert "\n" not in str(exc)
