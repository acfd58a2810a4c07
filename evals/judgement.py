"""Judgement on labelled real news written by others, through the production path.

    python -m evals.judgement [--corpus PATH] [--json OUT] [--fresh]

1. A real run stores the texts (`training.folds.real_run`: each set served on loopback and
   read by the nightly run).
2. Cross-validation over the fixed folds (`training.folds.analyse_folds`): each fold's
   stored articles analysed by `analyse_articles`, the function the flow calls, with models
   trained without that fold, and stored as the flow stores them.
3. Scoring reads the `events` and `mentions` tables, with SOURCE.md's definitions:
   events P and R on articles with an event and the share of no-event articles tagged;
   mentions P and R by folds and leave-company-out (each company's pairs scored by a
   model trained without any of its labels: what a user adding a company gets).

Cross-corpus figures use the committed models (never trained on them): Reuters-21578's
ModApte test split (`acq`, `earn`) and SENTiVENT (sentences, types mapped by SOURCE.md).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tipsheet.core.config import Company
from tipsheet.core.matching import CompanyMatcher
from tipsheet.storage import db
from training import corpus, train
from training.folds import Stored, analyse_folds, fold_models, real_run

ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = {  # ../shared/corpus/bbc-judgement/AGREEMENT.md: two readers, one guide
    "events": {"precision": 1.0, "recall": 0.971, "tagged": 0.0},
    "mentions": {"precision": 1.0, "recall": 1.0},
}


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
    docs = stored.data["docs"]
    s = train.event_score(
        (d["primary"], d["secondary"], by_article.get(stored.article_of.get(d["doc"]), set()))
        for d in docs
    )
    return {
        "precision": round(s.precision, 4),
        "recall": round(s.recall, 4),
        "tagged": round(s.tagged, 4),
        "with_event": s.positives,
        "without_event": s.negatives,
        "not_stored": sum(d["doc"] not in stored.article_of for d in docs),
    }


def _prf(pairs: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if p and not y)
    fn = sum(1 for y, p in pairs if y and not p)
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "pairs": len(pairs),
        "false": fp,
        "missed": fn,
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
    any label of that company, on the stored texts; with the companies that gave the false
    and the missed mentions (where a new feature is most needed)."""
    companies = {k: Company.model_validate(v) for k, v in stored.data["companies"].items()}
    pairs = []
    # company -> [count, first doc, its snippet], for the false and the missed mentions
    errors: dict[str, dict[str, list]] = {"false": {}, "missed": {}}
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
        cache: dict[str, dict[str, str]] = {}
        for r in stored.data["mentions"]:
            if r["company"] not in keys:
                continue
            aid = stored.article_of.get(r["doc"])
            if aid not in cache:
                title, text, summary = texts.get(aid, (None, "", None))
                found = matcher.mentions(aid or "", title, text or summary or "")
                cache[aid] = {m.company_id: m.snippet for m in found}
            gold, got = bool(r["mentioned"]), r["company"] in cache[aid]
            pairs.append((gold, got))
            if gold != got:
                entry = errors["false" if got else "missed"].setdefault(
                    r["company"], [0, r["doc"], cache[aid].get(r["company"], "")]
                )  # the first error of a company is its example
                entry[0] += 1
    return {**_prf(pairs), "errors": errors}


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
        errors = report[name]["mentions_lco"]["errors"]
        for kind, top in (("false", 5), ("missed", 3)):
            worst = sorted(errors[kind].items(), key=lambda kv: (-kv[1][0], kv[0]))
            if worst:
                w(f"{name.split('-')[0]} leave-company-out {kind} mentions, most first:\n")
            for company, (count, doc, snippet) in worst[:top]:
                example = f": {snippet[:90]!r}" if snippet else ""
                w(f"  {company:14} {count:3}  e.g. {doc}{example}\n")
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
