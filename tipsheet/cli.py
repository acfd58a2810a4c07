"""The `tipsheet` command: parses arguments and calls flows and storage, nothing more.

Exit codes: 0 done (even when some sources failed: they are recorded and shown),
2 bad config or arguments, 1 anything that stopped the run, 3 a run on which no source
could be read (recorded, and said in every digest).
"""

from __future__ import annotations

import gc
import logging
import sys
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from tipsheet import telemetry
from tipsheet.core.config import Config, load_config
from tipsheet.core.errors import (
    ConfigError,
    DatabaseBusy,
    NothingRead,
    QueryRefused,
    StorageError,
    TipsheetError,
)
from tipsheet.core.tabular import Format, render
from tipsheet.flows.collector import FEWER_PASSES

# Commands import flows, storage and connectors inside their bodies, on purpose: Prefect
# alone takes over a second to import, and query, search or explain should answer at once.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Researched news for the hiring managers who almost hired you.",
)
out = Console()
err = Console(stderr=True)

ConfigOpt = typer.Option(Path("config.yaml"), "--config", "-c", help="Path to config.yaml.")
FormatOpt = typer.Option(
    Format.table, "--format", case_sensitive=False, help="table (default), csv or json."
)


@app.callback()
def _before_every_command(ctx: typer.Context) -> None:
    # Before any command can import Prefect, not at import time: importing the CLI (as the
    # tests do) changes no environment.
    telemetry.quiet()
    if ctx.invoked_subcommand in READS_ONLY:
        # A command that answers in a second lets what it imported be (freeze) and collects
        # less often from here on (flows/collector.py says why). A night keeps Python's
        # defaults but while it ranks: it runs for minutes and holds parsed pages.
        gc.freeze()
        gc.set_threshold(*FEWER_PASSES)


READS_ONLY = {
    "digest",
    "query",
    "search",
    "explain",
    "sources",
    "outreach",
    "contacted",
    "feedback",
}


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


def _not_after_today(day: date, cfg: Config, name: str) -> date:
    today = cfg.settings.current_date()
    if day > today:
        raise _fail(f"{name}: {day.isoformat()} is after today ({today.isoformat()})", 2)
    return day


def _at_least(value: int, least: int, name: str) -> int:
    if value < least:
        raise _fail(f"{name}: must be at least {least}, got {value}", 2)
    return value


def _error_names(cls: type = TipsheetError) -> tuple[str, ...]:
    return (cls.__name__, *[n for sub in cls.__subclasses__() for n in _error_names(sub)])


class _SaidInOneLine(logging.Filter):
    """Prefect prints a failed task's or flow's traceback on the console. For tipsheet's
    own errors the CLI says what went wrong in one line instead; the traceback stays in the
    flow run's log on the Prefect API (and in its UI)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, TipsheetError):
            return False
        if record.levelno >= logging.ERROR and record.name.startswith(
            ("prefect.flow_runs", "prefect.task_runs")
        ):
            message = record.getMessage()
            return not any(
                f"{name}:" in message or f"{name}(" in message for name in _error_names()
            )
        return True


def _quiet_console() -> None:
    """Add the filter to Prefect's console handlers (on the root logger), once."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _SaidInOneLine) for f in handler.filters
        ):
            handler.addFilter(_SaidInOneLine())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _print_summary(summary: dict) -> None:
    if summary.get("nothing_read"):
        out.print(
            f"No source could be read: all {summary.get('sources_total', 0)} sources failed. "
            "The digests say so; see `tipsheet sources`.",
            highlight=False,
        )
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
    from contextlib import nullcontext

    from tipsheet.flows.nightly import nightly
    from tipsheet.flows.progress import terminal_progress

    _quiet_console()
    # Bars per stage on a terminal; nothing at all in a pipe, a log or a scheduler.
    with terminal_progress(out) if out.is_terminal else nullcontext():
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
    except NothingRead as exc:  # recorded and written: say it, and exit 3 for schedulers
        _print_summary(exc.summary)
        raise _fail(str(exc), 3) from None
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
    from tipsheet.demo_runner import run_demo

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
        None, "--manager", help="Print this manager's digest (all are re-rendered)."
    ),
    as_of: str = typer.Option(None, "--as-of", help="Render as if today were this date."),
):
    """Re-render digests from stored data, fetching nothing."""
    cfg = _config(config)
    if manager and manager not in {m.id for m in cfg.managers}:
        raise _fail(f"--manager: no manager {manager!r} in {config}", 2)
    from tipsheet.flows.digests import prefect_server_configured, require_database, rerender

    day = _date(as_of, "--as-of")
    try:
        require_database(Path(cfg.settings.database))  # before anything starts: one line
        if prefect_server_configured():  # the run and its artifacts show in that server's UI
            from tipsheet.flows.digest import digest as digest_flow

            _quiet_console()
            paths = digest_flow(config_path=str(config), as_of=day)
        else:  # an ephemeral Prefect API would take seconds to start for a few files
            paths = rerender(cfg, day or cfg.settings.current_date())
    except TipsheetError as exc:
        raise _fail(str(exc), 1) from None
    except OSError as exc:
        raise _fail(f"the digests stopped: {type(exc).__name__}: {_first_line(exc)}", 1) from None
    if manager is None:
        for p in paths:
            out.print(p, highlight=False, soft_wrap=True)
        return
    (path,) = [p for p in paths if Path(p).parent.name == manager]
    sys.stdout.write(Path(path).read_text(encoding="utf-8"))


