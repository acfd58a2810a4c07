"""Re-opening signals: signs that a company which passed on the user may come back.

Pure: postings and news in, `Signal`s out. The seed names three reasons a company returns
to a finalist: the hire does not work out, the hire moves inside the company, the team
grows. We look for them as:

- role_reposted: a posting that first appeared after the rejection whose title matches the
  manager's `role`. Strongest (0.80 to 1.00).
- hire_moved: news naming the manager's `hired_person` next to a word of moving on (left,
  departed, resigned, stepped down: 0.80; moved, promoted, joined, named, appointed: 0.65).
- team_growing: other new postings close to the role on the manager's `team` (0.55); with
  no team configured, two or more new similar postings (0.50).
- department_expanding: news saying the manager's team or department is expanding or
  hiring (0.45).
- posting_closed: a reposted role that has since disappeared, likely filled (0.35).

Title match score (0-100), computed by `role_match`:

1. Both titles are normalised: lower case, abbreviations expanded (Sr./Snr -> senior,
   Jr -> junior, Eng/Engr -> engineer, Mgr -> manager, Dev -> developer, SWE -> software
   engineer, SRE -> site reliability engineer, PM -> product manager, VP -> vice president,
   ML -> machine learning, Ops -> operations, ...), seniority words (intern, junior,
   senior, staff, lead, principal, I/II/III ...) taken out and kept as a level, filler
   (remote, hybrid, contract, full-time ...) dropped.
2. The posting's qualifiers (after a comma, dash, parenthesis, colon or pipe) and words of
   the manager's team and location are set aside: "Sr. Data Engineer, Data Platform
   (Berlin)" compares as "data engineer".
3. Core score = rapidfuzz `token_sort_ratio` of the two cores; word order is free but
   every word counts, so "Product Marketing Manager" is not "Product Manager" (75). When
   the head nouns differ (engineer vs manager) the core score is capped at 70.
4. Seniority: -8 per level apart, at most -20 (Senior vs Staff: 92; Junior vs Senior: 84).
   Team (when both known): +5 when it matches, -10 when not. Location (when both known and
   the posting is not remote): +3 when it matches, -6 when not. The same title on another
   team in another city (84) is therefore a similar role, not the role.

REPOST_THRESHOLD = 85: at or above it a new posting is the role reposted. Exact and
near-exact titles score 95-100, one seniority level apart 92, a different specialism of
the same noun (Data vs Analytics Engineer) 70-80, a different role under 75.
SIMILAR_THRESHOLD = 70: "a similar role" for team growth.

Caveat: "new since the rejection" uses the board's posting date when it has one, else the
day tipsheet first saw the posting. A posting that was open before tipsheet's first run
and carries no date will look new on that first run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from tipsheet.core.dates import as_date
from tipsheet.core.event_cues import sentences
from tipsheet.core.wordlists import word_list

REPOST_THRESHOLD = 85.0
SIMILAR_THRESHOLD = 70.0
HEAD_MISMATCH_CAP = 70.0

KINDS = ("role_reposted", "team_growing", "hire_moved", "department_expanding", "posting_closed")
STRONG_KINDS = frozenset({"role_reposted", "hire_moved"})


@dataclass(frozen=True)
class Signal:
    kind: str  # one of KINDS
    strength: float  # 0..1; role_reposted is the strongest
    title: str  # what was seen: the posting's or the article's title
    seen_on: date
    url: str | None
    detail: str  # one plain sentence: why this counts
    ref: str | None = None  # posting_key or article_id, to link back and de-duplicate

    @property
    def strong(self) -> bool:
        return self.kind in STRONG_KINDS


@dataclass(frozen=True)
class Match:
    score: float
    core: float
    seniority_gap: int
    team: bool | None  # None: unknown
    location: bool | None


# -- title normalisation ---------------------------------------------------------------

ABBREVIATIONS = {
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "jnr": "junior",
    "eng": "engineer",
    "engr": "engineer",
    "engineeer": "engineer",
    "mgr": "manager",
    "mngr": "manager",
    "mgmt": "management",
    "dev": "developer",
    "swe": "software engineer",
    "sde": "software engineer",
    "sre": "site reliability engineer",
    "pm": "product manager",
    "tpm": "technical program manager",
    "em": "engineering manager",
    "vp": "vice president",
    "svp": "senior vice president",
    "evp": "executive vice president",
    "dir": "director",
    "assoc": "associate",
    "admin": "administrator",
    "ml": "machine learning",
    "ai": "artificial intelligence",
    "ops": "operations",
    "qa": "quality assurance",
    "fe": "frontend",
    "be": "backend",
    "mktg": "marketing",
    "acct": "account",
    "exec": "executive",
    "specialiste": "specialist",
    "programme": "program",
}
PHRASES = {
    "front end": "frontend",
    "back end": "backend",
    "full stack": "fullstack",
    "dev ops": "devops",
    "head of": "head",
}
# Level of each seniority word; the words are taken out of the core title.
SENIORITY = {
    "intern": 0,
    "internship": 0,
    "trainee": 0,
    "apprentice": 0,
    "graduate": 1,
    "entry": 1,
    "junior": 1,
    "i": 1,
    "1": 1,
    "mid": 2,
    "intermediate": 2,
    "ii": 2,
    "2": 2,
    "senior": 3,
    "iii": 3,
    "3": 3,
    "staff": 4,
    "lead": 4,
    "iv": 4,
    "4": 4,
    "principal": 5,
    "v": 5,
    "distinguished": 6,
}
DEFAULT_LEVEL = 2
FILLER = {
    "remote",
    "hybrid",
    "onsite",
    "on",
    "site",
    "contract",
    "contractor",
    "temporary",
    "temp",
    "permanent",
    "full",
    "part",
    "time",
    "fulltime",
    "parttime",
    "m",
    "f",
    "d",
    "w",
    "x",
    "all",
    "genders",
    "level",
    "the",
    "a",
    "an",
    "of",
    "and",
    "for",
    "in",
    "to",
    "with",
}
HEAD_NOUNS = frozenset(word_list("role_nouns"))
QUALIFIER_SPLIT = re.compile(r"\s*(?:,|\s[-\u2013\u2014]\s|\(|\)|\[|\]|:|\||/\s)\s*")
WORD = re.compile(r"[a-z0-9+#]+")


def _words(text: str) -> list[str]:
    text = text.lower().replace("&", " and ")
    text = re.sub(r"(?<=[a-z])\.(?=\s|$)", " ", text)  # "sr." -> "sr"
    text = re.sub(r"[-_/]", " ", text)  # "front-end" -> "front end"
    for phrase, repl in PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", repl, text)
    out: list[str] = []
    for w in WORD.findall(text):
        out.extend(ABBREVIATIONS.get(w, w).split())
    return out


def _split(words: list[str]) -> tuple[list[str], int | None]:
    """Core words (no seniority, no filler) and the seniority level named, if any."""
    core, levels = [], []
    for w in words:
        if w in SENIORITY:
            levels.append(SENIORITY[w])
        elif w not in FILLER:
            core.append(w)
    # "Lead" alone or "Tech Lead" is the role itself, not a level.
    if not core and "lead" in words:
        core = ["lead"]
    return core, (max(levels) if levels else None)


def _head(core: list[str]) -> str | None:
    for w in reversed(core):
        if w in HEAD_NOUNS:
            return w
    return None


def normalise_title(title: str) -> str:
    """The core of a title, for display and tests: 'Sr. Data Eng' -> 'data engineer'."""
    return " ".join(_split(_words(title))[0])


def _matches(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    wa, wb = set(_words(a)) - FILLER, set(_words(b)) - FILLER
    if not wa or not wb:
        return None
    if wa <= wb or wb <= wa:
        return True
    return fuzz.token_set_ratio(" ".join(sorted(wa)), " ".join(sorted(wb))) >= 85


def role_match(
    role: str,
    title: str,
    team: str | None = None,
    location: str | None = None,
    posting_team: str | None = None,
    posting_location: str | None = None,
) -> Match:
    """How well a posting's title (with its team and location) matches the role, 0-100."""
    role_core, role_level = _split(_words(role))
    parts = [p for p in QUALIFIER_SPLIT.split(title) if p and p.strip()]
    main = parts[0] if parts else title
    qualifiers = " ".join(parts[1:])
    post_core, post_level = _split(_words(main))
    if post_level is None:  # "Data Engineer (Senior)"
        post_level = _split(_words(qualifiers))[1]
    # Words of the manager's team or location inside the main title are not the role.
    aside = set(_words(team or "")) | set(_words(location or ""))
    trimmed = [w for w in post_core if w not in aside or w in role_core]
    if _head(trimmed) is not None:
        post_core = trimmed

    core = float(fuzz.token_sort_ratio(" ".join(role_core), " ".join(post_core)))
    if _head(role_core) != _head(post_core):
        core = min(core, HEAD_MISMATCH_CAP)

    gap = abs((role_level or DEFAULT_LEVEL) - (post_level or DEFAULT_LEVEL))
    score = core - min(8 * gap, 20)

    team_ok = _matches(team, posting_team)
    if team_ok is None and team and qualifiers:
        team_ok = True if _matches(team, qualifiers) else None
    if team_ok is True:
        score += 5
    elif team_ok is False:
        score -= 10

    loc_ok = _matches(location, posting_location)
    if loc_ok is None and location and qualifiers and _matches(location, qualifiers):
        loc_ok = True
    remote = "remote" in (posting_location or "").lower()
    if loc_ok is True:
        score += 3
    elif loc_ok is False and not remote:
        score -= 6

    return Match(max(0.0, min(100.0, score)), core, gap, team_ok, loc_ok)


