"""Names in a sentence, as a reader finds them: runs of capitalised words ("Bank of England",
"Chief executive Ingrid Halvorsen" -> "Ingrid Halvorsen"), with where each stands and what its
neighbours say it is (a title before it says a person, "... Council" an organisation, "in ..."
a place).

Capitalisation, not a tagger: no NER model ships with its weights inside a PyPI package this
project can use offline (spaCy's models are separate downloads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.dates import CALENDAR_WORDS
from index.text import stopwords

# A plural possessive inside a body's name: "the Upper Westfold Water Users' Association"
# (not "the Chiefs' Patrick Mahomes").
_BODY_POSSESSIVE = (
    r"(?:['’](?=\s+(?:Association|Union|Club|Society|Federation|League|Council|Trust|Fund|"
    r"Alliance|Guild|Network|Coalition|Foundation|Forum|Group)\b))?"
)
# A run of capitalised words, with "of", "&", "de" inside it: "Bank of England".
_NAME = re.compile(
    rf"\b[A-Z][\w'’.-]*[\w]{_BODY_POSSESSIVE}"
    rf"(?:\s+(?:(?:of|&|de|del|van|von|der|la|le)\s+)?[A-Z][\w'’.-]*[\w]{_BODY_POSSESSIVE})*"
)
# Titles and roles before a name ("CEO Caroline Ellison", "Judge Amara Osei"): not part of it.
TITLES = frozenset(
    "ceo cfo coo cto chief president vice prime minister senator sen rep governor gov "
    "councillor councilor councilman councilwoman alderman spokesman spokeswoman spokesperson "
    "mayor judge justice coach manager director chairman chair chairwoman secretary general dr "
    "mr mrs ms sir dame king queen prince princess pope lord lady officer head founder "
    "co-founder professor prof superintendent inspector detective sergeant constable captain "
    "headteacher principal executive commissioner sheriff magistrate lawyer prosecutor "
    "researcher scientist economist analyst striker midfielder defender goalkeeper bowler "
    "batter skipper winger chancellor deputy provost rector editor ambassador bishop "
    "archbishop".split()
)
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
CONNECTORS = frozenset("of & de del van von der la le".split())
_NOT_NAMES = (
    frozenset(
        "a an the this that these those he she it they we i you his her its their our but "
        "and or so yet in on at for from with by as after before when while if however "
        "meanwhile also according said says update correction clarification neither either "
        "both each every all some any none such another other only".split()
    )
    | CALENDAR_WORDS
)
_ORGANISATION_END = re.compile(
    r"\b(?:Council|Court|University|College|School|Hospital|Trust|Group|Inc|Ltd|Plc|Corp|"
    r"Corporation|Company|Co|Robotics|Ferries|Airlines?|Bank|Association|Union|Society|"
    r"Service|Services|Agency|Authority|Department|Ministry|Board|Commission|Institute|"
    r"Foundation|Partners|Holdings|Resources|Logistics|Freight|Works|Civil|Marine|Club|FC|"
    r"United|City|Rovers|Athletic|Party|Police|Press|News|Herald|Post|Times|Journal|Review|"
    r"Lane|Brothers|Industries|Energy|Motors|Systems|Labs?|Technologies|Media|Studios?)$"
)
_PLACE_END = re.compile(
    r"\b(?:Road|Street|St|Avenue|Lane|Way|Park|Square|Bridge|Junction|Bay|Island|Islands|"
    r"Valley|River|Hill|Hills|Harbour|Port|Station|Coast|Beach|Lake|Mountains?|Forest|Green|"
    r"Meadows?|Heath|Cross|Quay|Wharf|Field|Fields|Stadium|Arena|Ground|Centre|Center|"
    r"County|Province|State|Town|Village)$"
)
_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|from|to|outside|across|on|into|around)\s+(?:the\s+)?$")
_FIRST_NAME = re.compile(r"^[A-Z][a-z]+(?:-[A-Z][a-z]+)? [A-Z][\w'’-]+$")


@dataclass(frozen=True)
class NameSpan:
    """One name of a sentence (`text == sentence[start:end]`) and what its context says."""

    start: int
    end: int
    text: str
    titled: bool  # a title or role word right before it
    organisation_like: bool
    place_like: bool
    person_like: bool
    kind: str = "name"


@lru_cache(maxsize=8192)
def name_spans(sentence: str) -> tuple[NameSpan, ...]:
    """The names of `sentence`, trimmed of titles, function words and possessives."""
    out = []
    for m in _NAME.finditer(sentence):
        found = _trimmed(sentence, m.start(), m.end())
        if found is None:
            continue
        start, end, titled = found
        text = sentence[start:end]
        before = sentence[max(0, start - 16) : start]
        out.append(
            NameSpan(
                start,
                end,
                text,
                titled,
                bool(_ORGANISATION_END.search(text)),
                bool(_PLACE_END.search(text) or _PLACE_BEFORE.search(before)),
                titled or bool(_FIRST_NAME.match(text)),
            )
        )
    return tuple(out)


def _trimmed(sentence: str, start: int, end: int) -> tuple[int, int, bool] | None:
    """The run's bounds without the ordinary words at its edges, and whether a title was cut
    off its front (or stands right before it)."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", sentence[start:end])]
    titled = _titled_before(sentence[max(0, start - 30) : start])
    while words and _edge(sentence[words[0][0] : words[0][1]]):
        titled = titled or _title(sentence[words[0][0] : words[0][1]])
        words = words[1:]
    while words and _edge(sentence[words[-1][0] : words[-1][1]], end=True):
        words = words[:-1]
    if not words:
        return None
    s, e = words[0][0], words[-1][1]
    text = sentence[s:e]
    m = POSSESSIVE.search(text)
    if m:
        e -= len(m.group())
    while e > s and sentence[e - 1] == ".":
        e -= 1
    text = sentence[s:e]
    if len(text) < 2 or (s == 0 and " " not in text and text.lower() in stopwords()):
        return None  # "Here", "Why": a sentence's first word, not a name
    return s, e, titled


def _edge(word: str, end: bool = False) -> bool:
    low = POSSESSIVE.sub("", word.lower()).rstrip(".,")
    return low in _NOT_NAMES or low in CONNECTORS or (not end and _title(word))


def _title(word: str) -> bool:
    """A title, or titles joined by hyphens ("Vice-chancellor", "Co-founder")."""
    low = POSSESSIVE.sub("", word.lower()).rstrip(".,")
    return low in TITLES or all(part in TITLES or part == "co" for part in low.split("-"))


def _titled_before(before: str) -> bool:
    """A title or role word ends the text before a name ("Chief executive ", "judge ")."""
    words = before.lower().rstrip(" ,").split()
    return bool(words) and _title(words[-1])


def names_in(text: str, common: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The names of `text` as strings. `common` holds words seen in lower case nearby: at a
    run's edge such a word is an ordinary word that opens a sentence ("Could Google ..."), not
    part of a name."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and (_edge(words[0]) or _common(words[0], common)):
            words = words[1:]
        while words and (_edge(words[-1], end=True) or _common(words[-1], common)):
            words = words[:-1]
        if words and m.start() == 0 and len(words) == 1 and words[0].lower() in stopwords():
            continue  # "Here", "Why": a sentence's first word, not a name
        name = POSSESSIVE.sub("", " ".join(words).rstrip("."))
        if len(name) > 1:
            out.append(name)
    return out


def _common(word: str, common: frozenset[str] | set[str]) -> bool:
    return POSSESSIVE.sub("", word.lower()) in common and not word.isupper()