@app.command()
def contacted(
    manager: str = typer.Argument(..., help="The manager's id."),
    config: Path = ConfigOpt,
    on: str = typer.Option(None, "--on", help="Date of the contact (default today)."),
    note: str = typer.Option(None, "--note", help="What you talked about."),
    item: list[str] = typer.Option(None, "--item", help="An item id shared (repeatable)."),
):
    """Log an outreach; the items shared never come back in that manager's digest."""
    from tipsheet.storage import db, reads, writes

    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    day = _not_after_today(_date(on, "--on") or cfg.settings.current_date(), cfg, "--on")
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


@app.command()
def feedback(
    manager: str = typer.Argument(..., help="The manager's id."),
    item: str = typer.Argument(..., help="An item id printed in the digest."),
    verdict: str = typer.Argument(..., help="useful or not-useful."),
    config: Path = ConfigOpt,
    note: str = typer.Option(None, "--note", help="Why."),
):
    """Judge a digest item: a not-useful story never returns; both kinds move similar items."""
    from tipsheet.storage import db, reads, writes

    if verdict not in ("useful", "not-useful"):
        raise _fail(f"VERDICT: {verdict!r} is not useful or not-useful", 2)
    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    from tipsheet.flows.digests import require_database

    try:
        require_database(Path(cfg.settings.database))
        con = db.connect(cfg.settings.database)
        try:
            article = reads.resolve_items(con, manager, [item])[item]
            if article is None:
                raise _fail(f"ITEM: no single digest item of {manager} with id {item}", 2)
            writes.save_feedback(con, manager, article, verdict == "useful", note)
        finally:
            con.close()
    except StorageError as exc:
        raise _fail(str(exc), 1) from None
    out.print(f"Recorded {verdict} for item {item} of {manager}.", highlight=False)


@app.command()
def outreach(
    manager: str = typer.Argument(..., help="The manager's id."),
    config: Path = ConfigOpt,
    remove: int = typer.Option(None, "--remove", help="Delete the entry with this id."),
    set_id: int = typer.Option(None, "--set", help="Correct the entry with this id."),
    on: str = typer.Option(None, "--on", help="With --set: the contact's real date."),
    note: str = typer.Option(None, "--note", help="With --set: the note to keep instead."),
    fmt: Format = FormatOpt,
):
    """List a manager's logged contacts with their ids; correct one or remove one."""
    from tipsheet.storage import db, reads, writes

    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    if remove is not None and set_id is not None:
        raise _fail("--remove and --set: give one of them", 2)
    if set_id is None and (on is not None or note is not None):
        raise _fail("--on and --note: only with --set ID", 2)
    if remove is None and set_id is None:
        rows = _read(cfg, lambda con: reads.outreach_log(con, manager))
        table = [(r["id"], r["contacted_on"], r["note"], len(r["item_ids"] or [])) for r in rows]
        columns = ["id", "contacted on", "note", "items shared"]
        if fmt is not Format.table:
            _emit(fmt, columns, table)
            return
        if not rows:
            out.print(f"No contact with {manager} logged yet.", highlight=False)
            return
        shown = [(i, d.isoformat(), n or "", k) for i, d, n, k in table]
        out.print(_table(columns, shown, title=manager))
        return
    day = _date(on, "--on")
    if day is not None:
        _not_after_today(day, cfg, "--on")
    if set_id is not None and day is None and note is None:
        raise _fail("--set: give --on DATE and/or --note TEXT", 2)
    from tipsheet.flows.digests import require_database

    try:
        require_database(Path(cfg.settings.database))
        con = db.connect(cfg.settings.database)
        try:
            if remove is not None:
                done = writes.remove_outreach(con, manager, remove)
            else:
                done = writes.correct_outreach(con, manager, set_id, day, note)
        finally:
            con.close()
    except StorageError as exc:
        raise _fail(str(exc), 1) from None
    oid, flag = (remove, "--remove") if remove is not None else (set_id, "--set")
    if not done:
        raise _fail(f"{flag}: no logged contact #{oid} of {manager}", 2)
    verb = "Removed" if remove is not None else "Corrected"
    out.print(f"{verb} contact #{oid} of {manager}.", highlight=False)