# -- postings ----------------------------------------------------------------------------


def _get(row, name, default=None):
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def diff_postings(previous_keys: Iterable[str], current: Iterable) -> tuple[list, list[str]]:
    """(postings new since the previous run, keys of those gone), by set difference.

    `current` holds Posting-like objects with a posting_key; order is kept.
    """
    before = set(previous_keys)
    now = {}
    for p in current:
        now.setdefault(_get(p, "posting_key"), p)
    new = [p for k, p in now.items() if k not in before]
    vanished = sorted(before - set(now))
    return new, vanished


def _appeared(row) -> date | None:
    """When a posting went up: the board's date when it has one, else first seen."""
    return as_date(_get(row, "posted_at")) or as_date(_get(row, "first_seen"))


def _posting_signals(manager, postings, as_of: date, since: date) -> list[Signal]:
    rejected = manager.rejected_on
    reposts: list[Signal] = []
    similar: list[tuple[object, Match, date]] = []
    closed: list[Signal] = []
    for row in postings:
        title = _get(row, "title")
        appeared = _appeared(row)
        if not title or appeared is None or appeared <= rejected or appeared > as_of:
            continue
        m = role_match(
            manager.role,
            title,
            manager.team,
            manager.location,
            _get(row, "team"),
            _get(row, "location"),
        )
        active = _get(row, "active", True)
        last_seen = as_date(_get(row, "last_seen"))
        url, key = _get(row, "url"), _get(row, "posting_key")
        where = ", ".join(x for x in (_get(row, "team"), _get(row, "location")) if x)
        where = f" ({where})" if where else ""
        if m.score >= REPOST_THRESHOLD:
            if active is False and last_seen:
                if last_seen < since:
                    continue
                days = (last_seen - appeared).days
                closed.append(
                    Signal(
                        "posting_closed",
                        0.35,
                        title,
                        last_seen,
                        url,
                        f"The reposted role {title!r}{where}, up since {appeared}, was gone "
                        f"after {last_seen} ({days} days): likely filled.",
                        key,
                    )
                )
                continue
            if appeared < since:
                continue
            strength = 0.8 + 0.2 * (m.score - REPOST_THRESHOLD) / (100 - REPOST_THRESHOLD)
            reposts.append(
                Signal(
                    "role_reposted",
                    round(strength, 3),
                    title,
                    appeared,
                    url,
                    f"{title!r}{where} posted on {appeared}, after the {rejected} decision, "
                    f"matches the role {manager.role!r} (score {m.score:.0f}).",
                    key,
                )
            )
        elif active is not False and appeared >= since:
            head_same = _head(_split(_words(manager.role))[0]) == _head(_split(_words(title))[0])
            if (m.team is True and (head_same or m.core >= 60)) or (
                m.team is None and m.score >= SIMILAR_THRESHOLD
            ):
                similar.append((row, m, appeared))

    growing: list[Signal] = []
    on_team = [s for s in similar if s[1].team is True]
    loose = [s for s in similar if s[1].team is None]
    groups = [(on_team, 0.55, 1)]
    if not manager.team:
        groups.append((loose, 0.5, 2))
    for rows, strength, minimum in groups:
        if len(rows) + len(reposts) < minimum:
            continue
        n = len(rows) + len(reposts)
        for row, _m, appeared in rows:
            title = _get(row, "title")
            place = f"on the {manager.team} team" if manager.team else "close to the role"
            growing.append(
                Signal(
                    "team_growing",
                    strength,
                    title,
                    appeared,
                    _get(row, "url"),
                    f"{title!r} posted on {appeared} is one of {n} new roles {place} "
                    f"since {rejected}.",
                    _get(row, "posting_key"),
                )
            )
    return reposts + growing + closed


