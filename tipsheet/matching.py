"""Which tracked companies an article mentions.

A company matches by its names and aliases (exact case or ALL CAPS, on word boundaries,
possessives included), its domains, and its ticker in financial forms (`NASDAQ: AAPL`,
`(NYSE: X)`, `$AAPL`; a bare ticker only when it is not an English word).

Names that are also ordinary words or other entities (Apple, Target, Shell, Delta ...) are
found automatically: a single word whose frequency in English (the `wordfreq` list) is at
or above `AMBIGUOUS_ZIPF`. An occurrence of such a name counts only when something
corroborates it:

- a company form right after it (Inc., Corp., plc ...), or it is said to act as a subject
  of a verb typical of organisations ("Target said", "Gap owns", "Apple on Tuesday
  unveiled", "Shell rose 2%"), or its executives are named ("Apple CEO", "Zoom's chief
  executive"), or an appositive says what it is ("Delta, the Atlanta-based carrier");
- a cue word nearby (shares, CEO, stores, earnings ...) or one of the user's `context` words;
- it stands alone capitalised in the middle of a sentence (not in a title-case headline and
  not glued to other capitalised words as in "Mekong Delta" or "United States");
- or, for the whole article, an unambiguous form of the same company (the ticker, a domain,
  an unambiguous alias) or the article comes from the company's own source.

An ambiguous occurrence attached to another capitalised word ("Manchester United", "Big
Apple", "Apple Watch") never counts on its own, and `exclude` phrases are removed first.
An open compound that English also writes as one word ("Block chain", "Meta data") is the
ordinary word. Words of the ordinary senses nearby (orchard, variant, striker, lens ...)
veto the weaker kinds of evidence (a verb after it, its capitals) unless a cue supports it.
A name in a title-case headline, where capitals say nothing, counts when it heads the
headline as the subject of an organisation verb, or when the article's lede carries a cue
and never uses the word in its ordinary lower-case form.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

from tipsheet.config import Company
from tipsheet.records import Mention

LOGGER = logging.getLogger(__name__)

AMBIGUOUS_ZIPF = 3.0  # "northwind" 1.6, "tesla" 3.8, "apple" 4.8, "united" 5.5
SNIPPET_CHARS = 240
CUE_WINDOW = 12  # tokens either side of an occurrence
COMPOUND_ZIPF = 2.5  # "blockchain" 3.7, "applesauce" 2.6; "applepie" 1.1

COMPANY_FORMS = (
    r"Inc\.?|Incorporated|Corp\.?|Corporation|Co\.|Company|Ltd\.?|Limited|plc|PLC|LLC|L\.L\.C\."
    r"|AG|SA|S\.A\.|NV|N\.V\.|SE|GmbH|Group|Holdings|Platforms|Air\s+Lines|Airlines"
)
_FORM_AFTER = re.compile(r"^\s*(?:'s\s+|’s\s+)?,?\s*(?:" + COMPANY_FORMS + r")\b")


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Verbs whose subject is typically an organisation. Sentence-initial "Gap owns", "Shell
# sold" or "Apple on Tuesday unveiled" is a name: an ordinary singular noun would take a
# determiner ("The gap widened"). "hit", "spread", "rose" are left out: "Target hits", "Delta
# spreads" are as likely the word (price moves count with a figure, see _MOVES_AFTER).
_ORG_VERBS = (
    r"said|says|announced|announces|reported|reports|plans|planned|will|has\s+agreed"
    r"|agreed|agrees|is\s+planning|confirmed|confirms|launched|launches|unveiled|unveils"
    r"|posted|posts|owns|owned|acquired|acquires|bought|buys|sells|sold|hired|hires|cut|cuts"
    r"|raised|raises|filed|files|sued|sues|opened|opens|closed|closes|named|names"
    r"|appointed|appoints|expects|expected|beat|beats|missed|misses|introduced|introduces"
    r"|released|releases|rolled\s+out|rolls\s+out|laid\s+off|lays\s+off|warned|warns"
    r"|slashed|slashes|boosted|boosts|lowered|lowers|settled|settles|signed|signs|struck"
    r"|invested|invests|paid|pays|recalled|recalls|shut|shuts|trimmed|trims|forecast"
    r"|forecasts|delayed|delays|scrapped|scraps|disclosed|discloses|denied|denies"
    r"|declined|added|adds|shipped|ships|halted|halts|employs|operates|partnered|teamed"
    r"|reached|won|wins|faces|faced|told|tells|issued|blamed|blames|dropped|drops"
    r"|ended|ends|began|begins|started|starts|tested|tests|offered|offers"
)
_ADVERB = (
    r"(?:\s+(?:also|now|quietly|recently|previously|again|then|still|already|officially"
    r"|formally|reportedly|abruptly|unexpectedly|late|early|last\s+(?:week|month|year)"
    r"|on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)),?)?"
)
_ACTS_AFTER = re.compile(
    r"^(?:'s|’s)?" + _ADVERB + r"\s+(?:" + _ORG_VERBS + r"|shares|stock|executives?"
    r"|spokes(?:man|woman|person)|chief\s+executive|ceo|cfo)\b",
    re.IGNORECASE,
)
# "Shell rose 2%", "Apple fell as much as 4%": a price move with a figure.
_MOVES_AFTER = re.compile(
    r"^(?:'s|’s)?\s+(?:shares\s+)?(?:rose|fell|jumped|slid|slipped|climbed|gained|dropped"
    r"|sank|tumbled|surged|soared|plunged|rallied|lost|edged\s+(?:up|down|higher|lower))"
    r"\s+(?:as\s+much\s+as\s+|nearly\s+|almost\s+|about\s+|more\s+than\s+)?\$?\d",
    re.IGNORECASE,
)
# "Delta, the Atlanta-based carrier," / "Gap, which owns Old Navy,": what the name is.
_APPOSITIVE_AFTER = re.compile(
    r"^,\s+(?:(?:the|a|an)\s+(?:[\w$.-]+\s+){0,4}?(?:company|firm|retailer|airline|carrier"
    r"|bank|maker|giant|group|owner|operator|chain|major|conglomerate|startup|platform"
    r"|provider|insurer|lender|producer|supplier|developer|parent|brand|business)\b"
    r"|which\s+(?:owns|operates|makes|sells|runs|employs|reported|said|announced)\b)",
    re.IGNORECASE,
)
# Capitalised words after the name that name its people or papers, not a longer name.
_ORG_TITLES = _words(
    """
    ceo cfo coo cto chief chairman chairwoman chair founder spokesperson spokesman
    spokeswoman executives shares stock board investors
    """
)


_CUES = _words(
    """
    shares share stock stocks ceo cfo coo cto chief executive executives chairman
    announced announces announcement company company's firm firms retailer retailers
    chain store stores app apps earnings revenue revenues profit quarter quarterly
    investors investor analysts analyst acquire acquires acquired acquisition
    acquisitions merger deal deals billion million customers subscribers employees staff
    workers layoffs lawsuit sued regulators antitrust headquarters headquartered brand
    platform software airline airlines carrier flights flight passengers nasdaq nyse
    ticker spokesperson spokesman spokeswoman rival rivals competitor competitors giant
    maker startup shareholders dividend ipo valuation fiscal guidance outlook users
    meetings video apparel clothing refinery oil gas lng energy payments cash fintech
    bitcoin apparel clothing retailer's iphone iphones mac ipad headset metaverse
    instagram whatsapp
    """
)
# In a title-case headline only these count: "announced" or "company" are too loose there.
_STRONG_CUES = _words(
    """
    shares share stock stocks ceo cfo coo cto earnings revenue revenues profit quarterly
    investors analysts acquire acquires acquired acquisition merger layoffs lawsuit
    nasdaq nyse shareholders dividend ipo valuation guidance outlook
    """
)
# A bare singular noun rarely starts a sentence without a determiner ("The apple ..."), so
# a capitalised name followed by a verb of its own or a possessive is a subject that acts.
_SUBJECT_AFTER = re.compile(
    r"^(?:(?:'s|’s)\s+(?:[a-z]|[A-Z]{2,}\b)|\s+(?:is|was|has|had|will|would|can|could|may|might|must|should|"
    r"owns|sells|makes|runs|operates|employs|expects|wants|aims|says|told|tells|sees|"
    r"did|does|declined|denied|added|began|begins|started|starts)\b)"
)
# Words of the ordinary senses of such names (the fruit, the Greek letter and the river
# mouth, the virus variant, the archery target, the seashell and the command shell, the
# camera zoom, the football club, the toy block ...). They veto the weaker evidence, so
# they are words a story about the company itself rarely needs ("pay", "camera",
# "pandemic" and "terminal" are not among them).
_SENSE_CUES = _words(
    """
    fruit fruits orchard orchards pie pies cider recipe recipes harvest growers bake baking
    variant variants river rivers wetlands floodplain floodplains wildlife mangroves silt
    sediment archery archer archers arrow arrows bullseye beach beaches seashell seashells
    crab crabs turtle snail oyster oysters hull bash telephoto photography chess lego
    striker strikers midfielder goalkeeper stadium league club referee premiership derby
    calculus equation greek alphabet
    """
)
_SCORE = re.compile(r"(?<![\d.,$-])\d{1,2}[-–]\d{1,2}(?![\d%-])")  # "beat Arsenal 2-1"
_STOP_CAPS = _words(
    """
    the a an at in on of for to from by with and or but as after before when while if
    this that these those its his her their our we you they it i he she analysts
    shoppers why how what where who new more most some all both yes no not only also
    said says monday tuesday wednesday thursday friday saturday sunday today yesterday
    last next
    """
)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.\-]*")
_SENTENCE_END = re.compile(r"[.!?:;]\s+|\n+")


@dataclass
class _Form:
    text: str
    pattern: re.Pattern
    ambiguous: bool
    kind: str  # name | domain | ticker


@dataclass
class _Profile:
    company_id: str
    forms: list[_Form]
    context: frozenset[str]
    excludes: list[re.Pattern]
    ambiguous_names: list[str] = field(default_factory=list)


@dataclass
class _Hit:
    start: int
    end: int
    form: _Form
    in_title: bool
    strong: bool  # counts by itself
    weak: bool  # counts once the company is established in the article


def is_ambiguous(name: str) -> bool:
    """True when a name is also an ordinary English word (or a common first name)."""
    words = name.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) != 1:
        return False
    return zipf_frequency(words[0].lower(), "en") >= AMBIGUOUS_ZIPF


def _name_pattern(name: str) -> re.Pattern:
    variants = {re.escape(name), re.escape(name.upper())}
    body = "|".join(sorted(variants, key=len, reverse=True))
    # Word boundaries that also work for names ending in "." or "&" ("Fabrikam Inc.").
    return re.compile(rf"(?<![\w&@./-])(?:{body})(?![\w&]|-\w|\.\w)")


def _domain_pattern(domain: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:[\w-]+\.)*{re.escape(domain)}(?![\w-]|\.\w)", re.IGNORECASE)


def _ticker_pattern(ticker: str, bare: bool) -> re.Pattern:
    t = re.escape(ticker.upper())
    exchanges = r"(?:NASDAQ|Nasdaq|NYSE|Nyse|NYSE\s+American|AMEX|LSE|TSX|OTC|XETRA|Euronext)"
    forms = [rf"{exchanges}\s*:\s*{t}\b", rf"\${t}\b", rf"\({t}(?:\.[A-Z]{{1,2}})?\)", rf"<{t}>"]
    if bare:
        forms.append(rf"(?<![\w$])[{t[0]}]{t[1:]}(?![\w&]|-\w)")
    return re.compile("|".join(forms))


def _profile(company_id: str, company: Company) -> _Profile:
    forms: list[_Form] = []
    seen: set[str] = set()
    for name in sorted(company.names, key=len, reverse=True):
        if name in seen or not name.strip():
            continue
        seen.add(name)
        forms.append(_Form(name, _name_pattern(name), is_ambiguous(name), "name"))
    for domain in company.domains:
        forms.append(_Form(domain, _domain_pattern(domain), False, "domain"))
    if company.ticker:
        t = company.ticker.upper()
        bare = len(t) >= 3 and zipf_frequency(t.lower(), "en") < 2.5
        forms.append(_Form(t, _ticker_pattern(t, bare), False, "ticker"))
    context = frozenset(w.lower() for w in company.context)
    excludes = [re.compile(re.escape(p), re.IGNORECASE) for p in company.exclude if p.strip()]
    ambiguous = [f.text for f in forms if f.ambiguous]
    return _Profile(company_id, forms, context, excludes, ambiguous)


def _title_case(title: str) -> bool:
    """A headline written in title case or capitals says nothing by its capitals."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’]*", title) if len(w) > 3]
    if len(words) < 2:
        return True
    caps = sum(1 for w in words if w[0].isupper())
    return caps / len(words) >= 0.6


