"""Rendering a manager's digest and the index of all digests (pure: strings in, string out)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from tipsheet.core.markdown import inline, link, quote_block
from tipsheet.core.records import Event

EVENT_LABELS = {
    "funding": "funding round",
    "acquisition": "acquisition",
    "partnership": "partnership",
    "product_launch": "product launch",
    "leadership_change": "leadership change",
    "layoffs": "layoffs",
    "earnings": "earnings",
    "expansion": "expansion",
    "legal_regulatory": "legal or regulatory news",
}

# What each kind of news can mean for a manager's work, by the company's relation.
EVENT_ANGLE = {
    "funding": "new money usually means hiring and a faster roadmap",
    "acquisition": "ownership changes reshuffle vendors, products and teams",
    "partnership": "alliances decide who works with whom",
    "product_launch": "a new product shifts what buyers compare",
    "leadership_change": "new leaders bring new priorities and budgets",
    "layoffs": "cuts move talent and customers around the market",
    "earnings": "results show where the money and the pressure are",
    "expansion": "growth into new places creates demand and openings",
    "legal_regulatory": "rulings and rules change what the market may do",
}
RELATION_LINK = {
    "competitor": "a competitor of {own}",
    "customer": "a customer of {own}",
    "own": "{own} itself",
    "industry": "in {own}'s market",
}
_AMOUNT = re.compile(
    r"(?:[$€£¥]\s?\d[\d.,]*\s*(?:bn|billion|m|million|k)?\b"
    r"|\b\d[\d.,]*\s*(?:bn|billion|million|per ?cent|%|jobs|roles|staff|stores|workers)\b)",
    re.IGNORECASE,
)


MAX_WORTH = 10  # items worth a call a digest shows
MAX_OTHER = 15  # other items it lists


@dataclass
class DigestItem:
    item_id: str
    article_id: str
    title: str | None
    url: str | None
    company_name: str
    relation: str
    event_type: str | None
    published: date | None
    score: float
    worth_call: bool
    site_name: str | None = None
    coverage: int = 1
    why: str = ""
    talking_point: str = ""
    language: str | None = None


@dataclass
class DigestPage:
    me: str
    manager_id: str
    manager_name: str
    manager_role: str
    company_name: str
    as_of: date
    status_lines: list[str]
    signals: list = field(default_factory=list)
    items: list[DigestItem] = field(default_factory=list)
    failing_sources: list[tuple[str, int, str]] = field(default_factory=list)
    max_worth: int = MAX_WORTH
    max_other: int = MAX_OTHER
    manager_team: str | None = None
    too_soon: bool = False
    notice: str | None = None  # said above everything: e.g. that no source could be read


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def amount(text: str) -> str | None:
    """The first sum or count the text states ("$1.13bn", "300 roles"), if any."""
    m = _AMOUNT.search(text or "")
    return " ".join(m.group(0).split()) if m else None


def why_it_matters(
    manager_name: str,
    manager_role: str,
    own_company: str,
    company: str,
    relation: str,
    event: Event | None,
) -> str:
    """What happened (the event, with the amount and the other party where the evidence
    states them) and how it links to this manager's role."""
    first = first_name(manager_name)
    who = RELATION_LINK.get(relation, RELATION_LINK["industry"]).format(own=own_company)
    role = f"{possessive(first)} work as {manager_role}"
    if event is None:
        return f"{company} ({who}) is in the news; worth knowing for {role}."
    label = EVENT_LABELS.get(event.event_type, event.event_type)
    evidence = event.evidence or ""
    details = [d for d in (amount(evidence), _party(evidence, company, own_company)) if d]
    what = f"{label} ({', '.join(details)})" if details else label
    subject = company if relation != "own" else own_company
    line = f"{subject}, {who}: {what}. " if relation != "own" else f"{subject}: {what}. "
    angle = EVENT_ANGLE.get(event.event_type, "")
    return f"{line}{angle[0].upper() + angle[1:]}, which bears on {role}." if angle else line


def _party(evidence: str, company: str, own_company: str) -> str | None:
    """The manager's own company when the evidence names it beside another: "with X"."""
    if own_company != company and own_company in evidence:
        return f"with {own_company}"
    return None


def suggested_message(
    me: str,
    manager_name: str,
    focus: str,
    own_company: str,
    items: list[DigestItem],
    too_soon: bool = False,
) -> str:
    """A short note asking for a call: it names the kind of news of the top item, never the
    news itself, and proposes no date while a call would be too soon. `focus`: the
    manager's team, else the role."""
    first = first_name(manager_name)
    owner = possessive(own_company)
    top = items[0].relation if items else None
    about = {
        "competitor": f"one of {owner} competitors",
        "customer": f"one of {owner} customers",
        "own": f"{own_company} and its market",
    }.get(top, "your market")
    ask = (
        "When the timing suits you, I'd be glad to walk you through it."
        if too_soon
        else "Would you have 15 minutes for a call in the next week or two?"
    )
    return (
        f"Hi {first}, I came across something about {about} that I think matters for "
        f"{focus}, and I've put some thoughts together on what it could mean. "
        f"{ask} Best, {first_name(me)}"
    )


