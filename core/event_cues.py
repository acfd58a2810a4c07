"""Hand-written event cues: features of the learned event classifier, never its decision.

Each event type has trigger patterns; a sentence carries a cue of that type when a trigger
matches and no veto of that type matches in the same sentence (a sports "acquisition" of a
player, "customer acquisition", a rocket "launch", a coach "named" ...). `triggers` gives
that cue's strength for one sentence; `genre` says when a piece is soft news (a review, a
match report, gossip). `tipsheet.core.event_model` learns from labelled news how much each cue
counts, next to the words and embeddings of the headline and lede.

Also the sentence splitter every module uses (`paragraphs`, `sentences`, `lead`).
"""

from __future__ import annotations

import logging
import re
from functools import cache, cached_property

from tipsheet.core.records import EVENT_TYPES
from tipsheet.core.wordlists import word_pattern

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
# What a deal buys: a company, by any of its names, or a part of one.
_ORG_OBJ = r"(?:" + word_pattern("company_nouns") + r"|unit|division|stake|assets)"

_SPORTS = re.compile(
    r"\b(?:striker|midfielder|defender|goalkeeper|winger|quarterback|pitcher|shortstop|"
    r"outfielder|linebacker|(?<!going\s)(?<!moving\s)(?<!looking\s)forward(?!-looking)|"
    r"guard(?!\s+against)|(?<!data\s)(?<!call\s)(?<!distribution\s)(?<!shopping\s)(?<!service\s)"
    r"(?<!fulfilment\s)(?<!fulfillment\s)(?<!research\s)cent(?:re|er)|"
    r"the\s+club|football\s+club|"
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
        (r"\b(?:acquir(?:e|es|ed|ing)|acquisition\s+of|takeover\s+of)\b", 0.75),
        # Weak verbs: they count only with a business object (see _object_ok).
        (
            r"\b(?:to\s+buy|agreed\s+to\s+buy|buy(?:s|ing)?|bought|purchas(?:e|es|ed|ing)|"
            r"take\s+over|takes\s+over|taking\s+over|took\s+over|taken\s+over)\b",
            0.75,
        ),
        (
            r"\b(?:merger|merge(?:s|d)?\s+with|to\s+merge|combination\s+with|tender\s+offer|"
            r"takeover(?:\s+bid)?|buyout|take-private|go-private|acquisition)\b",
            0.8,
        ),
        (
            r"\b(?:to\s+be|will\s+be|was|were|has\s+been|had\s+been)\s+(?:acquired\b|"
            r"(?:bought|sold|purchased)\s+(?:to|by|for)\s)",
            0.85,
        ),
        (
            r"\b(?:sell|sells|sold|selling|divest(?:s|ed|ing)?|spin(?:s)?\s+off|sale\s+of)\s+"
            r"(?:(?!through\b|in\b|at\b|via\b|across\b|from\b|by\b|on\b)[^\s.]+\s+){0,6}"
            r"(?:stake|unit|division|business|subsidiary|assets|operations|company|brand|arm|"
            r"interests|holdings?)\b",
            0.8,
        ),
        (r"\b(?:exploring|explore|considering)\s+(?:a\s+)?(?:sale|options)\b", 0.7),
        (r"\b(?:offer|bid)\s+for\s+(?:(?-i:[A-Z<])|all\s+of|the\s+(?:company|group|rest))", 0.75),
        (
            r"\b(?:rais|increas|lift|boost|tak|build|ups?\b|cut|reduc|lower|trim)\w*\s+(?:its|a|the|his|their)\s+"
            r"(?:\w+\s+){0,2}?(?:stake|holding|interest)\s+in\b",
            0.8,
        ),
        (
            r"\b(?:pay|pays|paid|paying)\s+[^.]{0,40}?\bfor\s+(?:the\s+|a\s+|an\s+|about\s+|around\s+)?"
            r"(?:[\w.%-]+\s+){0,6}?(?:" + _ORG_OBJ + r"|pct|percent|interest)\b",
            0.75,
        ),
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
            r"to\s+(?:run|operate|manage|power|build|handle|deliver|develop)|"
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
            r"\b(?:posted|reported|reports|reporting|report|posts|announced)\s+(?:a\s+|an\s+|its\s+)?"
            r"(?:[\w.%-]+\s+){0,6}?(?:profits?|loss|revenues?|earnings|results|sales|net\s+income)\b",
            0.85,
        ),
        (
            r"\b(?:earnings\s+per\s+share|eps|per-share\s+(?:earnings|profit)|beat\s+(?:estimates|expectations)|"
            r"missed\s+(?:estimates|expectations)|(?:raised|lowered|cut|reaffirmed|kept)\s+its\s+(?:\w+\s+){0,3}"
            r"(?:guidance|outlook|forecast))\b",
            0.85,
        ),
        # Wire-service results tables and headlines: "Shr profit 12 cts vs loss 1.15 dlrs",
        # "3RD QTR NET", "YEAR DEC 31 OPER NET".
        (
            r"\b(?:oper\s+)?(?:shr|net|revs|sales)\s+(?:profit\s+|loss\s+)?\(?(?:\d[\d.,]*|nil|"
            r"one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:cts?|dlrs|mln|billion)?[^.]{0,30}\bvs\b",
            0.8,
        ),
        (
            r"\b(?:qtr|quarter|year|half|mths|months|fiscal)\s+(?:\w+\s+){0,4}?(?:oper\s+)?"
            r"(?:net|shr|revs|results|earnings|profits?|loss)\b",
            0.8,
        ),
        (r"\b(?:results|earnings)\s+(?:top|beat|miss|topped|missed)\b", 0.8),
    ],
    "expansion": [
        (
            # The facility is the verb's object: no preposition in between ("launches a range
            # in 400 stores" is no expansion), and not a modifier ("warehouse software").
            r"\b(?:open(?:s|ed|ing)?|build(?:s|ing)?|built|construct(?:s|ed|ing)?|add(?:s|ed|ing)?|"
            r"establish(?:es|ed)?)\s+(?:(?!in\b|at\b|to\b|for\b|with\b|through\b|across\b|of\b)"
            r"[^\s.;]+\s+){0,6}?(?:new\s+)?(?:office|offices|plant|plants|factory|factories|"
            r"facility|facilities|headquarters|hub|hubs|warehouse|warehouses|distribution\s+cent(?:er|re)s?|"
            r"fulfil?ment\s+cent(?:er|re)s?|data\s+cent(?:er|re)s?|stores|store|shops|supermarkets|"
            r"restaurants|outlets|locations|campus|lab|laboratory|centre|center|gates|bakery|mill|"
            r"depot|depots|terminal|routes?|nonstop\s+service|service\s+from|branch|branches)\b"
            r"(?!\s+(?:software|system|systems|management|teams?|staff|workers|managers|robots|"
            r"automation|operations|market|sector|industry)\b)",
            0.8,
        ),
        (
            r"\blaunch(?:es|ed|ing)?\s+(?:new\s+)?(?:nonstop\s+)?(?:routes?|service\s+(?:from|to))\b",
            0.8,
        ),
        (
            r"\b(?:creat(?:e|es|ed|ing)|bring(?:s|ing)?)\s+(?:about\s+|around\s+|up\s+to\s+|some\s+|"
            r"more\s+than\s+)?\d[\d,]*\s+(?:new\s+)?jobs\b",
            0.75,
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
            r"\b(?:(?-i:su(?:e|es|ed|ing))|lawsuits?|class[-\s]action|litigation|filed\s+suit|"
            r"antitrust|anti-trust|subpoena(?:s|ed)?|indict(?:ed|ment)|infring(?:e|es|ed|ement|ing)|"
            r"regulators?|regulatory\s+(?:approval|probe|investigation|action|scrutiny)|watchdog|"
            r"attorney\s+general|prosecutors?|consent\s+decree|injunction|"
            r"recall(?:s|ed|ing)?\s+(?:of\s+)?(?:about\s+|some\s+|nearly\s+|more\s+than\s+)?"
            r"(?:\d[\d,]*|its|the|two|three|several|batches|all)|(?:was|were|been|being)\s+fined|"
            r"fin(?:es|ed)\s+(?:\w+\s+){0,3}?[$€£]|pleaded\s+guilty|found\s+guilty)\b",
            0.8,
        ),
        # Weak: these words have everyday senses ("the verdict:", "made two changes",
        # "charged £3 an hour") and count only with a legal or regulatory context.
        (
            r"\b(?:fin(?:e|es|ed)|penalt(?:y|ies)|settle(?:s|d|ment)?|probe[ds]?|investigation|"
            r"complaint|charged|court|judge|jury|ruling|ruled|verdict|sanction(?:s|ed)?|banned|"
            r"cleared|approv(?:al|ed|es)|violat(?:e|ed|es|ion|ions)|recall(?:s|ed|ing)?)\b",
            0.75,
        ),
        (
            r"\b(?:ftc|(?-i:SEC)|doj|fda|faa|european\s+commission|competition\s+(?:authority|commission)|"
            r"federal\s+trade\s+commission|department\s+of\s+justice|(?-i:CMA)|financial\s+conduct\s+authority)\b",
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
        # New routes and flights are an expansion, not a product.
        r"\blaunch\w*\s+(?:new\s+)?(?:nonstop\s+)?(?:routes?|flights?|service\s+(?:from|to|between))\b",
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
    "expansion": [
        r"\b(?:river|lake|universe|waistline)\b",
        # What a deal brings ("the deal adds 60 stores") is part of the deal, not a new event.
        r"^(?:the|this)\s+(?:deal|acquisition|merger|purchase|takeover|transaction)\b",
    ],
    "legal_regulatory": [
        r"\b(?:baking\s+show|talent\s+show|judges?\s+(?:panel\s+)?praised|"
        r"food\s+court|court\s+of\s+public\s+opinion|tennis\s+court|basketball\s+court)\b"
    ],
}

# Sports vetoes apply to these types: a club "acquires" a player, "names" a coach.
_SPORTS_VETOED = frozenset(
    {"acquisition", "leadership_change", "partnership", "layoffs", "funding"}
)

# Weak acquisition verbs ("buys", "took over") need a business object: a company, a stake,
# a price. Names are matched case-sensitively (a proper noun right after the verb, not a
# possessive: "buy Contoso's robots" buys products, not Contoso).
_ACQ_VERBS_WEAK = re.compile(
    r"(?:to\s+buy|agreed\s+to\s+buy|buy(?:s|ing)?|bought|purchas(?:e|es|ed|ing)|"
    r"take[sn]?\s+over|taking\s+over|took\s+over)",
    re.IGNORECASE,
)
_ACQ_NAME = re.compile(r"(?:the\s+)?(?:[A-Z][\w&.-]*\s+){0,3}[A-Z][\w&.-]*\b(?!'s|’s)")
_ACQ_BUSINESS = re.compile(
    r"\b(?:" + _ORG_OBJ + r"s?|shares|deal|bid|offer|all-share|all-cash|in\s+cash|valu(?:ed|ing)|"
    r"pct|percent|interest|holding|\d+(?:\.\d+)?\s?%|"
    r"for\s+" + _MONEY + r"|" + _MONEY + r")\b",
    re.IGNORECASE,
)
_LAUNCH_OBJECT = re.compile(
    r"\b(?:app|apps|product|products|service|services|version|model|models|device|devices|phone|"
    r"iphone|laptop|tablet|headset|glasses|watch|chip|chips|software|platform|tool|tools|feature|"
    r"features|line|collection|kit|drone|robot|terminal|car|cars|vehicle|subscription|bundle|"
    r"assistant|sensor|sensors|camera|console|game|drug|card|plan|edition|update|upgrade|ai|"
    r"system|machine|machines|range|brand|store|series|engine|payment)s?\b",
    re.IGNORECASE,
)
# What makes a weak legal word ("verdict", "charged", "court", "approved") legal.
_LEGAL_CONTEXT = re.compile(
    r"\b(?:court|courts|judge|jury|lawsuit|su(?:ed|es|ing)|legal|law|laws|regulat\w*|watchdog|"
    r"authorit(?:y|ies)|commission|agency|ministry|department|government|federal|state|"
    r"prosecut\w*|attorney|magistrates?|tribunal|antitrust|competition|patents?|infring\w*|"
    r"alleg\w*|fraud|guilty|offen[cs]es?|breach\w*|damages|plaintiffs?|defendants?|appeal\w*|"
    r"licen[cs]e|permit|compliance|safety|privacy|data\s+protection|money[-\s]laundering|"
    r"ftc|fda|faa|doj|(?-i:SEC|CMA|EU)|inquiry)\b",
    re.IGNORECASE,
)
_LEGAL_SUM_WORD = re.compile(
    r"fin(?:e|es|ed)|penalt(?:y|ies)|settle(?:s|d|ment)?|court|jury|judge|ruling|ruled",
    re.IGNORECASE,
)
_LARGE_SUM = re.compile(
    r"\d[\d.,]*\s*(?:-\s*)?(?:million|billion|mln|bn)\b|[$€£]\s?\d[\d.,]*\s*(?:m|bn)\b",
    re.IGNORECASE,
)
# A title used to attribute a quote ("said interim chief executive Jo Bloggs") is no change.
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|according\s+to|told|wrote|writes|added|adds|explained|noted)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)

