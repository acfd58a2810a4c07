"""The `tipsheet` command: parses arguments and calls flows and storage, nothing more.

Exit codes: 0 done (even when some sources failed: they are recorded and shown),
2 bad config or arguments, 1 anything that stopped the run.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

# Nothing leaves the machine but requests to the user's own sources, unless the user
# turns Prefect's telemetry on themselves. Set before Prefect is imported.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tipsheet.config import Config, load_config  # noqa: E402
from tipsheet.errors import (  # noqa: E402
    ConfigError,
    DatabaseBusy,
    QueryRefused,
    StorageError,
    TipsheetError,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Researched news for the hiring managers who almost hired you.",
)
out = Console()
err = Console(stderr=True)

ConfigOpt = typer.Option(Path("config.yaml"), "--config", "-c", help="Path to config.yaml.")


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _config(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{name}: not a date (YYYY-MM-DD): {value!r}", 2) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _print_summary(summary: dict) -> None:
    out.print(
        f"Sources: {summary.get('sources_fetched', 0)} fetched, "
        f"{summary.get('sources_unchanged', 0)} unchanged, "
        f"{summary.get('sources_failed', 0)} failed. "
        f"New articles: {summary.get('new_articles', 0)}.",
        highlight=False,
    )
    digests = summary.get("digests", [])
    out.print(f"Digests written ({len(digests)}):", highlight=False)
    for path in digests:
        out.print(f"  {path}", highlight=False, soft_wrap=True)


def _run_flow(cfg_path: Path, as_of: date | None) -> dict:
    from flows.nightly import nightly

    with out.status("Running the nightly flow (fetch, extract, analyse, digest)..."):
        return nightly(config_path=str(cfg_path), as_of=as_of)


@app.command()
def run(
    config: Path = ConfigOpt,
    as_of: str = typer.Option(None, "--as-of", help="Run as if today were this date."),
):
    """Run the nightly flow once, now."""
    _config(config)
    day = _date(as_of, "--as-of")
    try:
        summary = _run_flow(config, day)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    except TipsheetError as exc:
        raise _fail(str(exc), 1) from None
    except Exception as exc:  # the run stopped: say why in one line, the log has the rest
        raise _fail(f"the run stopped: {type(exc).__name__}: {_first_line(exc)}", 1) from None
    _print_summary(summary)


@app.command()
def demo(
    fresh: bool = typer.Option(False, "--fresh", help="Start over: delete demo-output/ first."),
    output: Path = typer.Option(Path("demo-output"), "--output", help="Where the demo writes."),
):
    """Run the real nightly flow offline against the bundled fictional demo web."""
    from demo.runner import run_demo

    try:
        summary = run_demo(output, fresh=fresh, status=out.status)
    except TipsheetError as exc:
        raise _fail(str(exc), 1) from None
    except Exception as exc:
        raise _fail(f"the demo stopped: {type(exc).__name__}: {_first_line(exc)}", 1) from None
    _print_summary(summary)
    out.print(f"Index of digests: {Path(summary['index'])}", highlight=False)


@app.command()
def digest(
    config: Path = ConfigOpt,
    manager: str = typer.Option(
        None, "--manager", help="Print only this manager's digest (all are re-rendered)."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Render as if today were this date."),
):
    """Re-render digests from stored data, fetching nothing."""
    cfg = _config(config)
    if manager and manager not in {m.id for m in cfg.managers}:
        raise _fail(f"--manager: no manager {manager!r} in {config}", 2)
    from flows.digests import prefect_server_configured, rerender
    from tipsheet.dates import today_in

    day = _date(as_of, "--as-of")
    try:
        if prefect_server_configured():  # the run and its artifacts show in that server's UI
            from flows.nightly import digest as digest_flow

            paths = digest_flow(config_path=str(config), as_of=day)
        else:  # an ephemeral Prefect API would take seconds to start for a few files
            paths = rerender(cfg, day or today_in(cfg.settings.timezone))
    except TipsheetError as exc:
        raise _fail(str(exc), 1) from None
    for p in paths:
        if manager is None or f"/{manager}/" in p.replace(os.sep, "/"):
            out.print(p, highlight=False, soft_wrap=True)


@app.command()
def contacted(
    manager: str = typer.Argument(..., help="The manager's id."),
    config: Path = ConfigOpt,
    on: str = typer.Option(None, "--on", help="Date of the contact (default today)."),
    note: str = typer.Option(None, "--note", help="What you talked about."),
    item: list[str] = typer.Option(None, "--item", help="An item id shared (repeatable)."),
):
    """Log an outreach; the items shared never come back in that manager's digest."""
    from storage import db, reads, writes
    from tipsheet.dates import today_in

    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    day = _date(on, "--on") or today_in(cfg.settings.timezone)
    try:
        con = db.connect(cfg.settings.database)
        try:
            resolved = reads.resolve_items(con, manager, item or [])
            unknown = [k for k, v in resolved.items() if v is None]
            if unknown:
                raise _fail(f"--item: no single digest item of {manager} with id {unknown[0]}", 2)
            oid = writes.log_outreach(con, manager, day, note, list(resolved.values()))
        finally:
            con.close()
    except StorageError as exc:
        raise _fail(str(exc), 1) from None
    out.print(
        f"Logged contact #{oid} with {manager} on {day.isoformat()} "
        f"({len(resolved)} item(s) shared).",
        highlight=False,
    )


