"""Judgement on labelled real news written by others, through the production path.

    python -m evals.judgement [--corpus PATH] [--json OUT] [--fresh]

1. A real run stores the texts. Each judgement set (BBC, HuffPost) is served from a
   loopback server as one HTML page per article and an RSS feed listing them (the BBC
   articles carry no dates: every item is dated the evaluation day); a config whose only
   source is that feed, whose companies are the set's `companies.yaml` and whose managers
   are the set's scenarios, goes through the nightly run (fetch, extract, store, analyse,
   digests). The stored database is kept under `.cache/evals/`, keyed by the inputs.
2. Cross-validation over the fixed folds: for each fold, an event model and a mention model
   are trained without that fold's articles (`training.train`) and injected into
   `tipsheet.core.analysis.analyse_articles`, the function the flow calls, on the stored rows of
   that fold; its mentions and events are stored as the flow stores them. The event
   threshold of a fold's model is chosen on the other folds' out-of-fold probabilities.
3. Scoring reads the `events` and `mentions` tables, with SOURCE.md's definitions:
   events P and R on articles with an event and the share of no-event articles tagged;
   mentions P and R by folds and leave-company-out (each company's pairs scored by a
   model trained without any of its labels: what a user adding a company gets).

Cross-corpus figures use the committed models (never trained on them): Reuters-21578's
ModApte test split (`acq`, `earn`) and SENTiVENT (sentences, types mapped by SOURCE.md).
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import yaml

from tests.localserver import LocalServer, Response
from tipsheet.core import analysis
from tipsheet.core.config import Company, load_config
from tipsheet.core.facts import Models
from tipsheet.core.matching import CompanyMatcher
from tipsheet.storage import db, writes
from training import corpus, train

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "evals"
AS_OF = date(2026, 11, 20)  # the day every article is stored as of
AGREEMENT = {  # ../shared/corpus/bbc-judgement/AGREEMENT.md: two readers, one guide
    "events": {"precision": 1.0, "recall": 0.971, "tagged": 0.0},
    "mentions": {"precision": 1.0, "recall": 1.0},
}
CACHE_INPUTS = ("connectors", "storage", "flows")  # code whose change means a new run


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
    config = {
        "me": {"name": "Judgement evaluation"},
        "managers": managers,
        "companies": comps,
        "industry_sources": [{"type": "feed", "url": feed_url}],
        "settings": {
            "database": str(workdir / "tipsheet.duckdb"),
            "digests_dir": str(workdir / "digests"),
            "timezone": "UTC",
            "lookback_days": 3650,
            "fetch": {
                "allow_private_hosts": True,  # the evaluation server is on loopback
                "delay_s": 0,
                "per_host_concurrency": 8,
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
        server = LocalServer()
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


# --- cross-validated analysis through analyse_articles -----------------------------------


@dataclass
class FoldModels:
    events: dict[int, object]
    mentions: dict[int, object]


def fold_models(event_examples, mention_examples) -> FoldModels:
    """One event and one mention model per fold, each trained without that fold."""
    judged = [e for e in event_examples if e.fold >= 0]
    probs = np.zeros((len(judged), 10))
    ev: dict[int, object] = {}
    for k in range(5):
        ev[k] = train.fit_events([e for e in event_examples if e.fold != k])
        idx = [i for i, e in enumerate(judged) if e.fold == k]
        probs[idx] = ev[k].proba([judged[i].parts for i in idx])
    for k in range(5):
        others = [i for i, e in enumerate(judged) if e.fold != k]
        ev[k].threshold = train.event_threshold([judged[i] for i in others], probs[others])
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
        from tipsheet.storage import reads

        pending = reads.unanalysed_articles(con)
        for k in range(5):
            rows = [a for a in pending if fold_of.get(a.id) == k]
            result = analysis.analyse_articles(
                rows, cfg.companies, [], models=Models(models.events[k], models.mentions[k])
            )
            writes.save_analysis(con, result)
    finally:
        con.close()


# --- scoring ------------------------------------------------------------------------------


def _stored_rows(stored: Stored):
    con = db.connect_read_only(stored.database)
    try:
        events = con.execute("SELECT article_id, event_type FROM events").fetchall()
        mentions = con.execute("SELECT article_id, company_id FROM mentions").fetchall()
        texts = {
            aid: (title, text, summary)
            for aid, title, text, summary in con.execute(
                "SELECT id, title, text, summary FROM articles"
            ).fetchall()
        }
    finally:
        con.close()
    return events, mentions, texts


def score_events(stored: Stored, events: list[tuple[str, str]]) -> dict:
    by_article: dict[str, set[str]] = {}
    for aid, t in events:
        by_article.setdefault(aid, set()).add(t)
    tp = fp = found = positives = negatives = tagged = 0
    missing = 0
    for d in stored.data["docs"]:
        aid = stored.article_of.get(d["doc"])
        missing += aid is None
        pred = by_article.get(aid, set())
        right = {d["primary"], *d["secondary"]}
        tp += len(pred & right)
        fp += len(pred - right)
        if d["primary"] != "none":
            positives += 1
            found += d["primary"] in pred
        else:
            negatives += 1
            tagged += bool(pred - set(d["secondary"]))
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(found / positives, 4),
        "tagged": round(tagged / negatives, 4),
        "with_event": positives,
        "without_event": negatives,
        "not_stored": missing,
    }


def _prf(pairs: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if p and not y)
    fn = sum(1 for y, p in pairs if y and not p)
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "pairs": len(pairs),
    }


def score_mentions_folds(stored: Stored, mentions: list[tuple[str, str]]) -> dict:
    found = set(mentions)
    pairs = [
        (bool(r["mentioned"]), (stored.article_of.get(r["doc"]), r["company"]) in found)
        for r in stored.data["mentions"]
    ]
    return _prf(pairs)


def lco_models(examples, groups: int = 10) -> dict[int, object]:
    """One mention model per company group, trained without that group's labels; each
    model's threshold is chosen on the other groups' out-of-group probabilities."""
    models, probs = {}, {}
    for g in range(groups):
        models[g] = train.fit_mentions([e for e in examples if train.company_group(e, groups) != g])
        held = [i for i, e in enumerate(examples) if train.company_group(e, groups) == g]
        usable = [i for i in held if examples[i].candidate is not None]
        judged = models[g].judge([examples[i].candidate for i in usable])
        probs.update({i: p for i, (p, _) in zip(usable, judged, strict=True)})
    for g, model in models.items():
        others = [i for i, e in enumerate(examples) if train.company_group(e, groups) != g]
        model.threshold = train.mention_threshold(
            [examples[i] for i in others], {n: probs.get(i, 0.0) for n, i in enumerate(others)}
        )
    return models


def score_mentions_lco(stored: Stored, texts: dict, examples, models, groups: int = 10) -> dict:
    """Each company's pairs judged by CompanyMatcher.mentions with a model trained without
    any label of that company, on the stored texts."""
    companies = {k: Company.model_validate(v) for k, v in stored.data["companies"].items()}
    pairs = []
    for g in range(groups):
        keys = sorted(
            {
                e.company
                for e in examples
                if e.set == stored.name and train.company_group(e, groups) == g
            }
        )
        if not keys:
            continue
        matcher = CompanyMatcher({k: companies[k] for k in keys}, models[g])
        cache: dict[str, set[str]] = {}
        for r in stored.data["mentions"]:
            if r["company"] not in keys:
                continue
            aid = stored.article_of.get(r["doc"])
            if aid not in cache:
                title, text, summary = texts.get(aid, (None, "", None))
                found = matcher.mentions(aid or "", title, text or summary or "")
                cache[aid] = {m.company_id for m in found}
            pairs.append((bool(r["mentioned"]), r["company"] in cache[aid]))
    return _prf(pairs)


# --- report -------------------------------------------------------------------------------


def evaluate(corpus_path: Path = corpus.CORPUS, fresh: bool = False, say=None) -> dict:
    say = say or (lambda s: None)
    started = time.time()
    stores = {name: real_run(name, corpus_path, fresh) for name in corpus.JUDGED}
    say(f"real runs stored ({time.time() - started:.0f} s)\n")
    event_examples = train.event_examples(corpus_path)
    mention_examples = train.mention_examples(corpus_path)
    models = fold_models(event_examples, mention_examples)
    by_company = lco_models(mention_examples)
    say(f"fold and leave-company-out models trained ({time.time() - started:.0f} s)\n")
    out: dict = {}
    for name, stored in stores.items():
        analyse_folds(stored, models)
        events, mentions, texts = _stored_rows(stored)
        out[name] = {
            "events": score_events(stored, events),
            "mentions_folds": score_mentions_folds(stored, mentions),
            "mentions_lco": score_mentions_lco(stored, texts, mention_examples, by_company),
        }
        if "value" in stored.data:
            from evals import ranking

            out[name]["ranking"] = ranking.evaluate(stored)
        say(f"{name} scored ({time.time() - started:.0f} s)\n")
    out["agreement"] = AGREEMENT
    out["seconds"] = round(time.time() - started, 1)
    return out


def floors(report: dict, margin: float = 0.02) -> dict[str, float]:
    """The "judgement.*" keys pinned in evals/baseline.json (tagged is a ceiling)."""
    out = {}
    for name in corpus.JUDGED:
        short = name.split("-")[0]
        r = report[name]
        out[f"judgement.{short}.events.precision"] = r["events"]["precision"] - margin
        out[f"judgement.{short}.events.recall"] = r["events"]["recall"] - margin
        out[f"judgement.{short}.events.tagged_max"] = r["events"]["tagged"] + margin / 2
        for kind in ("mentions_folds", "mentions_lco"):
            out[f"judgement.{short}.{kind}.precision"] = r[kind]["precision"] - margin
            out[f"judgement.{short}.{kind}.recall"] = r[kind]["recall"] - margin
        if "ranking" in r:
            out[f"judgement.{short}.ranking.p_at_5"] = r["ranking"]["p_at_5"] - margin
            out[f"judgement.{short}.ranking.ndcg_at_10"] = r["ranking"]["ndcg_at_10"] - margin
    return {k: round(max(0.0, v), 3) for k, v in out.items()}


def check(report: dict, baseline: dict) -> list[str]:
    """Floors missed, one line each (an empty list: every floor holds)."""
    bad = []
    for key, floor in floors(report, margin=0).items():
        pinned = baseline.get(key)
        if pinned is None:
            continue
        if key.endswith("_max") and floor > pinned or not key.endswith("_max") and floor < pinned:
            bad.append(f"{key}: {floor} against the floor {pinned}")
    return bad


def print_report(report: dict, w=sys.stdout.write) -> None:
    a = report["agreement"]
    w("set        events P  R      no-event tagged | mentions P  R (folds) ")
    w("| P  R (leave-company-out)\n")
    for name in corpus.JUDGED:
        r = report[name]
        e, f, c = r["events"], r["mentions_folds"], r["mentions_lco"]
        w(
            f"{name.split('-')[0]:10} {e['precision']:.3f} {e['recall']:.3f}  {e['tagged']:.3f}"
            f"           | {f['precision']:.3f} {f['recall']:.3f}         "
            f"| {c['precision']:.3f} {c['recall']:.3f}\n"
        )
    w(
        f"readers    {a['events']['precision']:.3f} {a['events']['recall']:.3f}  "
        f"{a['events']['tagged']:.3f}           | {a['mentions']['precision']:.3f} "
        f"{a['mentions']['recall']:.3f}   (two readers' agreement, AGREEMENT.md)\n"
    )
    for name in corpus.JUDGED:
        rk = report[name].get("ranking")
        if not rk:
            continue
        fb = rk["feedback_p_at_5"]
        w(
            f"{name.split('-')[0]} ranking, leave-one-scenario-out: P@5 {rk['p_at_5']:.3f} "
            f"nDCG@10 {rk['ndcg_at_10']:.3f}; second half P@5 without feedback "
            f"{fb['without_feedback']:.3f}, with the first half's feedback "
            f"{fb['with_feedback']:.3f}\n"
        )
        for sid, sc in rk["scenarios"].items():
            w(
                f"  {sid:14} relevant {sc['relevant']:3}  P@5 {sc['p_at_5']:.2f}  "
                f"nDCG@10 {sc['ndcg_at_10']:.3f}\n"
            )


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m evals.judgement")
    ap.add_argument("--corpus", type=Path, default=corpus.CORPUS)
    ap.add_argument("--fresh", action="store_true", help="redo the real runs, ignoring the cache")
    ap.add_argument("--json", type=Path, default=None, help="also write the report here")
    ap.add_argument(
        "--write-baseline", action="store_true", help="pin floors in evals/baseline.json"
    )
    args = ap.parse_args(argv)
    report = evaluate(args.corpus, args.fresh, say=sys.stderr.write)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    baseline_path = ROOT / "evals" / "baseline.json"
    baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    if args.write_baseline:
        baseline.update(floors(report))
        baseline_path.write_text(
            json.dumps(dict(sorted(baseline.items())), indent=2) + "\n", encoding="utf-8"
        )
    missed = check(report, baseline)
    for line in missed:
        sys.stdout.write(f"below floor: {line}\n")
    sys.stdout.write(f"({report['seconds']:.0f} s)\n")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