# Background: parts of a sentence that recall earlier news rather than state this article's
# ("..., which last week announced 300 job cuts", "comes a month after ...", "joined the
# company in 2018 and led ..."). A trigger starting inside such a span states no event.
_BG_TO_CLAUSE_END = re.compile(
    r",\s*(?:which|who|whose|where|when)\b"
    r"|\b(?:(?:a|one|two|three|four|five|six|several|few|\d+)\s+)?(?:days?|weeks?|months?|years?)"
    r"\s+(?:after|since|following)\b"
    r"|\b(?:shortly|soon|just|only|even)\s+after\b"
    r"|\b(?:former|formerly)\b"
    r"|\b(?:last|earlier\s+this|earlier\s+in\s+the)\s+(?:week|month|year|spring|summer|autumn|"
    r"fall|winter)\b"
    r"|\b(?:has|have|had)\s+been\b(?=[^.;,]{0,60}\bsince\b)"
    r"|\b(?:joined|founded|co-founded|set\s+up|became|started)\b(?=[^.;,]{0,60}\b(?:in|since)\s+(?:19|20)\d\d\b)",
    re.IGNORECASE,
)
_BG_TO_SENTENCE_END = re.compile(
    r"\b(?:comes?|came)\s+(?:just\s+|only\s+)?(?:(?:a|one|two|three|several|few|\d+)\s+"
    r"(?:days?|weeks?|months?|years?)\s+)?(?:after|as|amid|at\s+a\s+\w+\s+time|on\s+the\s+heels)\b"
    r"|\b(?:follows|followed)\s+(?:a|an|the|its|last|earlier|his|her|their)\b"
    r"|^(?:the|this|that|it|its)\s+(?:\w+\s+){0,3}?(?:comes?|came|follows?|followed)\b"
    r"|\b(?:adds?|added)\s+to\s+(?:a|an|the|its)\b|\bis\s+the\s+latest\b"
    r"|\bsince\s+(?:then|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:—–]|\s-\s|\band\s+(?:is|was|has|will)\b")

