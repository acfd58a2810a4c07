"""digests/contacts.ics: one all-day event per manager on the next day a call is due.

Each event keeps the same UID night after night, so a calendar subscribed to the file
moves the event instead of adding a new one. DTSTAMP is the run's day, not the clock, so
rerunning a night writes the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event

PRODID = "-//tipsheet//contact reminders//EN"


@dataclass(frozen=True)
class Reminder:
    manager_id: str
    manager_name: str
    company_name: str
    due: date | None  # the next contact due date (past: overdue; None: due now)
    status: str  # the cadence summary, e.g. "Overdue by 2 days"
    best_item: str | None
    digest_path: str  # relative to the digests folder


def reminder_day(due: date | None, as_of: date) -> date:
    """An overdue call lands today: a calendar's past events are ones nobody looks at."""
    return max(due, as_of) if due else as_of


def render_ics(reminders: list[Reminder], as_of: date) -> str:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "tipsheet: calls due")
    stamp = datetime.combine(as_of, time(0), tzinfo=UTC)
    for r in sorted(reminders, key=lambda r: (reminder_day(r.due, as_of), r.manager_id)):
        day = reminder_day(r.due, as_of)
        event = Event()
        event.add("uid", f"{r.manager_id}@tipsheet")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"Call {r.manager_name} ({r.company_name})")
        lines = [r.status.rstrip(".") + "."]
        if r.best_item:
            lines.append(f"Best item: {r.best_item}")
        lines.append(f"Digest: {r.digest_path}")
        lines.append(f"After the call: tipsheet contacted {r.manager_id} --item ID")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
