"""Build the static demo web (demo/web/) from the hand-written data in demo/content/.

Run `python -m demo.build_web` after editing the content; the generated files are committed,
so `tipsheet demo` never needs this script. The prose lives in demo/content/<host>.txt, the
sites (names, feeds, links) in sites.yaml and the job postings in boards.yaml; this script
only adds each site's page furniture (navigation, cookie banner, share buttons, related
links, sidebar, footer), its feed, robots.txt, the boards' API shapes and
demo/web/manifest.json.

Story format: blocks starting with `=== path: /...`, `key: value` header lines, a `---`
line, then paragraphs separated by blank lines. A body of `@same_as` copies the
paragraphs of the story named by `same_as:` (a syndicated press release), after an
optional `lead:` paragraph.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from tipsheet.demo.world import (
    BOARDS_HOST,
    CONFIG_PATH,
    CONTENT_DIR,
    DEMO_TODAY,
    HOSTS,
    SITES_PATH,
    WEB_DIR,
)

BUILT_AT = datetime(2026, 11, 19, 23, 0, tzinfo=ZoneInfo("UTC"))


@dataclass
class Site:
    host: str
    name: str
    tz: str
    feed: str | None  # path of the feed, None for the press page without one
    feed_kind: str | None  # rss | atom | jsonfeed
    nav: list[tuple[str, str]]
    footer: list[tuple[str, str]]
    dates: tuple[str, ...]  # how the date is marked up: meta, jsonld
    tagline: str
    listing: str = "/"  # the page that lists the stories
    disallow: list[str] = field(default_factory=list)
    json_feed: str | None = None  # an extra JSON Feed 1.1 (feedparser 6.0 cannot read it)


def read_sites() -> dict[str, Site]:
    """The sites of content/sites.yaml by host, in its order."""
    data = yaml.safe_load(SITES_PATH.read_text(encoding="utf-8"))
    return {
        host: Site(
            host,
            d["name"],
            d["tz"],
            d.get("feed"),
            d.get("feed_kind"),
            [tuple(link) for link in d["nav"]],
            [tuple(link) for link in d["footer"]],
            tuple(d["dates"]),
            d["tagline"],
            listing=d.get("listing", "/"),
            disallow=d.get("disallow", []),
            json_feed=d.get("json_feed"),
        )
        for host, d in data.items()
    }


SITES = read_sites()
BOARDS = yaml.safe_load((CONTENT_DIR / "boards.yaml").read_text(encoding="utf-8"))


@dataclass
class Story:
    host: str
    path: str
    title: str
    published: datetime
    author: str
    about: list[str]
    mentions: list[str]
    event: str | None
    worth: bool
    kind: str
    summary: str
    paragraphs: list[str]
    section: str = "News"
    same_as: str | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}"


def _ids(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def read_stories() -> list[Story]:
    raw: list[tuple[str, dict, str]] = []
    for host in SITES:
        text = (CONTENT_DIR / f"{host}.txt").read_text(encoding="utf-8")
        for block in text.split("\n=== ")[1:]:
            head, _, body = block.partition("\n---\n")
            meta = {}
            for line in head.splitlines():
                key, _, value = line.partition(":")
                meta[key.strip()] = value.strip()
            raw.append((host, meta, body.strip()))
    bodies = {f"https://{h}{m['path']}": b for h, m, b in raw}
    stories = []
    for host, m, body in raw:
        tz = ZoneInfo(SITES[host].tz)
        if body == "@same_as":
            paras = _paragraphs(bodies[m["same_as"]])
            if m.get("lead"):
                # Trade papers add their own lead and drop the boilerplate: a near-duplicate.
                paras = [m["lead"]] + [p for p in paras if not p.startswith("About ")]
        else:
            paras = _paragraphs(body)
        about = _ids(m.get("about", ""))
        stories.append(
            Story(
                host=host,
                path=m["path"],
                title=m["title"],
                published=datetime.strptime(m["date"], "%Y-%m-%d %H:%M").replace(tzinfo=tz),
                author=m["author"],
                about=about,
                mentions=sorted(set(about) | set(_ids(m.get("mentions", "")))),
                event=m.get("event") or None,
                worth=m.get("worth") == "true",
                kind=m.get("kind") or "news",
                summary=m["summary"],
                paragraphs=paras,
                section=m.get("section", "News"),
                same_as=m.get("same_as"),
            )
        )
    return stories


def _paragraphs(body: str) -> list[str]:
    return [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]


# ---------------------------------------------------------------- page furniture


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def _header(site: Site) -> str:
    nav = "".join(f'<li><a href="{p}">{_e(label)}</a></li>' for label, p in site.nav)
    return f"""<div id="cookie-banner" class="cookie-banner" role="dialog"
  aria-label="Cookie consent">
  <p>We use cookies to remember your preferences, measure how our pages are used and show you
  relevant content. You can accept all cookies or choose which ones you allow.
  <a href="/cookies.html">Read our cookie policy</a>.</p>
  <button type="button" class="accept">Accept all</button>
  <button type="button" class="reject">Reject non-essential</button>
  <button type="button" class="settings">Cookie settings</button>
