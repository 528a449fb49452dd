"""Chosen sentences to answer text: one `[n]` per article, in order of first use, and one
citation per article quoting each chosen sentence verbatim from the stored body."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.answer.sentences import Sentence
from index.results import Citation
from index.text import cite

Body = Callable[[Sentence], str | None]


def render(chosen: Sequence[Sentence], body_of: Body) -> tuple[str, list[Citation]]:
    """The answer text and its citations (the lead is the answer's `short_answer`: front ends
    show it their own way, so the text carries no Markdown)."""
    numbers: dict[str, int] = {}
    for sentence in chosen:
        numbers.setdefault(sentence.passage.doc_id, len(numbers) + 1)
    parts = [cite(s.text, [numbers[s.passage.doc_id]]) for s in chosen]
    text = " ".join(parts)
    citations = []
    for doc_id, n in numbers.items():
        group = [s for s in chosen if s.passage.doc_id == doc_id]
        citations.append(_citation(n, group, body_of(group[0])))
    return text, citations


def _citation(n: int, group: list[Sentence], body: str | None) -> Citation:
    first = group[0]
    spans = _merged(sorted((s.start, s.end) for s in group))
    if body is None:  # removed since retrieval: quote the sentences as they were retrieved
        citation = Citation.from_passage(n, first.passage, first.passage.text, 0, 0)
        return citation.model_copy(update={"quote": " … ".join(s.text for s in group)})
    return Citation.from_spans(n, first.passage, body, spans)


def _merged(spans: list[tuple[int, int]], gap: int = 2) -> list[tuple[int, int]]:
    """Adjacent sentences (white space between them) as one excerpt."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out
