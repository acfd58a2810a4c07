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

Hashing every recent article's text again each night would cost more than the night's own
articles. So each assigned article leaves its keys (`StoryKeys`: its normalised headline and
one 32-bit key per LSH band), which the nightly flow stores. The next night computes the
keys of its new articles (`prepare`), looks up the stored articles sharing a band key (the
only ones MinHash LSH could return as candidates) and rebuilds the index from those and
from every recent headline (`from_rows(rows, headlines)`): the same stories, for the cost
of the new articles.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b, sha1

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz, process

LOGGER = logging.getLogger(__name__)

SHINGLE = 4
NUM_PERM = 128
SEED = 1  # fixed: the same texts always give the same signatures
MINHASH_BATCH = 4096  # shingles hashed per numpy pass
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


# One SHA-1 per shingle gives both hashes: its first 4 bytes, little-endian, are what
# datasketch's default hashfunc (sha1_hash32) would compute for MinHash; the next 8 are the
# shingle's fingerprint. A fingerprint is 8 bytes where a str in a set takes about 100, and
# the index keeps every recent article's. Two articles of a few thousand shingles each
# share a fingerprint by accident about once in 10^12 comparisons.
_HASHES = np.dtype([("minhash", "<u4"), ("fingerprint", "<u8")])


def _hashes(text: str) -> np.ndarray:
    """The text's shingles, hashed (see _HASHES)."""
    raw = b"".join([sha1(s.encode("utf-8")).digest()[:12] for s in shingles(text)])
    return np.frombuffer(raw, dtype=_HASHES)


# The permutations MinHash draws from SEED, drawn once: drawing them costs more per article
# than its signature does. Shared read-only, as datasketch's own copy() shares them.
_SCHEME = MinHash(num_perm=NUM_PERM, seed=SEED).scheme
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations


def _minhash(hashes: np.ndarray) -> MinHash:
    """The signature of hashed shingles, as MinHash.update on each shingle would give: a
    minimum, so order-free, computed a batch at a time (one numpy pass per batch, the batch
    bounding its len x NUM_PERM scratch array). `int` passes the precomputed hashes on."""
    m = MinHash(
        num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS, scheme=_SCHEME
    )
    values = hashes["minhash"].tolist()
    for i in range(0, len(values), MINHASH_BATCH):
        m.update_batch(values[i : i + MINHASH_BATCH])
    return m


def _similar(a: np.ndarray, b: np.ndarray) -> float:
    """`similarity` on fingerprints."""
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    jaccard = inter / (len(a) + len(b) - inter)
    small = min(len(a), len(b))
    if small < MIN_SHINGLES_FOR_CONTAINMENT:
        return jaccard
    return max(jaccard, inter / small)


def _prepared(text: str) -> tuple[np.ndarray, MinHash | None]:
    """An article's sorted fingerprints and signature (None without shingles), computed once."""
    hashes = _hashes(text)
    return np.unique(hashes["fingerprint"]), _minhash(hashes) if len(hashes) else None


def _sorted_tokens(key: str) -> str:
    return " ".join(sorted(key.split()))


# The band layout MinHashLSH picks for our threshold and permutations (b bands of r rows).
_LAYOUT = MinHashLSH(threshold=CANDIDATE_THRESHOLD, num_perm=NUM_PERM)
BANDS, ROWS = _LAYOUT.b, _LAYOUT.r


def band_keys(signature: MinHash | None) -> list[int]:
    """One 32-bit key per LSH band: two articles LSH pairs share a band's rows, so a key."""
    if signature is None:
        return []
    values = signature.hashvalues
    return [
        int.from_bytes(blake2b(values[i * ROWS : (i + 1) * ROWS].tobytes(), digest_size=4).digest())
        for i in range(BANDS)
    ]


@dataclass(frozen=True)
class StoryKeys:
    """What the next nights need of an article to cluster against it, without its text."""

    headline: str | None
    bands: list[int]


