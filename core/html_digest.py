"""The digest and the index as self-contained HTML pages (pure: records in, string out).

The same content as the markdown, for reading in a browser or an email client. No script,
no external asset: styles are inline and the charts are inline SVG, so a page works
offline from disk. Text from the web is escaped as HTML and links are http(s) only, so a
page cannot inject markup, and the Content-Security-Policy forbids scripts and any fetch
even if something slipped through.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import PurePosixPath

from tipsheet.core.digest import (
    DigestItem,
    DigestPage,
    IndexRow,
    first_name,
    item_meta,
    suggested_message,
)
from tipsheet.core.markdown import safe_url
from tipsheet.core.records import Candidate
from tipsheet.core.trends import Trend, plural, trend_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1d232b;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #d8dde3;padding-bottom:.2rem}h3{font-size:1.05rem;margin:.2rem 0}
a{color:#0b5cad}.meta{color:#4b5563;font-size:.9rem}.item{border-left:3px solid #d8dde3;
padding:.3rem .8rem;margin:1rem 0}.item.new{border-left-color:#c2410c}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:0 .4rem;border-radius:.3rem;
background:#ffedd5;color:#9a3412;margin-left:.4rem;vertical-align:middle}
blockquote{margin:.4rem 0;padding:.3rem .8rem;background:#f5f7fa;border-left:3px solid #94a3b8}
code{font-size:.9em;background:#f1f3f5;padding:0 .2rem;border-radius:.2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;
border-bottom:1px solid #e5e7eb;vertical-align:top}tr.due td:first-child{font-weight:600}
.due-mark{color:#b91c1c;font-weight:600}td.day{white-space:nowrap}.trends{display:grid;
grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1rem}
.trend .slot{fill:#f1f5f9}.trend .articles{fill:#93c5fd}.trend .events{fill:#1d4ed8}
.trend .axis{stroke:#94a3b8;stroke-width:1}figure{margin:0}figcaption{font-size:.9rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;
vertical-align:middle}footer{margin-top:2rem;color:#4b5563;font-size:.9rem}
"""


def text(value: str | None, limit: int | None = None) -> str:
    """Plain text from anywhere, safe as HTML content or attribute."""
    if not value:
        return ""
    value = " ".join(value.split())
    if limit and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return escape(value, quote=True)


def anchor(label: str | None, url: str | None, cls: str = "") -> str:
    """A link to an http(s) page, or the bare label when the URL is not one."""
    target = safe_url(url)
    body = text(label) or "link"
    if not target:
        return body
    klass = f' class="{cls}"' if cls else ""
    return f'<a{klass} href="{escape(target, quote=True)}" rel="noopener noreferrer">{body}</a>'


