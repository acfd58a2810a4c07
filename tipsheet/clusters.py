"""Group near-duplicate articles into stories.

The same press release reappears on many sites, cut, re-headlined or updated. Each article
becomes a set of word 4-shingles (title + text, lowercased); MinHash LSH (datasketch, fixed
seed) proposes candidates cheaply, and the exact sets decide: two articles are one story
when their Jaccard similarity or their containment (the share of the shorter one found in
the longer: an update adds paragraphs, a feed summary is a cut) reaches the threshold.

Aggregators (Google News) carry only a headline: an article whose headline matches a
known one almost word for word (HEADLINE_MATCH, after dropping a " - Publisher" suffix)
joins that story even when its text cannot be compared.

A story's id is the id of the first article seen in it, so ids stay stable across nights:
`StoryIndex.from_rows` rebuilds the index from stored (article_id, story_id, text) rows and
`assign` places new articles in existing stories or starts new ones.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz, process

LOGGER = logging.getLogger(__name__)

SHINGLE = 4
NUM_PERM = 128
SEED = 1  # fixed: the same texts always give the same signatures
CANDIDATE_THRESHOLD = 0.3  # LSH recall net, below any threshold we verify against
MIN_SHINGLES_FOR_CONTAINMENT = 12  # a headline alone is contained in too much
_WORD = re.compile(r"\w+", re.UNICODE)
HEADLINE_MATCH = 94  # rapidfuzz token_sort_ratio on normalised headlines
MIN_HEADLINE_WORDS = 5  # shorter headlines ("Q3 results") are too generic to join on
_PUBLISHER_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]{1,60}$")


def headline_key(text: str) -> str | None:
    """The first line, without a trailing " - Publisher", lowercased words; None if short."""
    first = (text or "").strip().split("\n", 1)[0]
    first = _PUBLISHER_SUFFIX.sub("", first)
    words = _WORD.findall(first.lower())
    return " ".join(words) if len(words) >= MIN_HEADLINE_WORDS else None


def shingles(text: str, n: int = SHINGLE) -> frozenset[str]:
    words = _WORD.findall((text or "").lower())
    if len(words) < n:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """max(Jaccard, containment of the smaller set), containment only for long enough texts."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    jaccard = inter / len(a | b)
    small = min(len(a), len(b))
    if small < MIN_SHINGLES_FOR_CONTAINMENT:
        return jaccard
    return max(jaccard, inter / small)


def _minhash(sh: frozenset[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=SEED)
    for s in sorted(sh):
        m.update(s.encode("utf-8"))
    return m


class StoryIndex:
    """Stories seen so far; assigns each new article to one (incremental across nights)."""

    def __init__(self, threshold: float = 0.8):
        self.threshold = threshold
        # Containment can be high while Jaccard is low (short vs long): cast the net wide.
        self._lsh = MinHashLSH(threshold=min(CANDIDATE_THRESHOLD, threshold), num_perm=NUM_PERM)
        self._shingles: dict[str, frozenset[str]] = {}
        self._story: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self._headlines: dict[str, str] = {}  # normalised headline -> story id

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]], threshold: float = 0.8) -> StoryIndex:
        """Rebuild from stored (article_id, story_id, text) rows, keeping their story ids."""
        index = cls(threshold)
        for article_id, story_id, text in rows:
            index._add(article_id, text, story_id)
        return index

    def __len__(self) -> int:
        return len(self._story)

    def story_of(self, article_id: str) -> str | None:
        return self._story.get(article_id)

    def coverage(self) -> dict[str, int]:
        """Story id -> number of articles in it."""
        out: dict[str, int] = {}
        for s in self._story.values():
            out[s] = out.get(s, 0) + 1
        return out

    def assign(self, article_id: str, text: str) -> str:
        """The story of a new article (an existing one, or its own id); idempotent."""
        if article_id in self._story:
            return self._story[article_id]
        sh = shingles(text)
        best: tuple[float, int, str] | None = None
        if sh:
            for other in self._lsh.query(_minhash(sh)):
                sim = similarity(sh, self._shingles[other])
                if sim >= self.threshold:
                    # Most similar first; ties go to the earliest article, for determinism.
                    key = (-sim, self._order[other], other)
                    if best is None or key < best:
                        best = key
        story = self._story[best[2]] if best else self._by_headline(text) or article_id
        self._add(article_id, text, story, sh)
        return story

    def _by_headline(self, text: str) -> str | None:
        key = headline_key(text)
        if key is None or not self._headlines:
            return None
        if key in self._headlines:
            return self._headlines[key]
        found = process.extractOne(
            key, self._headlines.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=HEADLINE_MATCH
        )
        return self._headlines[found[0]] if found else None

    def _add(
        self, article_id: str, text: str, story_id: str, sh: frozenset[str] | None = None
    ) -> None:
        if article_id in self._story:
            return
        sh = shingles(text) if sh is None else sh
        self._shingles[article_id] = sh
        self._story[article_id] = story_id
        self._order[article_id] = len(self._order)
        key = headline_key(text)
        if key is not None:
            self._headlines.setdefault(key, story_id)
        if sh:
            self._lsh.insert(article_id, _minhash(sh))


def cluster(articles: list[tuple[str, str]], threshold: float = 0.8) -> dict[str, str]:
    """article_id -> story_id for (article_id, title + text) pairs, in the order given.

    Pure and deterministic: the same input gives the same stories and ids.
    """
    index = StoryIndex(threshold)
    return {aid: index.assign(aid, text) for aid, text in articles}