# Soft-news genres carry no business event: reviews, sport, gossip and lifestyle, opinion,
# service pieces. Detected from general cues in the headline and lede, never from names.
_KICKER_GENRE = re.compile(
    r"\b(?:reviews?|opinion|comment|column|editorial|letters?|recipes?|quiz|photos|gallery|"
    r"in\s+pictures|podcast|obituary|horoscopes?|spotted|seen|gossip|match\s+report|"
    r"player\s+ratings|ratings|golf|tennis|football|soccer|cricket|rugby|motorsport)\b",
    re.IGNORECASE,
)
_SCORE_LINE = re.compile(
    r"[A-Z][\w'.-]*\s+\d{1,2}\s*[–—-]\s*\d{1,2}\s+[A-Z]|\b\d{1,2}\s*[–—-]\s*\d{1,2}\s+(?:win|defeat|draw|loss|victory)\b"
)
_RATING = re.compile(
    r"[★☆]|\b(?:[1-5](?:\.5)?|one|two|three|four|five)[\s-]+stars?\b(?![\s-]+(?:hotel|resort|rating))"
    r"|\brating\s*:\s*\d|\b\d(?:\.\d)?\s*/\s*(?:5|10)\b(?![\d/])"
    r"|\b(?:the|our|my)\s+verdict\s*:",
    re.IGNORECASE,
)
_GENRE_CUES: dict[str, re.Pattern] = {
    "sport": re.compile(
        r"\b(?:match|fixture|kick-off|goals?|scored|striker|midfielder|goalkeeper|defender|winger|"
        r"half-time|full-time|referee|league|seasons?|fans|supporters|stadium|club|coach|squad|"
        r"derby|cup|semi-finals?|finals?|tournament|championship|innings|touchdown|quarterback|"
        r"playoffs?|shirt|kits?|captain|armband|\d+(?:st|nd|rd|th)\s+minute|birdie|par|shots?|"
        r"defeat|victory|promotion\s+push|relegation|title\s+race)\b",
        re.IGNORECASE,
    ),
    "gossip": re.compile(
        r"\b(?:spotted|celebrit(?:y|ies)|star-studded|a-list|birthday|bash|(?<!third\s)(?<!third-)"
        r"party|yacht|superyacht|champagne|glamorous|red\s+carpet|guests|gala|wedding|divorce|"
        r"romance|rumou?red|paparazzi|socialite|dj|cocktails|pop\s+star|actor|actress|singer|"
        r"tv\s+chef|famous)\b",
        re.IGNORECASE,
    ),
    "review": re.compile(
        r"\b(?:reviews?|reviewed|we\s+tried|we\s+tested|testers?|verdict|tasty|tastes?|flavou?rs?|"
        r"worth\s+(?:it|buying|the\s+(?:extra\s+)?money|the\s+upgrade)|value\s+for\s+money|pricey|"
        r"our\s+pick|you\s+can\s+buy|critics|stars|battery\s+life|hands-on)\b",
        re.IGNORECASE,
    ),
    "opinion": re.compile(
        r"\b(?:opinion|columnist|editorial|i\s+think|in\s+my\s+view|i\s+have|i\s+am|we\s+should|"
        r"it\s+is\s+time|let\s+us|my\s+(?:county|town|city|family))\b",
        re.IGNORECASE,
    ),
    "service": re.compile(
        r"\b(?:recipe|ingredients|tablespoons?|oven|things\s+to\s+do|how\s+to|what\s+you\s+need\s+"
        r"to\s+know|here\s+is\s+(?:what|who|how)|tips|weekend|day\s+in\s+the\s+life)\b",
        re.IGNORECASE,
    ),
}
GENRE_CUES_NEEDED = 3  # distinct cue words of one genre in the headline and lede
LEAD_SENTENCES = 3  # the lede: at most this many sentences, within the first two paragraphs

