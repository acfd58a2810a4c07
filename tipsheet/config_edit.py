"""Adding a company to config.yaml as the user wrote it: comments, order and quotes kept.

ruamel.yaml round-trips the file; the result is validated by the same strict model as
any config before it replaces the file (written beside, then renamed), so a failed edit
leaves the file as it was.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tipsheet.core.config import SLUG, parse_config
from tipsheet.core.errors import ConfigError
from tipsheet.core.urls import host_of


def _round_trip() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap the user's long lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _flow(mapping: dict) -> CommentedMap:
    out = CommentedMap(mapping)
    out.fa.set_flow_style()
    return out


def company_entry(name: str, site: str | None, feeds: list[str]) -> CommentedMap:
    entry = CommentedMap(name=name)
    host = host_of(site) if site else ""
    if host and not host.replace(".", "").isdigit() and "." in host:
        domains = CommentedSeq([host])
        domains.fa.set_flow_style()
        entry["domains"] = domains
    if feeds:
        entry["sources"] = CommentedSeq([_flow({"type": "feed", "url": url}) for url in feeds])
    return entry


def add_company(
    path: Path, key: str, name: str, site: str | None = None, feeds: list[str] = ()
) -> str:
    """Add `companies.<key>` to the config at `path`; returns the new text (also written)."""
    if not SLUG.match(key):
        raise ConfigError(f"KEY: not a slug (lowercase letters, digits, - and _): {key!r}")
    if not name.strip():
        raise ConfigError("--name: empty")
    y = _round_trip()
    try:
        data = y.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    companies = data.get("companies")
    if companies is None:
        companies = data["companies"] = CommentedMap()
    if key in companies:
        raise ConfigError(f"KEY: {path} already has a company {key!r}")
    companies[key] = company_entry(name.strip(), site, list(feeds))
    buffer = io.StringIO()
    y.dump(data, buffer)
    text = buffer.getvalue()
    try:
        parse_config(yaml.safe_load(text), path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: the company would make the config invalid: {exc}") from None
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return text