# -- news --------------------------------------------------------------------------------

LEFT = (
    r"left|leaves|leaving|departed|departs|departing|departure|resigned|resigns|resignation"
    r"|stepped down|steps down|stepping down|exits?|exited|exiting|fired|let go|laid off"
    r"|no longer with|parted ways|ousted|dismissed"
)
MOVED = (
    r"moved|moves|moving|promoted|promotion|joined|joins|joining|named|appointed|tapped"
    r"|transferred|transitions?|transitioned|takes over|took over|new role"
)
MOVE = re.compile(rf"\b(?:{LEFT}|{MOVED})\b", re.I)
LEFT_RE = re.compile(rf"\b(?:{LEFT})\b", re.I)
EXPAND = re.compile(
    r"\b(?:expand\w*|expansion|grow(?:s|ing|th)?|hiring|to hire|will hire|plans to hire"
    r"|headcount|doubl\w+|tripl\w+|scal(?:e|es|ing) up|build(?:s|ing)? out|new (?:team|office|hub)"
    r"|adds?|adding|invest(?:s|ing|ment) in)\b",
    re.I,
)


def _person_pattern(name: str) -> re.Pattern:
    parts = name.split()
    if len(parts) >= 2:
        first, last = re.escape(parts[0]), re.escape(parts[-1])
        return re.compile(rf"\b{first}\s+(?:[A-Z]\.?\s+|\w+\s+)?{last}\b", re.I)
    return re.compile(rf"\b{re.escape(name)}\b", re.I)


