"""What indexing reads back from the store: whole llama-index nodes, since the keyword index
reads a chunk's text with its metadata header (only a `TextNode` has its templates), and the
chunks still without sentence vectors.

A mixin of `Store`, which provides the collections, `articles`, `visible`, `_fetch_nodes`,
`_pages` and `_guard`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from index.chunks import ChunkNode, text_node
from index.store.records import PAGE, of_versions

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

BY_ID_LIMIT = 500  # articles whose chunks are fetched by id; more are read page by page


class IndexingReads:
    def nodes_without_sentences(self) -> list[ChunkNode]:
        """Visible chunks with no stored sentence vectors (indexed before they existed)."""
        if self._guard(self.chunks.count) <= self._guard(self.sentences.count):
            return []  # each chunk has its record (orphans are swept first)
        have = {i for ids, _ in self._pages(self.sentences, include=[]) for i in ids}
        missing = [i for ids, _ in self._pages(self.chunks, include=[]) for i in ids]
        missing = [i for i in missing if i not in have]
        nodes = [
            node
            for start in range(0, len(missing), PAGE)
            for node in self._fetch_nodes(missing[start : start + PAGE]).values()
        ]
        return [n for n, _ in self.visible([(n, 0.0) for n in nodes])[0]]

    def live_nodes(self) -> Iterator[TextNode]:
        """Every visible chunk, for rebuilding the keyword index."""
        live = {r.id: r.content_hash for r in self.articles().values()}
        for ids, got in self._pages(self.chunks, include=["metadatas", "documents"]):
            for chunk_id, meta, text in zip(ids, got["metadatas"], got["documents"], strict=True):
                if live.get(meta.get("doc_id")) == meta.get("content_hash"):
                    yield text_node(chunk_id, text, meta)

    def nodes_of_versions(self, versions: dict[str, str]) -> Iterator[TextNode]:
        """The chunks of these article versions (id -> content hash), for the keyword index:
        a few articles are asked for by id, many read in pages with everything else."""
        if len(versions) > BY_ID_LIMIT:
            for ids, got in self._pages(self.chunks, include=["metadatas", "documents"]):
                yield from of_versions(ids, got, versions)
            return
        doc_ids = sorted(versions)
        for start in range(0, len(doc_ids), 100):
            where = {"doc_id": {"$in": doc_ids[start : start + 100]}}
            got = self._guard(self.chunks.get, where=where, include=["metadatas", "documents"])
            yield from of_versions(got["ids"], got, versions)
