"""The learned event classifier: which business development an article reports, if any.

Features, all from the headline and lede first (where news states what happened):
- words and word pairs of the headline and lede (TF-IDF);
- sentence embeddings of the headline and of the lede (`tipsheet.core.embed`), which carry
  across eras and outlets where a vocabulary does not;
- the hand-written event cues of `tipsheet.core.event_cues`, as evidence per type in the
  headline, the lede and the body, and the soft-news genre (review, sport, gossip): rule
  hits are features, the decision is learned.

One multinomial logistic regression over the nine types and `none`, fitted on labelled
news (see `training/train.py`); its probabilities are calibrated by construction and
checked by cross-validation. An article gets its most probable type when the probability
that it reports any development (1 - P(none)) and that type's own probability reach the
two thresholds chosen by cross-validation, else no event (`tipsheet.core.events.main_event`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tipsheet.core import event_cues
from tipsheet.core.embed import DIM, embed
from tipsheet.core.records import EVENT_TYPES

NONE = "none"
CLASSES = (NONE, *EVENT_TYPES)
GENRES = ("kicker", "sport", "review", "gossip", "opinion", "service")
BODY_SENTENCES = 12  # sentences after the lede that still count as body evidence


@dataclass
class Parts:
    """An article cut the way the model reads it. The dense features are kept once computed,
    so cross-validation does not recompute them for every fold."""

    title: str
    lead: list[str]
    body: list[str]
    dense: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def lead_text(self) -> str:
        return " ".join(self.lead)


def parts(title: str | None, text: str | None) -> Parts:
    paras = event_cues.paragraphs(text or "", event_cues.LEAD_SENTENCES + BODY_SENTENCES)
    lead = event_cues.lead(paras)
    rest = [s for p in paras for s in p][len(lead) : len(lead) + BODY_SENTENCES]
    return Parts((title or "").strip(), lead, rest)


def cue_features(p: Parts) -> np.ndarray:
    """Per type: the strongest cue in the headline, in the lede, in the body; the genre."""
    out = np.zeros(3 * len(EVENT_TYPES) + len(GENRES) + 1, dtype=np.float32)
    title = event_cues.strengths(p.title) if p.title else None
    lead = [event_cues.strengths(s) for s in p.lead]
    body = [event_cues.strengths(s) for s in p.body]
    for i, t in enumerate(EVENT_TYPES):
        out[3 * i] = title[t] if title else 0.0
        out[3 * i + 1] = max((s[t] for s in lead), default=0.0)
        out[3 * i + 2] = max((s[t] for s in body), default=0.0)
    genre = event_cues.genre(p.title, [p.lead, p.body])
    if genre in GENRES:
        out[3 * len(EVENT_TYPES) + GENRES.index(genre)] = 1.0
    out[-1] = 1.0 if not p.lead else 0.0  # a headline alone says less
    return out


def _fill_dense(ps: list[Parts]) -> None:
    """Embeddings of headline and lede, then the cue features, for parts that lack them."""
    todo = [p for p in ps if p.dense is None]
    if not todo:
        return
    emb = np.hstack([embed([p.title for p in todo]), embed([p.lead_text for p in todo])])
    for p, e in zip(todo, emb, strict=True):
        p.dense = np.concatenate([e, cue_features(p)]).astype(np.float32)


@dataclass
class EventModel:
    """Fitted parts. An article has an event when its probability of any development
    (1 - P(none)) reaches `threshold` and its most probable type's reaches
    `type_threshold` (`tipsheet.core.events.main_event`)."""

    C: float = 4.0
    threshold: float = 0.5
    type_threshold: float = 0.5
    embed_weight: float = 1.0
    cue_weight: float = 1.0
    vectorizer: TfidfVectorizer | None = None
    classifier: LogisticRegression | None = None
    meta: dict = field(default_factory=dict)

    def _matrix(self, ps: list[Parts], fit: bool = False):
        docs = [f"{p.title} . {p.title} . {p.lead_text}" for p in ps]
        if fit:
            self.vectorizer = TfidfVectorizer(
                ngram_range=(1, 2),
                min_df=2,
                max_features=40000,
                sublinear_tf=True,
                lowercase=True,
                dtype=np.float32,
            )
            words = self.vectorizer.fit_transform(docs)
        else:
            words = self.vectorizer.transform(docs)
        _fill_dense(ps)
        dense = np.vstack([p.dense for p in ps])
        emb, cues = dense[:, : 2 * DIM], dense[:, 2 * DIM :]
        return sparse.hstack(
            [
                words,
                sparse.csr_matrix(emb * self.embed_weight),
                sparse.csr_matrix(cues * self.cue_weight),
            ],
            format="csr",
        )

    def fit(self, ps: list[Parts], labels: list[str], seed: int = 0) -> EventModel:
        X = self._matrix(ps, fit=True)
        self.classifier = LogisticRegression(
            C=self.C, max_iter=3000, tol=1e-3, class_weight="balanced", random_state=seed
        )
        self.classifier.fit(X, labels)
        return self

    def proba(self, ps: list[Parts]) -> np.ndarray:
        """Rows of probabilities over CLASSES, in that order."""
        X = self._matrix(ps)
        raw = self.classifier.predict_proba(X)
        order = [list(self.classifier.classes_).index(c) for c in CLASSES]
        return raw[:, order]
