"""Progress of an indexing run's embedding, per batch of the model rather than per group.

A run embeds its chunks in groups of about 256 (index/indexing.py), each group twice: its chunks,
then their distinct sentences (about six times as many texts). Ticking only after a group left a
small run at 0 % for its whole embedding; here each batch the model takes moves the count, in
chunks (the unit the bar and the Discord status show): a group's chunks count as done in the
proportion of its texts embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from llama_index.core.schema import TextNode

from index.store.sentence_vectors import sentences_of

Embed = Callable[..., np.ndarray]  # (texts, before_batch=None) -> vectors


class GroupProgress:
    """Counts the texts of one group as the embedder takes them batch by batch, and reports
    `done_before + chunks * texts_done / texts` through `tick` after each batch."""

    def __init__(
        self,
        nodes: Sequence[TextNode],
        done_before: int,
        batch_size: int,
        tick: Callable[[int], None],
    ) -> None:
        sentences = {s for n in nodes for s in sentences_of(n.get_content())}
        self._texts = len(nodes) + len(sentences)
        self._chunks, self._before, self._batch = len(nodes), done_before, batch_size
        self._tick = tick
        self._embedded = 0  # texts of this group embedded by finished calls

    def embedding(self, embed: Embed) -> Callable[[list[str]], np.ndarray]:
        """`embed`, ticking before each batch but the first (for the batches finished) and
        once more when the call returns."""

        def counted(texts: list[str]) -> np.ndarray:
            batches = 0

            def before_batch() -> None:
                nonlocal batches
                if batches:
                    self._report(self._embedded + min(batches * self._batch, len(texts)))
                batches += 1

            vectors = embed(texts, before_batch=before_batch)
            self._embedded += len(texts)
            self._report(self._embedded)
            return vectors

        return counted

    def _report(self, texts_done: int) -> None:
        share = min(texts_done, self._texts) / max(self._texts, 1)
        self._tick(self._before + int(self._chunks * share))
