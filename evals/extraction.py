"""Extraction quality on real pages written by others, measured on the pipeline as deployed.

    python -m evals.extraction [--limit N] [--only CORPUS] [--json OUT] [--check] [--bare]

Serves the corpus pages from a loopback HTTP server (decompressed on the fly, with the
charset the page declares in its Content-Type) and one RSS feed per corpus listing them,
writes a config whose only sources are those feeds, runs the real nightly flow
(flows.nightly) over it under Prefect, and scores what it stored in DuckDB: `articles.text`,
`title` and `published_at`, mapped back to the page by URL. In the same run it scores
trafilatura called directly with its defaults on the same files. With --bare it also runs
`extract_article` directly on the bytes the flow was served, to tell what the pipeline
(fetching, storing) loses from what extraction loses. Corpora (../shared/corpus):

- article-extraction-benchmark (Zyte): shingle precision/recall/F1, the benchmark's method.
- newspaper4k-article-extraction-dataset: text F1, title exact match, same-day date accuracy.
- trafilatura-eval: share of must-contain snippets found, of must-not-contain ones absent.

`evaluate()` returns {"extraction.<corpus>.<metric>": {"ours": x, "direct": y}}; floors
pinned in evals/baseline.json are checked by `check_floors()` (and by `--check`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import duckdb
import trafilatura
from trafilatura.utils import load_html

from evals.textmetrics import overlap, prf
from tipsheet.connectors.extract import ExtractionError, extract_article
from tipsheet.core.urls import canonicalize
from tipsheet.demo.localweb import LocalWeb, send
from tipsheet.flows.workers import extraction_pool
from training.folds import loopback_config

LOGGER = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(
    os.environ.get("TIPSHEET_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
BASELINE = Path(__file__).with_name("baseline.json")
ZYTE, N4K, TRAF = "zyte", "newspaper4k", "trafilatura_eval"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass
class Page:
    corpus: str
    key: str
    path: Path
    url: str
    truth: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """One page: what the flow stored ("ours"), trafilatura direct, extract_article bare."""

    page: Page
    ours_text: str = ""
    ours_title: str | None = None
    ours_day: str | None = None
    ours_error: str | None = None  # no page article stored: why
    direct_text: str = ""
    direct_title: str | None = None
    direct_day: str | None = None
    bare_text: str | None = None  # None: not run (--bare not given)
    bare_title: str | None = None
    bare_day: str | None = None
    bare_error: str | None = None


# --- corpus ------------------------------------------------------------------------------


def load_pages(corpus: Path, limits: dict[str, int | None]) -> list[Page]:
    """Pages of each corpus in a stable order; limits[corpus] caps how many (None: all)."""
    pages: list[Page] = []
    if ZYTE in limits:
        base = corpus / "article-extraction-benchmark"
        truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
        items = [
            Page(ZYTE, k, base / "html" / f"{k}.html.gz", v.get("url") or "", v)
            for k, v in sorted(truth.items())
        ]
        pages += items[: limits[ZYTE]]
    if N4K in limits:
        base = corpus / "newspaper4k-article-extraction-dataset"
        rows = json.loads((base / "news_articles.json").read_text(encoding="utf-8"))
        items = []
        for row in sorted(rows, key=lambda r: r["id"]):
            path = base / "html" / f"{row['html_file']}.html.gz"
            if path.exists():  # three >4 MiB pages were not copied into the corpus
                items.append(Page(N4K, str(row["id"]), path, row["link"], row))
        pages += items[: limits[N4K]]
    if TRAF in limits:
        base = corpus / "trafilatura-eval"
        truth = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
        items = []
        for url, row in sorted(truth.items()):
            path = base / "html" / f"{row['file']}.gz"
            if path.exists():
                items.append(Page(TRAF, row["file"], path, url, row))
        pages += items[: limits[TRAF]]
    return pages


def _page_bytes(page: Page) -> bytes:
    return gzip.decompress(page.path.read_bytes())


def _content_type(page: Page, body: bytes) -> str:
    """What a server would send: the charset the page declares (Zyte pages are UTF-8)."""
    if page.corpus == ZYTE:
        return "text/html; charset=utf-8"
    m = _META_CHARSET.search(body[:8192])
    charset = m.group(1).decode("ascii", "ignore") if m else None
    return f"text/html; charset={charset}" if charset else "text/html"


# --- serving --------------------------------------------------------------------------------


def served_path(index: int, page: Page) -> str:
    """Where page `index` is served: /<corpus>/<index> then the page's own URL path.

    The index makes every page's URL unique (two corpus pages never collapse into one
    canonical URL here); the original path keeps what the URL says (dates in /2019/05/10/,
    slugs) for the extractors that read it, as on the real site."""
    try:
        parts = urlsplit(page.url)
        original = parts.path if parts.scheme and parts.netloc else ""
    except ValueError:
        original = ""
    if not original.startswith("/"):  # some corpora name pages by file, not URL
        original = "/"
    return f"/{page.corpus}/{index}" + quote(original, safe=_PATH_SAFE)


def page_index(url: str) -> int | None:
    """The page index a served (or stored, canonical) URL names, None for any other URL."""
    parts = urlsplit(url).path.split("/")
    if len(parts) >= 3 and parts[1] in (ZYTE, N4K, TRAF) and parts[2].isdigit():
        return int(parts[2])
    return None


def feed_xml(base: str, pages: list[tuple[int, Page]], corpus: str, built: datetime) -> bytes:
    """An RSS 2.0 feed listing pages, items undated and untitled.

    Undated: the flow prefers a feed's date to the page's, so a dated item would score
    the feed, not the extraction (and an old one would be dropped by max_age_days).
    Untitled: the flow falls back to the feed's title when extraction finds none."""
    items = "".join(
        f"<item><link>{escape(base + served_path(i, p))}</link></item>\n" for i, p in pages
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
        f"<title>tipsheet extraction eval: {corpus}</title><link>{escape(base)}/</link>\n"
        f"<description>corpus pages</description>"
        f"<lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>\n"
        f"{items}</channel></rss>\n"
    ).encode()


