"""What business event an article reports, by rules over sentences.

Each event type has trigger patterns; a sentence reports the event when a trigger matches
and no veto of that type matches in the same sentence (a sports "acquisition" of a player,
"customer acquisition", a rocket "launch", a coach "named" ...). The evidence is the sentence
that matched; the event's company is the tracked company named in it, when there is one.

Rules rather than a trained model: there is no labelled data of our own large enough to
train on, they run offline, and every decision can be explained by its evidence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tipsheet.records import EVENT_TYPES, Event, Mention

LOGGER = logging.getLogger(__name__)

EVIDENCE_CHARS = 300

_MONEY = (
    r"(?:[$€£¥]\s?\d[\d.,]*\s*(?:billion|million|bn|mln|m|k)?"
    r"|\d[\d.,]*\s*(?:billion|million|bn|mln)\s*(?:dollars|dlrs|euros|pounds|yen)?)"
)
_EXEC = (
    r"(?:chief\s+\w+(?:\s+\w+)?\s+officer|ceo|cfo|coo|cto|cio|cmo|president|chair(?:man|woman|person)?"
    r"|executive\s+chair|chief\s+executive|managing\s+director|general\s+counsel"
    r"|(?:senior\s+|executive\s+)?vice\s+president|head\s+of\s+\w+|board\s+of\s+directors"
    r"|(?:its|the)\s+board|director|chief\s+merch\w*)"
)
_ORG_OBJ = (
    r"(?:company|firm|startup|start-up|business|unit|division|maker|provider|retailer|rival|"
    r"competitor|operator|subsidiary|stake|assets|brand|chain|group|developer|supplier|lender|bank)"
)

_SPORTS = re.compile(
    r"\b(?:striker|midfielder|defender|goalkeeper|winger|quarterback|pitcher|shortstop|"
    r"outfielder|linebacker|forward|guard|centre|center|point guard|the club|football club|"
    r"draft pick|trade deadline|free agent|transfer fee|signing of|roster|league|season|"
    r"head coach|interim manager|nba|nfl|mlb|nhl|premier league|la liga|serie a|playoffs?|"
    r"jersey|fans|touchdown|goals?\b|innings|rookie|prospects?)\b",
    re.IGNORECASE,
)

# Triggers: (pattern, confidence). Patterns are matched case-insensitively on one sentence.
_RULES: dict[str, list[tuple[str, float]]] = {
    "funding": [
        (
            r"\b(?:rais(?:es|ed|ing)|secur(?:es|ed|ing)|clos(?:es|ed|ing)|land(?:s|ed)|"
            r"receiv(?:es|ed)|obtain(?:s|ed)|rais(?:e))\b[^.]{0,60}?"
            + _MONEY
            + r"[^.]{0,60}?\b(?:round|funding|financing|investment|capital|series|seed|"
            r"from investors|venture|led by|debt|credit|loan|fund)\b",
            0.9,
        ),
        (r"\b(?:series\s+[a-h]|seed)\s+(?:funding\s+)?round\b", 0.9),
        (r"\b(?:funding|financing|investment)\s+round\b", 0.9),
        (r"\b(?:raises?|raised|raising)\s+" + _MONEY, 0.75),
        (
            r"\b(?:initial\s+public\s+offering|ipo|go(?:es|ing)?\s+public|public\s+listing|"
            r"direct\s+listing)\b",
            0.8,
        ),
        (
            r"\b(?:credit\s+facility|revolving\s+credit|term\s+loan|bond\s+(?:offering|sale|issue)|"
            r"notes?\s+offering|convertible\s+notes|debt\s+offering|share\s+(?:offering|sale|placement)|"
            r"rights\s+issue|private\s+placement)\b",
            0.8,
        ),
        (r"\b(?:raise|raising)\s+(?:new\s+)?(?:capital|money|funds|funding)\b", 0.75),
        (r"\bvaluation\s+of\s+" + _MONEY, 0.7),
        (r"\b(?:venture|growth)\s+(?:capital|investment)\b[^.]{0,40}" + _MONEY, 0.7),
        (r"\b(?:received|secured|won)\s+(?:an?\s+)?" + _MONEY + r"\s+investment\b", 0.85),
        (r"\bnew\s+fund\b|\b(?:its|a)\s+(?:first|second|third|fourth|fifth|new)\s+fund\b", 0.7),
    ],
    "acquisition": [
        (
            r"\b(?:acquir(?:e|es|ed|ing)|acquisition\s+of|to\s+buy|agreed\s+to\s+buy|buys|bought|"
            r"purchas(?:e|es|ed)|take\s*over|takes\s+over|took\s+over|takeover\s+of)\b",
            0.75,
        ),
        (
            r"\b(?:merger|merge(?:s|d)?\s+with|to\s+merge|combination\s+with|tender\s+offer|"
            r"takeover(?:\s+bid)?|buyout|take-private|go-private|acquisition)\b",
            0.8,
        ),
        (
            r"\b(?:to\s+be|will\s+be|was|were|has\s+been)\s+(?:acquired|bought|sold|purchased)\b",
            0.85,
        ),
        (
            r"\b(?:sell|sells|sold|selling|divest(?:s|ed|ing)?|spin(?:s)?\s+off|sale\s+of)\b[^.]{0,60}"
            r"\b(?:stake|unit|division|business|subsidiary|assets|operations|company|brand|arm)\b",
            0.8,
        ),
        (r"\b(?:exploring|explore|considering)\s+(?:a\s+)?(?:sale|options)\b", 0.7),
        (
            r"\b(?:took|takes|take|acquired?|buys?|bought)\s+an?\s+(?:\d+(?:\.\d+)?\s?%|\w+)?\s*stake\b",
            0.8,
        ),
    ],
    "partnership": [
        (
            r"\b(?:partner(?:s|ed|ing)?\s+with|partnership|partnering|team(?:s|ed)?\s+up|"
            r"joint\s+venture|alliance|collaborat(?:e|es|ed|ing|ion)\s+with|working\s+with)\b",
            0.85,
        ),
        (
            r"\b(?:sign(?:s|ed)?|enter(?:s|ed)?\s+into|struck|strikes|inks?|inked|reach(?:es|ed)?)\s+"
            r"(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}(?:agreement|deal|contract|pact|memorandum)\s+with\b",
            0.85,
        ),
        (r"\b(?:under\s+a\s+(?:new\s+)?(?:[\w-]+\s+){0,2}(?:agreement|deal|contract))\b", 0.75),
        (
            r"\b(?:awarded|won|wins|win|secured|lands?|landed)\s+(?:an?\s+|the\s+)?(?:[\w$.,-]+\s+){0,4}"
            r"(?:contract|deal|order)\b",
            0.8,
        ),
        (
            r"\b(?:chose|chosen|selects?|selected|picks?|picked)\b[^.]{0,40}\b(?:to\s+supply|to\s+provide|"
            r"as\s+(?:its\s+)?(?:\w+\s+)?(?:partner|supplier|provider|vendor))\b",
            0.8,
        ),
        (r"\b(?:supply|distribution|licensing|reseller|strategic|commercial)\s+agreement\b", 0.8),
        (r"\bintegrat(?:e|es|ed|ion)\s+(?:their|its)\s+(?:products|platforms|services)\b", 0.75),
    ],
    "product_launch": [
        (
            r"\b(?:launch(?:es|ed|ing)?|unveil(?:s|ed|ing)?|introduc(?:e|es|ed|ing)|debut(?:s|ed|ing)?|"
            r"roll(?:s|ed|ing)?\s+out|releas(?:e|es|ed|ing)|show(?:s|ed)?\s+off|premier(?:e|es|ed))\b",
            0.75,
        ),
        (
            r"\b(?:now\s+available|goes\s+on\s+sale|available\s+(?:today|now|from)|"
            r"general\s+availability|arrives?\s+in\s+stores|hits?\s+(?:stores|shelves))\b",
            0.8,
        ),
        (
            r"\b(?:new|latest)\s+(?:version|model|product|line|service|feature|app|device|phone|"
            r"collection|platform|tool|chip|headset)\b",
            0.6,
        ),
    ],
    "leadership_change": [
        (
            r"\b(?:appoint(?:s|ed|ing|ment)?|nam(?:e|es|ed|ing)|hir(?:e|es|ed|ing)|promot(?:e|es|ed|ing)|"
            r"elect(?:s|ed)?|tap(?:s|ped)|select(?:s|ed)?)\b[^.]{0,80}?\b" + _EXEC + r"\b",
            0.85,
        ),
        (
            r"\b"
            + _EXEC
            + r"\b[^.]{0,80}?\b(?:resign(?:s|ed|ing|ation)?|step(?:s|ped|ping)?\s+down|"
            r"retir(?:e|es|ed|ing|ement)|depart(?:s|ed|ing|ure)?|leav(?:e|es|ing)|left|"
            r"ousted|fired|replaced|succeed(?:s|ed)?|will\s+be\s+replaced|exit(?:s|ed)?)\b",
            0.85,
        ),
        (
            r"\b(?:resign(?:s|ed|ing|ation)?|step(?:s|ped|ping)?\s+down|retir(?:e|es|ed|ing|ement)|"
            r"depart(?:s|ed|ure)|ousted|succeeds?|successor|replac(?:e|es|ed|ing))\b[^.]{0,80}?\b"
            + _EXEC
            + r"\b",
            0.85,
        ),
        (r"\b(?:new|incoming|interim|outgoing)\s+" + _EXEC + r"\b", 0.7),
        (r"\bhand(?:s|ed)?\s+(?:the\s+)?(?:chief\s+executive|ceo)\s+role\b", 0.85),
    ],
    "layoffs": [
        (
            r"\b(?:lay(?:s|ing)?\s+off|laid\s+off|layoffs?|lay-offs?|redundanc(?:y|ies)|furlough(?:s|ed|ing)?)\b",
            0.9,
        ),
        (
            r"\b(?:cut(?:s|ting)?|eliminat(?:e|es|ed|ing)|slash(?:es|ed|ing)?|shed(?:s|ding)?|trim(?:s|med|ming)?|"
            r"reduc(?:e|es|ed|ing)|let(?:ting)?\s+go\s+of)\b[^.]{0,50}?\b(?:jobs|roles|positions|"
            r"employees|workers|staff|headcount|workforce|people)\b",
            0.85,
        ),
        (
            r"\b(?:job\s+cuts|workforce\s+reduction|reduction\s+in\s+force|headcount\s+reduction)\b",
            0.9,
        ),
        (r"\b(?:affecting|affect|affects)\s+\d[\d,]*\s+(?:jobs|workers|employees)\b", 0.8),
    ],
    "earnings": [
        (
            r"\b(?:quarterly|annual|first[-\s]quarter|second[-\s]quarter|third[-\s]quarter|fourth[-\s]quarter|"
            r"full[-\s]year|fiscal|half[-\s]year|q[1-4]|[1-4]q)\b[^.]{0,60}?\b(?:results|earnings|profit|"
            r"revenue|revenues|sales|loss|income)\b",
            0.85,
        ),
        (
            r"\b(?:earnings|revenue|revenues|net\s+income|net\s+(?:profit|loss)|operating\s+(?:profit|income|loss)|"
            r"profit|sales|comparable\s+sales|same-store\s+sales|ebitda)\b[^.]{0,60}?\b(?:rose|fell|jumped|"
            r"grew|declined|dropped|climbed|increased|decreased|slumped|surged|was\s+flat|were\s+flat|"
            r"of\s+[$€£]|up\s+\d|down\s+\d|totaled|totalled|reached|beat|missed|topped)",
            0.85,
        ),
        (
            r"\b(?:posted|reported|reports|report|posts|announced)\s+(?:a\s+|its\s+)?(?:[\w-]+\s+){0,3}?"
            r"(?:profit|loss|revenue|earnings|results|sales|net\s+income)\b",
            0.85,
        ),
        (
            r"\b(?:earnings\s+per\s+share|eps|per-share\s+(?:earnings|profit)|beat\s+(?:estimates|expectations)|"
            r"missed\s+(?:estimates|expectations)|(?:raised|lowered|cut|reaffirmed|kept)\s+its\s+(?:\w+\s+){0,3}"
            r"(?:guidance|outlook|forecast))\b",
            0.85,
        ),
        (
            r"\b(?:shr|net|revs|oper\s+net)\s+(?:loss\s+)?\(?\d[\d.,]*\s*(?:cts|dlrs|mln|billion)?\b[^.]{0,30}\bvs\b",
            0.8,
        ),
        (r"\b(?:results|earnings)\s+(?:top|beat|miss|topped|missed)\b", 0.8),
    ],
    "expansion": [
        (
            r"\b(?:open(?:s|ed|ing)?|build(?:s|ing)?|built|construct(?:s|ed|ing)?|add(?:s|ed|ing)?|"
            r"launch(?:es|ed)?|establish(?:es|ed)?)\b[^.]{0,60}?\b(?:new\s+)?(?:office|offices|plant|factory|"
            r"facility|facilities|headquarters|hub|warehouse|warehouses|distribution\s+cent(?:er|re)|"
            r"data\s+cent(?:er|re)s?|stores|store|locations|campus|lab|laboratory|centre|center|gates|"
            r"routes?|nonstop\s+service|service\s+from|branch|branches)\b",
            0.8,
        ),
        (
            r"\b(?:expand(?:s|ed|ing)?\s+(?:into|to|in|its)|expansion\s+(?:into|in|of\s+its)|"
            r"enter(?:s|ed|ing)?\s+the\s+[\w\s-]{0,30}market|entered\s+the|new\s+market|"
            r"begin\s+service\s+in|moving\s+its\s+headquarters|grows?\s+its\s+hub|"
            r"(?:new|first)\s+(?:office|plant|factory|hub|store)\s+in)\b",
            0.8,
        ),
    ],
    "legal_regulatory": [
        (
            r"\b(?:su(?:e|es|ed|ing)|lawsuit|class[-\s]action|litigation|complaint|filed\s+suit|"
            r"antitrust|anti-trust|fin(?:e|es|ed)\b|penalt(?:y|ies)|settle(?:s|d|ment)?|probe|investigation|"
            r"subpoena|indict(?:ed|ment)|charged|court|judge|jury|ruling|ruled|verdict|infring(?:e|ed|ement)|"
            r"regulator(?:s|y)?|watchdog|attorney\s+general|recall(?:s|ed|ing)?|sanction(?:s|ed)?|"
            r"consent\s+decree|injunction|banned|cleared|approv(?:al|ed|es)\s+(?:by|from)|"
            r"approved\s+(?:the|its|\w+'s)|violat(?:e|ed|ion|ions))\b",
            0.8,
        ),
        (
            r"\b(?:ftc|sec|doj|fda|faa|european\s+commission|competition\s+(?:authority|commission)|"
            r"federal\s+trade\s+commission|department\s+of\s+justice|cma)\b",
            0.75,
        ),
    ],
}

_VETOES: dict[str, list[str]] = {
    "funding": [
        r"\braised\s+(?:concerns?|questions?|prices?|its\s+dividend|the\s+dividend|dividend|"
        r"(?:its|the)\s+(?:\w+\s+)?(?:forecast|outlook|guidance|price\s+target|rating|stake))\b",
        r"\b(?:bake\s+sale|charity|donations?|fundraiser|gofundme)\b",
    ],
    "acquisition": [
        r"\b(?:customer|user|talent|land|data|subscriber)\s+acquisition\b",
        r"\bacquired\s+(?:a\s+)?taste\b",
        r"\b(?:buy|bought|purchas\w*|order\w*)\s+(?:\d[\d,]*\s+|new\s+)?(?:\w+\s+)?"
        r"(?:jets|aircraft|planes|airplanes|trucks|vehicles|tickets|shares\s+back)\b",
        r"\b(?:buyback|share\s+repurchase|repurchase)\b",
        r"\b(?:buy|sell|hold|outperform)\s+rating\b|\bstocks?\s+to\s+buy\b|\bbuy\s+from\b",
        r"\bavailable\s+(?:for|to)\s+purchase\b",
        r"\b(?:which|that)\s+(?:it\s+)?acquired\b[^.]{0,40}\bin\s+(?:19|20)\d\d\b",
    ],
    "partnership": [r"\b(?:partnered\s+up\s+for|golf|tournament|wedding)\b"],
    "product_launch": [
        r"\blaunch(?:ed|es)?\s+(?:an?\s+)?(?:investigation|probe|review|inquiry|bid|"
        r"tender\s+offer|offer|lawsuit|campaign|search|satellite|rocket)\b",
        r"\b(?:satellite|rocket|spacecraft)\b",
        r"\breleased?\s+(?:from|on\s+bail|its\s+(?:results|earnings))\b",
        r"\b(?:launch\s+party|review:|stars?\b)",
    ],
    "leadership_change": [
        r"\b(?:named\s+(?:her|his|its|their)\s+(?:new\s+)?(?:puppy|dog|cat|baby|son|daughter))\b",
        r"\bcoach\b|\bmanager\s+for\s+the\s+rest\s+of\s+the\s+season\b",
        r"\b(?:keynote|gala|was\s+seen|spotted)\b",
    ],
    "layoffs": [
        r"\bcut(?:s|ting)?\s+(?:prices?|rates?|fares?|costs?|spending)\b(?![^.]{0,30}\bjobs\b)"
    ],
    "earnings": [r"\b(?:gold\s+star|earned\s+a)\b"],
    "expansion": [r"\b(?:river|lake|universe|waistline)\b"],
    "legal_regulatory": [
        r"\b(?:baking\s+show|talent\s+show|judges?\s+(?:panel\s+)?praised|"
        r"food\s+court|court\s+of\s+public\s+opinion|tennis\s+court|basketball\s+court)\b"
    ],
}

# Sports vetoes apply to these types: a club "acquires" a player, "names" a coach.
_SPORTS_VETOED = frozenset(
    {"acquisition", "leadership_change", "partnership", "layoffs", "funding"}
)

# An acquisition verb needs a business object nearby, not a product or a player.
_ACQ_VERBS_WEAK = re.compile(
    r"\b(?:buys|bought|to\s+buy|agreed\s+to\s+buy|purchas(?:e|es|ed|ing))\b", re.IGNORECASE
)
_ACQ_OBJECT = re.compile(
    r"\b(?:[A-Z][\w&.-]+(?:\s+[A-Z][\w&.-]+)*|" + _ORG_OBJ + r"|" + _MONEY + r")", re.IGNORECASE
)
_LAUNCH_OBJECT = re.compile(
    r"\b(?:app|apps|product|products|service|services|version|model|models|device|devices|phone|"
    r"iphone|laptop|tablet|headset|glasses|watch|chip|chips|software|platform|tool|tools|feature|"
    r"features|line|collection|kit|drone|robot|terminal|car|cars|vehicle|subscription|bundle|"
    r"assistant|sensor|sensors|camera|console|game|drug|card|plan|edition|update|upgrade|ai|"
    r"system|machine|machines|range|brand|store|series|engine|payment)s?\b",
    re.IGNORECASE,
)

_COMPILED = {
    t: [(re.compile(p, re.IGNORECASE), c) for p, c in rules] for t, rules in _RULES.items()
}
_COMPILED_VETOES = {t: [re.compile(p, re.IGNORECASE) for p in ps] for t, ps in _VETOES.items()}
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9$])|\n+")

assert set(_RULES) == set(EVENT_TYPES)


@dataclass(frozen=True)
class _Hit:
    event_type: str
    sentence: str
    confidence: float


def sentences(text: str) -> list[str]:
    """Split text into sentences (good enough for news prose)."""
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


def triggers(sentence: str, event_type: str) -> float:
    """The confidence with which one sentence states an event of this type (0 if not)."""
    if event_type in _SPORTS_VETOED and _SPORTS.search(sentence):
        return 0.0
    if any(v.search(sentence) for v in _COMPILED_VETOES[event_type]):
        return 0.0
    best = 0.0
    for pat, conf in _COMPILED[event_type]:
        m = pat.search(sentence)
        if not m:
            continue
        if not _object_ok(event_type, sentence, m):
            continue
        best = max(best, conf)
    return best


def _object_ok(event_type: str, sentence: str, m: re.Match) -> bool:
    after = sentence[m.end() : m.end() + 80]
    if event_type == "product_launch":
        # "launched" alone is too common: require a product word near the verb.
        window = sentence[max(0, m.start() - 40) : m.end() + 80]
        return bool(_LAUNCH_OBJECT.search(window)) or bool(
            re.search(
                r"\b(?:now\s+available|goes\s+on\s+sale|hits?\s+(?:stores|shelves)|"
                r"arrives?\s+in\s+stores)\b",
                m.group(0),
                re.IGNORECASE,
            )
        )
    if event_type == "acquisition" and _ACQ_VERBS_WEAK.fullmatch(m.group(0).strip()):
        return bool(_ACQ_OBJECT.search(after[:60]))
    return True


def classify(
    title: str | None,
    text: str,
    mentions: list[Mention] | None = None,
    article_id: str = "",
    surface_forms: dict[str, list[str]] | None = None,
) -> list[Event]:
    """The events an article reports: at most one per type, with its best evidence sentence.

    `mentions` (from CompanyMatcher) let each event name the company its evidence sentence
    is about; `surface_forms` (company id -> names) makes that more reliable than the one
    surface form a Mention keeps.
    """
    units: list[tuple[str, bool]] = []
    if title:
        units.append((title.strip(), True))
    units.extend((s, False) for s in sentences(text)[:60])  # the lede says what happened
    best: dict[str, tuple[float, str]] = {}
    for position, (sentence, is_title) in enumerate(units):
        for event_type in EVENT_TYPES:
            conf = triggers(sentence, event_type)
            if not conf:
                continue
            # Headlines and ledes state the news; later sentences more often give background.
            if is_title:
                conf = min(1.0, conf + 0.1)
            elif position > 8:
                conf *= 0.85
            if event_type not in best or conf > best[event_type][0]:
                best[event_type] = (conf, sentence)
    events = []
    for event_type in EVENT_TYPES:
        if event_type not in best:
            continue
        conf, sentence = best[event_type]
        company = _company_of(sentence, mentions or [], surface_forms)
        events.append(
            Event(
                article_id=article_id or (mentions[0].article_id if mentions else ""),
                event_type=event_type,
                evidence=_evidence(sentence),
                confidence=round(conf, 3),
                company_id=company,
            )
        )
    return events


def _company_of(
    sentence: str, mentions: list[Mention], surface_forms: dict[str, list[str]] | None
) -> str | None:
    """The mentioned company named first in the evidence sentence; the only one, else None."""
    found: list[tuple[int, str]] = []
    for m in mentions:
        forms = (surface_forms or {}).get(m.company_id, []) + [m.matched]
        positions = [
            hit.start()
            for f in forms
            if f
            for hit in [re.search(rf"(?<!\w){re.escape(f)}(?!\w)", sentence, re.IGNORECASE)]
            if hit
        ]
        if positions:
            found.append((min(positions), m.company_id))
    if found:
        return min(found)[1]
    ids = {m.company_id for m in mentions}
    return ids.pop() if len(ids) == 1 else None


def _evidence(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= EVIDENCE_CHARS else sentence[: EVIDENCE_CHARS - 1] + "…"
