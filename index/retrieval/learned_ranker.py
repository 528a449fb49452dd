"""The learned ranker: scores every fused candidate from what retrieval already knows about it.

Reciprocal rank fusion only sees ranks. This ranker sees the signals behind them (BM25 score
and rank, cosine and its gap to the best, whether the passage is from a publication or date
the question names, how much of the question, and of each of its clauses, its best sentence
and its article cover, how its article fares overall, and how close its closest sentence's
vector comes to the question's and to each clause's) and combines them with
gradient-boosted trees, trained on the MultiHop-RAG dev split (`benchmarks/train_ranker.py`).
None of the features names a publication, a word or anything else particular to that
corpus, so the trees carry over to any news corpus; `NEWSBOT_RANKER=rrf` switches back to
plain fusion.

The trees are stored as JSON and evaluated with numpy, so no learning library is needed at
run time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.retrieval.query_analysis import clauses
from index.text import cached_terms, content_terms, quick_sentences
from index.trees import TreeRanker

DEFAULT_MODEL = Path(__file__).with_name("ranker.json")

FEATURES = (
    "fused",  # fused RRF score / the best one
    "bm25",  # BM25 score / the best one (0 when not in the BM25 list)
    "bm25_rank",  # log(1 + rank) in the BM25 list
    "cosine",  # cosine similarity with the question
    "cosine_gap",  # cosine minus the best candidate's
    "cosine_rank",  # log(1 + rank) among the candidates by cosine
    "names_source",  # the question names a publication of the index
    "source_match",  # the passage is from a publication the question names
    "names_date",  # the question names a full date
    "date_match",  # the passage's article is from a date the question names
    "coverage",  # IDF-weighted share of the question's terms in the passage
    "title_coverage",  # ... in its article's title
    "sentence_coverage",  # ... in its best sentence
    "sentence_coverage_2",  # ... in its best two sentences, summed
    "article_bm25_rank",  # log(1 + BM25 rank of the article's best passage)
    "article_cosine",  # best cosine among the article's candidates
    "article_coverage",  # share of the question's terms in the article's candidates
    "chunk_index",  # log(1 + position of the passage in its article)
    "fused_rank",  # log(1 + rank) in the fused list
    "clause_coverage",  # best share of one clause's terms in the passage
    "clause_coverage_2",  # second best clause's share
    "clause_sentence",  # best share of one clause's terms in one sentence
    "clause_rank",  # log(1 + best rank of the passage among the candidates for one clause)
    "clauses",  # how many clauses the question has
    "sentence_cosine",  # best cosine of one of its sentences with the question
    "sentence_cosine_gap",  # ... minus the best candidate's
    "clause_cosine",  # best cosine of one of its sentences with one clause
    "clause_cosine_gap",  # ... minus the best candidate's
    "clause_cosine_2",  # the same for the clause it matches second best
    "clause_cosine_rank",  # log(1 + best rank of the passage among the candidates by one clause)
)


@dataclass
class Candidate:
    """What retrieval knows about one passage before ranking it."""

    node_id: str
    doc_id: str
    text: str
    title: str
    source: str
    date: str
    chunk: int
    sentence_vectors: np.ndarray  # one unit vector per sentence (or the chunk's own vector)
    fused: float = 0.0
    fused_rank: int = 1000
    bm25: float = 0.0
    bm25_rank: int = 1000
    cosine: float = 0.0


@lru_cache(maxsize=50_000)
def _sentence_terms(node_id: str, text: str) -> tuple[int, dict[str, int]]:
    """How many sentences a passage has, and each of its content terms with a mask of the
    sentences holding it (bit i: sentence i)."""
    # Strings and ints only, not a frozenset per sentence: Python's collector never walks them,
    # and 50,000 cached passages of frozensets made a full collection ~150 ms of a question.
    sentences = quick_sentences(text)
    masks: dict[str, int] = {}
    for i, sentence in enumerate(sentences):
        for t in content_terms(sentence):
            masks[t] = masks.get(t, 0) | 1 << i
    return len(sentences), masks


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


@dataclass
class _Terms:
    """Which of the question's content terms each sentence and passage of the pool holds."""

    wanted: frozenset[str]
    column: dict[str, int]  # term -> its column
    in_sentence: np.ndarray  # [sentence, term]
    owner: np.ndarray  # [sentence] -> the candidate it belongs to
    counts: np.ndarray  # [candidate] -> how many sentences it has
    in_passage: np.ndarray  # [candidate, term]
    idf: np.ndarray  # [term], within the pool
    weight: np.ndarray  # idf, summing to 1