class StoryIndex:
    """Stories seen so far; assigns each new article to one (incremental across nights)."""

    def __init__(self, threshold: float = 0.8):
        self.threshold = threshold
        # Containment can be high while Jaccard is low (short vs long): cast the net wide.
        self._lsh = MinHashLSH(threshold=min(CANDIDATE_THRESHOLD, threshold), num_perm=NUM_PERM)
        self._fingerprints: dict[str, np.ndarray] = {}
        self._story: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self._headlines: dict[str, str] = {}  # normalised headline -> story id
        # The same headlines in the same order, tokens sorted, for the fuzzy match.
        self._headline_tokens: list[str] = []
        self._headline_story: list[str] = []
        self._prepared: dict[str, tuple[np.ndarray, MinHash | None]] = {}
        self._keys: dict[str, StoryKeys] = {}

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[str, str, str]],
        threshold: float = 0.8,
        headlines: Iterable[tuple[str, str]] = (),
    ) -> StoryIndex:
        """Rebuild from stored (article_id, story_id, text) rows, keeping their story ids.

        headlines: (headline key, story id) of known articles, in the order their rows would
        come: the index then matches headlines against all of them, while `rows` need only
        hold the articles whose band keys a new article shares.
        """
        index = cls(threshold)
        index.load(rows, headlines)
        return index

    def load(
        self, rows: Iterable[tuple[str, str, str]], headlines: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Add known articles and headlines (see from_rows)."""
        for key, story_id in headlines:
            self._add_headline(key, story_id)
        for article_id, story_id, text in rows:
            self._add(article_id, text, story_id)

    def prepare(self, article_id: str, text: str) -> StoryKeys:
        """The keys of an article about to be assigned; `assign` reuses the work."""
        prepared = self._prepared.get(article_id) or _prepared(text)
        self._prepared[article_id] = prepared
        return StoryKeys(headline_key(text), band_keys(prepared[1]))

    @staticmethod
    def keys_for(text: str) -> StoryKeys:
        """The keys of a stored article's text, for articles stored before keys were."""
        return StoryKeys(headline_key(text), band_keys(_prepared(text)[1]))

    def keys_of(self, article_id: str) -> StoryKeys | None:
        """The keys of an article this index assigned, to store for the next nights."""
        return self._keys.get(article_id)

    def __len__(self) -> int:
        return len(self._story)

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
        fingerprints, signature = self._prepared.pop(article_id, None) or _prepared(text)
        best: tuple[float, int, str] | None = None
        if signature is not None:
            for other in self._lsh.query(signature):
                sim = _similar(fingerprints, self._fingerprints[other])
                if sim >= self.threshold:
                    # Most similar first; ties go to the earliest article, for determinism.
                    key = (-sim, self._order[other], other)
                    if best is None or key < best:
                        best = key
        story = self._story[best[2]] if best else self._by_headline(text) or article_id
        self._add(article_id, text, story, (fingerprints, signature))
        self._keys[article_id] = StoryKeys(headline_key(text), band_keys(signature))
        return story

    def _by_headline(self, text: str) -> str | None:
        key = headline_key(text)
        if key is None or not self._headlines:
            return None
        if key in self._headlines:
            return self._headlines[key]
        # token_sort_ratio is ratio on sorted tokens: the known side is sorted once, in _add.
        found = process.extractOne(
            _sorted_tokens(key),
            self._headline_tokens,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=HEADLINE_MATCH,
        )
        return self._headline_story[found[2]] if found else None

    def _add(
        self,
        article_id: str,
        text: str,
        story_id: str,
        prepared: tuple[np.ndarray, MinHash | None] | None = None,
    ) -> None:
        """Index an article; `assign` passes what it already computed (`_prepared`)."""
        if article_id in self._story:
            return
        fingerprints, signature = _prepared(text) if prepared is None else prepared
        self._fingerprints[article_id] = fingerprints
        self._story[article_id] = story_id
        self._order[article_id] = len(self._order)
        key = headline_key(text)
        if key is not None:
            self._add_headline(key, story_id)
        if signature is not None:
            self._lsh.insert(article_id, signature)

    def _add_headline(self, key: str, story_id: str) -> None:
        if key not in self._headlines:
            self._headlines[key] = story_id
            self._headline_tokens.append(_sorted_tokens(key))
            self._headline_story.append(story_id)


def cluster(articles: list[tuple[str, str]], threshold: float = 0.8) -> dict[str, str]:
    """article_id -> story_id for (article_id, title + text) pairs, in the order given.

    Pure and deterministic: the same input gives the same stories and ids.
    """
    index = StoryIndex(threshold)
    return {aid: index.assign(aid, text) for aid, text in articles}
