"""Does a generated sentence say what the passage it cites says? Checks beyond word overlap.

Word overlap (index.answer.verification.support) passes the commonest model mistakes: a wrong
number,
a name the passage never mentions, a negation added or removed, and two parties swapped ("X
summoned Y" for "Y summoned X") all leave the overlap high. Each is checked here, offline and
in well under a millisecond a sentence:

- numbers are compared as values whatever their spelling (index.answer.numbers);
- every name (a capitalised word) must stand in the cited passages, possessives and demonyms
  ("Iran's", "Iranian" for "Iran") and acronyms ("U.S." for "United States") allowed;
- the claim is set against its best-matching passage sentence (most shared content words):
  a negation the claim adds or drops around the same words is a contradiction, and so is a
  name found on the other side of a shared verb than in that sentence (roles swapped). A
  negation is a cue word ("not", "never") or a verb that undoes what it governs ("cancelled",
  "called off", "denied", "failed to"): "the pier opening was cancelled" against "the pier
  opens in June".

Names come from index.answer.proper_names (capitalisation, not a tagger).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.answer.numbers import missing_values, replaced_values
from index.answer.proper_names import DEMONYMS, NAME_LINKS, Token, names, tokens
from index.text import cached_terms, content_terms, sentence_spans, stem
from index.text import stopwords as _stopwords

NEGATIONS = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot"}
)
NEGATED_SUFFIX = ("n't", "n’t")
SCOPE = 2  # content words after a negation that it is taken to negate
# Verbs (and their nouns) that negate what they govern, on either side: "the opening was
# cancelled", "officials cancelled the opening". "off" counts after a form of "call".
UNDOING = frozenset(
    """cancel cancels cancelled canceled cancelling canceling cancellation cancellations
    scrap scraps scrapped scrapping postpone postpones postponed postponing postponement
    halt halts halted halting suspend suspends suspended suspending suspension
    abandon abandons abandoned abandoning deny denies denied denying denial
    fail fails failed failing failure refuse refuses refused refusing refusal
    reject rejects rejected rejecting rejection withdraw withdraws withdrew withdrawn""".split()
)
_CALL = frozenset({"call", "calls", "called", "calling"})


# Capitalised only because they open a sentence; never taken for names.
@dataclass(frozen=True)
class Finding:
    """Why a claim fails, in words for the log; `kind` is unsupported or contradicted (or
    quote, from index.answer.verification)."""

    kind: str
    reason: str


@dataclass
class Source:
    """The cited passages as the checks see them: words, acronyms and sentences."""

    words: frozenset[str]
    acronyms: frozenset[str]
    sentences: list[str]
    terms: frozenset[str]  # stemmed content words

    @classmethod
    def of(cls, texts: Iterable[str]) -> Source:
        texts = list(texts)
        return _source(tuple(texts))


@lru_cache(maxsize=512)
def _source(texts: tuple[str, ...]) -> Source:
    words: set[str] = set()
    acronyms: set[str] = set()
    sentences: list[str] = []
    for text in texts:
        toks = tokens(text)
        words.update(t.word for t in toks)
        for span in names(text):
            acronyms.add(_initials([toks[i].word for i in span]))
        acronyms.update(t.word for t in toks if t.capital and _looks_acronym(t.word))
        sentences += [text[s:e] for s, e in sentence_spans(text)]
    terms = frozenset().union(*(cached_terms(t) for t in texts)) if texts else frozenset()
    return Source(frozenset(words), frozenset(acronyms), sentences, terms)


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w not in NAME_LINKS)


def _looks_acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and word.isalpha()


def word_found(word: str, source: Source) -> bool:
    """`word` of a name in the source, or an alias: Iranian/Iran, Chinese/China, U.S./US."""
    if word in source.words or word in source.acronyms:
        return True
    if DEMONYMS.get(word) in source.words:
        return True
    # Demonyms and plurals that extend the country's name: Iranian, Pakistani, Americans.
    stem = word[:-1] if word.endswith("s") else word
    for cut in range(max(4, len(stem) - 3), len(stem) + 1):
        if stem[:cut] in source.words:
            return True
    return any(
        w.startswith(word) and len(w) - len(word) <= 3 for w in source.words if len(word) >= 4
    )


def unknown_names(claim: str, source: Source) -> list[str]:
    """Names of the claim the source never mentions (any of their words missing)."""
    toks = tokens(claim)
    missing = []
    for span in names(claim):
        words = [toks[i].word for i in span]
        if not all(_part_found(part, source) for part in _parts(words)):
            missing.append(" ".join(w for w in words if w not in NAME_LINKS))
    return missing


def _parts(words: list[str]) -> list[list[str]]:
    """A name split at "and": "United States and Britain" is two names, unless the source
    holds it whole (Sistan and Baluchestan is found either way)."""
    parts: list[list[str]] = [[]]
    for w in words:
        if w in ("and", "&"):
            parts.append([])
        else:
            parts[-1].append(w)
    return [p for p in parts if p]


def _part_found(words: list[str], source: Source) -> bool:
    if len(words) > 1 and _initials(words) in source.acronyms:
        return True  # "United States" for "U.S."
    return all(word_found(w, source) for w in words if w not in NAME_LINKS)


def _says_something_held(claim: str, source: Source) -> bool:
    """Whether a word of the claim other than its names (a verb, a noun) is in the passage:
    "Pakistan apologised to Iran" shares two names of three content words, and nothing else."""
    toks = tokens(claim)
    in_names = {toks[i].word for span in names(claim) for i in span}
    others = content_terms(" ".join(t.word for t in toks if t.word not in in_names))
    return not others or bool(others & source.terms)


def best_sentence(claim: str, source: Source) -> str:
    """The source sentence sharing the most content words with the claim."""
    terms = content_terms(claim)
    if not source.sentences:
        return ""
    return max(source.sentences, key=lambda s: len(terms & cached_terms(s)))


def _negation_scopes(text: str) -> list[frozenset[str]]:
    """For each negation, the stems of the content words it negates: the next `SCOPE` after a
    cue word; the `SCOPE` on each side of an undoing verb (within its sentence)."""
    toks = tokens(text)
    scopes = []
    for i, t in enumerate(toks):
        if text[t.start : t.start + 3] == "No.":
            continue  # "No. 1", the abbreviation
        after = _scope_terms(text, toks[i + 1 : i + 1 + 6])[:SCOPE]
        if t.word in NEGATIONS or t.word.endswith(NEGATED_SUFFIX):
            scopes.append(frozenset(after))
        elif _undoes(toks, i):
            before = _scope_terms(text, toks[max(0, i - 6) : i], backwards=True)[-SCOPE:]
            scopes.append(frozenset(before + after))
    return scopes


# Between two words, what ends a negation's reach: "were not taken, it said" negates "taken"
# only.
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\u2013\u2014]")
# Words that grade what a negation negates: "no clear link" denies a link.
_GRADING = frozenset(
    stem(w) for w in "clear significant direct real major serious immediate obvious".split()
)


def _scope_terms(text: str, toks: Sequence[Token], backwards: bool = False) -> list[str]:
    """The content stems of `toks`, up to a clause break (from the far end when `backwards`),
    grading words left out."""
    words = [toks[0].word] if toks else []
    for a, b in zip(toks, toks[1:], strict=False):
        if _CLAUSE_BREAK.search(text[a.end : b.start]):
            if not backwards:
                break
            words = []
        words.append(b.word)
    return [t for t in _ordered_terms(" ".join(words)) if t not in _GRADING]


def _undoes(toks: Sequence[Token], i: int) -> bool:
    word = toks[i].word
    return word in UNDOING or (word == "off" and i > 0 and toks[i - 1].word in _CALL)


def _ordered_terms(text: str) -> list[str]:
    return [w for w in (next(iter(content_terms(x)), "") for x in text.split()) if w]


# Content words a claim has at least for a negation it lacks to deny it: "the Herald's tram"
# names a report, and "not against trams" denies nothing it says.
_CLAIMING = 3


def negation_flipped(claim: str, sentence: str) -> bool:
    """A negation in one of claim and sentence, over words the other states un-negated."""
    mine, theirs = _negation_scopes(claim), _negation_scopes(sentence)
    claim_terms, sentence_terms = content_terms(claim), content_terms(sentence)
    for scope in mine:  # added: no negation of these words in the sentence
        if scope & sentence_terms and not any(scope & other for other in theirs):
            return True
    if len(claim_terms) < _CLAIMING:
        return False
    # "non-competitive prices" states "aren't competitive" in other words.
    prefixed = [content_terms(w[4:]) for w in claim.lower().split() if w.startswith("non-")]
    for scope in theirs:  # dropped: the claim states the negated words without a negation
        if scope and scope <= claim_terms and not any(scope & o for o in (*mine, *prefixed)):
            return True
    return False


def roles_swapped(claim: str, sentence: str) -> bool:
    """Two names of the claim on either side of a word it shares with the sentence, where the
    sentence has the first only after that word and the second before it: who did what to
    whom reversed. Names are matched by their exact words here, not aliases, so that
    "Pakistani strikes" does not stand for "Pakistan" the actor."""
    c_toks, s_toks = tokens(claim), tokens(sentence)
    c_pos = _positions(c_toks)
    s_pos = _positions(s_toks)
    c_names = list(dict.fromkeys(frozenset(c_toks[i].word for i in span) for span in names(claim)))
    name_words = set().union(*c_names) if c_names else set()
    anchors = _anchors(c_toks, s_pos, name_words)
    for a, name_a in enumerate(c_names):
        for name_b in c_names[a + 1 :]:
            if name_a & name_b:
                continue
            in_claim_a, in_claim_b = _at(name_a, c_pos), _at(name_b, c_pos)
            at_a, at_b = _at(name_a, s_pos), _at(name_b, s_pos)
            if not at_a or not at_b:
                continue
            for c_at, s_at in anchors:
                in_claim = max(in_claim_a) < c_at < min(in_claim_b)
                if in_claim and min(at_a) > s_at and min(at_b) < s_at:
                    return True
    return False


def _positions(toks: Sequence[Token]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for j, t in enumerate(toks):
        out.setdefault(t.word, []).append(j)
    return out


def _at(name: frozenset[str], positions: dict[str, list[int]]) -> list[int]:
    return [p for w in name for p in positions.get(w, [])]


@dataclass(frozen=True)
class NameSlot:
    words: frozenset[str]
    before: str  # what stands next to the name on each side: a word, punctuation ("," or
    after: str  # "("), or "" at another name or the text's end


@lru_cache(maxsize=4096)
def name_slots(text: str) -> tuple[NameSlot, ...]:
    toks = tokens(text)
    spans = names(text)
    in_name = {i for span in spans for i in span}

    def beside(i: int, gap: str) -> str:
        if gap.strip():  # "William (Rufus Kampa) is": Kampa stands before ")", not "is"
            return gap.strip()[:1]
        return toks[i].word if 0 <= i < len(toks) and i not in in_name else ""

    out = []
    for span in spans:
        first, last = toks[span[0]], toks[span[-1]]
        gap_before = text[toks[span[0] - 1].end : first.start] if span[0] else ""
        gap_after = text[last.end : toks[span[-1] + 1].start] if span[-1] + 1 < len(toks) else ""
        words = frozenset(toks[i].word for i in span)
        before, after = beside(span[0] - 1, gap_before), beside(span[-1] + 1, gap_after)
        out.append(NameSlot(words, before, after))
    return tuple(out)


def replaced_names(claim: str, sentence: str) -> list[str]:
    """Names of the claim standing where the sentence has another name and not this one (the
    same uncommon word beside it, or the same words on both sides): "we expect VT to offer"
    against "we expect Caesars to offer", though VT is elsewhere in the sentence."""
    common = _stopwords()
    theirs = name_slots(sentence)
    out = []
    for mine in name_slots(claim):
        places = [s for s in theirs if _same_place(mine, s, common)]
        if places and not any(_same_name(mine.words, s.words) for s in places):
            out.append(" ".join(sorted(mine.words)))
    return out


def _same_name(a: frozenset[str], b: frozenset[str]) -> bool:
    """Names sharing a word, or a word and its demonym: Iran and Iranian, China and Chinese."""
    return bool(a & b) or any(_alias(x, y) or _alias(y, x) for x in a for y in b)


def _alias(word: str, base: str) -> bool:
    if DEMONYMS.get(word) == base:
        return True
    return len(base) >= 4 and word.startswith(base) and len(word) - len(base) <= 3


def _is_word(beside: str) -> bool:
    return beside[:1].isalnum()


def _same_place(a: NameSlot, b: NameSlot, common: frozenset[str]) -> bool:
    def uncommon(x: str) -> bool:
        return _is_word(x) and x not in common

    before = a.before == b.before and uncommon(a.before)
    after = a.after == b.after and uncommon(a.after)
    both = a.before == b.before and a.after == b.after and _is_word(a.before)
    return bool(before or after or (both and _is_word(a.after)))


def _anchors(
    c_toks: Sequence[Token], s_pos: dict[str, list[int]], name_words: set[str]
) -> list[tuple[int, int]]:
    """(claim index, sentence index) of content words found once in each: the verbs and
    nouns the names are placed around."""
    counts: dict[str, int] = {}
    for t in c_toks:
        counts[t.word] = counts.get(t.word, 0) + 1
    out = []
    for i, t in enumerate(c_toks):
        if t.capital or t.word in name_words or t.word in _stopwords() or counts[t.word] > 1:
            continue
        if len(s_pos.get(t.word, [])) == 1:
            out.append((i, s_pos[t.word][0]))
    return out


def check_claim(claim: str, source: Source) -> Finding | None:
    """The first thing wrong with `claim` against `source`, or None when nothing is."""
    text = " ".join(source.sentences)
    values = missing_values(claim, text)
    if values:
        return Finding("unsupported", f"numbers not in the passage: {values}")
    missing = unknown_names(claim, source)
    if missing:
        return Finding("unsupported", f"names not in the passage: {missing}")
    if not _says_something_held(claim, source):
        return Finding("unsupported", "none of its words besides names in the passage")
    sentence = best_sentence(claim, source)
    replaced = replaced_values(claim, sentence, _stopwords())
    if replaced:
        return Finding("contradicted", f"{replaced} where the passage sentence has another")
    if negation_flipped(claim, sentence):
        return Finding("contradicted", "negation differs from the passage sentence")
    if roles_swapped(claim, sentence):
        return Finding("contradicted", "names in reversed roles")
    moved = replaced_names(claim, sentence)
    if moved:
        return Finding("contradicted", f"{moved} where the passage sentence names another")
    return None