def _terms(query: str, pool: Sequence[Candidate]) -> _Terms:
    n = len(pool)
    wanted = content_terms(query)
    column = {t: j for j, t in enumerate(sorted(wanted))}
    sentences = [_sentence_terms(c.node_id, c.text) for c in pool]
    counts = np.array([count for count, _ in sentences], dtype=np.int64)
    owner = np.repeat(np.arange(n), counts)
    starts = (np.cumsum(counts) - counts).tolist()
    # The (sentence, term) cells gathered first and set at once: one numpy assignment per
    # sentence cost ~5 µs each, a tenth of a question's retrieval over ~2,000 sentences.
    hits = [
        (start + i, column[t])
        for start, (_, masks) in zip(starts, sentences, strict=True)
        for t in wanted & masks.keys()
        for i in _bits(masks[t])
    ]
    in_sentence = np.zeros((len(owner), len(column)), dtype=bool)
    if hits:
        at = np.array(hits, dtype=np.int64)
        in_sentence[at[:, 0], at[:, 1]] = True
    rows, cols = in_sentence.nonzero()
    in_passage = np.zeros((n, len(column)), dtype=bool)
    in_passage[owner[rows], cols] = True
    idf = np.log1p(n / (1.0 + in_passage.sum(axis=0)))
    weight = idf / (idf.sum() or 1.0)
    return _Terms(wanted, column, in_sentence, owner, counts, in_passage, idf, weight)


