"""Story clusters: near-duplicates and updates are one story, stably across nights."""

from __future__ import annotations

import pytest

from tipsheet.core.clusters import StoryIndex, cluster

BASE = (
    "Contoso has raised 50 million dollars in a Series C round led by Harbor Ventures. The "
    "money will fund hiring in Europe and new products for warehouse customers, the chief "
    "executive said on Tuesday in a statement."
)
UPDATE = BASE + " Update: the company also expects to double its Berlin staff by next year."
OTHER = (
    "Fabrikam reported third quarter revenue of 1.2 billion dollars, up 14 percent from a year "
    "earlier, and raised its guidance for the full year on strong demand from retailers."
)


def test_duplicates_and_updates_are_one_story():
    got = cluster(
        [
            ("a", "Contoso raises $50M " + BASE),
            ("b", "Contoso lands Series C " + UPDATE),
            ("c", OTHER),
            ("d", BASE),
        ]
    )
    assert got == {"a": "a", "b": "a", "c": "c", "d": "a"}


def test_deterministic():
    items = [(str(i), f"{BASE} {i}") for i in range(5)] + [("x", OTHER)]
    assert cluster(items) == cluster(items)


def test_incremental_index_keeps_story_ids():
    index = StoryIndex.from_rows([("old1", "story-7", BASE), ("old2", "old2", OTHER)])
    assert index.assign("new", UPDATE) == "story-7"
    assert (
        index.assign("fresh", "Something else entirely about toys and kites in spring.") == "fresh"
    )
    assert index.assign("new", UPDATE) == "story-7"  # idempotent
    assert index.coverage()["story-7"] == 2


def test_aggregator_headline_joins_the_direct_story():
    from tipsheet.core.clusters import StoryIndex

    index = StoryIndex()
    direct = (
        "Contoso Freight names Ruth Adeyemi as chief executive\n"
        "Contoso Freight has appointed Ruth Adeyemi as chief executive, ending a search. " * 5
    )
    first = index.assign("direct", direct)
    google = "Contoso Freight names Ruth Adeyemi as chief executive - The Metro Daily\n"
    assert index.assign("google", google) == first
    other = "Contoso Freight opens a new depot in Bremen this spring - Freight Wire\n"
    assert index.assign("other", other) == "other"
    short = "Q3 results - Wire\n"
    assert index.assign("short", short) == "short"


@pytest.mark.parametrize("batch", [5, 4096])
def test_batched_signature_equals_one_update_per_shingle(monkeypatch, batch):
    from datasketch import MinHash

    import tipsheet.core.clusters as clusters
    from tipsheet.core.clusters import NUM_PERM, SEED, _hashes, _minhash, shingles

    monkeypatch.setattr(clusters, "MINHASH_BATCH", batch)
    text = BASE + " " + UPDATE + " " + OTHER
    one_by_one = MinHash(num_perm=NUM_PERM, seed=SEED)
    for s in sorted(shingles(text)):
        one_by_one.update(s.encode("utf-8"))
    batched = _minhash(_hashes(text))
    assert (batched.hashvalues == one_by_one.hashvalues).all()


def test_fingerprint_similarity_equals_set_similarity():
    from tipsheet.core.clusters import _prepared, _similar, shingles, similarity

    texts = [BASE, UPDATE, OTHER, "Contoso raises $50M " + BASE, "Q3 results", "", BASE[:90]]
    for a in texts:
        for b in texts:
            got = _similar(_prepared(a)[0], _prepared(b)[0])
            assert got == similarity(shingles(a), shingles(b))


def test_signature_is_computed_once_per_article(monkeypatch):
    import tipsheet.core.clusters as clusters

    calls = []
    real = clusters._minhash
    monkeypatch.setattr(clusters, "_minhash", lambda enc: calls.append(1) or real(enc))
    index = StoryIndex()
    index.assign("a", BASE)
    index.assign("b", UPDATE)
    assert len(calls) == 2
