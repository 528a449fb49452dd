"""The line an answer leads with: the name or number the question asks for, stated plainly.

Taken only from the answer's own quoted sentences (so it stands verbatim in a quote), and only
when the retrieved articles support it: a name the question does not use that several of them
mention is the classic signal of a multi-hop answer. When nothing qualifies, no line is made.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.answer.features import wants_name, wants_number
from index.answer.sentences import Sentence
from index.text import stopwords
from index.trees import TreeRanker

# A run of capitalised words, with "of", "&", "de" inside it: "Bank of England".
_NAME = re.compile(
    r"\b[A-Z][\w'’.-]*[\w](?:\s+(?:(?:of|&|de|del|van|von|der|la|le)\s+)?[A-Z][\w'’.-]*[\w])*"
)
# Titles before a name ("CEO Caroline Ellison", "President Biden"): not part of it.
_TITLES = frozenset(
    "ceo cfo coo cto chief president vice prime minister senator sen rep governor gov "
    "councillor councilor councilman councilwoman alderman spokesman spokeswoman spokesperson "
    "mayor judge justice coach manager director chairman chair secretary general dr mr "
    "mrs ms sir king queen prince princess pope lord lady officer head founder "
    "co-founder".split()
)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_CONNECTORS = frozenset("of & de del van von der la le".split())
_NUMBER = re.compile(
    r"(?:[$£€]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent|per cent|million|billion|trillion|thousand|"
    r"hundred))?(?:\s+[a-z][a-z-]+)?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundreds|thousands|dozens)(?:\s+(?:million|billion|thousand|hundred))?\s+[a-z][a-z-]+",
)
_NOT_NAMES = frozenset(
    "a an the this that these those he she it they we i you his her its their our but "
    "and or so yet in on at for from with by as after before when while if however "
    "meanwhile also according said says monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october "
    "november december".split()
)
_UNIT_STOP = frozenset("a an the of and or to in on at for from with by as is was were are".split())


@dataclass
class NameCandidate:
    """A name the retrieved sentences give, in its longest form, with where it is stated."""

    name: str
    sentence: int  # the best-scored sentence stating `name` verbatim
    features: list[float] = field(default_factory=list)


NAME_FEATURES = (
    "articles",  # retrieved articles mentioning it (its last word, for "Bankman-Fried")
    "article_scores",  # sum over those articles of their best mentioning sentence's score
    "best_score",  # best score of a sentence mentioning it
    "in_answer",  # mentioned in a sentence the answer quotes
    "mentions",  # log(1 + sentences mentioning it)
    "words",  # words in its longest form
    "acronym",  # all capitals ("FTX")
    "wants_person",  # the question asks for a person
    "wants_organisation",  # the question asks for a company, team, institution ...
    "in_title",  # mentioned in a retrieved article's title
    "asked_share",  # share of its words the question uses
    "starts_sentence",  # share of its mentions that open a sentence
    "expanded",  # its longest form is longer than its shortest
    "candidates",  # log(1 + names competing)
)
_PERSON = re.compile(r"\b(who|whom|whose|individual|person|player|he|she|his|her|star)\b", re.I)
_ORGANISATION = re.compile(
    r"\b(company|companies|organi[sz]ation|institution|platform|firm|entity|team|brand|network|"
    r"agency|club|sportsbook|service|exchange|startup|group)\b",
    re.I,
)


def name_candidates(
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    chosen: Sequence[int],
    sources: Sequence[str] = (),
) -> list[NameCandidate]:
    """Every name of the retrieved sentences the question does not already use, described for
    the name ranker."""
    asked = _words(question)
    skip = {s.lower() for s in sources}
    common = {w for s in sentences for w in re.findall(r"(?<![\w'’-])[a-z][a-z'’-]*", s.text)}
    forms: dict[str, dict[str, int]] = {}  # last word -> longest forms -> best sentence
    for j in np.argsort(-scores, kind="stable"):
        for name in names_in(sentences[j].text, common):
            if _words(name) <= asked or name.lower() in skip or len(name.split()) > 4:
                continue
            forms.setdefault(name.split()[-1], {}).setdefault(name, int(j))
    chosen_set = set(chosen)
    person, organisation = bool(_PERSON.search(question)), bool(_ORGANISATION.search(question))
    titles = " ".join({s.passage.title for s in sentences})
    out = []
    for last, names in forms.items():
        full = max(names, key=lambda n: (len(n.split()), -names[n]))
        pattern = re.compile(rf"(?<![\w-]){re.escape(last)}(?![\w-])")
        hits = [j for j, s in enumerate(sentences) if pattern.search(s.text)]
        per_article: dict[str, float] = {}
        for j in hits:
            doc = sentences[j].passage.doc_id
            per_article[doc] = max(per_article.get(doc, 0.0), float(scores[j]))
        starts = sum(sentences[j].text.lstrip("“\"'").startswith(full.split()[0]) for j in hits)
        out.append(
            NameCandidate(
                full,
                names[full],
                [
                    len(per_article),
                    sum(per_article.values()),
                    max(per_article.values(), default=0.0),
                    float(any(j in chosen_set for j in hits)),
                    math.log1p(len(hits)),
                    len(full.split()),
                    float(full.isupper()),
                    float(person),
                    float(organisation),
                    float(bool(pattern.search(titles))),
                    len(_words(full) & asked) / max(len(full.split()), 1),
                    starts / max(len(hits), 1),
                    float(len(full.split()) > min(len(n.split()) for n in names)),
                    0.0,
                ],
            )
        )
    for c in out:
        c.features[-1] = math.log1p(len(out))
    return out


def short_answer(
    question: str,
    sentences: Sequence[Sentence],
    scores: np.ndarray,
    chosen: Sequence[int],
    ranker: TreeRanker | None,
    min_score: float,
    sources: Sequence[str] = (),
    short: bool = False,
) -> tuple[str, int | None]:
    """The name or number to lead with ("" when the quotes support none) and, for a name, the
    sentence stating it, which the answer must quote. The name ranker learned from
    MultiHop-RAG's long questions; for a short one, a name leads only when the answer quotes it
    and at least two retrieved articles mention it."""
    if not chosen:
        return "", None
    if wants_number(question):
        return _number(question, sentences[chosen[0]].text), None
    if not wants_name(question) or ranker is None:
        return "", None
    candidates = name_candidates(question, sentences, scores, chosen, sources)
    if not candidates:
        return "", None
    if short:
        agreed = [c for c in candidates if c.features[0] >= 2 and c.features[3]]
        best_short = max(agreed, key=lambda c: c.features[1], default=None)
        return (best_short.name, best_short.sentence) if best_short else ("", None)
    p = ranker.score(np.asarray([c.features for c in candidates], dtype=np.float64))
    best = int(np.argmax(p))
    if p[best] < min_score:
        return "", None
    return candidates[best].name, candidates[best].sentence


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'’-]+", text)}


def names_in(text: str, common: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Capitalised runs of `text` that may be names (function words and titles before them
    dropped, possessives cut: "CEO Caroline Ellison's" -> "Caroline Ellison"). `common` holds
    words seen in lower case nearby: at a run's edge such a word is an ordinary word that opens
    a sentence ("Could Google ..."), not part of a name."""
    out = []
    for m in _NAME.finditer(text):
        words = m.group().split()
        while words and _edge_word(words[0], common):
            words = words[1:]
        while words and _edge_word(words[-1], common, end=True):
            words = words[:-1]
        if words and m.start() == 0 and len(words) == 1 and words[0].lower() in stopwords():
            continue  # "Here", "Why": a sentence's first word, not a name
        name = _POSSESSIVE.sub("", " ".join(words).rstrip("."))
        if len(name) > 1:
            out.append(name)
    return out


