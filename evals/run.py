"""`make eval`: every quality evaluation, printing precision, recall and F1.

Judgement (events, mentions, ranking, feedback) on labelled real news, the cross-corpus and
regression figures, then extraction (text, title, date) run one after the other; each
prints its own table. Figures go in the README with this command.
"""

from __future__ import annotations

import sys

from evals import analysis, extraction, judgement


def main() -> int:
    sys.stdout.write(
        "== Judgement on real news by others (BBC, HuffPost): cross-validated, production path\n"
    )
    code = judgement.main([])
    sys.stdout.write("\n== Cross-corpus (Reuters, SENTiVENT) and our own sets (regression only)\n")
    code |= analysis.main(["--split", "test"])
    sys.stdout.write("\n== Extraction: the pipeline as deployed vs trafilatura direct\n")
    code |= extraction.main([])
    return code


if __name__ == "__main__":
    sys.exit(main())
