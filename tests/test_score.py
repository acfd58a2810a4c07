"""The score formula, its components, worth-a-call, and talking points."""

from __future__ import annotations

from datetime import date

from tipsheet.records import Event
from tipsheet.score import is_main_event, score_item, worth_a_call
from tipsheet.talking_points import talking_points

TODAY = date(2026, 11, 20)


def s(**kw):
    args = {
        "relation": "competitor",
        "event_types": ["acquisition"],
        "published_at": TODAY,
        "as_of": TODAY,
        "coverage": 1,
        "in_title": True,
        "mention_count": 2,
        "interests_hits": 0,
        "listed_before": 0,
    }
    args.update(kw)
    return score_item(**args)


def test_relation_order():
    comp, cust, own, ind = (
        s(relation=r).total for r in ("competitor", "customer", "own", "industry")
    )
    assert comp > cust > own > ind


def test_components_multiply_to_total():
    b = s(coverage=3, interests_hits=1, listed_before=1, published_at=date(2026, 11, 6))
    product = (
        100 * b.relation * b.event * b.recency * b.coverage * b.prominence * b.interests * b.novelty
    )
    assert abs(product - b.total) < 0.01
    assert abs(b.recency - 0.5) < 1e-6 and b.novelty == 0.5
    assert "relation" in b.explain()


def test_recency_coverage_novelty_interests():
    assert s(published_at=date(2026, 10, 1)).total < s().total
    assert s(coverage=5).total > s().total
    assert s(listed_before=1).total < s().total
    assert s(interests_hits=2).total > s().total
    assert s(event_types=[]).total < s(event_types=["earnings"]).total


def test_worth_a_call():
    assert worth_a_call(s())
    assert worth_a_call(s(relation="own"))
    assert not worth_a_call(s(relation="industry"))
    assert not worth_a_call(s(event_types=[]))  # review, sport, gossip: no event
    assert not worth_a_call(s(in_title=False, mention_count=1))  # a passing mention
    assert worth_a_call(s(main_event=True))
    assert not worth_a_call(s(main_event=False))  # an event only in the body: an aside


def test_body_only_events_weigh_less():
    main, body = s(main_event=True), s(main_event=False)
    assert body.event == 0.5 * main.event and body.total < main.total
    assert s(event_types=[], main_event=True).main_event is False
    assert s(event_types=["earnings"], main_event=False).event >= s(event_types=[]).event


def test_is_main_event_reads_the_flag_or_the_confidence():
    assert is_main_event(Event("a", "funding", "x", 0.9, in_lead=True))
    assert not is_main_event(Event("a", "funding", "x", 0.5, in_lead=False))
    assert is_main_event({"event_type": "funding", "confidence": 0.85})  # stored before in_lead
    assert not is_main_event({"event_type": "funding", "confidence": 0.4})
    assert not is_main_event(None)


def test_talking_points_pick_the_event_sentence():
    text = (
        "Founded in 1998, Contoso makes software. On Tuesday Contoso said it had raised "
        "$50 million in a Series C round led by Harbor. Shares of peers rose."
    )
    tp = talking_points(text, ["Contoso"], "funding")
    assert tp.startswith("On Tuesday Contoso said it had raised $50 million")
    assert talking_points("", ["Contoso"], None) == ""


def test_talking_points_are_whole_sentences_of_one_paragraph():
    text = (
        "Northwind Logistics and Bramblewood Foods today announced a five-year agreement "
        "under which Northwind will run Bramblewood's chilled distribution.\n\n"
        "The agreement covers an estimated 140,000 pallets a year.\n\n"
        '"Fresh bakery is unforgiving," said Fiona Aldridge of Bramblewood Foods. '
        '"Northwind showed us where our product was waiting. That is what won them the '
        'agreement with Northwind Logistics."'
    )
    tp = talking_points(text, ["Northwind Logistics", "Northwind"], "partnership")
    assert tp.startswith("Northwind Logistics and Bramblewood Foods today announced")
    assert "won them" not in tp  # from another paragraph, and a fragment of a quotation
    assert tp.count('"') % 2 == 0
