"""Which tracked companies an article mentions: candidates by surface form, decided by the
learned mention model (`tipsheet.core.mention_model`).

Candidates: a company's names and aliases (exact case or ALL CAPS, on word boundaries,
possessives included), its domains, and its ticker in financial forms (`NASDAQ: AAPL`,
`(NYSE: X)`, `$AAPL`; a bare ticker only when it is not an English word), after the
user's `exclude` phrases are blanked. A name is "ambiguous" when it is one word whose
frequency in English (the `wordfreq` list) is at or above `AMBIGUOUS_ZIPF`.

`signals` reads the context of one occurrence, as features of the model: a company form
right after it (Inc., Corp., plc ...); an organisation verb or a price move after it
("Target said", "Apple on Tuesday unveiled", "Shell rose 2%"); its executives named
("Apple CEO"); an appositive ("Delta, the Atlanta-based carrier"); cue words nearby
(shares, CEO, stores ...) or the user's `context` words; words of the ordinary senses
(orchard, variant, striker ...); another capitalised word glued to it ("Mekong Delta",
"Manchester United", "Apple Watch"); an open compound English writes as one word ("Block
chain"); a title-case headline, where capitals say nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from tipsheet.core.config import Company
from tipsheet.core.event_cues import sentences
from tipsheet.core.records import Mention
from tipsheet.core.wordlists import is_adjective, word_pattern, word_set

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
# Beside the company nouns, what describes one in an apposition: its trade or its standing.
_DESCRIBED_AS = (
    r"(?:" + word_pattern("company_nouns") + r"|airline|carrier|insurer|producer|platform"
    r"|conglomerate|giant|major|owner|parent)"
)
# "Delta, the Atlanta-based carrier," / "Gap, which owns Old Navy,": what the name is.
_APPOSITIVE_AFTER = re.compile(
    r"^,\s+(?:(?:the|a|an)\s+(?:[\w$.-]+\s+){0,4}?" + _DESCRIBED_AS + r"\b"
    r"|which\s+(?:owns|operates|makes|sells|runs|employs|reported|said|announced)\b)",
    re.IGNORECASE,
)
# Capitalised words after the name that name its people or papers, not a longer name.
_ORG_TITLES = word_set("org_titles")
# Words around a name that tell a company is meant.
_CUES = word_set("company_cues")
# In a title-case headline only these count: "announced" or "company" are too loose there.
_STRONG_CUES = word_set("strong_company_cues")
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
_SENSE_CUES = word_set("ordinary_sense_cues")
_SCORE = re.compile(r"(?<![\d.,$-])\d{1,2}[-–]\d{1,2}(?![\d%-])")  # "beat Arsenal 2-1"
_STOP_CAPS = word_set("stop_caps")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.\-]*")


@dataclass
class _Form:
    text: str
    pattern: re.Pattern
    ambiguous: bool
    kind: str  # name | domain | ticker
    # Literals one of which every match of `pattern` contains (in the text as written, or
    # in `_folded` text when `folded`): most forms appear in no article, and a substring
    # test rules them out far faster than the pattern, whose leading lookbehind makes the
    # regex engine try every position. None: no such literal, always scan.
    needles: tuple[str, ...] | None
    folded: bool = False
    adjective: bool = False  # one word that is also an English adjective (wordlists)

    def may_occur(self, text: str, folded: str) -> bool:
        if self.needles is None:
            return True
        where = folded if self.folded else text
        return any(n in where for n in self.needles)


# The only non-ASCII characters that re.IGNORECASE matches to an ASCII one (İ ı ſ K, found
# by testing every code point); mapped to it before lowering, so that an ASCII domain found
# by its case-insensitive pattern is always a substring of the folded text.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _folded(text: str) -> str:
    return text.translate(_FOLD).lower()


@dataclass
class _Profile:
    company_id: str
    forms: list[_Form]
    context: frozenset[str]
    excludes: list[re.Pattern]


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
        needles = (name, name.upper())
        adjective = " " not in name.strip() and is_adjective(name.strip())
        forms.append(
            _Form(name, _name_pattern(name), is_ambiguous(name), "name", needles, False, adjective)
        )
    for domain in company.domains:
        needles = (domain.lower(),) if domain.isascii() else None
        forms.append(_Form(domain, _domain_pattern(domain), False, "domain", needles, True))
    if company.ticker:
        t = company.ticker.upper()
        bare = len(t) >= 3 and zipf_frequency(t.lower(), "en") < 2.5
        forms.append(_Form(t, _ticker_pattern(t, bare), False, "ticker", (t,)))
    context = frozenset(w.lower() for w in company.context)
    excludes = [re.compile(re.escape(p), re.IGNORECASE) for p in company.exclude if p.strip()]
    return _Profile(company_id, forms, context, excludes)


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


def signals(
    text: str, start: int, end: int, form: _Form, profile: _Profile, title_mode: bool
) -> dict[str, float]:
    """What the words around one occurrence say about it: features of the mention model."""
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
    # "Block chain", "Meta data", "Shell fish": the open form of an ordinary compound.
    compound = bool(
        nxt and nxt.islower() and zipf_frequency(form.text.lower() + nxt, "en") >= COMPOUND_ZIPF
    )
    words = _window_words(text, start, end)
    window = text[max(0, start - 80) : end + 80]
    listed = bool(re.match(r"^(?:'s|’s)?(?:\s+and|\s+or|,)\s+[A-Z][a-z]\w*", after)) or bool(
        re.search(r"[A-Z][\w&]+(?:,|\s+and|\s+or)\s+$", text[max(0, start - 40) : start])
    )
    acts = bool(_ACTS_AFTER.match(after) or _MOVES_AFTER.match(after))
    prev_low = (prev or "").lower()
    return {
        "form_after": float(bool(_FORM_AFTER.match(after))),
        "glued_before": float(glued_before),
        "glued_after": float(glued_after),
        "titled": float(titled),
        "compound": float(compound),
        "cue": float(bool(words & _CUES)),
        "strong_cue": float(bool(words & _STRONG_CUES)),
        "context": float(bool(words & profile.context)),
        "sense": float(bool(words & _SENSE_CUES) or bool(_SCORE.search(window))),
        "listed": float(listed),
        "acts": float(acts),
        "headline_subject": float(title_mode and _headline_subject(text, start)),
        "described": float(bool(_APPOSITIVE_AFTER.match(after))),
        "subject_after": float(bool(_SUBJECT_AFTER.match(after))),
        "sentence_start": float(_sentence_start(text, start)),
        "after_determiner": float(prev_low in ("the", "a", "an")),
        "possessive": float(bool(re.match(r"^(?:'s|’s)\b", after))),
        "title_mode": float(title_mode),
        "next_lower": float(bool(nxt) and nxt[0].islower()),
        "next_zipf": zipf_frequency((nxt or "").lower(), "en") / 8 if nxt else 0.0,
        "prev_zipf": zipf_frequency(prev_low, "en") / 8 if prev else 0.0,
        "adjective": float(form.adjective),
    }


def context_words(text: str, start: int, end: int) -> list[str]:
    """The words next to an occurrence, marked by side (features of the mention model)."""
    prev, nxt = _prev_token(text, start), _next_token(text, end)
    left = _TOKEN.findall(text[max(0, start - 60) : start])[-4:]
    right = _TOKEN.findall(text[end : end + 60])[:4]
    out = [f"P:{(prev or '^').lower()}", f"N:{(nxt or '$').lower()}"]
    out += [f"L:{w.lower()}" for w in left] + [f"R:{w.lower()}" for w in right]
    return out


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


@dataclass
class Occurrence:
    """One place where a name, alias, domain or ticker of a company appears."""

    start: int
    end: int
    form: str
    kind: str  # name | domain | ticker
    ambiguous: bool
    in_title: bool
    signals: dict[str, float]
    words: list[str]


@dataclass
class Candidate:
    """A company whose forms appear in an article: what the mention model judges."""

    company_id: str
    occurrences: list[Occurrence]
    own_source: bool  # the article came from the company's own source
    lower_use: bool  # an ambiguous name also appears in lower case (its ordinary sense)
    title: str
    text: str


class CompanyMatcher:
    """Built once from the config's companies and the mention model; finds mentions.

    Candidates come from the surface forms (names and aliases in their own case or in
    capitals, domains, tickers in financial forms, `exclude` phrases masked first); the
    learned model (`tipsheet.core.mention_model`) decides which candidates are mentions.
    """

    def __init__(self, companies: dict[str, Company], model=None):
        from tipsheet.core import mention_model

        self._profiles = [_profile(cid, c) for cid, c in companies.items()]
        self.model = model if model is not None else mention_model.default()

    def candidates(
        self, title: str | None, text: str, source_company_id: str | None = None
    ) -> list[Candidate]:
        title, text = title or "", text or ""
        title_mode = _title_case(title)
        bodies = [(True, title, _folded(title)), (False, text, _folded(text))]
        out = []
        for p in self._profiles:
            occ = _occurrences(bodies, p, title_mode)
            if not occ:
                continue
            lowered = {f.text.lower() for f in p.forms if f.ambiguous}
            lower_use = any(re.search(rf"\b{re.escape(n)}\b", f"{title}\n{text}") for n in lowered)
            out.append(
                Candidate(
                    p.company_id, occ, source_company_id == p.company_id, lower_use, title, text
                )
            )
        return out

    def mentions(
        self,
        article_id: str,
        title: str | None,
        text: str,
        source_company_id: str | None = None,
    ) -> list[Mention]:
        cands = self.candidates(title, text, source_company_id)
        if not cands:
            return []
        out = []
        for cand, (prob, occ_probs) in zip(cands, self.model.judge(cands), strict=True):
            if prob < self.model.threshold:
                continue
            counted = [o for o, q in zip(cand.occurrences, occ_probs, strict=True) if q >= 0.5]
            counted = counted or [
                cand.occurrences[int(max(range(len(occ_probs)), key=occ_probs.__getitem__))]
            ]
            body = [o for o in counted if not o.in_title]
            first = (body or counted)[0]
            src = cand.title if first.in_title else cand.text
            surfaces = [(cand.title if o.in_title else cand.text)[o.start : o.end] for o in counted]
            # First seen wins a tie: a set would pick by hash order, which differs per process.
            matched = max(dict.fromkeys(surfaces), key=lambda s: (surfaces.count(s), len(s)))
            out.append(
                Mention(
                    article_id=article_id,
                    company_id=cand.company_id,
                    count=len(counted),
                    in_title=any(o.in_title for o in counted),
                    snippet=_snippet(src, first.start, first.end),
                    matched=matched,
                    confidence=round(float(prob), 3),
                )
            )
        return out


def _occurrences(
    bodies: list[tuple[bool, str, str]], p: _Profile, title_mode: bool
) -> list[Occurrence]:
    """bodies: (in title, text, its `_folded` form) of the headline and of the text."""
    out: list[Occurrence] = []
    for in_title, body, folded in bodies:
        if not body:
            continue
        masked = body
        if p.excludes:
            masked = _mask(body, p.excludes)
            folded = _folded(masked)
        taken: list[tuple[int, int]] = []
        for form in p.forms:  # longest names first: "Delta Air Lines" before "Delta"
            if not form.may_occur(masked, folded):
                continue
            for m in form.pattern.finditer(masked):
                s, e = m.span()
                if any(s < te and e > ts for ts, te in taken):
                    continue
                taken.append((s, e))
                mode = title_mode if in_title else False
                out.append(
                    Occurrence(
                        s,
                        e,
                        form.text,
                        form.kind,
                        form.ambiguous,
                        in_title,
                        signals(masked, s, e, form, p, mode),
                        context_words(masked, s, e),
                    )
                )
    return out


def _mask(text: str, excludes: list[re.Pattern]) -> str:
    """Blank out excluded phrases, keeping offsets."""
    for pat in excludes:
        text = pat.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _snippet(text: str, start: int, end: int) -> str:
    """The sentence holding an occurrence (the events' splitter's), cut to SNIPPET_CHARS
    around it. Sentences come with their whitespace collapsed, so the occurrence is found
    by its place among the name's appearances."""
    name = " ".join(text[start:end].split())
    before = " ".join(text[:start].split()).count(name)
    for sentence in _sentences(text):
        here = sentence.count(name)
        if before < here:
            at = -1
            for _ in range(before + 1):
                at = sentence.index(name, at + 1)
            return _clip(sentence, at)
        before -= here
    whole = " ".join(text.split())
    return _clip(whole, whole.find(name))


@lru_cache(maxsize=8)  # an article's companies share its text
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(" ".join(s.split()) for s in sentences(text))


def _clip(sentence: str, at: int) -> str:
    if len(sentence) <= SNIPPET_CHARS:
        return sentence
    lo = max(0, at - SNIPPET_CHARS // 2)
    return ("…" if lo else "") + sentence[lo : lo + SNIPPET_CHARS].strip() + "…"
