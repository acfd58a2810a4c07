"""The main business development an article reports: its type, company, evidence, confidence.

The decision is the trained classifier's (`tipsheet.core.event_model`); this module turns its
answer into an `Event` row. Each stored row means "this article reports this event": an
article gets at most one, its main event (`main_event`): its most probable type, when the
model's calibrated probability that it reports a development at all, and that type's own
probability, reach the model's two thresholds (chosen by cross-validation, `make train`).

- evidence: the sentence of the headline and lede that carries the strongest cue of that
  type (`tipsheet.core.event_cues`), else the headline;
- company: the tracked company named first in the evidence, else in the headline, else the
  only company the article mentions;
- confidence: the model's probability for the type.
"""

from __future__ import annotations

import re
from functools import cache

from tipsheet.core import event_cues, model_files
from tipsheet.core.event_model import CLASSES, EventModel, Parts, parts
from tipsheet.core.records import Event, Mention

EVIDENCE_CHARS = 300


@cache
def default_model() -> EventModel:
    """The committed model, loaded once per process."""
    return model_files.load("events")


def main_event(row, threshold: float, type_threshold: float) -> tuple[str, float] | None:
    """(type, its probability) from one article's probabilities in CLASSES order, or None.

    Two questions, two thresholds: does the article report a development at all (the
    probability of any, 1 - P(none), reaches `threshold`), and is the type named the right
    one (the most probable type's own probability reaches `type_threshold`). With the top
    type's probability alone, an article whose probability is split between two types (a
    deal read as an acquisition and as a partnership) got no event; with the sum alone, it
    got a type that was often wrong. Both are chosen together (training/train.py).
    """
    k = int(row[1:].argmax()) + 1
    if 1.0 - float(row[0]) >= threshold and row[k] >= type_threshold:
        return CLASSES[k], float(row[k])
    return None


def predict(model: EventModel, items: list[Parts]) -> list[tuple[str, float] | None]:
    """(type, probability) of each article's main event (`main_event`), or None."""
    if not items:
        return []
    return [main_event(row, model.threshold, model.type_threshold) for row in model.proba(items)]


def classify(
    title: str | None,
    text: str,
    mentions: list[Mention] | None = None,
    article_id: str = "",
    surface_forms: dict[str, list[str]] | None = None,
    model: EventModel | None = None,
) -> list[Event]:
    """The article's main event as a one-row list, or an empty list.

    `mentions` (from CompanyMatcher) let the event name its company; `surface_forms`
    (company id -> names) make that more reliable than the one form a Mention keeps.
    """
    (found,) = classify_all([(title, text, mentions or [], article_id)], surface_forms, model)
    return found


def classify_all(
    articles: list[tuple[str | None, str, list[Mention], str]],
    surface_forms: dict[str, list[str]] | None = None,
    model: EventModel | None = None,
) -> list[list[Event]]:
    """`classify` of each (title, text, mentions, article id), the model reading them in one
    batch: its vectorizer, embedding and classifier cost mostly per call, and a row's
    probabilities do not depend on the rows beside it (checked bit for bit on the BBC set)."""
    ps = [parts(title, text) for title, text, _, _ in articles]
    out: list[list[Event]] = []
    for p, found, (_, _, mentions, article_id) in zip(
        ps, predict(model or default_model(), ps), articles, strict=True
    ):
        out.append(
            [] if found is None else [event_of(p, found, mentions, article_id, surface_forms)]
        )
    return out


def event_of(
    p: Parts,
    found: tuple[str, float],
    mentions: list[Mention],
    article_id: str,
    surface_forms: dict[str, list[str]] | None,
) -> Event:
    event_type, prob = found
    evidence = _evidence_sentence(p, event_type)
    company = _company_of(evidence, mentions, surface_forms) or _company_of(
        p.title, mentions, surface_forms
    )
    if company is None:
        ids = {m.company_id for m in mentions}
        company = ids.pop() if len(ids) == 1 else None
    return Event(
        article_id=article_id,
        event_type=event_type,
        evidence=_clip(evidence),
        confidence=round(prob, 3),
        company_id=company,
        in_lead=True,
    )


def _evidence_sentence(p: Parts, event_type: str) -> str:
    units = [s for s in [p.title, *p.lead] if s]
    if not units:
        return ""
    scored = [(event_cues.triggers(s, event_type), -i, s) for i, s in enumerate(units)]
    best = max(scored)
    return best[2] if best[0] > 0 else units[0]


def _company_of(
    sentence: str, mentions: list[Mention], surface_forms: dict[str, list[str]] | None
) -> str | None:
    """The mentioned company named first in the sentence, or None."""
    found: list[tuple[int, str]] = []
    for m in mentions:
        forms = (surface_forms or {}).get(m.company_id, []) + [m.matched]
        positions = [
            hit.start()
            for f in forms
            if f
            for hit in [re.search(rf"(?<!\w){re.escape(f)}(?!\w)", sentence, re.IGNORECASE)]
            if hit
        ]
        if positions:
            found.append((min(positions), m.company_id))
    return min(found)[1] if found else None


def _clip(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= EVIDENCE_CHARS else sentence[: EVIDENCE_CHARS - 1] + "…"
