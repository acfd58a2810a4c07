"""The follow-up rhythm: about monthly, never stalking, inside the 90-day window.

Pure date arithmetic. With the defaults (min 21, target 30, window 90):

- days since the last contact < 21: too soon (day 20 is too soon, day 21 is not), unless
  a strong re-opening signal (the role reposted, the hire gone) justifies it; then
  too_soon is False and override_reason says why;
- next contact due on last contact + 30 (day 30 is due today); never contacted: due today;
- the window counts from the rejection: day 90 is the last day inside it, day 91 is out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tipsheet.core.config import Cadence


@dataclass(frozen=True)
class ContactStatus:
    manager_id: str
    as_of: date
    last_contact: date | None
    days_since_contact: int | None  # None: never contacted
    next_due: date
    days_until_due: int  # negative when overdue
    too_soon: bool
    override_reason: str | None  # set when a strong signal lifts "too soon"
    days_since_rejection: int
    in_window: bool
    window_days: int
    window_days_left: int
    summary: str

    @property
    def due(self) -> bool:
        return self.days_until_due <= 0 and not self.too_soon


def last_contact_of(manager, last_contact: date | None, as_of: date) -> date | None:
    """The last contact known on `as_of`: the outreach log's or the config's, the later."""
    declared = getattr(manager, "last_contacted", None)
    known = [d for d in (last_contact, declared) if d is not None and d <= as_of]
    return max(known) if known else None


def contact_status(
    manager,
    last_contact: date | None,
    as_of: date,
    cadence: Cadence,
    window_days: int = 90,
    strong_signal: bool | str = False,
) -> ContactStatus:
    """Where a manager stands in the rhythm on `as_of`.

    last_contact: the latest recorded outreach; the config's `last_contacted` counts too
    (the later of the two wins). strong_signal: True, or a short text naming the signal.
    """
    last = last_contact_of(manager, last_contact, as_of)

    days_since = (as_of - last).days if last else None
    next_due = last + timedelta(days=cadence.target) if last else as_of
    days_until_due = (next_due - as_of).days
    under_min = days_since is not None and days_since < cadence.min
    override = None
    if under_min and strong_signal:
        what = strong_signal if isinstance(strong_signal, str) else "a strong re-opening signal"
        override = (
            f"only {n_days(days_since)} since the last contact, under the {cadence.min}-day "
            f"minimum, but {what} justifies reaching out now"
        )
    too_soon = under_min and not strong_signal

    since_rejection = (as_of - manager.rejected_on).days
    in_window = 0 <= since_rejection <= window_days
    left = max(0, window_days - since_rejection) if since_rejection >= 0 else window_days

    summary = _summary(
        last,
        days_since,
        next_due,
        days_until_due,
        too_soon,
        override,
        cadence,
        since_rejection,
        in_window,
        window_days,
    )
    return ContactStatus(
        manager_id=manager.id,
        as_of=as_of,
        last_contact=last,
        days_since_contact=days_since,
        next_due=next_due,
        days_until_due=days_until_due,
        too_soon=too_soon,
        override_reason=override,
        days_since_rejection=since_rejection,
        in_window=in_window,
        window_days=window_days,
        window_days_left=left,
        summary=summary,
    )


def n_days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def _summary(
    last, days_since, next_due, until, too_soon, override, cadence, since_rej, in_window, window
) -> str:
    if last is None:
        rhythm = "Never contacted since the decision: reach out now."
    elif too_soon:
        wait = cadence.min - days_since
        rhythm = (
            f"Too soon: last contact {n_days(days_since)} ago, under the {cadence.min}-day "
            f"minimum; wait {n_days(wait)} (next due {next_due.isoformat()})."
        )
    elif override:
        rhythm = f"Reach out now: {override}."
    elif until > 0:
        rhythm = (
            f"Last contact {n_days(days_since)} ago; next due {next_due.isoformat()} "
            f"(in {n_days(until)})."
        )
    elif until == 0:
        rhythm = f"Due today: last contact {n_days(days_since)} ago."
    else:
        rhythm = (
            f"Overdue by {n_days(-until)}: last contact {n_days(days_since)} ago "
            f"(was due {next_due.isoformat()})."
        )
    if since_rej < 0:
        window_note = "The decision date is in the future."
    elif in_window:
        window_note = f"Day {since_rej} of the {window}-day window."
    else:
        window_note = f"Past the {window}-day window (day {since_rej} since the decision)."
    return f"{rhythm} {window_note}"
