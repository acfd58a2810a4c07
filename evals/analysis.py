"""Regression and cross-corpus figures of the committed judgement models.

    python -m evals.analysis [--corpus PATH] [--split dev|test|all] [--no-corpus] [--json]

Our own labelled sets in tests/data/ (mentions.jsonl, events.jsonl; the companies they are
matched against in tests/data/companies.yaml) were written alongside the code: they are
regression tests, reported apart, never the headline (the models are not trained on them).
The headline figures come from evals/judgement.py, on real news written by others. The
cross-corpus sets below are never trained on, so the committed models are scored directly.

Counting units: one (article, company) pair for mentions, one (article, event type) pair
for events. Shared corpora:
- sentivent-events: each sentence is an "article" (its gold event types mapped to ours by
  SOURCE.md's rough mapping); Employment.End counts for leadership_change or layoffs.
- reuters21578: ModApte TEST split, documents with topics; `acq` -> acquisition,
  `earn` -> earnings, judged on those two types only.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import hashlib
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from tipsheet.core.config import Company
from tipsheet.core.events import classify
from tipsheet.core.matching import CompanyMatcher
from tipsheet.core.records import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: set, pred: set, item_id: str = "") -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)
        if gold != pred:
            self.errors.append((item_id, sorted(pred - gold), sorted(gold - pred)))

    def row(self) -> dict:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def split_of(item_id: str) -> str:
    """A fixed half of the items is held out: the hash of the id decides."""
    return "test" if hashlib.sha1(item_id.encode()).digest()[0] % 2 else "dev"


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_companies(path: Path = DATA / "companies.yaml") -> dict[str, Company]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {k: Company.model_validate(v) for k, v in raw.items()}


def _select(items: list[dict], split: str) -> list[dict]:
    return [i for i in items if split == "all" or split_of(i["id"]) == split]


def eval_mentions(split: str = "test", data: Path = DATA) -> PRF:
    matcher = CompanyMatcher(load_companies(data / "companies.yaml"))
    prf = PRF()
    for item in _select(load_jsonl(data / "mentions.jsonl"), split):
        found = matcher.mentions(item["id"], item.get("title"), item["text"], item.get("source"))
        prf.add(set(item["companies"]), {m.company_id for m in found}, item["id"])
    return prf


def eval_events(split: str = "test", data: Path = DATA, main_only: bool = True) -> dict[str, PRF]:
    """Per-type scores; the gold labels are the events an item reports, so by default only
    its main events (stated in the headline or lede) count as predictions."""
    per_type = {t: PRF() for t in EVENT_TYPES}
    for item in _select(load_jsonl(data / "events.jsonl"), split):
        found = classify(item.get("title"), item["text"])
        pred = {e.event_type for e in found if e.in_lead or not main_only}
        gold = set(item["events"])
        for t in EVENT_TYPES:
            per_type[t].add({t} & gold, {t} & pred, item["id"])
    return per_type


def macro_f1(per_type: dict[str, PRF]) -> float:
    scored = [p.f1 for p in per_type.values() if p.tp + p.fn > 0]
    return sum(scored) / len(scored) if scored else 0.0


def micro(per_type: dict[str, PRF]) -> PRF:
    out = PRF()
    for p in per_type.values():
        out.tp, out.fp, out.fn = out.tp + p.tp, out.fp + p.fp, out.fn + p.fn
    return out


# --- shared corpora -----------------------------------------------------------------------

SENTIVENT_MAP = {
    "Merger/Acquisition": {"acquisition"},
    "Financing": {"funding"},
    "Investment": {"funding"},
    "Deal": {"partnership"},
    "Product/Service.Launch": {"product_launch"},
    "Employment.Start": {"leadership_change"},
    "Employment.End": {"leadership_change", "layoffs"},  # not separated upstream
    "FinancialReport": {"earnings"},
    "Revenue": {"earnings"},
    "Profit/Loss": {"earnings"},
    "Facility.Open": {"expansion"},
    "Legal": {"legal_regulatory"},
}
SENTIVENT_TYPES = (
    "acquisition",
    "funding",
    "partnership",
    "product_launch",
    "leadership_change",
    "layoffs",
    "earnings",
    "expansion",
    "legal_regulatory",
)


def _sentivent_gold(types: list[str], subtypes: list[str]) -> tuple[set[str], set[str]]:
    """(gold types, types for which either answer is right: the Employment.End ambiguity)."""
    gold: set[str] = set()
    either: set[str] = set()
    for label in list(types) + list(subtypes):
        mapped = SENTIVENT_MAP.get(label)
        if not mapped:
            continue
        if label == "Employment.End":
            either |= mapped
        else:
            gold |= mapped
    return gold, either


def eval_sentivent(corpus: Path, split: str = "all", limit: int | None = None) -> dict[str, PRF]:
    """Sentence-level events; the split is by document so sentences of one article stay together."""
    path = corpus / "sentivent-events" / "dataset_event_subtype.tsv"
    per_type = {t: PRF() for t in SENTIVENT_TYPES}
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    n = 0
    for row in rows:
        if split != "all" and split_of(row["document_id"]) != split:
            continue
        text = _detokenize(row["text"])
        gold, either = _sentivent_gold(
            ast.literal_eval(row["types_event_unq"]), ast.literal_eval(row["subtypes_event_unq"])
        )
        pred = {e.event_type for e in classify(None, text)}
        if either:
            # Employment.End: one of leadership_change / layoffs is right; credit whichever.
            hit = either & pred
            gold |= hit if hit else {"leadership_change"}
            pred -= either - hit if hit else set()
        for t in SENTIVENT_TYPES:
            per_type[t].add({t} & gold, {t} & pred, f"{row['document_id']}:{row['sentence_idx']}")
        n += 1
        if limit and n >= limit:
            break
    return per_type


def _detokenize(text: str) -> str:
    for a, b in (
        (" ' s ", "'s "),
        (" ,", ","),
        (" .", "."),
        (" %", "%"),
        ("$ ", "$"),
        (" ;", ";"),
        (" :", ":"),
        ("( ", "("),
        (" )", ")"),
        (" n't", "n't"),
        (" '", "'"),
    ):
        text = text.replace(a, b)
    return text


def eval_reuters(corpus: Path, limit: int | None = None, main_only: bool = True) -> dict[str, PRF]:
    """Topics say what a story is about: its main events count (SENTiVENT, by contrast,
    labels every event mention of a sentence, so all events count there)."""
    folder = corpus / "reuters21578" / "json"
    per_type = {"acquisition": PRF(), "earnings": PRF()}
    n = 0
    for path in sorted(folder.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            docs = json.load(fh)
        for doc in docs:
            attrs = doc.get("attrs", {})
            if attrs.get("lewissplit") != "TEST" or attrs.get("topics") != "YES":
                continue
            topics = set(doc.get("topics") or [])
            if not topics or not doc.get("body"):
                continue
            gold = {"acquisition"} & ({"acquisition"} if "acq" in topics else set())
            gold |= {"earnings"} if "earn" in topics else set()
            title = _unescape(doc.get("title") or "")
            body = _unescape(doc.get("body") or "")
            found = classify(title, body)
            pred = {e.event_type for e in found if e.in_lead or not main_only}
            pred &= {"acquisition", "earnings"}
            for t in per_type:
                per_type[t].add({t} & gold, {t} & pred, attrs.get("newid", ""))
            n += 1
            if limit and n >= limit:
                return per_type
    return per_type


def _unescape(s: str) -> str:
    import html

    return html.unescape(s).replace("\x03", "").replace(" Reuter", "")


# --- report -------------------------------------------------------------------------------


def run(split: str, corpus: Path | None, limit: int | None = None) -> dict:
    out: dict = {"split": split}
    m = eval_mentions(split)
    out["mentions"] = m.row()
    ev = eval_events(split)
    out["events"] = {
        "macro_f1": round(macro_f1(ev), 4),
        "micro": micro(ev).row(),
        "per_type": {t: p.row() for t, p in ev.items()},
    }
    if corpus is not None and corpus.is_dir():
        sv = eval_sentivent(corpus, "all", limit)
        out["sentivent"] = {
            "macro_f1": round(macro_f1(sv), 4),
            "micro": micro(sv).row(),
            "per_type": {t: p.row() for t, p in sv.items()},
        }
        rt = eval_reuters(corpus, limit)
        out["reuters"] = {
            "macro_f1": round(macro_f1(rt), 4),
            "per_type": {t: p.row() for t, p in rt.items()},
        }
    return out


def _print(report: dict, errors: bool) -> None:
    w = sys.stdout.write
    w(f"split: {report['split']}\n")
    m = report["mentions"]
    w(
        f"mentions  P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
        f"(tp={m['tp']} fp={m['fp']} fn={m['fn']})\n"
    )
    for key in ("events", "sentivent", "reuters"):
        if key not in report:
            continue
        e = report[key]
        w(f"{key:9} macro-F1={e['macro_f1']:.3f}\n")
        for t, r in e["per_type"].items():
            w(
                f"  {t:18} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f} "
                f"(tp={r['tp']} fp={r['fp']} fn={r['fn']})\n"
            )


BASELINE = Path(__file__).resolve().parent / "baseline.json"
FLOOR_MARGIN = 0.02  # floors sit a little under the measured figures


def floors(report: dict) -> dict[str, float]:
    """The "analysis.*" keys pinned in evals/baseline.json from one report."""
    out = {
        "analysis.mentions.precision": report["mentions"]["precision"],
        "analysis.mentions.recall": report["mentions"]["recall"],
        "analysis.events.macro_f1": report["events"]["macro_f1"],
    }
    if "sentivent" in report:
        out["analysis.sentivent.macro_f1"] = report["sentivent"]["macro_f1"]
    if "reuters" in report:
        out["analysis.reuters.acquisition.f1"] = report["reuters"]["per_type"]["acquisition"]["f1"]
        out["analysis.reuters.earnings.f1"] = report["reuters"]["per_type"]["earnings"]["f1"]
    return {k: round(max(0.0, v - FLOOR_MARGIN), 3) for k, v in out.items()}


def write_baseline(report: dict, path: Path = BASELINE) -> None:
    """Merge our keys into the shared file; other namespaces ("extraction.*") are kept."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update(floors(report))
    path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.analysis")
    ap.add_argument("--split", default="test", choices=["dev", "test", "all"])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--write-baseline",
        action="store_true",
        help="pin the floors (test split) in evals/baseline.json",
    )
    ap.add_argument("--errors", action="store_true", help="list mistakes (dev split only)")
    args = ap.parse_args(argv)
    started = datetime.now()
    report = run(args.split, None if args.no_corpus else args.corpus, args.limit)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        _print(report, args.errors)
    if args.errors and args.split == "dev":
        for item in eval_mentions("dev").errors:
            sys.stdout.write(f"mention error {item}\n")
        for t, p in eval_events("dev").items():
            for item in p.errors:
                sys.stdout.write(f"event error {t} {item}\n")
    if args.write_baseline:
        if args.split != "test":
            ap.error("--write-baseline pins held-out figures: use --split test")
        write_baseline(report)
        sys.stdout.write(f"floors written to {BASELINE}\n")
    sys.stdout.write(f"({(datetime.now() - started).total_seconds():.1f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