# Cheap prefilter: every trigger of a type contains one of these lowercase stems, so a
# sentence without any skips that type's regexes (most sentences trigger nothing).
_STEMS: dict[str, tuple[str, ...]] = {
    "funding": (
        "rais",
        "secur",
        "clos",
        "land",
        "receiv",
        "obtain",
        "series",
        "seed",
        "round",
        "fund",
        "financ",
        "invest",
        "ipo",
        "public",
        "listing",
        "credit",
        "loan",
        "bond",
        "note",
        "offering",
        "issue",
        "placement",
        "capital",
        "money",
        "valuation",
        "venture",
        "share",
    ),
    "acquisition": (
        "acqui",
        "takeover",
        "buy",
        "bought",
        "purchas",
        "take",
        "took",
        "taking",
        "merg",
        "combination",
        "tender",
        "private",
        "sold",
        "sell",
        "divest",
        "spin",
        "sale",
        "explor",
        "consider",
        "stake",
        "holding",
        "interest",
        "pay",
        "paid",
        "offer",
        "bid",
    ),
    "partnership": (
        "partner",
        "team",
        "joint",
        "alliance",
        "collaborat",
        "working with",
        "agreement",
        "deal",
        "contract",
        "pact",
        "memorandum",
        "order",
        "chose",
        "chosen",
        "select",
        "pick",
        "integrat",
    ),
    "product_launch": (
        "launch",
        "unveil",
        "introduc",
        "debut",
        "roll",
        "releas",
        "show",
        "premier",
        "availab",
        "sale",
        "stores",
        "shelves",
        "new",
        "latest",
    ),
    "leadership_change": (
        "chief",
        "ceo",
        "cfo",
        "coo",
        "cto",
        "cio",
        "cmo",
        "president",
        "chair",
        "director",
        "counsel",
        "head of",
        "board",
        "merch",
    ),
    "layoffs": (
        "lay",
        "laid",
        "redundan",
        "furlough",
        "cut",
        "elimin",
        "slash",
        "shed",
        "trim",
        "reduc",
        "let",
        "job",
        "workforce",
        "affect",
    ),
    "earnings": (
        "result",
        "earning",
        "profit",
        "revenue",
        "sales",
        "loss",
        "income",
        "ebitda",
        "eps",
        "per-share",
        "estimate",
        "expectation",
        "guidance",
        "outlook",
        "forecast",
        "shr",
        "net",
        "revs",
    ),
    "expansion": (
        "open",
        "build",
        "built",
        "construct",
        "add",
        "establish",
        "launch",
        "creat",
        "bring",
        "expan",
        "enter",
        "market",
        "service",
        "headquarters",
        "hub",
        "office",
        "plant",
        "factory",
        "store",
    ),
    "legal_regulatory": (
        "sue",
        "suing",
        "lawsuit",
        "class",
        "litigation",
        "suit",
        "trust",
        "subpoena",
        "indict",
        "infring",
        "regulat",
        "watchdog",
        "attorney",
        "prosecut",
        "consent",
        "injunction",
        "recall",
        "fine",
        "guilty",
        "penalt",
        "settle",
        "probe",
        "investigation",
        "complaint",
        "charged",
        "court",
        "judge",
        "jury",
        "ruling",
        "ruled",
        "verdict",
        "sanction",
        "banned",
        "cleared",
        "approv",
        "violat",
        "ftc",
        "sec",
        "doj",
        "fda",
        "faa",
        "commission",
        "competition",
        "cma",
        "conduct authority",
        "justice",
    ),
}