class CorpusServer:
    """A loopback HTTP server, in a thread: the corpus pages by path and one feed per corpus.

    Pages are decompressed on the fly from ../shared/corpus (never copied) and sent with the
    Content-Type a server would send (`_content_type`); /robots.txt is a 404 (no rules)."""

    def __init__(self, pages: list[Page], built: datetime):
        served = pages
        feeds: dict[str, bytes] = {}
        self.feed_paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                send(self, status, {"Content-Type": content_type}, body)

            def do_GET(self):
                if self.path in feeds:
                    self._send(200, feeds[self.path], "application/rss+xml; charset=utf-8")
                    return
                index = page_index(self.path)
                if index is None or index >= len(served):
                    self._send(404, b"not found", "text/plain")
                    return
                body = _page_bytes(served[index])
                self._send(200, body, _content_type(served[index], body))

        self._web = LocalWeb({"corpus": Handler})
        self._web.bind()
        self.base = self._web.url_map["corpus"]
        for corpus in dict.fromkeys(p.corpus for p in pages):
            path = f"/feeds/{corpus}.xml"
            listed = [(i, p) for i, p in enumerate(pages) if p.corpus == corpus]
            feeds[path] = feed_xml(self.base, listed, corpus, built)
            self.feed_paths.append(path)

    def url(self, index: int, page: Page) -> str:
        return self.base + served_path(index, page)

    def __enter__(self) -> CorpusServer:
        self._web.start()
        return self

    def __exit__(self, *exc) -> None:
        self._web.stop()


# --- the pipeline, as deployed -----------------------------------------------------------


def write_config(workdir: Path, feed_urls: list[str]) -> Path:
    """A config whose only sources are the corpus feeds, fetched without politeness delays."""
    manager = {
        "id": "eval",
        "name": "Eval Manager",
        "company": "corpus",
        "role": "evaluation",
        "rejected_on": "2024-01-01",
    }
    companies = {"corpus": {"name": "Corpus Evaluation Placeholder Inc"}}
    return loopback_config(workdir, "Extraction evaluation", [manager], companies, feed_urls, 16)


def run_flow(config_path: Path, as_of: date) -> dict:
    """The real nightly flow, under whatever Prefect API the environment gives (ephemeral
    when none is set, the test harness under pytest)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from tipsheet.flows.nightly import nightly

    updates = {}
    if not PREFECT_API_URL.value():  # an ephemeral server starts slowly on two busy cores
        updates[PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS] = max(
            120, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        )
    with temporary_settings(updates=updates):
        return nightly(config_path=str(config_path), as_of=as_of)


def stored_articles(database: Path) -> tuple[dict[int, dict], dict[int, str]]:
    """Stored articles by page index, and why each page that failed to fetch failed."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        # published_day is the page's own day, as the digest shows it; else the UTC day.
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            "SELECT url, title, text, coalesce(published_day::VARCHAR, published_at::VARCHAR), "
            "origin FROM articles"
        ).fetchall()
        failed = con.execute(
            "SELECT url, coalesce(error, status) FROM fetches WHERE status <> 'ok'"
        ).fetchall()
    finally:
        con.close()
    articles: dict[int, dict] = {}
    for url, title, text, published_at, origin in rows:
        index = page_index(url)
        if index is None:
            continue
        if index in articles:  # cannot happen while paths carry the index: say so if it does
            LOGGER.warning("two stored articles for page %s: %s", index, url)
        articles[index] = {
            "title": title,
            "text": text,
            "published_at": published_at,
            "origin": origin,
        }
    errors = {i: why for url, why in failed if (i := page_index(url)) is not None}
    return articles, errors


