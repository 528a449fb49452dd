"""Widening a retrieved chunk into the passage a reader sees: whole sentences of its article
around it, up to a token budget.

Chunks stay small so that each is about one thing while it is ranked. The passage shown for
it can then hold the sentences next to the match, which is often where the fact a question
needs sits (MultiHop-RAG dev: evidence recall@10 0.735 -> 0.757 at 256 tokens). The widened
passage is still a verbatim slice of the stored body with its offsets, so citations and
quotes stay true.
"""

from __future__ import annotations

from collections.abc import Callable

from index.chunks import ChunkNode
from index.text import Span, sentence_spans

CHARS_PER_TOKEN = 8  # generous: how far from the chunk, in characters, sentences are split


def _sentences_near(body: str, start: int, end: int, budget: int) -> list[Span]:
    """Sentence spans of the lines of `body` within reach of [start, end). Sentences are
    found line by line (and each line's are kept), so these are the spans the whole body
    would give there, without splitting all of a long article."""
    margin = budget * CHARS_PER_TOKEN
    lo = body.rfind("\n", 0, max(0, start - margin)) + 1
    hi = body.find("\n", min(len(body), end + margin))
    hi = len(body) if hi < 0 else hi
    return [(s + lo, e + lo) for s, e in sentence_spans(body[lo:hi])]


def widen(node: ChunkNode, body: str, budget: int, count_tokens: Callable[[str], int]) -> ChunkNode:
    """`node` grown by whole sentences of `body`, after it and before it in turn, while the
    whole stays within `budget` tokens; `node` itself when it is not a slice of `body`."""
    meta = node.metadata
    original = start, end = int(meta.get("start", -1)), int(meta.get("end", -1))
    text = node.get_content()
    if not (0 <= start < end <= len(body)) or body[start:end] != text:
        return node
    # Where the passage may end or start next: sentence ends after it, sentence starts before
    # it. A chunk cut inside a very long sentence first takes the rest of that sentence.
    spans = _sentences_near(body, start, end, budget)
    ends = [e for _, e in spans if e > end]
    starts = [s for s, _ in reversed(spans) if s < start]
    used = count_tokens(text)
    take_after = True
    while ends or starts:
        if not ends or not starts:
            take_after = bool(ends)
        piece = body[end : ends[0]] if take_after else body[starts[0] : start]
        cost = count_tokens(piece)
        if used + cost > budget:
            break
        used += cost
        if take_after:
            end = ends.pop(0)
        else:
            start = starts.pop(0)
        take_after = not take_after
    if (start, end) == original:
        return node
    return node.model_copy(
        update={"text": body[start:end], "metadata": {**meta, "start": start, "end": end}}
    )