def _news_fields(item) -> tuple[str, str, str, str | None, date | None]:
    if isinstance(item, tuple | list):
        article_id, title, text, url, published = item
    else:
        article_id = _get(item, "article_id") or _get(item, "id")
        title, text = _get(item, "title"), _get(item, "text")
        url, published = _get(item, "url"), _get(item, "published_at")
    return str(article_id), title or "", text or "", url, as_date(published)


def _sentences(title: str, text: str) -> list[str]:
    # The events' splitter: it keeps "Jonas K. Weber" and "the U.S. unit" in one sentence.
    return [s for s in [title.strip(), *sentences(text)] if s]


def _dept_terms(manager) -> list[str]:
    terms = []
    if manager.team:
        terms.append(manager.team)
    core = _split(_words(manager.role))[0]
    if len(core) >= 2:  # "hiring 40 data engineers"
        terms.append(" ".join(core) + "s")
    return terms


def _news_signals(manager, news, as_of: date, since: date) -> list[Signal]:
    out: list[Signal] = []
    person = _person_pattern(manager.hired_person) if manager.hired_person else None
    dept = [re.compile(rf"\b{re.escape(t)}\b", re.I) for t in _dept_terms(manager)]
    dept_label = f"The {manager.team} team" if manager.team else f"Hiring for {manager.role}"
    for item in news:
        article_id, title, text, url, published = _news_fields(item)
        if published is None or published < since or published > as_of:
            continue
        if published <= manager.rejected_on:
            continue
        # A signal names the person or the team in one of its sentences: a text that names
        # neither anywhere is not split (its whitespace collapsed, as the sentences' is).
        whole = " ".join(f"{title} {text}".split())
        if not ((person and person.search(whole)) or any(d.search(whole) for d in dept)):
            continue
        sentences = _sentences(title, text)
        signal = None
        if person:
            for s in sentences:
                if person.search(s) and MOVE.search(s):
                    left = bool(LEFT_RE.search(s))
                    signal = Signal(
                        "hire_moved",
                        0.8 if left else 0.65,
                        title or s[:120],
                        published,
                        url,
                        f"{manager.hired_person}, hired for the role, "
                        f"{'left' if left else 'moved'}: {_clip(s)}",
                        article_id,
                    )
                    break
        if signal is None and dept:
            for s in sentences:
                if any(d.search(s) for d in dept) and EXPAND.search(s):
                    signal = Signal(
                        "department_expanding",
                        0.45,
                        title or s[:120],
                        published,
                        url,
                        f"{dept_label} is growing: {_clip(s)}",
                        article_id,
                    )
                    break
        if signal:
            out.append(signal)
    return out


def _clip(s: str, n: int = 240) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "\u2026"


# -- entry point -------------------------------------------------------------------------


def find_signals(
    manager,
    company_postings: Iterable,
    news: Iterable,
    as_of: date,
    since: date | None = None,
) -> list[Signal]:
    """Re-opening signals for one manager, strongest first.

    company_postings: rows of the manager's company with title, posting_key, url, team,
    location, posted_at, first_seen, last_seen, active (objects or mappings).
    news: (article_id, title, text, url, published_at) tuples, or objects/mappings with
    those names (id for article_id). since: oldest day reported (default: the rejection).
    """
    since = max(since or manager.rejected_on, manager.rejected_on)
    signals = _posting_signals(manager, list(company_postings), as_of, since)
    signals += _news_signals(manager, list(news), as_of, since)
    signals.sort(key=lambda s: (-s.strength, -s.seen_on.toordinal(), s.title))
    return signals


def strongest(signals: Iterable[Signal]) -> Signal | None:
    return max(signals, key=lambda s: (s.strength, s.seen_on), default=None)


def has_strong_signal(signals: Iterable[Signal]) -> bool:
    return any(s.strong for s in signals)
