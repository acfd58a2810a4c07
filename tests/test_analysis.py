"""Analysis of a night's articles: the same result in one process or spread over a pool."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from evals.analysis import DATA, load_companies, load_jsonl
from tipsheet.core import analysis, facts
from tipsheet.core.config import Company, load_config
from tipsheet.core.records import ArticleText


def articles() -> list[ArticleText]:
    """The labelled texts, plus cut and re-headlined copies so that stories form."""
    out = []
    for name in ("mentions.jsonl", "events.jsonl"):
        for i, row in enumerate(load_jsonl(DATA / name)):
            out.append(
                ArticleText(
                    id=f"{name[0]}{i:04d}",
                    title=row.get("title"),
                    text=row.get("text") or "",
                    source_company=row.get("source_company"),
                )
            )
    copies = [
        replace(a, id="c" + a.id, title=f"{a.title or ''} - Wire", text=a.text[:-20])
        for a in out[::5]
    ]
    return sorted(out + copies, key=lambda a: a.id)


def test_pool_gives_the_serial_result(monkeypatch):
    from tipsheet.flows.tasks import analysis_pool

    companies = load_companies()
    items = articles()
    known = [(a.id, "story-" + a.id, f"{a.title}\n{a.text}") for a in items[:40]]
    new = items[40:]
    # A Mention's `matched` breaks a tie between surface forms as often seen and as long
    # ("Gap" and "GAP") by set order (matching.py), which follows the process's hash seed.
    # So the serial path runs in a spawned process too, every process with the same seed.
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as one:
        serial = one.submit(analysis.analyse_articles, new, companies, known).result()
    with analysis_pool(SimpleNamespace(companies=companies)) as pool:
        pooled = analysis.analyse_articles(new, companies, known, pool)
        early = analysis.analyse_articles(
            new, companies, known, facts=analysis.pooled_facts(pool, new)
        )
    assert pooled == serial == early
    assert serial.mentions and serial.events
    assert len(set(serial.stories.values())) < len(new)  # some copies joined a story
    assert list(serial.stories) == [a.id for a in new] == serial.article_ids


def test_companies_travel_to_workers_as_plain_data():
    demo = load_config(Path(__file__).resolve().parents[1] / "demo" / "config.yaml")
    for companies in (load_companies(), demo.companies):
        data = facts.companies_as_data(companies)
        assert {k: Company.model_validate(v) for k, v in data.items()} == companies


def test_a_batch_of_articles_has_the_facts_of_each_alone():
    finder = facts.FactFinder(load_companies())
    items = articles()[:80]
    found = finder.facts_of(items)
    assert found == [finder.facts(a) for a in items]
    assert any(m for m, _ in found) and any(e for _, e in found)