def _reader(cfg: Config, external_access: bool = False):
    """A read-only connection that never shows half a run.

    While a run holds the run lock, readers get the snapshot of the last finished run;
    otherwise the live file (opened, read and closed at once). At a run's end the snapshot
    is moved aside while it is brought up to date: a reader then waits for the live file,
    which the run closes right after.
    """
    from tipsheet.storage import db
    from tipsheet.storage.lock import run_in_progress

    path = Path(cfg.settings.database)
    snap = db.snapshot_path(path)
    if run_in_progress(path) and snap.exists():
        try:
            return db.connect_read_only(snap, wait_s=5, external_access=external_access)
        except StorageError:
            if snap.exists():
                raise
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


def _table(columns: list[str], rows: list[tuple], title: str | None = None):
    from rich.table import Table  # here: a command that prints no table should not wait for it

    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    return table


def _emit(
    fmt: Format, columns: list[str], rows: list[tuple], table=None, title: str | None = None
) -> bool:
    """CSV or JSON of the raw rows on stdout; returns False when the caller draws a table.

    `table(rows)`, when given, formats the rows for the terminal.
    """
    if fmt is Format.table:
        out.print(_table(columns, table(rows) if table else rows, title=title))
        return False
    sys.stdout.write(render(columns, rows, fmt))
    sys.stdout.flush()
    return True


@app.command()
def sources(config: Path = ConfigOpt, fmt: Format = FormatOpt):
    """Each source's last fetch (in settings.timezone), its status and error."""
    from zoneinfo import ZoneInfo

    from tipsheet.storage import reads

    cfg = _config(config)
    tz = cfg.settings.timezone
    rows = _read(cfg, reads.source_status)
    rows = [
        (
            r["company_id"] or "(industry)",
            r["type"],
            r["url"],
            r["last_fetched_at"].astimezone(ZoneInfo(tz)) if r["last_fetched_at"] else None,
            r["last_status"],
            r["failing_runs"],
            r["last_error"],
        )
        for r in rows
        if r["active"]
    ]

    def shown(rows):
        return [
            (*r[:3], r[3].strftime("%Y-%m-%d %H:%M") if r[3] else "never", r[4] or "", *r[5:])
            for r in rows
        ]

    columns = ["company", "type", "url", "last fetch", "status", "failing", "error"]
    if not _emit(fmt, columns, rows, shown):
        out.print(f"Times are in {tz} (settings.timezone).", highlight=False)


@app.command()
def query(
    sql: str = typer.Argument(..., help="One reading SQL statement."),
    config: Path = ConfigOpt,
    limit: int = typer.Option(200, "--limit", help="At most this many rows."),
    fmt: Format = FormatOpt,
):
    """Run one read-only SQL statement against the database and print a table."""
    from tipsheet.storage.query import check_statement, run_query

    cfg = _config(config)
    _at_least(limit, 1, "--limit")
    try:
        check_statement(sql)
        columns, rows = _read(cfg, lambda con: run_query(con, sql, limit))
    except QueryRefused as exc:
        raise _fail(str(exc), 2) from None
    _emit(fmt, columns, rows)


@app.command()
def search(
    words: str = typer.Argument(..., help="Words to look for."),
    config: Path = ConfigOpt,
    limit: int = typer.Option(20, "--limit"),
    fmt: Format = FormatOpt,
):
    """Rank stored articles by BM25 full-text relevance (offline)."""
    from tipsheet.storage.search import search as bm25

    cfg = _config(config)
    if not words.strip():
        raise _fail("WORDS: give at least one word to look for", 2)
    _at_least(limit, 1, "--limit")
    # External access stays on: the fts extension loads from a file.
    rows = _read(cfg, lambda con: bm25(con, words, limit), external_access=True)
    columns = ["score", "id", "date", "title", "url"]
    _emit(fmt, columns, rows, lambda rows: [(f"{r[0]:.2f}", *r[1:]) for r in rows])