def document(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{title}</title>",
            f"<style>{STYLE.strip()}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _item(n: int, item: DigestItem, first: str, new: bool) -> list[str]:
    meta = item_meta(item, text, anchor, "<strong>{}</strong>", name=text)
    badge = '<span class="badge">new</span>' if new else ""
    out = [
        f'<article class="item{" new" * new}" id="item-{text(item.item_id)}">',
        f"<h3>{n}. {anchor(item.title or '(untitled)', item.url)}{badge}</h3>",
        f'<p class="meta">Item <code>{text(item.item_id)}</code> · {" · ".join(meta)}</p>',
        f"<p>Why it matters to {text(first)}: {text(item.why)}</p>",
    ]
    if item.talking_point:
        out.append(f"<p>Talking point:</p><blockquote>{text(item.talking_point, 600)}</blockquote>")
    out.append("</article>")
    return out


def _signal(s, new: bool) -> str:
    seen = s.seen_on.isoformat() if getattr(s, "seen_on", None) else "date unknown"
    detail = f" {text(s.detail)}" if getattr(s, "detail", None) else ""
    target = f" {anchor('link', s.url)}" if getattr(s, "url", None) else ""
    badge = '<span class="badge">new</span>' if new else ""
    label = text(s.kind.replace("_", " "))
    return (
        f"<li><strong>{label}</strong> (seen {seen}): {text(s.title)}.{detail}{target}{badge}</li>"
    )


def _status_line(line: str) -> str:
    # Status lines are ours (no web text) and use **bold** for the warning only.
    escaped = text(line)
    if escaped.startswith("**") and "**" in escaped[2:]:
        head, rest = escaped[2:].split("**", 1)
        escaped = f"<strong>{head}</strong>{rest}"
    return f"<li>{escaped}</li>"


def _trends(trends: list[Trend]) -> list[str]:
    if not trends:
        return []
    out = [
        '<section id="trends">',
        "<h2>Trends: the last 90 days</h2>",
        '<p class="legend meta">Per week:<span style="background:#93c5fd"></span>articles'
        '<span style="background:#1d4ed8"></span>events</p>',
        '<div class="trends">',
    ]
    for t in trends:
        out.append(
            f"<figure>{trend_svg(t)}<figcaption><strong>{text(t.company_name)}</strong> "
            f"({text(t.relation)}): {plural(t.articles, 'article')}, "
            f"{plural(t.events, 'event')}</figcaption></figure>"
        )
    out += ["</div>", "</section>"]
    return out


def render_digest_html(
    page: DigestPage,
    *,
    new_items: set[str],
    old_signals: set[tuple[str, str]],
    previous: date | None,
    trends: list[Trend],
) -> str:
    """One manager's digest; items and signals not in `previous` digests are marked new.

    new_items: article ids listed for the first time; old_signals: (kind, title) of signals
    shown in earlier digests.
    """
    first = first_name(page.manager_name)
    worth = [i for i in page.items if i.worth_call][: page.max_worth]
    other = [i for i in page.items if not i.worth_call][: page.max_other]
    day = page.as_of.isoformat()
    title = f"{text(page.manager_name)}, {text(page.company_name)}: {day}"
    fresh = sum(i.article_id in new_items for i in worth + other)
    since = (
        f"{fresh} of the items below are new since the previous digest ({previous.isoformat()})."
        if previous
        else "This is the first digest: every item is new."
    )
    body = [
        f'<p class="meta"><a href="../index.html">All digests</a> · '
        f'<a href="{day}.md">Markdown</a></p>',
        f"<h1>{title}</h1>",
        f"<p>Role interviewed for: {text(page.manager_role)}. Prepared for {text(page.me)}.</p>",
        f'<p class="meta" id="new-since">{since}</p>',
        '<section id="status">',
        "<h2>Contact status</h2>",
        "<ul>",
        *[_status_line(line) for line in page.status_lines],
        "</ul>",
        "</section>",
    ]
    if page.signals:
        body += ['<section id="signals">', "<h2>Re-opening signals</h2>", "<ul>"]
        body += [_signal(s, (s.kind, s.title) not in old_signals) for s in page.signals]
        body += ["</ul>", "</section>"]
    body += _trends(trends)
    body += ['<section id="worth">', f"<h2>Worth a call ({len(worth)})</h2>"]
    if worth:
        for n, item in enumerate(worth, 1):
            body += _item(n, item, first, item.article_id in new_items)
    else:
        body.append("<p>Nothing concrete yet: no reason to call on news alone this time.</p>")
    body.append("</section>")
    if other:
        body += ['<section id="other">', "<h2>Other items noted</h2>", "<ul>"]
        for item in other:
            date_s = item.published.isoformat() if item.published else "undated"
            badge = '<span class="badge">new</span>' if item.article_id in new_items else ""
            headline = anchor(item.title or "(untitled)", item.url)
            body.append(
                f"<li><code>{text(item.item_id)}</code> {headline}: {text(item.company_name)} "
                f"({text(item.relation)}), {date_s}{badge}</li>"
            )
        body += ["</ul>", "</section>"]
    if worth or page.signals:
        message = suggested_message(
            page.me,
            page.manager_name,
            page.manager_team or page.manager_role,
            page.company_name,
            worth,
            page.too_soon,
        )
        body += [
            '<section id="message">',
            "<h2>Suggested message</h2>",
            f"<blockquote>{text(message, 1000)}</blockquote>",
            "</section>",
        ]
    if page.failing_sources:
        body += ['<section id="failing">', "<h2>Sources failing</h2>", "<ul>"]
        for url, nights, error in page.failing_sources:
            body.append(f"<li>{text(url)}: failed {nights} runs in a row ({text(error, 160)})</li>")
        body += ["</ul>", "</section>"]
    body.append(
        f"<footer>After the call: <code>tipsheet contacted {text(page.manager_id)} --item ID"
        "</code> for each item shared; shared items never come back.</footer>"
    )
    return document(title, body)


def new_since(
    items: list[DigestItem], candidates: list[Candidate], listed_before: dict[str, int]
) -> set[str]:
    """Article ids of the items whose story no earlier digest listed.

    By story, not by article: when another article of a story already shown becomes its
    representative, the news is not new.
    """
    story = {c.article_id: c.story_id or c.article_id for c in candidates}
    shown = {story.get(a, a) for a in listed_before}
    return {i.article_id for i in items if story.get(i.article_id, i.article_id) not in shown}


def html_path(markdown_path: str) -> str:
    return str(PurePosixPath(markdown_path).with_suffix(".html"))


def render_index_html(rows: list[IndexRow], as_of: date) -> str:
    """Every manager, the one due first at the top, each linking to today's HTML digest."""
    rows = sorted(rows, key=lambda r: (r.next_due or date.min, r.manager_id))
    title = f"Tipsheet digests: {as_of.isoformat()}"
    body = [
        f"<h1>{title}</h1>",
        '<section id="managers">',
        "<table>",
        "<thead><tr><th>Manager</th><th>Company</th><th>Next contact due</th>"
        "<th>Status</th><th>Best item</th></tr></thead>",
        "<tbody>",
    ]
    for r in rows:
        due_now = r.next_due is None or r.next_due <= as_of
        due = r.next_due.isoformat() if r.next_due else "now"
        mark = ' <span class="due-mark">due</span>' if due_now else ""
        best = text(r.best_item, 90) if r.best_item else "nothing worth a call yet"
        href = escape(html_path(r.digest_path), quote=True)
        body.append(
            f'<tr class="{"due" if due_now else "later"}" id="manager-{text(r.manager_id)}">'
            f'<td><a href="{href}">{text(r.manager_name)}</a></td>'
            f'<td>{text(r.company_name)}</td><td class="day">{due}{mark}</td>'
            f"<td>{text(r.status)}</td><td>{best}</td></tr>"
        )
    body += [
        "</tbody>",
        "</table>",
        "</section>",
        '<footer>Reminders for your calendar: <a href="contacts.ics">contacts.ics</a>. '
        'The same index in markdown: <a href="README.md">README.md</a>.</footer>',
    ]
    return document(title, body)
