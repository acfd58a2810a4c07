"""Story clusters: near-duplicates and updates are one story, stably across nights."""

from __future__ import annotations

from tipsheet.clusters import StoryIndex, cluster

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
    from tipsheet.clusters import StoryIndex

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