def _edge_word(word: str, common: frozenset[str] | set[str], end: bool = False) -> bool:
    low = _POSSESSIVE.sub("", word.lower())
    if low in _NOT_NAMES or low in _CONNECTORS or (not end and low in _TITLES):
        return True
    return low in common and not word.isupper()


_UNITS = re.compile(
    r"^(?:miles?|kilometres?|kilometers?|km|metres?|meters?|feet|foot|inches|yards?|hours?|"
    r"minutes?|seconds?|days?|weeks?|months?|years?|percent|per cent|%|million|billion|"
    r"trillion|people|dead|deaths|tons?|tonnes?|dollars?|euros?|pounds?)\b",
    re.I,
)


def _number(question: str, sentence: str) -> str:
    """The number phrase of `sentence` that answers a how-many/how-long question: one with a
    unit or a counted noun, near the question's words, that the question does not state."""
    asked = _words(question)
    best, best_key = "", (-1, 0)
    for m in _NUMBER.finditer(sentence):
        phrase = m.group().strip().rstrip(".,")
        words = phrase.split()
        if words and words[-1].lower() in _UNIT_STOP:
            phrase = " ".join(words[:-1])
        if not phrase or _words(phrase) <= asked:
            continue
        after = phrase.split(maxsplit=1)[1] if " " in phrase else ""
        near = _words(sentence[max(0, m.start() - 40) : m.end() + 40]) & asked
        key = (int(bool(_UNITS.match(after))) + len(near), -m.start())
        if key > best_key:
            best, best_key = phrase, key
    return best
