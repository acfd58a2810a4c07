"""The follow-up rhythm at its boundaries: day 20, 21, 30, 90 and 91."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tipsheet.core.cadence import contact_status
from tipsheet.core.config import Cadence, Manager

REJECTED = date(2024, 1, 1)
CAD = Cadence()  # min 21, target 30


def mgr(**kw) -> Manager:
    base = dict(id="ana", name="Ana", company="q", role="Data Engineer", rejected_on=REJECTED)
    base.update(kw)
    return Manager(**base)


def at(days_since_contact: int, as_of=date(2024, 2, 15), **kw):
    last = as_of - timedelta(days=days_since_contact)
    return contact_status(mgr(), last, as_of, CAD, **kw)


@pytest.mark.parametrize(
    "days,too_soon,until_due",
    [
        (0, True, 30),
        (20, True, 10),
        (21, False, 9),
        (29, False, 1),
        (30, False, 0),
        (45, False, -15),
    ],
)
def test_rhythm_boundaries(days, too_soon, until_due):
    s = at(days)
    assert s.days_since_contact == days
    assert s.too_soon is too_soon
    assert s.days_until_due == until_due
    assert s.next_due == s.last_contact + timedelta(days=30)


def test_day_20_summary_warns_plainly():
    s = at(20)
    assert s.summary.startswith("Too soon: last contact 20 days ago, under the 21-day minimum")
    assert "wait 1 day" in s.summary and s.override_reason is None and not s.due


def test_day_21_is_allowed_but_not_yet_due():
    s = at(21)
    assert not s.too_soon and not s.due and "next due 2024-02-24 (in 9 days)" in s.summary


def test_day_30_is_due_today():
    s = at(30)
    assert s.due and s.summary.startswith("Due today")


def test_overdue():
    assert at(45).summary.startswith("Overdue by 15 days")


def test_strong_signal_overrides_too_soon():
    s = at(10, strong_signal="the role was reposted on 2024-02-14")
    assert s.too_soon is False
    assert "the role was reposted" in s.override_reason and "10 days" in s.override_reason
    assert s.summary.startswith("Reach out now:")
    assert at(10, strong_signal=True).override_reason.endswith("justifies reaching out now")
    assert at(25, strong_signal=True).override_reason is None  # nothing to override


def test_never_contacted_is_due_today():
    as_of = date(2024, 1, 5)
    s = contact_status(mgr(), None, as_of, CAD)
    assert s.days_since_contact is None and s.next_due == as_of and not s.too_soon
    assert s.due and s.summary.startswith("Never contacted")


def test_config_last_contacted_counts_and_later_wins():
    as_of = date(2024, 2, 15)
    m = mgr(last_contacted=date(2024, 2, 1))
    assert contact_status(m, None, as_of, CAD).days_since_contact == 14
    assert contact_status(m, date(2024, 2, 10), as_of, CAD).days_since_contact == 5
    assert contact_status(m, date(2024, 1, 10), as_of, CAD).days_since_contact == 14


@pytest.mark.parametrize(
    "day,in_window,left",
    [(0, True, 90), (30, True, 60), (89, True, 1), (90, True, 0), (91, False, 0)],
)
def test_window_boundaries(day, in_window, left):
    s = contact_status(mgr(), None, REJECTED + timedelta(days=day), CAD)
    assert s.days_since_rejection == day
    assert s.in_window is in_window and s.window_days_left == left
    if in_window:
        assert f"Day {day} of the 90-day window." in s.summary
    else:
        assert "Past the 90-day window (day 91" in s.summary


def test_custom_cadence_and_window():
    cad = Cadence(min=14, target=21)
    as_of = REJECTED + timedelta(days=61)
    s = contact_status(mgr(), as_of - timedelta(days=14), as_of, cad, window_days=60)
    assert not s.too_soon and s.days_until_due == 7
    assert s.window_days == 60 and not s.in_window