@app.command()
def explain(
    manager: str = typer.Argument(..., help="The manager's id."),
    config: Path = ConfigOpt,
    top: int = typer.Option(10, "--top"),
    fmt: Format = FormatOpt,
):
    """Why the top items of a manager's latest digest rank where they do."""
    from tipsheet.storage import reads

    cfg = _config(config)
    if manager not in {m.id for m in cfg.managers}:
        raise _fail(f"MANAGER: no manager {manager!r} in {config}", 2)
    _at_least(top, 1, "--top")
    items = _read(cfg, lambda con: reads.digest_items(con, manager, limit=top))
    factors = ["s_relation", "s_event", "s_prominence", "s_profile", "s_interest", "s_coverage"]
    factors += ["s_feedback", "probability", "s_recency", "s_novelty"]
    if fmt is not Format.table:
        columns = ["run_date", "rank", "item_id", "title", "relation", "event_type", *factors]
        columns += ["score", "worth_call"]
        _emit(fmt, columns, [tuple(r.get(c) for c in columns) for r in items])
        return
    if not items:
        out.print(f"No digest stored for {manager} yet.")
        return

    def weight(value) -> str:
        return f"{value:.2f}" if value is not None else ""

    rows = [
        (
            r["rank"],
            r["item_id"],
            (r["title"] or "")[:60],
            r["relation"],
            r["event_type"] or "-",
            *[weight(r.get(c)) for c in factors],
            f"{r['score']:.3f}",
            "yes" if r["worth_call"] else "no",
        )
        for r in items
    ]
    heads = ["#", "item", "title", "relation", "event", "relation x", "event x", "prominence x"]
    heads += ["profile x", "interests x", "coverage x", "feedback x", "p", "recency", "novelty"]
    heads += ["score", "worth a call"]
    out.print(_table(heads, rows, title=f"{manager}: {items[0]['run_date']}"))
    out.print(
        "odds = base x relation x event x prominence x profile x interests x coverage x feedback;"
        " score = 100 x p x recency x novelty, p = odds / (1 + odds)"
        " (see the README, 'How items are scored').",
        highlight=False,
    )


@app.command()
def doctor(config: Path = ConfigOpt):
    """Check the config, the database and each source's reachability; say what to fix."""
    from tipsheet.flows.doctor import diagnose, report_lines

    cfg = _config(config)
    findings = diagnose(cfg, config)
    for line in report_lines(findings):
        out.print(line, highlight=False, soft_wrap=True, markup=False)
    if any(f.failed for f in findings):
        raise typer.Exit(1)


@app.command(name="add-company")
def add_company(
    key: str = typer.Argument(..., help="The company's key in config.yaml (a slug)."),
    name: str = typer.Option(..., "--name", help="The company's name."),
    site: str = typer.Option(None, "--site", help="Its web site: its feeds are looked for."),
    add_feeds: bool = typer.Option(False, "--add-feeds", help="Add the feeds found as sources."),
    config: Path = ConfigOpt,
):
    """Add a company to config.yaml, keeping its comments and order."""
    from tipsheet.config_edit import add_company as add
    from tipsheet.connectors.probe import discover_feeds
    from tipsheet.core.markdown import safe_url

    cfg = _config(config)
    if add_feeds and not site:
        raise _fail("--add-feeds: needs --site", 2)
    if key in cfg.companies:
        raise _fail(f"KEY: {config} already has a company {key!r}", 2)
    feeds: list[str] = []
    if site:
        if not safe_url(site):
            raise _fail(f"--site: not an http(s) URL: {site!r}", 2)
        feeds, error = discover_feeds(site, cfg.settings.fetch)
        if error:
            raise _fail(f"--site: {error}", 1)
        out.print(f"Feeds found at {site}: {len(feeds)}", highlight=False, markup=False)
        for url in feeds:
            out.print(f"  {url}", highlight=False, soft_wrap=True, markup=False)
    try:
        add(config, key, name, site, feeds if add_feeds else [])
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    added = f" with {len(feeds)} feed source(s)" if add_feeds and feeds else ""
    out.print(f"Added company {key!r} to {config}{added}.", highlight=False, markup=False)


if __name__ == "__main__":
    app()
