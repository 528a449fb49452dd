"""Sentence-aware chunking that keeps each chunk's character offsets into the article body.

Offsets are exact by construction (chunks are slices of the body between sentence spans), so a
citation can always quote `body[start:end]` verbatim. Sentences come from Punkt (the model that
ships inside llama-index-core), run per line so headings and list items stay separate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, MetadataMode, TextNode
from pydantic import Field

from index.chunks import chunk_id, text_node
from index.text import Span, sentence_spans


def pack_sentences(
    spans: Sequence[Span], tokens: Sequence[int], max_tokens: int, overlap: int
) -> list[Span]:
    """Greedy chunks of whole sentences of at most `max_tokens`, sharing `overlap` sentences."""
    chunks: list[Span] = []
    i = 0
    while i < len(spans):
        j, used = i, 0
        while j < len(spans) and (j == i or used + tokens[j] <= max_tokens):
            used += tokens[j]
            j += 1
        chunks.append((spans[i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        i = max(j - overlap, i + 1)
    return chunks


def split_long(span: Span, text: str, tokens: int, max_tokens: int) -> list[Span]:
    """Cut a sentence longer than `max_tokens` at white space into roughly equal pieces."""
    if tokens <= max_tokens:
        return [span]
    pieces = -(-tokens // max_tokens)
    start, end = span
    step = (end - start) // pieces
    out: list[Span] = []
    while start < end:
        cut = end if len(out) == pieces - 1 else text.rfind(" ", start + 1, start + step + 1)
        if cut <= start:
            cut = min(end, start + step)
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    return out


class SentenceChunker(NodeParser):
    """A llama-index node parser: articles (Documents) to sentence-packed chunks with offsets."""

    chunk_size: int = Field(200, description="Max tokens of article text in a chunk")
    overlap: int = Field(1, description="Sentences repeated at the start of the next chunk")
    count_tokens: Callable[[str], int] = Field(exclude=True)

    def chunk_spans(self, body: str) -> list[Span]:
        spans: list[Span] = []
        for span in sentence_spans(body):
            n = self.count_tokens(body[span[0] : span[1]])
            spans.extend(split_long(span, body, n, self.chunk_size))
        tokens = [self.count_tokens(body[s:e]) for s, e in spans]
        return pack_sentences(spans, tokens, self.chunk_size, self.overlap)

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        out: list[BaseNode] = []
        for doc in nodes:
            body = doc.get_content(metadata_mode=MetadataMode.NONE)
            for i, (start, end) in enumerate(self.chunk_spans(body)):
                out.append(self._node(doc, body, i, start, end))
        return out

    def _postprocess_parsed_nodes(self, nodes: list[BaseNode], parent_doc_map: dict) -> list:
        # The base class re-finds offsets with str.find, which picks the first of two equal
        # passages; ours are exact already.
        return nodes

    def _node(self, doc: BaseNode, body: str, i: int, start: int, end: int) -> TextNode:
        meta = dict(doc.metadata)
        meta.update(chunk=i, start=start, end=end)
        return text_node(chunk_id(doc.metadata["chunk_prefix"], i), body[start:end], meta)
