"""Labelled corpora under ../shared/corpus, read by path (never copied into the project).

Each loader returns plain dicts; nothing here knows about models. A corpus that is absent
raises CorpusMissing, naming the path, so callers can skip (or fail under CI).
"""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
JUDGED = ("bbc-judgement", "huffpost-judgement")


class CorpusMissing(FileNotFoundError):
    """A labelled corpus is not on this machine."""


def _path(name: str, corpus: Path) -> Path:
    path = corpus / name
    if not path.is_dir():
        raise CorpusMissing(f"{path}: corpus not found")
    return path


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def judged(name: str, corpus: Path = CORPUS) -> dict:
    """One judgement set: docs (with their event label merged in), mentions, companies."""
    base = _path(name, corpus)
    docs = {d["doc"]: d for d in _jsonl(base / "docs.jsonl")}
    for label in _jsonl(base / "labels" / "events.jsonl"):
        doc = docs[label["doc"]]
        doc["primary"] = label["primary"]
        doc["secondary"] = list(label.get("secondary") or [])
        doc["event_company"] = label.get("company")
    mentions = _jsonl(base / "labels" / "mentions.jsonl")
    companies = yaml.safe_load((base / "companies.yaml").read_text(encoding="utf-8"))
    out = {"name": name, "docs": list(docs.values()), "mentions": mentions, "companies": companies}
    value = base / "labels" / "value.jsonl"
    if value.exists():
        out["value"] = _jsonl(value)
        out["scenarios"] = yaml.safe_load((base / "scenarios.yaml").read_text(encoding="utf-8"))
    return out


def reuters(split: str, corpus: Path = CORPUS) -> list[dict]:
    """Reuters-21578 ModApte documents of one split (TRAIN or TEST) that carry topics."""
    out = []
    for path in sorted((_path("reuters21578", corpus) / "json").glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            for doc in json.load(fh):
                attrs = doc.get("attrs", {})
                if attrs.get("lewissplit") != split or attrs.get("topics") != "YES":
                    continue
                if not doc.get("topics") or not doc.get("body"):
                    continue
                out.append(
                    {
                        "doc": f"reuters:{attrs.get('newid')}",
                        "title": _clean(doc.get("title") or ""),
                        "text": _clean(doc.get("body") or ""),
                        "topics": list(doc["topics"]),
                    }
                )
    return out


def _clean(s: str) -> str:
    return html.unescape(s).replace("\x03", "").replace(" Reuter", "").strip()


def files_for_manifest(corpus: Path = CORPUS) -> list[Path]:
    """The files whose content a trained model depends on (hashed into its manifest)."""
    files: list[Path] = []
    for name in JUDGED:
        base = _path(name, corpus)
        files += [base / "docs.jsonl", base / "companies.yaml"]
        files += sorted((base / "labels").glob("*.jsonl"))
    files += sorted((_path("reuters21578", corpus) / "json").glob("*.json.gz"))
    return files