def _reader(cfg: Config, external_access: bool = False):
    """A read-only connection that never shows half a run.

    While a run holds the run lock, readers get the snapshot of the last finished run;
    otherwise the live file (opened, read and closed at once).
    """
    from storage import db
    from storage.lock import run_in_progress

    path = Path(cfg.settings.database)
    snap = db.snapshot_path(path)
    if run_in_progress(path) and snap.exists():
        return db.connect_read_only(snap, wait_s=5, external_access=external_access)
    try:
        return db.connect_read_only(path, wait_s=10, external_access=external_access)
    except DatabaseBusy:
        if snap.exists():
            return db.connect_read_only(snap, wait_s=5, external_access=external_access)
        raise


def _read(cfg: Config, reader, external_access: bool = False):
    """Open, read with `reader(con)`, close; a storage problem exits 1 with one line."""
    try:
        con = _reader(cfg, external_access)
        try:
            return reader(con)
        finally:
            con.close()
    except StorageError as exc:
        raise _fail(str(exc), 1) from None


def _table(columns: list[str], rows: list[tuple], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    return table


@app.command()
def sources(config: Path = ConfigOpt):
    """Each source's last fetch, its status and error."""
    from storage import reads

    rows = _read(_config(config), reads.source_status)
    rows = [
        (
            r["company_id"] or "(industry)",
            r["type"],
            r["url"],
            r["last_fetched_at"].strftime("%Y-%m-%d %H:%M") if r["last_fetched_at"] else "never",
            r["last_status"] or "",
            str(r["failing_runs"]),
            r["last_error"] or "",
        )
        for r in rows
        if r["active"]
    ]
    table = _table(["company", "type", "url", "last fetch", "status", "failing", "error"], rows)
    out.print(table)


@app.command()
def query(
    sql: str = typer.Argument(..., help="One reading SQL statement."),
    config: Path = ConfigOpt,
    limit: int = typer.Option(200, "--limit", help="At most this many rows."),
):
    """Run one read-only SQL statement against the database and print a table."""
    from storage.query import check_statement, run_query

    cfg = _config(config)
    try:
        check_statement(sql)
        columns, rows = _read(cfg, lambda con: run_query(con, sql, limit))
    except QueryRefused as exc:
        raise _fail(str(exc), 2) from None
    out.print(_table(columns, rows))


@app.command()
def search(
    words: str = typer.Argument(..., help="Words to look for."),
    config: Path = ConfigOpt,
    limit: int = typer.Option(20, "--limit"),
):
    """Rank stored articles by BM25 full-text relevance (offline)."""
    from storage.search import search as bm25

    # External access stays on: the fts extension loads from a file.
    rows = _read(_config(config), lambda con: bm25(con, words, limit), external_access=True)
    rows = [(f"{r[0]:.2f}", *r[1:]) for r in rows]
    out.print(_table(["score", "id", "date", "title", "url"], rows))


@app.command()
def explain(
    manager: str = typer.Argument(..., help="The manager's id."),
    config: Path = ConfigOpt,
    top: int = typer.Option(10, "--top"),
):
    """Why the top items of a manager's latest digest rank where they do."""
    from storage import reads

    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    items = _read(cfg, lambda con: reads.digest_items(con, manager)[:top])
    if not items:
        out.print(f"No digest stored for {manager} yet.")
        return
    cols = ["s_relation", "s_event", "s_recency", "s_coverage", "s_novelty", "s_interest"]
    rows = [
        (
            r["rank"],
            r["item_id"],
            (r["title"] or "")[:60],
            r["relation"],
            r["event_type"] or "-",
            *[f"{r[c]:.2f}" if r[c] is not None else "" for c in cols],
            f"{r['s_prominence']:.2f}" if r.get("s_prominence") is not None else "",
            f"{r['score']:.3f}",
            "yes" if r["worth_call"] else "no",
        )
        for r in items
    ]
    heads = ["#", "item", "title", "relation", "event", "relation w", "event w", "recency"]
    heads += ["coverage", "novelty", "interest", "prominence", "score", "worth a call"]
    out.print(_table(heads, rows, title=f"{manager}: {items[0]['run_date']}"))
    out.print(
        "score = 100 x relation x event x recency x coverage x novelty x interest x prominence"
        " (see the README, 'How items are scored').",
        highlight=False,
    )


def main() -> None:  # pragma: no cover - the console script calls app directly
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(1)


if __name__ == "__main__":
    main()
