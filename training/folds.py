"""The labelled sets as a real night stores them, analysed fold by fold: what the ranking
is fitted on (`make train`) and what `make eval` scores.

1. `real_run`: each judgement set (BBC, HuffPost) is served from a loopback server as one
   HTML page per article and an RSS feed listing them (the BBC articles carry no dates:
   every item is dated AS_OF); a config whose only source is that feed, whose companies are
   the set's `companies.yaml` and whose managers are the set's scenarios, goes through the
   nightly run (fetch, extract, store, analyse, digests). The stored database is kept under
   `.cache/evals/`, keyed by the inputs.
2. `fold_models` and `analyse_folds`: for each fixed fold, an event and a mention model
   trained without that fold's articles are injected into
   `tipsheet.core.analysis.analyse_articles`, the function the flow calls, on the stored rows
   of that fold; its mentions and events are stored as the flow stores them. A fold model's
   thresholds are chosen on the other folds' out-of-fold probabilities.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from tipsheet.core import analysis
from tipsheet.core.config import load_config
from tipsheet.core.facts import Models
from tipsheet.demo.localweb import LocalServer, Response
from tipsheet.storage import db, reads, writes
from training import corpus, train

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "evals"
AS_OF = date(2026, 11, 20)  # the day every article is stored as of
CACHE_INPUTS = ("connectors", "storage", "flows")  # code whose change means a new run
# A stored article's id hashes its URL, port included, and the ranking breaks exact ties by
# id: on any free port, each new real run fitted other weights from the same texts. Below
# Linux's ephemeral range (32768-60999): from 48630, a port the kernel had given to a test's
# client socket on 127.0.0.1 once failed CI's run.
REAL_RUN_PORT = 28630


@dataclass
class Stored:
    """One judgement set after the real run: its database and article id per doc."""

    name: str
    database: Path
    config: Path
    article_of: dict[str, str]  # doc -> stored article id
    data: dict


def _page(doc: dict) -> bytes:
    paras = [p.strip() for p in doc["text"].split("\n") if p.strip()]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    title = html.escape(doc["title"])
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><header><a href='/'>Judgement set</a></header><main><article>"
        f"<h1>{title}</h1>\n{body}\n</article></main><footer>Evaluation page</footer>"
        "</body></html>"
    ).encode()


def _path(doc: dict) -> str:
    return "/article/" + doc["doc"].replace(":", "-") + ".html"


def _feed(base: str, docs: list[dict], day: date) -> bytes:
    when = format_datetime(datetime(day.year, day.month, day.day, 6, tzinfo=UTC), usegmt=True)
    items = "".join(
        f"<item><title>{escape(d['title'])}</title><link>{escape(base + _path(d))}</link>"
        f"<description>{escape(d['text'][:400])}</description><pubDate>{when}</pubDate></item>\n"
        for d in docs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>judgement</title><link>{escape(base)}/</link><description>set</description>\n"
        f"{items}</channel></rss>\n"
    ).encode()


def _config(workdir: Path, data: dict, feed_url: str) -> Path:
    companies = data["companies"]
    managers = []
    for key, sc in (data.get("scenarios") or {}).items():
        m = dict(sc["manager"])
        m["id"] = key.replace("_", "-")
        managers.append(m)
    if not managers:  # a set without scenarios still needs a manager for the config
        first = next(iter(companies))
        managers = [
            {
                "id": "reader",
                "name": "Reader",
                "company": first,
                "role": "reader",
                "rejected_on": "2026-10-01",
            }
        ]
    comps = {k: dict(v) for k, v in companies.items()}
    for sc in (data.get("scenarios") or {}).values():
        own = comps[sc["manager"]["company"]]
        own.setdefault("competitors", [])
        own.setdefault("customers", [])
        own["competitors"] = list(dict.fromkeys(own["competitors"] + sc["competitors"]))
        own["customers"] = list(dict.fromkeys(own["customers"] + sc["customers"]))
    return loopback_config(
        workdir, "Judgement evaluation", managers, comps, [feed_url], 8, lookback_days=3650
    )


def loopback_config(
    workdir: Path,
    title: str,
    managers: list[dict],
    companies: dict,
    feed_urls: list[str],
    concurrency: int,
    **settings,
) -> Path:
    """A config whose only sources are feeds on a loopback server, read without politeness
    delays (make eval's and make train's real runs)."""
    config = {
        "me": {"name": title},
        "managers": managers,
        "companies": companies,
        "industry_sources": [{"type": "feed", "url": url} for url in feed_urls],
        "settings": {
            "database": str(workdir / "tipsheet.duckdb"),
            "digests_dir": str(workdir / "digests"),
            "timezone": "UTC",
            **settings,
            "fetch": {
                "allow_private_hosts": True,  # the server is on loopback
                "delay_s": 0,
                "per_host_concurrency": concurrency,
                "max_articles_per_source": 100_000,
                "backoff_s": 0.2,
            },
        },
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _cache_key(name: str, corpus_path: Path) -> str:
    h = hashlib.sha256()
    base = corpus_path / name
    for f in [base / "docs.jsonl", base / "companies.yaml"]:
        h.update(f.read_bytes())
    for folder in CACHE_INPUTS:
        for f in sorted((ROOT / folder).rglob("*.py")) + sorted((ROOT / folder).rglob("*.sql")):
            h.update(f.read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


def real_run(name: str, corpus_path: Path, fresh: bool = False) -> Stored:
    """The set's texts as the nightly run stores them (cached by inputs)."""
    from tipsheet.plain import nightly_plain

    data = corpus.judged(name, corpus_path)
    workdir = CACHE / f"{name}-{_cache_key(name, corpus_path)}"
    done = workdir / "stored.json"
    if fresh and workdir.exists():
        shutil.rmtree(workdir)
    if not done.exists():
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        try:
            server = LocalServer(port=REAL_RUN_PORT)
        except OSError as exc:
            raise SystemExit(
                f"{name}: cannot serve the real run on 127.0.0.1:{REAL_RUN_PORT} "
                f"({exc.strerror}): is another `make train` or `make eval` running?"
            ) from None
        for d in data["docs"]:
            server.routes[_path(d)] = Response(
                _page(d), headers={"Content-Type": "text/html; charset=utf-8"}
            )
        with server:
            server.routes["/feed.xml"] = Response(
                _feed(server.base, data["docs"], AS_OF - timedelta(days=1)),
                headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            )
            config = _config(workdir, data, server.url("/feed.xml"))
            nightly_plain(str(config), AS_OF)
        con = db.connect(workdir / "tipsheet.duckdb")
        try:
            by_url = dict(con.execute("SELECT url, id FROM articles").fetchall())
        finally:
            con.close()
        article_of = {}
        for d in data["docs"]:
            hit = [aid for url, aid in by_url.items() if url.endswith(_path(d))]
            if hit:
                article_of[d["doc"]] = hit[0]
        done.write_text(json.dumps(article_of), encoding="utf-8")
    article_of = json.loads(done.read_text(encoding="utf-8"))
    return Stored(name, workdir / "tipsheet.duckdb", workdir / "config.yaml", article_of, data)