# --- one page, directly -------------------------------------------------------------------


def _day(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)[:10] or None


def run_direct(args: tuple[Page, str, bool, datetime]) -> dict:
    """trafilatura as a user would call it: defaults, on the file's bytes (its own decoding).

    With `also_ours`, extract_article on the same bytes and Content-Type the flow was
    served, to tell a loss in the pipeline (fetch, store) from one in extraction."""
    page, served_url, also_ours, fetched_at = args
    raw = _page_bytes(page)
    out = {"direct_text": trafilatura.extract(raw, url=page.url) or ""}
    meta = trafilatura.extract_metadata(load_html(raw), default_url=page.url)
    out["direct_title"], out["direct_day"] = meta.title, _day(meta.date)
    if also_ours:
        try:
            article = extract_article(raw, served_url, _content_type(page, raw), fetched_at)
            out["bare_text"], out["bare_title"] = article.text, article.title
            out["bare_day"] = _day(article.published_at)
        except ExtractionError as err:
            out["bare_text"], out["bare_title"], out["bare_day"] = "", None, None
            out["bare_error"] = err.reason
    return out


# --- scores -------------------------------------------------------------------------------


def _ws(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def _truth_text(page: Page) -> str:
    return page.truth.get("articleBody") or page.truth.get("text") or ""


def _columns(outcomes: list[Outcome]) -> tuple[str, ...]:
    bare = any(o.bare_text is not None for o in outcomes)
    return ("ours", "direct", "bare") if bare else ("ours", "direct")


def score(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    metrics: dict[str, dict[str, float]] = {}
    by_corpus: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_corpus.setdefault(o.page.corpus, []).append(o)
    columns = _columns(outcomes)
    for corpus in (ZYTE, N4K):
        rows = by_corpus.get(corpus)
        if not rows:
            continue
        for who in columns:
            overlaps = [overlap(_truth_text(o.page), getattr(o, f"{who}_text") or "") for o in rows]
            for name, value in prf(overlaps).items():
                metrics.setdefault(f"extraction.{corpus}.{name}", {})[who] = value
        metrics[f"extraction.{corpus}.pages"] = {who: len(rows) for who in columns}
        errors = {"ours": sum(o.ours_error is not None for o in rows), "direct": float("nan")}
        if "bare" in columns:
            errors["bare"] = sum(o.bare_error is not None for o in rows)
        metrics[f"extraction.{corpus}.errors"] = errors
    rows = by_corpus.get(N4K)
    if rows:
        for who in columns:
            titled = [o for o in rows if o.page.truth.get("title")]
            hits = sum(
                _ws(getattr(o, f"{who}_title")) == _ws(o.page.truth["title"]) for o in titled
            )
            metrics.setdefault(f"extraction.{N4K}.title_exact", {})[who] = hits / len(titled)
            dated = [o for o in rows if o.page.truth.get("date")]
            hits = sum(getattr(o, f"{who}_day") == o.page.truth["date"][:10] for o in dated)
            metrics.setdefault(f"extraction.{N4K}.date_day", {})[who] = hits / len(dated)
    rows = by_corpus.get(TRAF)
    if rows:
        for who in columns:
            found = total_with = absent = total_without = 0
            for o in rows:
                text = _ws(getattr(o, f"{who}_text"))
                for snippet in o.page.truth.get("with") or []:
                    total_with += 1
                    found += _ws(snippet) in text
                for snippet in o.page.truth.get("without") or []:
                    total_without += 1
                    absent += _ws(snippet) not in text
            metrics.setdefault(f"extraction.{TRAF}.with_found", {})[who] = found / total_with
            metrics.setdefault(f"extraction.{TRAF}.without_absent", {})[who] = (
                absent / total_without
            )
        metrics[f"extraction.{TRAF}.pages"] = {who: len(rows) for who in columns}
    return metrics


def canonical_collisions(pages: list[Page]) -> int:
    """Pages whose original URL has the same canonical form as another page's: deployed,
    the flow would store only one of them (articles.url is unique)."""
    counts = Counter(canonicalize(p.url) for p in pages if p.url)
    return sum(n for n in counts.values() if n > 1)


# --- the run --------------------------------------------------------------------------------


def evaluate(
    corpus: Path = DEFAULT_CORPUS,
    limits: dict[str, int | None] | None = None,
    workers: int | None = None,
    *,
    bare: bool = False,
    workdir: Path | None = None,
    as_of: date | None = None,
) -> tuple[dict[str, dict[str, float]], list[Outcome]]:
    """Serve, run the nightly flow over the feeds, read what it stored, and score it beside
    trafilatura direct; limits default to every page of the three corpora."""
    limits = limits if limits is not None else {ZYTE: None, N4K: None, TRAF: None}
    pages = load_pages(corpus, limits)
    as_of = as_of or datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="tipsheet-eval-") as tmp:
        workdir = Path(workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with CorpusServer(pages, datetime.now(UTC)) as server:
            config = write_config(workdir, [server.base + p for p in server.feed_paths])
            summary = run_flow(config, as_of)
            LOGGER.info("flow summary: %s", summary)
            stored, fetch_errors = stored_articles(workdir / "tipsheet.duckdb")
            fetched_at = datetime.now(UTC)
            jobs = [(p, server.url(i, p), bare, fetched_at) for i, p in enumerate(pages)]
            with extraction_pool(workers) as pool:
                direct = list(pool.map(run_direct, jobs, chunksize=4))
    outcomes = []
    for index, page in enumerate(pages):
        out = Outcome(page, **direct[index])
        article = stored.get(index)
        if article is None:
            out.ours_error = fetch_errors.get(index, "not stored")
        else:
            if article["origin"] != "page":  # the feed's own text: the page was not extracted
                out.ours_error = f"stored from the feed only ({article['origin']})"
            else:
                out.ours_text = article["text"] or ""
            out.ours_title = article["title"]
            out.ours_day = _day(article["published_at"])
        outcomes.append(out)
    return score(outcomes), outcomes


def load_floors(prefix: str = "extraction.") -> dict[str, float]:
    if not BASELINE.exists():
        return {}
    data = json.loads(BASELINE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k.startswith(prefix)}


def check_floors(metrics: dict[str, dict[str, float]], floors: dict[str, float]) -> list[str]:
    """Failures as readable lines: a floor key is '<metric key>' or 'subset.<metric key>'."""
    failures = []
    for key, floor in floors.items():
        value = metrics.get(key, {}).get("ours")
        if value is None:
            continue
        if value < floor:
            failures.append(f"{key}: {value:.4f} < floor {floor:.4f}")
    return failures


def format_table(metrics: dict[str, dict[str, float]]) -> str:
    bare = any("bare" in row for row in metrics.values())
    header = f"{'corpus':<18} {'metric':<16} {'ours-as-deployed':>16} {'trafilatura-direct':>19}"
    lines = [header + (f" {'extract_article-bare':>21}" if bare else "")]
    for key, row in metrics.items():
        _, corpus, metric = key.split(".", 2)
        fmt = "{:.0f}" if metric in ("pages", "errors") else "{:.4f}"

        def cell(value, width: int, fmt: str = fmt) -> str:
            return f"{'' if value is None or value != value else fmt.format(value):>{width}}"

        line = (
            f"{corpus:<18} {metric:<16} {cell(row.get('ours'), 16)} {cell(row.get('direct'), 19)}"
        )
        lines.append(line + (f" {cell(row.get('bare'), 21)}" if bare else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="at most N pages per corpus")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", choices=(ZYTE, N4K, TRAF), action="append")
    parser.add_argument("--json", type=Path, help="write metrics and per-page rows here")
    parser.add_argument("--check", action="store_true", help="fail below evals/baseline.json")
    parser.add_argument(
        "--bare", action="store_true", help="also extract_article directly on the served bytes"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    limits = {c: args.limit for c in (args.only or (ZYTE, N4K, TRAF))}
    metrics, outcomes = evaluate(args.corpus, limits, bare=args.bare)
    sys.stdout.write(format_table(metrics) + "\n")
    collisions = canonical_collisions([o.page for o in outcomes])
    sys.stdout.write(
        f"{len(outcomes)} pages in {time.monotonic() - started:.0f} s (the nightly flow over "
        f"loopback feeds; {collisions} pages share a canonical URL with another)\n"
    )
    if args.json:
        rows = [
            {
                "corpus": o.page.corpus,
                "key": o.page.key,
                "url": o.page.url,
                **{k: v for k, v in vars(o).items() if k != "page"},
            }
            for o in outcomes
        ]
        args.json.write_text(json.dumps({"metrics": metrics, "pages": rows}, indent=1))
    if args.check and args.limit is None and not args.only:
        failures = check_floors(metrics, {k: v for k, v in load_floors().items()})
        failures = [f for f in failures if not f.startswith("extraction.subset.")]
        for line in failures:
            sys.stdout.write(f"BELOW FLOOR {line}\n")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
