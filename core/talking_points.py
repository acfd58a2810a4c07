"""The one or two sentences of an article that best state its event about the company.

Extractive, so nothing is invented: each sentence is scored for naming the company, stating
the event (the cues of core/event_cues.py), carrying figures, and coming early; the best
one or two are returned in article order. They are whole sentences of one paragraph: a
sentence cut out of a longer quotation (an opening or closing quote mark without its pair)
is never one, and a second sentence comes only from the first one's paragraph.
"""

from __future__ import annotations

import re

from tipsheet.core.event_cues import paragraphs, triggers
from tipsheet.core.records import EVENT_TYPES

MAX_CHARS = 400
_FIGURE = re.compile(
    r"[$€£]\s?\d|\d+(?:\.\d+)?\s?%|\b\d[\d,.]*\s+(?:million|billion|jobs|stores)\b"
)


def _score(sentence: str, position: int, names: list[str], event_type: str | None) -> float:
    s = 0.0
    low = sentence.lower()
    if any(re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", low) for n in names if n):
        s += 2.0
    if event_type in EVENT_TYPES:
        s += 3.0 * triggers(sentence, event_type)
    else:
        s += max(triggers(sentence, t) for t in EVENT_TYPES)
    if _FIGURE.search(sentence):
        s += 0.5
    words = len(sentence.split())
    if words < 6 or words > 60:
        s -= 1.0
    if sentence.rstrip().endswith("?"):
        s -= 1.0
    return s - 0.08 * position  # the lede usually says it best


def _whole(sentence: str) -> bool:
    """Whether the sentence stands alone: its quotation marks come in pairs."""
    straight = sentence.count('"') % 2 == 0
    return straight and sentence.count("\u201c") == sentence.count("\u201d")


def talking_points(
    text: str, company_names: list[str], event_type: str | None, max_sentences: int = 2
) -> str:
    """The best 1–2 sentences (in article order), joined by a space; '' for empty text."""
    sents: list[tuple[str, int]] = []  # (sentence, its paragraph)
    for p, para in enumerate(paragraphs(text)):
        sents.extend((sentence, p) for sentence in para)
    sents = sents[:80]
    scored = sorted(
        (
            (_score(s, i, company_names, event_type), i)
            for i, (s, _p) in enumerate(sents)
            if _whole(s)
        ),
        key=lambda x: (-x[0], x[1]),
    )
    if not scored:
        return ""
    best_score, best_i = scored[0]
    chosen = [best_i]
    para = sents[best_i][1]
    # A second sentence only when it adds to the first: names the company or the event too.
    for sc, i in scored[1:max_sentences]:
        fits = len(sents[best_i][0]) + len(sents[i][0]) <= MAX_CHARS
        if sents[i][1] == para and sc >= max(1.5, best_score - 2.5) and fits:
            chosen.append(i)
    out = " ".join(" ".join(sents[i][0].split()) for i in sorted(chosen))
    return out if len(out) <= MAX_CHARS else out[: MAX_CHARS - 1].rstrip() + "…"