def _sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    if start == 0 or not before.strip():
        return True
    before = text[:start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:;\n" or text[:start].endswith("\n")


def _prev_token(text: str, start: int) -> str | None:
    m = re.search(r"([A-Za-z0-9&'’.\-]+)[ \t]+$", text[max(0, start - 40) : start])
    return m.group(1) if m else None


def _next_token(text: str, end: int) -> str | None:
    m = re.match(r"[ \t]+([A-Za-z0-9&][A-Za-z0-9&'’\-]*)", text[end : end + 40])
    return m.group(1) if m else None


def _capitalised(tok: str | None) -> bool:
    return bool(tok) and tok[0].isupper() and tok.lower().strip(".'’") not in _STOP_CAPS


def _window_words(text: str, start: int, end: int) -> set[str]:
    left = _TOKEN.findall(text[max(0, start - 160) : start])[-CUE_WINDOW:]
    right = _TOKEN.findall(text[end : end + 160])[:CUE_WINDOW]
    return {w.lower().strip(".'’-") for w in left + right}


def _judge(
    text: str, start: int, end: int, form: _Form, profile: _Profile, title_mode: bool
) -> tuple[bool, bool]:
    """(strong, weak) for one occurrence of an ambiguous name."""
    after = text[end : end + 80]
    prev, nxt = _prev_token(text, start), _next_token(text, end)
    # Capitals tell a longer name apart unless the headline capitalises every word; a
    # mostly capitalised headline with lower-case words ("Delta Faucet recall") still does.
    caps_say = not title_mode or _mixed_case(text)
    # "Mekong Delta", "Big Apple", "Manchester United": part of another proper name.
    glued_before = (
        _capitalised(prev) and not (prev or "").endswith((".", ",")) and caps_say
    ) or bool(re.search(r"[A-Za-z]&\s*$|[A-Za-z]-$", text[max(0, start - 3) : start]))
    titled = (nxt or "").lower() in _ORG_TITLES  # "Apple CEO Tim Cook", "Zoom Chief ..."
    glued_after = bool(re.match(r"^-[a-z]", after)) or (
        _capitalised(nxt) and not _FORM_AFTER.match(after) and caps_say and not titled
    )
    form_after = bool(_FORM_AFTER.match(after))
    if form_after:
        return True, True
    if glued_before:
        return False, False
    # "Block chain", "Meta data", "Shell fish": the open form of an ordinary compound.
    if nxt and nxt.islower() and zipf_frequency(form.text.lower() + nxt, "en") >= COMPOUND_ZIPF:
        return False, False
    words = _window_words(text, start, end)
    cues = _STRONG_CUES if title_mode else _CUES
    cue = bool(words & cues) or bool(words & profile.context)
    window = text[max(0, start - 80) : end + 80]
    sense = bool(words & _SENSE_CUES) or bool(_SCORE.search(window))
    # "Shell and TotalEnergies", "Disney, Netflix and Apple": listed with other names.
    listed = not title_mode and (
        bool(
            re.match(r"^(?:'s|’s)?(?:\s+and|\s+or|,)\s+[A-Z][a-z]\w*", after)
            and _capitalised(
                _next_token(
                    text, end + len(re.match(r"^(?:'s|’s)?(?:\s+and|\s+or|,)", after).group(0))
                )
            )
        )
        or bool(re.search(r"[A-Z][\w&]+(?:,|\s+and|\s+or)\s+$", text[max(0, start - 40) : start]))
    )
    acts = bool(_ACTS_AFTER.match(after) or _MOVES_AFTER.match(after))
    if title_mode:
        # In a title-case headline only the subject heading it is trusted with a verb:
        # "Gap Owns Old Navy" but not "Gender Gap Closes".
        acts = acts and _headline_subject(text, start)
    described = not title_mode and bool(_APPOSITIVE_AFTER.match(after))
    if glued_after:
        return False, acts or cue
    if titled and not title_mode:
        return True, True
    if cue or described:
        return True, True
    if acts or listed:
        return not sense, True
    if not title_mode and _SUBJECT_AFTER.match(after):
        return not sense, True
    if title_mode:
        return False, True
    midsentence = not _sentence_start(text, start)
    prev_low = (prev or "").lower()
    if midsentence and prev_low not in ("the", "a", "an"):
        return not sense, True
    return False, True


# Short words that title case leaves in lower case.
_TITLE_LOWER = _words("with from into onto over upon amid than that after about under near like")


def _mixed_case(title: str) -> bool:
    """A headline that writes some ordinary words in lower case."""
    return any(w not in _TITLE_LOWER for w in re.findall(r"\b[a-z]{4,}\b", title))


def _headline_subject(title: str, start: int) -> bool:
    """The name opens the headline or a clause of it ("Why Apple Plans ...", "Update: Gap ...")."""
    before = title[:start].rstrip(" \t\"'“‘(")
    if not before or before[-1] in ".!?:;-–—|,":
        return True
    prev = before.split()[-1].lower().strip("'’")
    return prev in _STOP_CAPS


class CompanyMatcher:
    """Built once from the config's companies; finds their mentions in articles."""

    def __init__(self, companies: dict[str, Company]):
        self._profiles = [_profile(cid, c) for cid, c in companies.items()]
        for p in self._profiles:
            if p.ambiguous_names:
                LOGGER.debug("%s: ambiguous names %s", p.company_id, p.ambiguous_names)

    def ambiguous_names(self) -> dict[str, list[str]]:
        """Company id -> its names that need corroboration (for `tipsheet explain`)."""
        return {p.company_id: p.ambiguous_names for p in self._profiles if p.ambiguous_names}

    def mentions(
        self,
        article_id: str,
        title: str | None,
        text: str,
        source_company_id: str | None = None,
    ) -> list[Mention]:
        title = title or ""
        text = text or ""
        out: list[Mention] = []
        for profile in self._profiles:
            m = self._company(article_id, title, text, profile, source_company_id)
            if m is not None:
                out.append(m)
        return out

    def _company(
        self, article_id: str, title: str, text: str, p: _Profile, source_company_id: str | None
    ) -> Mention | None:
        hits: list[_Hit] = []
        title_mode = _title_case(title)
        for in_title, body in ((True, title), (False, text)):
            if not body:
                continue
            masked = _mask(body, p.excludes)
            taken: list[tuple[int, int]] = []
            for form in p.forms:  # longest names first: "Delta Air Lines" before "Delta"
                for m in form.pattern.finditer(masked):
                    s, e = m.span()
                    if any(s < te and e > ts for ts, te in taken):
                        continue
                    taken.append((s, e))
                    if form.ambiguous:
                        strong, weak = _judge(
                            masked, s, e, form, p, title_mode if in_title else False
                        )
                    else:
                        strong, weak = True, True
                    hits.append(_Hit(s, e, form, in_title, strong, weak))
        if not hits:
            return None
        own_source = source_company_id == p.company_id
        established = own_source or any(h.strong for h in hits)
        if not established and any(h.in_title and h.weak for h in hits):
            # "Target Tests Drone Deliveries" / "The retailer said ...": the lede goes on
            # about an organisation and never uses the word in its ordinary sense.
            established = _lede_supports(text, p)
        if not established:
            return None
        counted = [h for h in hits if h.strong or h.weak]
        if not counted:  # own source, but every hit is part of another name ("Apple Music")
            return None
        body_hits = [h for h in counted if not h.in_title]
        first = (body_hits or counted)[0]
        src = text if not first.in_title else title
        any_ambiguous = any(h.form.ambiguous for h in counted)
        unambiguous = any(not h.form.ambiguous for h in counted)
        if unambiguous or own_source:
            confidence = 1.0
        else:
            confidence = 0.9 if sum(h.strong for h in counted) >= 2 else 0.8
        surfaces = [src_text(text, title, h) for h in counted]
        # First seen wins a tie: a set would pick by hash order, which differs per process.
        matched = max(dict.fromkeys(surfaces), key=lambda s: (surfaces.count(s), len(s)))
        LOGGER.debug(
            "%s: %s x%d (ambiguous=%s)", article_id, p.company_id, len(counted), any_ambiguous
        )
        return Mention(
            article_id=article_id,
            company_id=p.company_id,
            count=len(counted),
            in_title=any(h.in_title for h in counted),
            snippet=_snippet(src, first.start, first.end),
            matched=matched,
            confidence=confidence,
        )


_ANAPHOR = re.compile(
    r"\b[Tt]he\s+(?:[\w$.’'-]+\s+){0,3}?(?:company|firm|retailer|airline|carrier|bank|maker"
    r"|giant|group|owner|operator|chain|conglomerate|startup|platform|provider|insurer"
    r"|lender|producer|supplier|parent)\b"
)


def _lede_supports(text: str, p: _Profile) -> bool:
    """The first two sentences of the body point back to a company (for a headline hit)."""
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    lede = text[: bounds[1] if len(bounds) > 1 else len(text)]
    lowered = {f.text.lower() for f in p.forms if f.ambiguous}
    words = {w.lower().strip(".'’-") for w in _TOKEN.findall(lede)}
    if any(re.search(rf"\b{re.escape(n)}\b", text) for n in lowered):
        return False  # "... the gap remains wide": the headline meant the word
    if words & _SENSE_CUES:
        return False
    return bool(_ANAPHOR.search(lede)) or bool(words & p.context)


def src_text(text: str, title: str, hit: _Hit) -> str:
    return (title if hit.in_title else text)[hit.start : hit.end]


def _mask(text: str, excludes: list[re.Pattern]) -> str:
    """Blank out excluded phrases, keeping offsets."""
    for pat in excludes:
        text = pat.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _snippet(text: str, start: int, end: int) -> str:
    """The sentence around an occurrence, cut to SNIPPET_CHARS."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    right = m.start() + 1 if m else len(text)
    snippet = " ".join(text[left:right].split())
    if len(snippet) > SNIPPET_CHARS:
        centre = start - left
        lo = max(0, centre - SNIPPET_CHARS // 2)
        snippet = ("…" if lo else "") + snippet[lo : lo + SNIPPET_CHARS].strip() + "…"
    return snippet