# Each type's rules are compiled when first used: a digest reads a few types' triggers
# (its talking points), and compiling every type's at import was a tenth of its start-up.
@cache
def _compiled(event_type: str) -> list[tuple[re.Pattern, float]]:
    return [(re.compile(p, re.IGNORECASE), c) for p, c in _RULES[event_type]]


@cache
def _compiled_vetoes(event_type: str) -> list[re.Pattern]:
    return [re.compile(p, re.IGNORECASE) for p in _VETOES[event_type]]


_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9$])")
# A period that ends an abbreviation or an initial, not a sentence ("The U.S. Department").
_ABBREVIATION = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|E\.U|Inc|Corp|Co|Ltd|Mr|Mrs|Ms|Dr|St|Jr|Sr|No|Gov|Sen|Rep|Gen|"
    r"Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|vs|approx)|(?<![\w.])[A-Z])\.$"
)
_WRAPPED_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]+\S)")
_SOFT_BREAK = re.compile(r"(?<![.!?:\"”])\n(?=[a-z(])")

assert set(_RULES) == set(EVENT_TYPES) == set(_STEMS)
PREFILTER = True
# "Does the lowercased sentence contain any stem of this type", as one regex scan.
_STEM_SCAN = {t: re.compile("|".join(map(re.escape, stems))) for t, stems in _STEMS.items()}