</div>
<header class="site-header">
  <a class="logo" href="/">{_e(site.name)}</a>
  <span class="tagline">{_e(site.tagline)}</span>
  <nav aria-label="Main"><ul>{nav}</ul></nav>
  <form class="search" action="/search.html"><input name="q" placeholder="Search">
    <button>Go</button></form>
</header>"""


def _footer(site: Site) -> str:
    links = "".join(f'<li><a href="{p}">{_e(label)}</a></li>' for label, p in site.footer)
    feed = f'<li><a href="{site.feed}">RSS / feed</a></li>' if site.feed else ""
    return f"""<footer class="site-footer">
  <div class="newsletter"><h3>Get the newsletter</h3>
    <form action="/subscribe.html">
    <input type="email" name="email" placeholder="you@company.example">
    <button>Sign up</button></form></div>
  <ul class="footer-links">{links}{feed}</ul>
  <p class="social">Follow us: <a href="/social/linkedin.html">LinkedIn</a> ·
    <a href="/social/x.html">X</a> · <a href="/social/youtube.html">YouTube</a></p>
  <p class="copyright">© 2026 {_e(site.name)}. All rights reserved. All names and events on
  this site are fictional.</p>
</footer>"""


def _share(url: str, title: str) -> str:
    return f"""<div class="share" aria-label="Share this article">
  <span>Share:</span>
  <a class="share-x" href="/share.html?to=x&amp;url={_e(url)}">Post</a>
  <a class="share-linkedin" href="/share.html?to=linkedin&amp;url={_e(url)}">LinkedIn</a>
  <a class="share-email" href="mailto:?subject={_e(title)}">Email</a>
  <button class="copy-link" type="button">Copy link</button>
</div>"""


def _jsonld(story: Story, site: Site) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "dateModified": story.published.isoformat(),
        "author": {"@type": "Person", "name": story.author},
        "publisher": {"@type": "Organization", "name": site.name},
        "mainEntityOfPage": story.url,
        "description": story.summary,
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def article_page(story: Story, site: Site, others: list[Story]) -> str:
    related = "".join(f'<li><a href="{_e(o.url)}">{_e(o.title)}</a></li>' for o in others[:3])
    most_read = "".join(f'<li><a href="{_e(o.url)}">{_e(o.title)}</a></li>' for o in others[3:7])
    head_meta = [
        f'<meta name="description" content="{_e(story.summary)}">',
        f'<meta property="og:title" content="{_e(story.title)}">',
        f'<meta property="og:site_name" content="{_e(site.name)}">',
        f'<meta property="og:url" content="{_e(story.url)}">',
        '<meta property="og:type" content="article">',
        f'<link rel="canonical" href="{_e(story.url)}">',
    ]
    if "meta" in site.dates:
        head_meta += [
            f'<meta property="article:published_time" content="{story.published.isoformat()}">',
            f'<meta name="author" content="{_e(story.author)}">',
        ]
    if "jsonld" in site.dates:
        head_meta.append(_jsonld(story, site))
    if site.feed:
        kind = {
            "rss": "application/rss+xml",
            "atom": "application/atom+xml",
            "jsonfeed": "application/feed+json",
        }[site.feed_kind]
        head_meta.append(
            f'<link rel="alternate" type="{kind}" href="{site.feed}" title="{_e(site.name)}">'
        )
    if site.json_feed:
        head_meta.append(
            f'<link rel="alternate" type="application/feed+json" href="{site.json_feed}">'
        )
    paras = "\n".join(f"    <p>{_e(p)}</p>" for p in story.paragraphs)
    shown = story.published.strftime("%-d %B %Y, %H:%M")
    meta_lines = "\n".join(head_meta)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(story.title)} | {_e(site.name)}</title>
{meta_lines}
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
{_header(site)}
<div class="breadcrumb"><a href="/">Home</a> ›
  <a href="{site.listing}">{_e(story.section)}</a></div>
<main>
  <article class="story">
    <h1>{_e(story.title)}</h1>
    <p class="standfirst">{_e(story.summary)}</p>
    <p class="byline">By <span class="author">{_e(story.author)}</span> ·
      <time datetime="{story.published.isoformat()}">{shown}</time></p>
    {_share(story.url, story.title)}
    <div class="story-body">
{paras}
    </div>
    {_share(story.url, story.title)}
    <aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
  </article>
  <aside class="sidebar">
    <section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>
    <section class="promo"><h2>Events</h2><p>Join us at the Cold Chain Summit in Rotterdam,
      12–13 March 2027. <a href="/events.html">Book your place</a></p></section>
    <section class="ad">Advertisement</section>
  </aside>
</main>
{_footer(site)}
<script>document.querySelector('.accept').onclick=function(){{this.parentNode.remove()}}</script>
</body>
</html>
"""


