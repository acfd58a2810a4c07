"""`make eval`: every quality evaluation, printing precision, recall and F1.

Analysis (company mentions, events, ranking) and extraction (text, title, date) run one
after the other; each prints its own table. Figures go in the README with this command.
"""

from __future__ import annotations

import sys

from evals import analysis, extraction


def main() -> int:
    sys.stdout.write("== Analysis: mentions, events, ranking (held-out split)\n")
    code = analysis.main(["--split", "test"])
    sys.stdout.write("\n== Extraction: the pipeline as deployed vs trafilatura direct\n")
    code |= extraction.main([])
    return code


if __name__ == "__main__":
    sys.exit(main())
