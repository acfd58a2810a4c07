"""`tipsheet doctor`: is this setup ready for a night, and if not, what to fix.

It reads the config, opens the database read-only (creating nothing) and fetches each
source once. No article is fetched or stored, and no Prefect run is made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tipsheet.connectors.probe import SourceCheck, check_sources
from tipsheet.core.config import Config
from tipsheet.core.errors import DatabaseBusy, StorageError
from tipsheet.storage import db
from tipsheet.storage.lock import run_in_progress


@dataclass(frozen=True)
class Finding:
    subject: str  # what was checked: "config", "database", "digests", a source's URL
    verdict: str  # ok | warning | a source verdict (see connectors/probe.py) | error
    detail: str
    fix: str | None = None
    failed: bool = False


def check_config(cfg: Config, path: Path) -> list[Finding]:
    sources = cfg.sources()
    out = [
        Finding(
            str(path),
            "ok",
            f"{len(cfg.managers)} managers, {len(cfg.companies)} companies, {len(sources)} sources",
        )
    ]
    fed = {s.company_id for s in sources}
    if cfg.industry_sources:  # industry feeds are matched against every company
        return out
    for manager in cfg.managers:
        unread = [c for c in cfg.relations(manager) if c not in fed]
        if unread:
            out.append(
                Finding(
                    f"managers[{manager.id}]",
                    "warning",
                    "no source of its own for " + ", ".join(sorted(unread)),
                    "add one: tipsheet add-company KEY --name NAME --site URL --add-feeds, "
                    "or add sources under companies.KEY.sources",
                )
            )
    return out


def check_digests_dir(cfg: Config) -> Finding:
    folder = Path(cfg.settings.digests_dir)
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if os.access(probe, os.W_OK | os.X_OK):
        return Finding(str(folder), "ok", "digests can be written here")
    return Finding(
        str(folder),
        "error",
        f"{probe} is not writable",
        "set settings.digests_dir to a folder you can write",
        failed=True,
    )


def check_database(cfg: Config) -> Finding:
    path = Path(cfg.settings.database)
    if not path.exists():
        return Finding(str(path), "ok", "no database yet: the first `tipsheet run` creates it")
    if run_in_progress(path):
        return Finding(str(path), "warning", "a run is in progress; checked nothing else")
    try:
        con = db.connect_read_only(path, wait_s=5, external_access=False)
    except DatabaseBusy as exc:
        return Finding(str(path), "warning", str(exc), "try again when the other process ends")
    except StorageError as exc:
        return Finding(
            str(path), "error", str(exc), "move the file aside to start over", failed=True
        )
    try:
        version = db.check_version(con, path)
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        last = con.execute(
            "SELECT as_of, status, error FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    pending = db.latest_version() - version
    detail = f"schema {version}, {articles} articles"
    if pending:
        detail += f"; the next run applies {pending} migration{'s' * (pending > 1)}"
    if last is None:
        return Finding(str(path), "ok", detail + "; no run recorded yet")
    as_of, status, error = last
    if status == "failed":
        return Finding(
            str(path),
            "warning",
            f"{detail}; the last run ({as_of}) failed: {error}",
            "run `tipsheet run` again; a failed night is completed by the next",
        )
    return Finding(str(path), "ok", f"{detail}; last run {as_of}: {status}")


def source_finding(check: SourceCheck) -> Finding:
    company = check.source.company_id or "(industry)"
    return Finding(
        f"{company} {check.source.type} {check.url}",
        check.verdict,
        check.detail,
        check.fix,
        failed=check.failed,
    )


def diagnose(cfg: Config, path: Path) -> list[Finding]:
    findings = check_config(cfg, path)
    findings.append(check_database(cfg))
    findings.append(check_digests_dir(cfg))
    findings += [source_finding(c) for c in check_sources(cfg.sources(), cfg.settings.fetch)]
    return findings


def report_lines(findings: list[Finding]) -> list[str]:
    """One line per check, a `fix:` line under each that needs one, and a last word."""
    width = max(len(f.verdict) for f in findings)
    lines = []
    for f in findings:
        lines.append(f"{f.verdict:<{width}}  {f.subject}: {f.detail}")
        if f.fix and f.verdict != "ok":
            lines.append(f"{'':<{width}}  fix: {f.fix}")
    failed = sum(f.failed for f in findings)
    warned = sum(not f.failed and f.verdict != "ok" for f in findings)
    if failed:
        lines.append(f"{failed} problem{'s' * (failed > 1)} to fix, {warned} to look at.")
    elif warned:
        lines.append(f"Ready for a night; {warned} thing{'s' * (warned > 1)} to look at.")
    else:
        lines.append("Ready for a night: every check passed.")
    return lines
