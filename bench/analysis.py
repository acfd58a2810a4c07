"""Analysis alone: articles per second per core for the judgement the night runs.

    .venv/bin/python -m bench.analysis [--articles N]

One process, one core: `FactFinder.facts_of` (the mention model over every company's
candidates, then the event model) on real article texts of the BBC judgement set with its
64 companies, in chunks of `analysis.CHUNK` articles, as a worker of the nightly analysis
runs it. The first call (loading the models and embeddings) is timed apart.
"""

from __future__ import annotations

import argparse
import sys
import time

from tipsheet.core.analysis import CHUNK
from tipsheet.core.config import Company
from tipsheet.core.facts import FactFinder
from tipsheet.core.records import ArticleText
from training import corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.analysis")
    ap.add_argument("--articles", type=int, default=600)
    args = ap.parse_args(argv)
    data = corpus.judged("bbc-judgement")
    companies = {k: Company.model_validate(v) for k, v in data["companies"].items()}
    docs = data["docs"][: args.articles]
    articles = [ArticleText(d["doc"], d["title"], d["text"]) for d in docs]
    started = time.perf_counter()
    finder = FactFinder(companies)
    finder.facts(articles[0])
    load = time.perf_counter() - started
    cpu = time.process_time()
    wall = time.perf_counter()
    for i in range(0, len(articles), CHUNK):
        finder.facts_of(articles[i : i + CHUNK])
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    sys.stdout.write(
        f"analysis alone: {len(articles)} BBC articles, {len(companies)} companies: "
        f"{len(articles) / cpu:.1f} articles per CPU-second (one core), "
        f"{1000 * cpu / len(articles):.1f} ms each; wall {wall:.1f} s; "
        f"models loaded in {load:.1f} s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
