"""What the sentence selector knows about each candidate sentence of an answer.

Every feature is computed from the question, its clauses and the retrieved passages, none from
a name or word particular to one corpus, so the trees trained on MultiHop-RAG's dev split carry
over to other news (see `benchmarks/train_answerer.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from index.answer.asks import AMOUNT, COUNT, MEASURE, MONEY, PERCENT, kind_group
from index.answer.question import AskedQuestion
from index.answer.sentences import Sentence, is_heading, is_residue
from index.answer.slots import SentenceColumns
from index.text import WORD, cached_terms, stopwords

FEATURES = (
    "cosine",  # cosine of the sentence with the question
    "cosine_gap",  # ... minus the best sentence's
    "cosine_rank",  # log(1 + rank) among the sentences by cosine
    "clause_cosine",  # best cosine with one of the question's clauses
    "clause_cosine_gap",  # ... minus the best sentence's for that clause
    "clause_rank",  # log(1 + best rank among the sentences for one clause)
    "window_cosine",  # cosine of the sentence with its neighbours (mean vector)
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "coverage_gap",  # ... minus the best sentence's
    "clause_coverage",  # best share of one clause's terms
    "window_coverage",  # share of the question's terms in the sentence and its neighbours
    "novelty",  # share of the sentence's terms that the question does not use
    "words",  # log(1 + words)
    "passage_rank",  # rank of its passage
    "passage_score",  # its passage's ranker score / the best passage's
    "position",  # log(1 + its place in the passage)
    "body_position",  # log(1 + its offset in the article / 100)
    "heading",  # a heading or a line without closing punctuation
    "residue",  # social-media embed residue or a dateline
    "number",  # holds a number
    "wants_number",  # the question asks how many/much/long, when, what year
    "names",  # capitalised words the question does not use (who/which answers are names)
    "wants_name",  # the question asks who/which/what organisation
    "names_source",  # the question names a publication of the index
    "source_match",  # its article is from a publication the question names
    "date_match",  # its article is from a date the question names
    "clauses",  # the question's clauses
    "article_best",  # best cosine among its article's sentences
    "article_rank",  # log(1 + its rank by cosine within its article)
    "quote",  # holds a quotation
    "exact_coverage",  # IDF-weighted share of the question's words, as written, in the sentence
    "count_number",  # holds a count ("nine people", "a toll of nine"), not only a duration
    "wants_count",  # the question asks how many or how much
    "short",  # the question is short (a team channel's, not MultiHop-RAG's kind)
    "expects",  # what kind of answer it asks for (asks.KIND_GROUPS)
    "has_slot",  # holds a span of that kind the question does not state
    "slot_closeness",  # how near such a span stands to the question's own words
    "names_covered",  # share of the question's names in the sentence or its article's title
    "title_coverage",  # share of the question's terms in its article's title
    "predicate_coverage",  # weighted share of the question's words about what is asked
)

_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozens?)\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w&'’-]+")
_QUOTE = re.compile(r"[\"“”]")
_NUMBER_WORD = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundreds?|thousands?|millions?|dozens?)"
)
_DURATION = re.compile(
    rf"\b{_NUMBER_WORD}[\s-]+(?:\w+[\s-]+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|"
    r"decades?|centuries|times)\b|\b(?:19|20)\d\d\b",
    re.I,
)
_ANY_NUMBER = re.compile(rf"\b{_NUMBER_WORD}\b", re.I)


def sentence_features(
    asked: AskedQuestion, sentences: Sequence[Sentence], slots: SentenceColumns
) -> np.ndarray:
    """One row of FEATURES per sentence: `slots` is what the slot pool (the spans of the kind
    the question asks for, found once for the selector and the lead) says of each sentence.

    Longer than most functions on purpose: its columns are written in FEATURES order, one per
    line, so that the order the trees were fitted on can be read off in one place."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    question, clauses, vectors = asked.text, asked.clauses, asked.vectors
    sources, dates, asks = asked.sources, asked.dates, asked.asks
    v = np.stack([s.vector for s in sentences]).astype(np.float32)
    cos_all = np.einsum("sd,qd->sq", v, vectors.astype(np.float32))
    cos = cos_all[:, 0]
    per_clause = cos_all[:, 1:] if cos_all.shape[1] > 1 else cos_all
    clause_best = per_clause.max(axis=1)
    clause_gap = (per_clause - per_clause.max(axis=0)).max(axis=1)
    clause_rank = _ranks(per_clause).min(axis=1)
    window = _window_vectors(v, sentences)
    lexical = _lexical(question, clauses, sentences)
    names = _names(question, sentences)
    exact = _exact_coverage(question, sentences)
    q_count = asks.expects in (COUNT, MONEY, AMOUNT, MEASURE, PERCENT)
    passage_best = max((s.passage.score for s in sentences), default=0.0) or 1.0
    article_best, article_rank = _per_article(cos, sentences)
    q_number, q_name = asks.wants_number, asks.wants_name
    rows = []
    for i, s in enumerate(sentences):
        text = s.text
        rows.append((
            cos[i],
            cos[i] - cos.max(),
            math.log1p(_rank_of(cos, i)),
            clause_best[i],
            clause_gap[i],
            math.log1p(clause_rank[i]),
            float(window[i] @ vectors[0]),
            *lexical[i],
            math.log1p(len(text.split())),
            s.passage.rank,
            s.passage.score / passage_best,
            math.log1p(s.position),
            math.log1p(s.start / 100),
            float(is_heading(text)),
            float(is_residue(text)),
            float(bool(_NUMBER.search(text))),
            float(q_number),
            names[i],
            float(q_name),
            float(bool(sources)),
            float(s.passage.source in sources),
            float(s.passage.published_at[:10] in dates),
            len(clauses),
            article_best[i],
            math.log1p(article_rank[i]),
            float(bool(_QUOTE.search(text))),
            exact[i],
            float(_counts(text)),
            float(q_count),
            float(asks.short),
            float(kind_group(asks.expects)),
            slots.has_slot[i],
            slots.slot_closeness[i],
            slots.names_covered[i],
            slots.title_coverage[i],
            slots.predicate[i],
        ))  # fmt: skip
    return np.asarray(rows, dtype=np.float64)