def listing_page(site: Site, stories: list[Story], title: str) -> str:
    items = "\n".join(
        f'    <li class="teaser"><a href="{_e(s.path)}">{_e(s.title)}</a>'
        f'<time datetime="{s.published.isoformat()}">{s.published:%d %b %Y}</time>'
        f"<p>{_e(s.summary)}</p></li>"
        for s in stories
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{_e(title)} | {_e(site.name)}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body>
{_header(site)}
<main>
  <h1>{_e(title)}</h1>
  <p class="intro">Media enquiries: <a href="mailto:press@{site.host}">press@{site.host}</a>.
    Download our <a href="/media-kit.html">media kit</a> with logos and photography.</p>
  <ul class="press-releases">
{items}
  </ul>
  <p class="pager"><a href="{site.listing}">1</a> <a href="/archive.html">Older releases</a></p>
</main>
{_footer(site)}
</body>
</html>
"""


def stub_page(site: Site, title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{_e(title)} | {_e(site.name)}</title></head>
<body>
{_header(site)}
<main><h1>{_e(title)}</h1>
<p>{_e(site.name)}: {_e(site.tagline)}. This page is part of the fictional demo web.</p></main>
{_footer(site)}
</body>
</html>
"""


# ---------------------------------------------------------------- feeds


def rss_feed(site: Site, stories: list[Story]) -> str:
    items = []
    for s in stories:
        cats = "".join(f"<category>{_e(c)}</category>" for c in s.about)
        items.append(
            f"""  <item>
    <title>{_e(s.title)}</title>
    <link>{_e(s.url)}</link>
    <guid isPermaLink="true">{_e(s.url)}</guid>
    <pubDate>{format_datetime(s.published)}</pubDate>
    <dc:creator>{_e(s.author)}</dc:creator>
    {cats}
    <description>{_e(s.summary)}</description>
  </item>"""
        )
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>{_e(site.name)}</title>
  <link>https://{site.host}/</link>
  <atom:link href="https://{site.host}{site.feed}" rel="self" type="application/rss+xml"/>
  <description>{_e(site.tagline)}</description>
  <language>en</language>
  <lastBuildDate>{format_datetime(BUILT_AT)}</lastBuildDate>
{body}
</channel>
</rss>
"""


def atom_feed(site: Site, stories: list[Story]) -> str:
    entries = []
    for s in stories:
        entries.append(
            f"""  <entry>
    <title>{_e(s.title)}</title>
    <link rel="alternate" type="text/html" href="{_e(s.url)}"/>
    <id>{_e(s.url)}</id>
    <published>{s.published.isoformat()}</published>
    <updated>{s.published.isoformat()}</updated>
    <author><name>{_e(s.author)}</name></author>
    <summary>{_e(s.summary)}</summary>
  </entry>"""
        )
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{_e(site.name)}</title>
  <subtitle>{_e(site.tagline)}</subtitle>
  <link rel="alternate" type="text/html" href="https://{site.host}/"/>
  <link rel="self" type="application/atom+xml" href="https://{site.host}{site.feed}"/>
  <id>https://{site.host}/</id>
  <updated>{BUILT_AT.isoformat()}</updated>
{body}
</feed>
"""


def json_feed(site: Site, stories: list[Story], path: str) -> str:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.name,
        "home_page_url": f"https://{site.host}/",
        "feed_url": f"https://{site.host}{path}",
        "description": site.tagline,
        "language": "en",
        "items": [
            {
                "id": s.url,
                "url": s.url,
                "title": s.title,
                "summary": s.summary,
                "date_published": s.published.isoformat(),
                "authors": [{"name": s.author}],
                "tags": s.about,
            }
            for s in stories
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def robots(site: Site) -> str:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {p}" for p in site.disallow] or ["Disallow: /search.html"]
    if site.feed:
        lines.append(f"# Feed: https://{site.host}{site.feed}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- job boards


def _p(paras: list[str]) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in paras)


def greenhouse_board(board: str, company: str, listed: list[dict]) -> dict:
    jobs = []
    for j in listed:
        jobs.append(
            {
                "absolute_url": f"https://{BOARDS_HOST}/{board}/jobs/{j['id']}",
                "data_compliance": [
                    {
                        "type": "gdpr",
                        "requires_consent": False,
                        "requires_processing_consent": False,
                        "requires_retention_consent": False,
                        "retention_period": None,
                    }
                ],
                "internal_job_id": j["id"] - 4000000,
                "location": {"name": j["location"]},
                "metadata": None,
                "id": j["id"],
                "updated_at": j["updated_at"],
                "requisition_id": j["requisition_id"],
                "title": j["title"],
                "company_name": company,
                "first_published": j["first_published"],
                # Greenhouse returns the description as HTML-escaped HTML.
                "content": html.escape(_p(j["content"]), quote=True),
                "departments": [{**j["department"], "child_ids": [], "parent_id": None}],
                "offices": [{**j["office"], "child_ids": [], "parent_id": None}],
            }
        )
    return {"jobs": jobs, "meta": {"total": len(jobs)}}


def lever_postings(site: str, postings: list[dict]) -> list[dict]:
    out = []
    for p in postings:
        created = int(datetime.fromisoformat(p["created"]).timestamp() * 1000)
        out.append(
            {
                "additional": "<div>We offer a hybrid setup and a learning budget.</div>",
                "additionalPlain": "We offer a hybrid setup and a learning budget.",
                "categories": {
                    "commitment": p["commitment"],
                    "department": p["department"],
                    "location": p["location"],
                    "team": p["team"],
                    "allLocations": [p["location"]],
                },
                "createdAt": created,
                "descriptionPlain": p["description"],
                "description": f"<div>{_e(p['description'])}</div>",
                "id": p["id"],
                "lists": [
                    {"text": "What you'll do", "content": f"<li>{_e(p['description'])}</li>"}
                ],
                "text": p["text"],
                "country": "NL" if p["location"] in ("Amsterdam",) else None,
                "workplaceType": "hybrid",
                "hostedUrl": f"https://{BOARDS_HOST}/lever/{site}/{p['id']}",
                "applyUrl": f"https://{BOARDS_HOST}/lever/{site}/{p['id']}/apply",
            }
        )
    return out


def job_page(title: str, company: str, location: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)} at {_e(company)}</title></head>
<body><header><a href="/">Jobs board</a></header>
<main><h1>{_e(title)}</h1><p class="company">{_e(company)} · {_e(location)}</p>
<div class="description">{body}</div><p><a href="#apply">Apply for this job</a></p></main>
<footer>© 2026 Demo jobs board. Fictional postings.</footer></body></html>
"""


def build_boards(root: Path) -> None:
    board_dir = root / BOARDS_HOST
    gh_board, gh_company = BOARDS["greenhouse"]["board"], BOARDS["greenhouse"]["company"]
    gh = greenhouse_board(gh_board, gh_company, BOARDS["greenhouse"]["jobs"])
    _write(board_dir / f"v1/boards/{gh_board}/jobs.json", json.dumps(gh, indent=2) + "\n")
    for j in BOARDS["greenhouse"]["jobs"]:
        _write(
            board_dir / f"{gh_board}/jobs/{j['id']}.html",
            job_page(j["title"], gh_company, j["location"], _p(j["content"])),
        )
    site, company = BOARDS["lever"]["site"], BOARDS["lever"]["company"]
    lever = lever_postings(site, BOARDS["lever"]["postings"])
    _write(board_dir / f"v0/postings/{site}.json", json.dumps(lever, indent=2) + "\n")
    for p in lever:
        _write(
            board_dir / f"lever/{site}/{p['id']}.html",
            job_page(p["text"], company, p["categories"]["location"], p["description"]),
        )
    _write(board_dir / "robots.txt", "User-agent: *\nDisallow:\n")
    _write(
        board_dir / "index.html",
        "<!DOCTYPE html><html><head><title>Demo jobs board</title>"
        "</head><body><h1>Demo jobs board</h1></body></html>\n",
    )


# ---------------------------------------------------------------- build


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _file_for(path: str) -> str:
    return path.lstrip("/") + ("index.html" if path.endswith("/") else "")


def _readers(managers: list[dict], companies: dict) -> dict[str, set[str]]:
    """Manager id -> the company ids that matter to them (own, competitors, customers)."""
    out = {}
    for m in managers:
        own = companies[m["company"]]
        out[m["id"]] = {m["company"], *own.get("competitors", []), *own.get("customers", [])}
    return out


def _named(story: Story, companies: dict) -> set[str]:
    """Companies named in a story: by full name, or by alias when the alias is unambiguous
    (companies with `context` words have aliases that are ordinary words)."""
    text = " ".join([story.title, *story.paragraphs])
    found = set()
    for key, c in companies.items():
        names = [c["name"]] + ([] if c.get("context") else c.get("aliases", []))
        if any(re.search(rf"\b{re.escape(n)}\b", text) for n in names):
            found.add(key)
    return found


def build(root: Path = WEB_DIR) -> dict:
    stories = read_stories()
    if root.exists():
        shutil.rmtree(root)
    css = "body{font-family:sans-serif;max-width:70em;margin:auto}.cookie-banner{background:#eee}\n"
    for host, site in SITES.items():
        own = sorted(
            (s for s in stories if s.host == host), key=lambda s: s.published, reverse=True
        )
        base = root / host
        for s in own:
            others = [o for o in own if o is not s and o.kind != "private"]
            _write(base / _file_for(s.path), article_page(s, site, others))
        public = [s for s in own if s.kind != "private"]
        listing_title = {"/": f"Latest from {site.name}"}.get(
            site.listing, "News and press releases"
        )
        _write(base / _file_for(site.listing), listing_page(site, public, listing_title))
        if site.listing != "/":
            _write(base / "index.html", listing_page(site, public[:3], site.name))
        for label, p in site.nav + site.footer:
            target = base / _file_for(p)
            if not target.exists():
                _write(target, stub_page(site, label))
        _write(base / "static/site.css", css)
        _write(base / "robots.txt", robots(site))
        if site.feed:
            # The feed lists every story on the host, including the one under /private/.
            render = {"rss": rss_feed, "atom": atom_feed}[site.feed_kind]
            _write(base / site.feed.lstrip("/"), render(site, own))
        if site.json_feed:
            _write(base / site.json_feed.lstrip("/"), json_feed(site, own, site.json_feed))
    build_boards(root)

    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    readers = _readers(config["managers"], config["companies"])
    for s in stories:
        s.mentions = sorted(set(s.mentions) | _named(s, config["companies"]))
    gh_board, lever_site = BOARDS["greenhouse"]["board"], BOARDS["lever"]["site"]
    manifest = {
        "today": DEMO_TODAY.isoformat(),
        "hosts": list(HOSTS),
        "feeds": [
            {"url": f"https://{s.host}{s.feed}", "kind": s.feed_kind}
            for s in SITES.values()
            if s.feed
        ]
        + [
            {"url": f"https://{s.host}{s.json_feed}", "kind": "jsonfeed"}
            for s in SITES.values()
            if s.json_feed
        ],
        "press_pages": [f"https://{s.host}{s.listing}" for s in SITES.values() if not s.feed],
        "job_boards": [
            {
                "ats": "greenhouse",
                "board": gh_board,
                "url": f"https://{BOARDS_HOST}/v1/boards/{gh_board}/jobs?content=true",
            },
            {
                "ats": "lever",
                "board": lever_site,
                "url": f"https://{BOARDS_HOST}/v0/postings/{lever_site}?mode=json",
            },
        ],
        "articles": [
            {
                "url": s.url,
                "host": s.host,
                "title": s.title,
                "published": s.published.isoformat(),
                "about": s.about,
                "mentions": s.mentions,
                "event": s.event,
                "worth_a_call": s.worth,
                "worth_a_call_for": sorted(
                    m for m, ids in readers.items() if s.worth and ids & set(s.about)
                ),
                "kind": s.kind,
                "duplicate_of": s.same_as,
                "robots_disallowed": any(s.path.startswith(p) for p in SITES[s.host].disallow),
            }
            for s in sorted(stories, key=lambda s: (s.host, s.path))
        ],
    }
    _write(root / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


if __name__ == "__main__":
    m = build()
    print(f"built {len(m['articles'])} articles under {WEB_DIR}")  # noqa: T201
