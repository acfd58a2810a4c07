"""The learned mention model: does a company's name in an article refer to the company?

Two small logistic regressions, fitted on labelled (article, company) pairs of real news
(see `training/train.py`). Nothing in them names a company, so a company the user adds is
judged as well as the ones it learned from (measured leave-company-out in `make eval`).

1. Each occurrence of a name, alias, domain or ticker is described by the words around it
   (the word before and after, two words each side), the signals of `tipsheet.core.matching`
   (a company form after it, a longer capitalised name around it, an organisation verb,
   cue words, words of the ordinary sense, a title-case headline ...), and the form itself
   (how common a word it is in English, whether it is also an adjective such as "United"
   or "American", how many words, a domain or a ticker). The first model gives each
   occurrence a probability of meaning the company.
2. The second model judges the pair from what the first says of all its occurrences (the
   best, the mean, how many), whether another form of the company appears, whether the
   article comes from the company's own source, whether the name is also used in its
   ordinary lower-case sense, and the hand-written reading of the signals (does any
   occurrence count on its own by `rule_verdict`).

The pair is a mention when the second model's calibrated probability reaches `threshold`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from wordfreq import zipf_frequency

from tipsheet.core import model_files


def rule_verdict(sig: dict[str, float]) -> tuple[bool, bool]:
    """(counts alone, counts once the company is established): the hand-written reading of
    an ambiguous name's signals, kept as one more feature of the learned decision."""
    title = bool(sig["title_mode"])
    cue = sig["strong_cue" if title else "cue"] or sig["context"]
    acts = sig["acts"] and (sig["headline_subject"] or not title)
    sense = bool(sig["sense"])
    if sig["form_after"]:
        return True, True
    if sig["glued_before"] or sig["compound"]:
        return False, False
    if sig["glued_after"]:
        return False, bool(acts or cue)
    if (sig["titled"] or sig["described"]) and not title or cue:
        return True, True
    if acts or (sig["listed"] and not title) or (sig["subject_after"] and not title):
        return not sense, True
    if title:
        return False, True
    if not sig["sentence_start"] and not sig["after_determiner"]:
        return not sense, True
    return False, True


def occurrence_features(o) -> dict[str, float]:
    base = dict(o.signals)
    strong, weak = rule_verdict(o.signals) if o.ambiguous else (True, True)
    base["rule_strong"], base["rule_weak"] = float(strong), float(weak)
    # An ambiguous name needs its context; an unambiguous one rarely does: each kind
    # learns its own weights for the same signals.
    tag = "amb:" if o.ambiguous else "un:"
    feats = {tag + k: v for k, v in base.items()}
    feats.update(base)
    feats[f"kind={o.kind}"] = 1.0
    feats["ambiguous"] = float(o.ambiguous)
    words = o.form.split()
    feats["form_zipf"] = zipf_frequency(o.form.lower(), "en") / 8 if len(words) == 1 else 0.0
    feats["form_words"] = min(len(words), 4) / 4
    feats["acronym"] = float(o.form.isupper() and len(o.form) <= 5)
    feats["in_title"] = float(o.in_title)
    for w in o.words:
        feats[w] = 1.0
        feats[tag + w] = 1.0
    return feats


def pair_features(cand, occ_probs: list[float]) -> list[float]:
    probs = sorted(occ_probs, reverse=True)
    forms = {o.form for o in cand.occurrences}
    verdicts = [rule_verdict(o.signals) if o.ambiguous else (True, True) for o in cand.occurrences]
    return [
        float(any(strong for strong, _ in verdicts)),
        float(np.mean([strong for strong, _ in verdicts])),
        probs[0],
        float(np.mean(probs)),
        float(np.mean(probs[:2])),
        math.log1p(len(probs)) / 3,
        float(len(forms) > 1),
        float(any(o.kind != "name" for o in cand.occurrences)),
        float(all(o.ambiguous for o in cand.occurrences)),
        float(cand.own_source),
        float(any(o.in_title for o in cand.occurrences)),
        float(cand.lower_use),
    ]


@dataclass
class MentionModel:
    C: float = 1.0
    threshold: float = 0.5
    vectorizer: DictVectorizer | None = None
    occurrence: LogisticRegression | None = None
    pair: LogisticRegression | None = None
    meta: dict = field(default_factory=dict)

    def _occ_probs(self, cands) -> list[list[float]]:
        rows = [occurrence_features(o) for c in cands for o in c.occurrences]
        if not rows:
            return [[] for _ in cands]
        flat = self.occurrence.predict_proba(_int32(self.vectorizer.transform(rows)))[:, 1]
        out, i = [], 0
        for c in cands:
            out.append([float(p) for p in flat[i : i + len(c.occurrences)]])
            i += len(c.occurrences)
        return out

    def judge(self, cands) -> list[tuple[float, list[float]]]:
        """(probability the pair is a mention, each occurrence's probability) per candidate."""
        occ = self._occ_probs(cands)
        X = np.array([pair_features(c, p) for c, p in zip(cands, occ, strict=True)])
        probs = self.pair.predict_proba(X)[:, 1] if len(cands) else []
        return [(float(p), o) for p, o in zip(probs, occ, strict=True)]

    def fit(self, cands, labels: list[bool], groups: list[str], seed: int = 0) -> MentionModel:
        """cands: Candidates; labels: mentioned or not; groups: the company of each pair
        (the second model learns from first-model scores of companies it did not see)."""
        y = np.array(labels, dtype=int)
        rows, occ_y, occ_pair = [], [], []
        for i, (c, lab) in enumerate(zip(cands, y, strict=True)):
            for o in c.occurrences:
                rows.append(occurrence_features(o))
                occ_y.append(lab)
                occ_pair.append(i)
        occ_y, occ_pair = np.array(occ_y), np.array(occ_pair)
        self.vectorizer = DictVectorizer()
        X = _int32(self.vectorizer.fit_transform(rows))
        occ_groups = np.array(groups)[occ_pair]
        oof = np.zeros(len(occ_y))
        splits = min(5, len(set(groups)))
        for tr, te in GroupKFold(n_splits=splits).split(X, occ_y, occ_groups):
            m = self._occ_classifier(seed).fit(X[tr], occ_y[tr])
            oof[te] = m.predict_proba(X[te])[:, 1]
        self.occurrence = self._occ_classifier(seed).fit(X, occ_y)
        per_pair = [[] for _ in cands]
        for p, i in zip(oof, occ_pair, strict=True):
            per_pair[i].append(float(p))
        P = np.array([pair_features(c, p) for c, p in zip(cands, per_pair, strict=True)])
        self.pair = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(P, y)
        return self

    def _occ_classifier(self, seed: int) -> LogisticRegression:
        # liblinear: exact and fast on sparse binary features, where lbfgs crawls.
        return LogisticRegression(C=self.C, solver="liblinear", random_state=seed)


def _int32(X):
    """liblinear takes 32-bit sparse indices only; DictVectorizer may give 64-bit ones."""
    X = X.tocsr()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    return X


@cache
def default() -> MentionModel:
    """The committed model, loaded once per process."""
    return model_files.load("mentions")
