"""A manager's profile as an embedding, and how close an article comes to it.

The profile is what the candidate knows of the job: the role, the team, the interests, the
manager's company and what it does (the optional `description` of each company in the
config), and what its competitors and customers do. An article's headline and lede are
embedded the same way (`tipsheet.core.embed`); the cosine of the two is the `profile` feature
of the score.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

import numpy as np

from tipsheet.core.config import Config, Manager
from tipsheet.core.embed import DIM, embed
from tipsheet.core.event_cues import LEAD_SENTENCES, lead, paragraphs


class Lead(Protocol):
    """What an embedding reads of an article (records.ArticleText, records.Candidate)."""

    title: str | None
    text: str | None
    summary: str | None


def profile_text(cfg: Config, manager: Manager) -> str:
    own = cfg.companies[manager.company]
    parts = [manager.role, manager.team or "", *manager.interests, own.name, own.description or ""]
    for key in [*own.competitors, *own.customers]:
        other = cfg.companies.get(key)
        if other is not None and other.description:
            parts.append(other.description)
    return ". ".join(p for p in parts if p)


def article_text(title: str | None, text: str | None) -> str:
    return " ".join([title or "", *lead(paragraphs(text or "", LEAD_SENTENCES))])


def lead_vectors(articles: list[Lead]) -> np.ndarray:
    """The embedding of each article's headline and lede: what the profile and feedback
    similarities compare. An embedding does not depend on the texts embedded with it, so it
    is computed once and stored."""
    return embed([article_text(a.title, a.text or a.summary) for a in articles])


def stored_or_embedded(articles: list, stored: dict[str, np.ndarray]) -> np.ndarray:
    """One lead vector per article (a Lead with an `article_id`), in order: the stored one,
    else embedded now."""
    if not articles:
        return np.zeros((0, DIM), dtype=np.float32)
    missing = [a for a in articles if a.article_id not in stored]
    made = dict(zip([a.article_id for a in missing], lead_vectors(missing), strict=True))
    return np.vstack([stored.get(a.article_id, made.get(a.article_id)) for a in articles])


def profile_key(text: str) -> str:
    """What a profile's stored embedding is found by: its text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def profile_vector(text: str) -> np.ndarray:
    return embed([text])[0]


def similarities(profile: np.ndarray, vecs: np.ndarray) -> list[float]:
    """Cosine of each article's lead vector to the profile's (embeddings are unit vectors)."""
    if not len(vecs):
        return []
    return [float(x) for x in np.clip(vecs @ profile, -1.0, 1.0)]