def _best_two_sentences(terms: _Terms, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's best and second-best sentence share of the question's terms."""
    sentence_share = terms.in_sentence @ terms.weight
    counts = terms.counts
    order = np.lexsort((-sentence_share, terms.owner))
    first = np.zeros(n)
    second = np.zeros(n)
    starts = np.cumsum(counts) - counts  # where each candidate's sentences begin in `order`
    has = counts > 0
    first[has] = sentence_share[order[starts[has]]]
    two = counts > 1
    second[two] = sentence_share[order[starts[two] + 1]]
    return first, second


def _article_columns(pool: Sequence[Candidate], terms: _Terms) -> list[np.ndarray]:
    """Per candidate, its article's best BM25 rank, best cosine and share of the terms."""
    docs, doc_of = np.unique([c.doc_id for c in pool], return_inverse=True)
    bm25_rank = np.array([c.bm25_rank for c in pool], dtype=np.float64)
    cosine = np.array([c.cosine for c in pool], dtype=np.float64)
    art_rank = np.full(len(docs), np.inf)
    np.minimum.at(art_rank, doc_of, bm25_rank)
    art_cos = np.full(len(docs), -np.inf)
    np.maximum.at(art_cos, doc_of, cosine)
    rows, cols = terms.in_sentence.nonzero()
    in_article = np.zeros((len(docs), len(terms.column)), dtype=bool)
    in_article[doc_of[terms.owner[rows]], cols] = True
    return [np.log1p(art_rank[doc_of]), art_cos[doc_of], (in_article @ terms.weight)[doc_of]]


def features(
    query: str,
    sources: Sequence[str],
    dates: Sequence[str],
    pool: Sequence[Candidate],
    query_vectors: np.ndarray,
) -> np.ndarray:
    """One row of FEATURES per candidate, in FEATURES order; `query_vectors` are the unit
    vectors of `query_texts(query)`."""
    n = len(pool)
    terms = _terms(query, pool)
    first, second = _best_two_sentences(terms, n)
    parts = clauses(query)
    clause_passage, clause_sentence, clause_rank = _clause_features(
        parts, terms.column, terms.idf, terms.in_passage, terms.in_sentence, terms.owner
    )
    fused = np.array([c.fused for c in pool], dtype=np.float64)
    bm25 = np.array([c.bm25 for c in pool], dtype=np.float64)
    cosine = np.array([c.cosine for c in pool], dtype=np.float64)
    cos_rank = np.empty(n)
    cos_rank[np.argsort(-cosine, kind="stable")] = np.arange(n)
    ordered = np.sort(clause_passage, axis=0)
    weight, column, wanted = terms.weight, terms.column, terms.wanted
    columns = [
        fused / (fused.max(initial=0.0) or 1.0),
        bm25 / (bm25.max(initial=0.0) or 1.0),
        np.log1p([c.bm25_rank for c in pool]),
        cosine,
        cosine - cosine.max(initial=0.0),
        np.log1p(cos_rank),
        np.full(n, float(bool(sources))),
        np.array([c.source in sources for c in pool], dtype=np.float64),
        np.full(n, float(bool(dates))),
        np.array([c.date in dates for c in pool], dtype=np.float64),
        terms.in_passage @ weight,
        [sum(weight[column[t]] for t in cached_terms(c.title) & wanted) for c in pool],
        first,
        first + second,
        *_article_columns(pool, terms),
        np.log1p([c.chunk for c in pool]),
        np.log1p([c.fused_rank for c in pool]),
        ordered[-1],
        ordered[-2] if len(ordered) > 1 else np.zeros(n),
        clause_sentence.max(axis=0),
        np.log1p(clause_rank.min(axis=0)),
        np.full(n, float(len(parts))),
        *_sentence_cosines(query_vectors, [c.sentence_vectors for c in pool]),
    ]
    return np.column_stack(columns).astype(np.float64).reshape(n, len(FEATURES))


def _sentence_cosines(query_vectors: np.ndarray, per_candidate: list[np.ndarray]) -> list:
    """The sentence_cosine ... clause_cosine_rank columns: each candidate's best sentence
    cosine with the question and with each clause."""
    n = len(per_candidate)
    if n == 0:
        return [np.zeros(0)] * 6
    counts = np.array([len(v) for v in per_candidate])
    starts = np.cumsum(counts) - counts
    rows = np.vstack(per_candidate).astype(np.float32)
    # einsum, not BLAS: OpenBLAS's threads keep spinning after a call and slow the next
    # embedding run on a small machine (a whole search: 100 -> 62 ms at the median).
    cosines = np.einsum("sd,qd->sq", rows, query_vectors.astype(np.float32))
    best = np.maximum.reduceat(cosines, starts, axis=0)
    question, by_clause = best[:, 0], best[:, 1:]
    ordered = -np.sort(-by_clause, axis=1)
    second = ordered[:, 1] if ordered.shape[1] > 1 else np.zeros(n)
    rank = (-by_clause).argsort(axis=0, kind="stable").argsort(axis=0, kind="stable")
    return [
        question,
        question - question.max(),
        ordered[:, 0],
        ordered[:, 0] - ordered[:, 0].max(),
        second,
        np.log1p(rank.min(axis=1)),
    ]


def _clause_features(
    parts: list[frozenset[str]],
    column: dict[str, int],
    idf: np.ndarray,
    in_passage: np.ndarray,
    in_sentence: np.ndarray,
    owner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per clause and candidate: the IDF-weighted share of the clause's terms in the passage
    and in its best sentence, and the passage's rank among the candidates by that share."""
    n = len(in_passage)
    weights = np.zeros((len(column), max(len(parts), 1)))
    for i, terms in enumerate(parts):
        at = [column[t] for t in terms if t in column]
        weights[at, i] = idf[at] / (idf[at].sum() or 1.0)
    passage = (in_passage @ weights).T
    sentence = np.zeros((n, weights.shape[1]))
    np.maximum.at(sentence, owner, in_sentence @ weights)
    sentence = sentence.T
    rank = np.empty_like(passage)
    for i, share in enumerate(passage + 1e-3 * sentence):
        rank[i, np.argsort(-share, kind="stable")] = np.arange(n)
    return passage, sentence, rank


def load_ranker(path: Path = DEFAULT_MODEL) -> TreeRanker:
    """The passage ranker's trees (`ranker.json`), checked against FEATURES."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return TreeRanker(data["trees"], float(data["baseline"]), data["features"], FEATURES)