def paragraphs(text: str, enough: int | None = None) -> list[list[str]]:
    """Paragraphs of the text, each a list of sentences.

    Extracted pages put one paragraph per line. Hard-wrapped wire copy (lines of about 70
    characters, paragraphs indented or separated by a blank line) is unwrapped first, so a
    sentence is not cut at every line end.

    enough: the leading paragraphs only, once they hold this many sentences and the two
    paragraphs `lead` reads; splitting sentences is the cost, and a reader of the start of
    a long text (the lede, the first sentences) needs no more.
    """
    text = (text or "").replace("\r\n", "\n")
    if _hard_wrapped(text):
        blocks = [" ".join(b.split()) for b in _WRAPPED_BREAK.split(text)]
    else:
        blocks = [b.strip() for b in _SOFT_BREAK.sub(" ", text).split("\n")]
    out: list[list[str]] = []
    split = 0
    for b in blocks:
        if enough is not None and split >= enough and len(out) >= 2:
            break
        if b.strip():
            out.append(_split_sentences(b))
            split += len(out[-1])
    return out


def _split_sentences(block: str) -> list[str]:
    out: list[str] = []
    for piece in (p.strip() for p in _SENTENCE.split(block)):
        if not piece:
            continue
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _hard_wrapped(text: str) -> bool:
    """Wire copy: paragraphs indented, or most lines cut at about 70 characters mid-sentence."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2:
        return False
    if re.search(r"\n[ \t]{2,}\S", text):
        return True
    wrapped = sum(1 for ln in lines if 40 <= len(ln) <= 85 and ln.rstrip()[-1:] not in '.!?:"”')
    return len(lines) >= 4 and wrapped >= 0.5 * len(lines)


def sentences(text: str) -> list[str]:
    """Split text into sentences (good enough for news prose)."""
    return [s for p in paragraphs(text) for s in p]


def lead(paras: list[list[str]]) -> list[str]:
    lead: list[str] = []
    for i, para in enumerate(paras[:2]):
        if i == 1 and len(paras[0]) > 1:
            break
        lead.extend(para)
    return lead[:LEAD_SENTENCES]


def genre(title: str | None, paras: list[list[str]]) -> str | None:
    title = (title or "").strip()
    head = " ".join([title, *[s for p in paras[:6] for s in p][:6]])
    kicker = title.split(":", 1)[0] if ":" in title else ""
    if kicker and len(kicker.split()) <= 4 and _KICKER_GENRE.search(kicker):
        return "kicker"
    if _SCORE_LINE.search(title):
        return "sport"
    if _RATING.search(head):
        return "review"
    best, best_n = None, 0
    for genre, pat in _GENRE_CUES.items():
        n = len({m.group(0).lower() for m in pat.finditer(head)})
        if n > best_n:
            best, best_n = genre, n
    return best if best_n >= GENRE_CUES_NEEDED else None


def background_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of a sentence that recall earlier news (see _BG_TO_CLAUSE_END)."""
    spans = []
    for m in _BG_TO_CLAUSE_END.finditer(sentence):
        end = _CLAUSE_END.search(sentence, m.end())
        spans.append((m.start(), end.start() if end else len(sentence)))
    for m in _BG_TO_SENTENCE_END.finditer(sentence):
        spans.append((m.start(), len(sentence)))
    return spans


