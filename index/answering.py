"""The extractive answerer: the retrieved sentences that best answer a question, each cited.

No LLM: every sentence of the answer is a sentence of a retrieved passage, so its `[n]` is true by
construction and its quote is a slice of the stored article body. When the best sentence scores
below the refusal threshold, the answer says the articles don't cover the question and lists
the closest passages instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from index.chunking import sentence_spans
from index.embedding import OnnxEmbedding
from index.models import Answer, Citation, Passage

REFUSAL = "The indexed articles don't cover this question, so I won't guess. Closest matches:"
UNKNOWN_SOURCES = "The index holds no articles from {names}, so I won't guess. Closest matches:"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_END = re.compile(r"[.!?…]+[\"'”’)\]]*$")
OWN_WEIGHT, WINDOW_WEIGHT, LEXICAL_WEIGHT = 0.45, 0.2, 0.35
ANSWER_TYPE_BONUS = 0.1
# A sentence this good answers the question even when no whole passage is near it (short
# specific questions about short articles). On MultiHop-RAG dev (120 null, 240 answerable
# questions) no null question's best sentence scored above 0.51, so this changes no refusal there.
CONFIDENT = 0.6
RESCORE = 12  # sentences whose window is embedded as text in the second pass
MERGE_SPAN = 600  # cited sentences of one article closer than this share one [n]
_QUANTITY_Q = re.compile(
    r"^\s*(how (many|much|long|old|far|often)|what (year|date|time)|when)\b", re.I
)
_QUANTITY = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
    r"thousands?|millions?|billions?|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|yesterday|today)\b",
    re.I,
)
REDUNDANT = 0.92  # cosine above which a second sentence adds nothing


@dataclass
class Candidate:
    passage: Passage
    start: int  # offsets in the article body
    end: int
    text: str
    score: float = 0.0
    vector: np.ndarray | None = None


@cache
def _stopwords() -> frozenset[str]:
    from llama_index.core.utils import globals_helper

    return frozenset(globals_helper.stopwords)


@cache
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> set[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _stopwords()]
    return set(_stemmer().stemWords(words))


@lru_cache(maxsize=50_000)
def cached_terms(text: str) -> frozenset[str]:
    """content_terms of a text retrieval sees again and again (passages, titles)."""
    return frozenset(content_terms(text))


def unknown_sources_answer(question: str, names: Sequence[str], passages: list[Passage]) -> Answer:
    """The refusal for a question that cites publications the index does not hold: whatever
    the passages say, they are not what that publication reported."""
    listed = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
    return Answer(
        question=question,
        answer=UNKNOWN_SOURCES.format(names=listed),
        refused=True,
        closest=passages[:3],
    )


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: OnnxEmbedding,
        threshold: float,
        max_sentences: int,
        article_body: Callable[[str], str | None],
        passage_threshold: float = 0.0,
    ) -> None:
        self.embedder = embedder
        self.article_body = article_body
        self.threshold = threshold
        self.passage_threshold = passage_threshold
        self.max_sentences = max_sentences

    def answer(self, question: str, query_vector: list[float], passages: list[Passage]) -> Answer:
        candidates = self.score(question, query_vector, passages)
        best = candidates[0].score if candidates else 0.0
        # Short-circuit order matters: the passage check embeds the passages, so it only runs
        # when the sentence scores alone don't decide.
        if best < self.threshold or (
            best < CONFIDENT and not self._on_topic(query_vector, passages)
        ):
            return Answer(
                question=question,
                answer=REFUSAL,
                refused=True,
                closest=passages[:3],
                confidence=round(best, 4),
            )
        chosen = self._select(candidates, best)
        text, citations = render(chosen, self.article_body)
        return Answer(
            question=question,
            answer=text,
            refused=False,
            citations=citations,
            confidence=round(best, 4),
        )

    def _on_topic(self, query_vector: list[float], passages: list[Passage]) -> bool:
        """Whether some passage as a whole (with its title, source and date) is near the question.

        A question about something the articles never covered can still share a sentence's
        words; it rarely comes close to a whole passage, headline included.
        """
        if self.passage_threshold <= 0:
            return True
        if not passages:
            return False
        vectors = self.embedder.embed([passage_header_text(p) for p in passages])
        return float((vectors @ np.asarray(query_vector, dtype=np.float32)).max()) >= (
            self.passage_threshold
        )

    def score(
        self, question: str, query_vector: list[float], passages: list[Passage]
    ) -> list[Candidate]:
        """Every sentence of the passages, best first.

        A sentence is scored on its own and with its neighbours (a sentence window): "a death
        toll of nine" only answers "how many did the strike kill" next to the sentence that says
        which strike. Cosine similarity to the question plus the share of its content terms.
        """
        per_passage = [_sentences(p) for p in passages]
        candidates = [c for group in per_passage for c in group]
        if not candidates:
            return []
        windows = [_window(group, i) for group in per_passage for i in range(len(group))]
        own = self.embedder.embed([c.text for c in candidates])
        q = np.asarray(query_vector, dtype=np.float32)
        # First pass: a window's vector approximated by the normalised sum of its sentences'
        # vectors (no model cost); second pass: the best few windows embedded as text.
        around = _window_vectors(own, [len(group) for group in per_passage])
        self._score_all(question, q, candidates, own, around, windows)
        shortlist = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
        shortlist = shortlist[:RESCORE]
        exact = self.embedder.embed([windows[i] for i in shortlist])
        around[shortlist] = exact
        self._score_all(question, q, candidates, own, around, windows)
        return sorted(candidates, key=lambda c: c.score, reverse=True)

    def _score_all(
        self,
        question: str,
        q: np.ndarray,
        candidates: list[Candidate],
        own: np.ndarray,
        around: np.ndarray,
        windows: list[str],
    ) -> None:
        terms = content_terms(question)
        wants_quantity = bool(_QUANTITY_Q.match(question))
        for cand, vector, window_vec, window in zip(candidates, own, around, windows, strict=True):
            overlap = len(terms & content_terms(window)) / len(terms) if terms else 0.0
            cosine = OWN_WEIGHT * float(vector @ q) + WINDOW_WEIGHT * float(window_vec @ q)
            cand.score = cosine + LEXICAL_WEIGHT * overlap
            # An answer to "how many"/"when" states a number or a date: prefer such sentences.
            if wants_quantity and _QUANTITY.search(cand.text):
                cand.score += ANSWER_TYPE_BONUS
            cand.vector = vector

    def _select(self, candidates: list[Candidate], best: float) -> list[Candidate]:
        # Further sentences must be nearly as good as the best one and say something new.
        floor = max(self.threshold, best * 0.8)
        chosen: list[Candidate] = []
        for cand in candidates:
            if len(chosen) == self.max_sentences or cand.score < floor:
                break
            if any(float(cand.vector @ c.vector) > REDUNDANT for c in chosen):
                continue
            chosen.append(cand)
        return chosen


def _window_vectors(vectors: np.ndarray, sizes: list[int]) -> np.ndarray:
    out = np.empty_like(vectors)
    start = 0
    for size in sizes:
        for i in range(size):
            lo, hi = start + max(0, i - 1), start + min(size, i + 2)
            total = vectors[lo:hi].sum(axis=0)
            out[start + i] = total / max(float(np.linalg.norm(total)), 1e-9)
        start += size
    return out


def passage_header_text(passage: Passage) -> str:
    """A passage as the index embedded it: title, source and date above the text."""
    header = [passage.title, passage.source, passage.published_at[:10]]
    return "\n".join(h for h in header if h) + "\n\n" + passage.text


def _window(group: list[Candidate], i: int) -> str:
    return " ".join(c.text for c in group[max(0, i - 1) : i + 2])


def _sentences(passage: Passage) -> list[Candidate]:
    """Sentences of a passage, with offsets into the article body (the passage starts there)."""
    text = passage.text
    return [
        Candidate(passage, passage.start + s, passage.start + e, text[s:e])
        for s, e in sentence_spans(text)
    ]


def render(
    chosen: list[Candidate], article_body: Callable[[str], str | None]
) -> tuple[str, list[Citation]]:
    """Answer text with `[n]` after each sentence; n numbers passages in order of first use."""
    groups: list[list[Candidate]] = []  # one group per [n]
    parts: list[str] = []
    for cand in chosen:
        group = next((g for g in groups if _joins(g, cand)), None)
        if group is None:
            group = []
            groups.append(group)
        group.append(cand)
        parts.append(cite_sentence(cand.text, groups.index(group) + 1))
    citations = []
    for n, group in enumerate(groups, 1):
        body = article_body(group[0].passage.doc_id) or ""
        citations.append(_citation(n, group, body))
    return " ".join(parts), citations


def _joins(group: list[Candidate], cand: Candidate) -> bool:
    """Same article, and the quote spanning both stays short."""
    if group[0].passage.doc_id != cand.passage.doc_id:
        return False
    lo = min(cand.start, *(c.start for c in group))
    hi = max(cand.end, *(c.end for c in group))
    return hi - lo <= MERGE_SPAN


def cite_sentence(sentence: str, n: int) -> str:
    """`Nine people died.` -> `Nine people died [1].` (white space runs folded for display)."""
    sentence = " ".join(sentence.split())
    end = _END.search(sentence)
    if end:
        return f"{sentence[: end.start()]} [{n}]{sentence[end.start() :]}"
    return f"{sentence} [{n}]."


def _citation(n: int, group: list[Candidate], body: str) -> Citation:
    """The group's sentences as one verbatim slice of the article body (gaps included)."""
    start, end = min(c.start for c in group), max(c.end for c in group)
    return Citation.from_passage(n, group[0].passage, body, start, end)
