"""Word lists kept as data, beside the code that reads them (core/data/*.txt), and the
English lexicon tipsheet reads from installed libraries (lemminflect, Babel).

One entry per line; a '#' starts a comment. Read once per process, like the model files.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@cache
def word_list(name: str) -> tuple[str, ...]:
    lines = (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(w for w in (line.split("#", 1)[0].strip() for line in lines) if w)


@cache
def word_set(name: str) -> frozenset[str]:
    """Every whitespace-separated word of the list, for lists of single words."""
    return frozenset(w for entry in word_list(name) for w in entry.split())


def word_pattern(name: str) -> str:
    """The list's words as one regex alternation (longest first, so no word stops at its
    prefix), for lists that feed a larger pattern."""
    words = sorted(word_set(name), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"


@cache
def _nationalities() -> frozenset[str]:
    """Nationality and language words: the one-word English names of languages and the
    first word of their two-word variants ("French", "American English", "Swiss French"),
    from Babel's CLDR data. lemminflect's lexicon is lower-case and has none of them."""
    from babel import Locale

    out = set()
    for name in Locale("en").languages.values():
        words = re.findall(r"[A-Z][a-z]+", name)
        if 1 <= len(words) <= 2:
            out.add(words[0])
    return frozenset(out)


@cache
def is_adjective(word: str) -> bool:
    """True when one word is also an English adjective: "United", "Next", "Real",
    "American". Such a name is often a modifier in news ("American firms", "next week"),
    where a noun such as "Apple" rarely is (a feature of the mention model)."""
    import lemminflect

    return word in _nationalities() or "ADJ" in lemminflect.getAllLemmas(word.lower())
