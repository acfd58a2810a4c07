"""Coverage and events per week for each watched company, drawn as a small inline SVG.

Pure: daily counts in, weekly bins and SVG text out. An inline SVG needs no plotting
library and no external file, so the HTML digest stays one self-contained page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

WEEKS = 13  # 91 days: the last 90 days and today, in whole weeks ending on as_of
BAR_W, GAP, HEIGHT, TOP = 14, 4, 48, 4


@dataclass(frozen=True)
class Week:
    start: date  # the first day of the 7-day bin
    articles: int  # articles mentioning the company, by their published day
    events: int  # events about the company detected in those articles


@dataclass(frozen=True)
class Trend:
    company_id: str
    company_name: str
    relation: str
    weeks: list[Week]

    @property
    def articles(self) -> int:
        return sum(w.articles for w in self.weeks)

    @property
    def events(self) -> int:
        return sum(w.events for w in self.weeks)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def week_starts(as_of: date, weeks: int = WEEKS) -> list[date]:
    first = as_of - timedelta(days=7 * weeks - 1)
    return [first + timedelta(days=7 * i) for i in range(weeks)]


def weekly(daily: dict[date, tuple[int, int]], as_of: date, weeks: int = WEEKS) -> list[Week]:
    """Bin (articles, events) per day into weeks ending on as_of; days outside are dropped."""
    starts = week_starts(as_of, weeks)
    totals = [[0, 0] for _ in starts]
    for day, (articles, events) in daily.items():
        offset = (day - starts[0]).days
        if 0 <= offset < 7 * weeks:
            totals[offset // 7][0] += articles
            totals[offset // 7][1] += events
    return [Week(s, a, e) for s, (a, e) in zip(starts, totals, strict=True)]


def trend_svg(trend: Trend) -> str:
    """Bars of articles per week, with each week's events as a darker bar inside."""
    weeks = trend.weeks
    peak = max((max(w.articles, w.events) for w in weeks), default=0) or 1
    width = len(weeks) * (BAR_W + GAP) - GAP
    label = (
        f"{trend.company_name}: {plural(trend.articles, 'article')} and "
        f"{plural(trend.events, 'event')} "
        f"in the {len(weeks)} weeks to {weeks[-1].start + timedelta(days=6)}"
        if weeks
        else f"{trend.company_name}: no data"
    )
    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{HEIGHT + TOP}" viewBox="0 0 {width} {HEIGHT + TOP}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<line x1="0" y1="{HEIGHT + TOP - 0.5}" x2="{width}" y2="{HEIGHT + TOP - 0.5}" '
        'class="axis"/>',
    ]
    for i, w in enumerate(weeks):
        x = i * (BAR_W + GAP)
        tip = f"week of {w.start.isoformat()}: {plural(w.articles, 'article')}, "
        tip += plural(w.events, "event")
        parts.append(f"<g><title>{escape(tip)}</title>")
        parts.append(f'<rect x="{x}" y="{TOP}" width="{BAR_W}" height="{HEIGHT}" class="slot"/>')
        if w.articles:
            h = max(2, round(HEIGHT * w.articles / peak))
            parts.append(
                f'<rect x="{x}" y="{TOP + HEIGHT - h}" width="{BAR_W}" height="{h}" '
                'class="articles"/>'
            )
        if w.events:
            h = max(2, round(HEIGHT * w.events / peak))
            parts.append(
                f'<rect x="{x + 3}" y="{TOP + HEIGHT - h}" width="{BAR_W - 6}" height="{h}" '
                'class="events"/>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


RELATION_ORDER = {"own": 0, "competitor": 1, "customer": 2}


def trends_for(
    relations: dict[str, str],
    names: dict[str, str],
    daily: dict[str, dict[date, tuple[int, int]]],
    as_of: date,
) -> list[Trend]:
    """One trend per watched company: the manager's own first, then competitors, customers."""
    order = sorted(relations, key=lambda c: (RELATION_ORDER.get(relations[c], 9), names[c]))
    return [Trend(c, names[c], relations[c], weekly(daily.get(c, {}), as_of)) for c in order]