def item_meta(
    item: DigestItem,
    text: Callable[[str | None], str],
    link_to: Callable[[str | None, str | None], str],
    bold: str,
    name: Callable[[str], str] = str,
) -> list[str]:
    """The facts of an item's meta line, for the markdown and the HTML alike.

    text escapes words from the web, link_to makes a link, bold is a format with one {}, and
    name writes tipsheet's own words (relation, event label), which markdown needs not escape.
    """
    meta = [f"{bold.format(text(item.company_name))} ({name(item.relation)})"]
    if item.event_type:
        meta.append(name(EVENT_LABELS.get(item.event_type, item.event_type)))
    if item.published:
        meta.append(item.published.isoformat())
    meta.append(link_to(item.site_name or "source", item.url))
    if item.coverage > 1:
        meta.append(f"also covered by {item.coverage - 1} source{'s' * (item.coverage > 2)}")
    if item.language and not item.language.lower().startswith("en"):
        meta.append(f"in {text(item.language)}")
    return meta


def _item_block(n: int, item: DigestItem, manager_first: str) -> list[str]:
    meta = item_meta(item, inline, link, "**{}**")
    lines = [
        f"### {n}. {inline(item.title, 200) or '(untitled)'}",
        "",
        f"- Item `{item.item_id}` · " + " · ".join(meta),
        f"- Why it matters to {inline(manager_first)}: {inline(item.why)}",
    ]
    if item.talking_point:
        lines += ["- Talking point:", "", "  " + quote_block(item.talking_point)]
    return [*lines, ""]


def _signal_line(s) -> str:
    seen = s.seen_on.isoformat() if getattr(s, "seen_on", None) else "date unknown"
    detail = f" {inline(s.detail)}" if getattr(s, "detail", None) else ""
    target = link("link", s.url) if getattr(s, "url", None) else ""
    label = s.kind.replace("_", " ")
    return f"- **{label}** (seen {seen}): {inline(s.title)}.{detail} {target}".rstrip()


def render_digest(page: DigestPage) -> str:
    first = first_name(page.manager_name)
    worth = [i for i in page.items if i.worth_call][: page.max_worth]
    other = [i for i in page.items if not i.worth_call][: page.max_other]
    out = [
        f"# {inline(page.manager_name)}, {inline(page.company_name)}: {page.as_of.isoformat()}",
        "",
        *([f"**{inline(page.notice)}**", ""] if page.notice else []),
        f"Role interviewed for: {inline(page.manager_role)}. Prepared for {inline(page.me)}.",
        "",
        "## Contact status",
        "",
        *[f"- {line}" for line in page.status_lines],
        "",
    ]
    if page.signals:
        out += ["## Re-opening signals", ""]
        out += [_signal_line(s) for s in page.signals]
        out.append("")
    out += [f"## Worth a call ({len(worth)})", ""]
    if worth:
        for n, item in enumerate(worth, 1):
            out += _item_block(n, item, first)
    else:
        out += ["Nothing concrete yet: no reason to call on news alone this time.", ""]
    if other:
        out += ["## Other items noted", ""]
        for item in other:
            date_s = item.published.isoformat() if item.published else "undated"
            out.append(
                f"- `{item.item_id}` {link(item.title or '(untitled)', item.url)}: "
                f"{inline(item.company_name)} ({item.relation}), {date_s}"
            )
        out.append("")
    if worth or page.signals:
        message = suggested_message(
            page.me,
            page.manager_name,
            page.manager_team or page.manager_role,
            page.company_name,
            worth,
            page.too_soon,
        )
        out += ["## Suggested message", "", quote_block(message, limit=1000), ""]
    if page.failing_sources:
        out += ["## Sources failing", ""]
        for url, nights, error in page.failing_sources:
            out.append(f"- {inline(url)}: failed {nights} runs in a row ({inline(error, 160)})")
        out.append("")
    out.append(
        f"After the call: `tipsheet contacted {page.manager_id} --item ID` for each item "
        "shared; shared items never come back."
    )
    return "\n".join(out).rstrip() + "\n"


@dataclass
class IndexRow:
    manager_id: str
    manager_name: str
    company_name: str
    next_due: date | None
    status: str
    best_item: str | None
    digest_path: str


def render_index(rows: list[IndexRow], as_of: date, notice: str | None = None) -> str:
    rows = sorted(rows, key=lambda r: (r.next_due or date.min, r.manager_id))
    out = [
        f"# Tipsheet digests: {as_of.isoformat()}",
        "",
        *([f"**{inline(notice)}**", ""] if notice else []),
        "| Manager | Company | Next contact due | Status | Best item |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        due = r.next_due.isoformat() if r.next_due else "now"
        best = inline(r.best_item, 90) if r.best_item else "nothing worth a call yet"
        name = inline(r.manager_name)
        out.append(
            f"| [{name}]({r.digest_path}) | {inline(r.company_name)} | {due} | "
            f"{inline(r.status)} | {best} |"
        )
    return "\n".join(out) + "\n"
