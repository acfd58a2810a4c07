"""The analysis evaluation stays at or above the floors pinned in evals/baseline.json."""

from __future__ import annotations

import json

import pytest

from evals import analysis

BASE = json.loads(analysis.BASELINE.read_text(encoding="utf-8"))


def floor(key: str) -> float:
    return BASE[key]


def test_labelled_sets_are_large_and_well_formed():
    mentions = analysis.load_jsonl(analysis.DATA / "mentions.jsonl")
    events = analysis.load_jsonl(analysis.DATA / "events.jsonl")
    assert len(mentions) >= 200 and len(events) >= 140
    companies = analysis.load_companies()
    assert all(set(m["companies"]) <= set(companies) for m in mentions)
    assert len({m["id"] for m in mentions}) == len(mentions)


def test_mentions_floor():
    m = analysis.eval_mentions("test")
    assert m.precision >= floor("analysis.mentions.precision")
    assert m.recall >= floor("analysis.mentions.recall")


def test_events_floor():
    assert analysis.macro_f1(analysis.eval_events("test")) >= floor("analysis.events.macro_f1")


@pytest.mark.corpus
def test_sentivent_floor(corpus):
    sv = analysis.eval_sentivent(corpus)
    assert analysis.macro_f1(sv) >= floor("analysis.sentivent.macro_f1")


@pytest.mark.corpus
def test_reuters_floor(corpus):
    rt = analysis.eval_reuters(corpus)
    assert rt["acquisition"].f1 >= floor("analysis.reuters.acquisition.f1")
    assert rt["earnings"].f1 >= floor("analysis.reuters.earnings.f1")