@dataclass
class FoldModels:
    events: dict[int, object]
    mentions: dict[int, object]


def fold_models(event_examples, mention_examples, event_folds=None) -> FoldModels:
    """One event and one mention model per fold, each trained without that fold;
    `event_folds` reuses `train.out_of_fold_events`'s result when it was already computed."""
    judged, probs, ev = event_folds or train.out_of_fold_events(event_examples)
    for k in range(5):
        others = [i for i, e in enumerate(judged) if e.fold != k]
        ev[k].threshold, ev[k].type_threshold = train.event_thresholds(
            [judged[i] for i in others], probs[others]
        )
    men, mprobs = {}, {}
    for k in range(5):
        men[k] = train.fit_mentions([e for e in mention_examples if e.fold != k])
        held = [i for i, e in enumerate(mention_examples) if e.fold == k and e.candidate]
        judged = men[k].judge([mention_examples[i].candidate for i in held])
        mprobs.update({i: p for i, (p, _) in zip(held, judged, strict=True)})
    for k in range(5):
        others = [i for i, e in enumerate(mention_examples) if e.fold != k]
        men[k].threshold = train.mention_threshold(
            [mention_examples[i] for i in others],
            {n: mprobs.get(i, 0.0) for n, i in enumerate(others)},
        )
    return FoldModels(ev, men)


def analyse_folds(stored: Stored, models: FoldModels) -> None:
    """Re-analyse the stored articles fold by fold with that fold's models, storing the
    mentions and events as the nightly analysis does."""
    cfg = load_config(stored.config)
    fold_of = {
        stored.article_of[d["doc"]]: d["fold"]
        for d in stored.data["docs"]
        if d["doc"] in stored.article_of
    }
    con = db.connect(stored.database)
    try:
        with writes.transaction(con):
            con.execute("DELETE FROM mentions")
            con.execute("DELETE FROM events")
            con.execute("UPDATE articles SET analysed_at = NULL, story_id = NULL")
        pending = reads.unanalysed_articles(con)
        for k in range(5):
            rows = [a for a in pending if fold_of.get(a.id) == k]
            result = analysis.analyse_articles(
                rows, cfg.companies, [], models=Models(models.events[k], models.mentions[k])
            )
            writes.save_analysis(con, result)
    finally:
        con.close()