def states_count(text: str) -> bool:
    """Whether `text` states a number that is not a duration or a year ("nine people", not
    "a three-day halt" or "in 2023")."""
    return _counts(text)


def _counts(text: str) -> bool:
    """Whether `text` states a number that is not a duration or a year."""
    return len(_ANY_NUMBER.findall(text)) > len(_DURATION.findall(text))


def _exact_coverage(question: str, sentences: Sequence[Sentence]) -> list[float]:
    """IDF-weighted share of the question's content words, in the form written ("Pakistani",
    not "Pakistan"), that each sentence holds."""
    stop = stopwords()
    wanted = {w for w in WORD.findall(question.lower()) if w not in stop}
    words = [set(WORD.findall(s.text.lower())) for s in sentences]
    df = {w: sum(w in ws for ws in words) for w in wanted}
    idf = {w: math.log(1 + len(words) / (1 + df[w])) for w in wanted}
    total = sum(idf.values()) or 1.0
    return [sum(idf[w] for w in ws & wanted) / total for ws in words]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of each row in each column."""
    order = np.argsort(-scores, axis=0, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])
    for j in range(scores.shape[1]):
        ranks[order[:, j], j] = rows
    return ranks


def _rank_of(scores: np.ndarray, i: int) -> int:
    return int((scores > scores[i]).sum())


def _window_vectors(v: np.ndarray, sentences: Sequence[Sentence]) -> np.ndarray:
    """Each sentence's vector summed with its neighbours' in the same passage, unit length."""
    out = v.copy()
    for i in range(len(sentences)):
        for j in (i - 1, i + 1):
            if 0 <= j < len(sentences) and sentences[j].passage is sentences[i].passage:
                out[i] = out[i] + v[j]
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _lexical(
    question: str, clauses: Sequence[str], sentences: Sequence[Sentence]
) -> list[tuple[float, float, float, float, float]]:
    """coverage, coverage_gap, clause_coverage, window_coverage, novelty per sentence."""
    wanted = cached_terms(question)
    terms = [cached_terms(s.text) for s in sentences]
    df = {t: sum(t in ts for ts in terms) for t in wanted}
    idf = {t: math.log(1 + len(terms) / (1 + df[t])) for t in wanted}
    total = sum(idf.values()) or 1.0
    clause_terms = [cached_terms(c) for c in clauses] or [wanted]
    coverage = [sum(idf[t] for t in ts & wanted) / total for ts in terms]
    best = max(coverage, default=0.0)
    out = []
    for i, ts in enumerate(terms):
        around = set(ts)
        for j in (i - 1, i + 1):
            if 0 <= j < len(sentences) and sentences[j].passage is sentences[i].passage:
                around |= terms[j]
        clause = max((len(ts & c) / len(c) for c in clause_terms if c), default=0.0)
        window = sum(idf[t] for t in around & wanted) / total
        novelty = len(ts - wanted) / len(ts) if ts else 0.0
        out.append((coverage[i], coverage[i] - best, clause, window, novelty))
    return out


def _names(question: str, sentences: Sequence[Sentence]) -> list[float]:
    asked = {w.lower() for w in re.findall(r"[\w&'’-]+", question)}
    out = []
    for s in sentences:
        found = {w.lower() for w in _CAPITALISED.findall(s.text)} - asked
        out.append(math.log1p(len(found)))
    return out


def _per_article(cos: np.ndarray, sentences: Sequence[Sentence]) -> tuple[list[float], list[int]]:
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_doc.setdefault(s.passage.doc_id, []).append(i)
    best = [0.0] * len(sentences)
    rank = [0] * len(sentences)
    for members in by_doc.values():
        order = sorted(members, key=lambda i: -cos[i])
        for r, i in enumerate(order):
            best[i], rank[i] = float(cos[order[0]]), r
    return best, rank
