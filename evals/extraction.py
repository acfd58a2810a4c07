"""Extraction quality on real pages written by others, fetched over HTTP as deployed.

    python -m evals.extraction [--limit N] [--corpus PATH] [--json OUT] [--check]

Serves the corpus pages from a local HTTP server (decompressed, with the charset the page
declares in its Content-Type), fetches them with httpx, runs `extract_article` on the bytes
and headers, and in the same run scores trafilatura called directly with its defaults on the
same files. Corpora (../shared/corpus):

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
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import trafilatura
from trafilatura.utils import load_html

from connectors.extract import ExtractionError, extract_article
from evals.textmetrics import overlap, prf

LOGGER = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(
    os.environ.get("TIPSHEET_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
BASELINE = Path(__file__).with_name("baseline.json")
ZYTE, N4K, TRAF = "zyte", "newspaper4k", "trafilatura_eval"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)


@dataclass
class Page:
    corpus: str
    key: str
    path: Path
    url: str
    truth: dict = field(default_factory=dict)


@dataclass
class Outcome:
    page: Page
    ours_text: str = ""
    ours_title: str | None = None
    ours_day: str | None = None
    ours_error: str | None = None
    direct_text: str = ""
    direct_title: str | None = None
    direct_day: str | None = None


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


class CorpusServer:
    """A loopback HTTP server answering /<index> with page <index>, in a thread."""

    def __init__(self, pages: list[Page]):
        served = pages

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                try:
                    page = served[int(self.path.strip("/"))]
                except (ValueError, IndexError):
                    self.send_error(404)
                    return
                body = _page_bytes(page)
                self.send_response(200)
                self.send_header("Content-Type", _content_type(page, body))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> CorpusServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# --- one page -----------------------------------------------------------------------------


def _day(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)[:10] or None


def run_page(args: tuple[str, int, Page, datetime]) -> Outcome:
    """Fetch one page over HTTP, extract it our way, and extract the file trafilatura's way."""
    base, index, page, fetched_at = args
    out = Outcome(page)
    response = httpx.get(f"{base}/{index}", timeout=60)
    response.raise_for_status()
    try:
        article = extract_article(
            response.content, page.url, response.headers.get("content-type"), fetched_at
        )
        out.ours_text, out.ours_title = article.text, article.title
        out.ours_day = _day(article.published_at)
    except ExtractionError as err:
        out.ours_error = err.reason
    raw = _page_bytes(page)
    # trafilatura as a user would call it: defaults, on the file's bytes (its own decoding)
    out.direct_text = trafilatura.extract(raw, url=page.url) or ""
    meta = trafilatura.extract_metadata(load_html(raw), default_url=page.url)
    out.direct_title, out.direct_day = meta.title, _day(meta.date)
    return out


# --- scores -------------------------------------------------------------------------------


def _ws(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def _truth_text(page: Page) -> str:
    return page.truth.get("articleBody") or page.truth.get("text") or ""


def score(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    metrics: dict[str, dict[str, float]] = {}
    by_corpus: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_corpus.setdefault(o.page.corpus, []).append(o)
    for corpus in (ZYTE, N4K):
        rows = by_corpus.get(corpus)
        if not rows:
            continue
        for who in ("ours", "direct"):
            overlaps = [overlap(_truth_text(o.page), getattr(o, f"{who}_text")) for o in rows]
            for name, value in prf(overlaps).items():
                metrics.setdefault(f"extraction.{corpus}.{name}", {})[who] = value
        metrics[f"extraction.{corpus}.pages"] = {"ours": len(rows), "direct": len(rows)}
        errors = sum(o.ours_error is not None for o in rows)
        metrics[f"extraction.{corpus}.errors"] = {"ours": errors, "direct": float("nan")}
    rows = by_corpus.get(N4K)
    if rows:
        for who in ("ours", "direct"):
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
        for who in ("ours", "direct"):
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
        metrics[f"extraction.{TRAF}.pages"] = {"ours": len(rows), "direct": len(rows)}
    return metrics


def evaluate(
    corpus: Path = DEFAULT_CORPUS,
    limits: dict[str, int | None] | None = None,
    workers: int | None = None,
) -> tuple[dict[str, dict[str, float]], list[Outcome]]:
    """Serve, fetch, extract and score; limits default to every page of the three corpora."""
    limits = limits if limits is not None else {ZYTE: None, N4K: None, TRAF: None}
    pages = load_pages(corpus, limits)
    fetched_at = datetime.now(UTC)
    workers = workers or min(2, os.cpu_count() or 1)
    with CorpusServer(pages) as server, ProcessPoolExecutor(workers) as pool:
        jobs = [(server.base, i, page, fetched_at) for i, page in enumerate(pages)]
        outcomes = list(pool.map(run_page, jobs, chunksize=4))
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
    lines = [f"{'corpus':<18} {'metric':<16} {'ours':>8} {'trafilatura-direct':>19}"]
    for key, row in metrics.items():
        _, corpus, metric = key.split(".", 2)
        ours, direct = row.get("ours"), row.get("direct")
        fmt = "{:>8.0f}" if metric in ("pages", "errors") else "{:>8.4f}"
        direct_s = "" if direct is None or direct != direct else fmt.format(direct)
        lines.append(f"{corpus:<18} {metric:<16} {fmt.format(ours)} {direct_s:>19}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="at most N pages per corpus")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", choices=(ZYTE, N4K, TRAF), action="append")
    parser.add_argument("--json", type=Path, help="write metrics and per-page rows here")
    parser.add_argument("--check", action="store_true", help="fail below evals/baseline.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    limits = {c: args.limit for c in (args.only or (ZYTE, N4K, TRAF))}
    metrics, outcomes = evaluate(args.corpus, limits)
    sys.stdout.write(format_table(metrics) + "\n")
    sys.stdout.write(f"{len(outcomes)} pages in {time.monotonic() - started:.0f} s\n")
    if args.json:
        rows = [
            {
                "corpus": o.page.corpus,
                "key": o.page.key,
                "url": o.page.url,
                "ours_title": o.ours_title,
                "ours_day": o.ours_day,
                "ours_error": o.ours_error,
                "direct_title": o.direct_title,
                "direct_day": o.direct_day,
                "ours_text": o.ours_text,
                "direct_text": o.direct_text,
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