def triggers(sentence: str, event_type: str) -> float:
    """The confidence with which one sentence states an event of this type (0 if not).

    A trigger inside a background span (an aside about earlier news) does not count.
    """
    return _Sentence(sentence).trigger(event_type)


def strengths(sentence: str) -> dict[str, float]:
    """`triggers` of every event type for one sentence, sharing the work they have in
    common (its lower-case form, its background spans, its sports words)."""
    one = _Sentence(sentence)
    return {t: one.trigger(t) for t in EVENT_TYPES}


class _Sentence:
    """One sentence, with what every event type's check needs computed once, when needed."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        return background_spans(self.text)

    @cached_property
    def sporty(self) -> bool:
        return bool(_SPORTS.search(self.text))

    @cached_property
    def low(self) -> str:
        return self.text.lower()

    def trigger(self, event_type: str) -> float:
        if PREFILTER and not _STEM_SCAN[event_type].search(self.low):
            return 0.0
        best = 0.0
        for pat, conf in _compiled(event_type):
            if conf <= best:
                continue
            for m in pat.finditer(self.text):
                if any(a <= m.start() < b for a, b in self.spans):
                    continue
                if _object_ok(event_type, self.text, m):
                    best = conf
                    break
        if not best:
            return 0.0
        # Vetoes last: most sentences trigger nothing, so most never need them.
        if event_type in _SPORTS_VETOED and self.sporty:
            return 0.0
        if any(v.search(self.text) for v in _compiled_vetoes(event_type)):
            return 0.0
        return best


def _object_ok(event_type: str, sentence: str, m: re.Match) -> bool:
    """Weak triggers need their business object or context in the same sentence."""
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
        obj = after.lstrip()
        if re.match(
            r"(?:from|as|for\s+(?:a|an|the)\s+(?:set|evening|night|day|week))\b", obj, re.I
        ):
            return False  # "took over from the interim boss", "took over for the evening"
        if _ACQ_NAME.match(obj):
            return True
        phrase = re.split(r"[,;]|\s(?:and|but|while|after|before|because)\s", obj, maxsplit=1)[0]
        return bool(_ACQ_BUSINESS.search(phrase[:70]))
    if event_type == "legal_regulatory" and m.re is _compiled("legal_regulatory")[1][0]:
        rest = sentence[: m.start()] + " " + sentence[m.end() :]
        if _LEGAL_CONTEXT.search(rest):
            return True
        # A fine, penalty, settlement or award of corporate size ("a 110 million-euro penalty").
        return bool(_LEGAL_SUM_WORD.fullmatch(m.group(0)) and _LARGE_SUM.search(sentence))
    # A title attributing a quote ("said interim chief executive Jo Marsh") is no change.
    return not (event_type == "leadership_change" and _ATTRIBUTION.search(sentence[: m.start()]))
