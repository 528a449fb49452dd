"""Where chunks' sentence vectors are kept: one entry per chunk, under the chunk's id, with its
article version (doc id, content hash) so that a version's entries are deleted with it.

An embedded store keeps them in a SQLite file of its own (sentence_file.py); with a Chroma
server, where every process (on any machine) must read them, in the collection
`<name>-sentences` (`SentenceCollection`). An embedded store of an earlier release, which kept
them in that collection too, is converted when it is first opened (`convert_legacy`).

The contract of a sentence store (`SentenceStore`) to the rest of the store: `put` before the
article version's registry record is committed (the entries are invisible until then, like its
chunks), `delete` after the version is unregistered or replaced, `sweep` what no live version
owns (left by a write that did not finish); `get` gives float16 rows by chunk id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

from index.chunks import ChunkNode, chunk_prefix
from index.errors import StoreWriteError
from index.store.collections import ChromaCollections
from index.store.generations import Generations
from index.store.lock import StoreBusy
from index.store.records import PAGE, unpacked, version_where
from index.store.sentence_file import SentenceFile
from index.store.sentence_vectors import CODEC, pack

log = logging.getLogger(__name__)
_RECORD_VECTOR = [1.0]  # Chroma wants a vector per record; these records are not searched.


class SentenceStore(Protocol):
    def put(self, nodes: list[ChunkNode], vectors: dict[str, np.ndarray]) -> None: ...
    def get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]: ...
    def pages(self) -> Iterator[dict[str, np.ndarray]]: ...
    def ids(self) -> set[str]: ...
    def count(self) -> int: ...
    def delete(self, doc_id: str, content_hash: str | None = None) -> None: ...
    def sweep(self, live: dict[str, str], before_delete: Callable[[], None]) -> int: ...
    def close(self) -> None: ...
    def incomplete(self) -> bool: ...
    def complete(self) -> None: ...


class SentenceCollection:
    """Sentence vectors in Chroma's `<name>-sentences` collection, encoded as base64 text in
    each record's metadata (a record names its codec; records of earlier releases, float16,
    name none)."""

    def __init__(self, chroma: ChromaCollections) -> None:
        self._chroma = chroma

    def put(self, nodes: list[ChunkNode], vectors: dict[str, np.ndarray]) -> None:
        rows = [(n, vectors[n.node_id]) for n in nodes if n.node_id in vectors]
        for start in range(0, len(rows), PAGE):
            page = rows[start : start + PAGE]
            self._chroma.call(
                "sentences",
                "upsert",
                ids=[n.node_id for n, _ in page],
                embeddings=[_RECORD_VECTOR] * len(page),
                metadatas=[
                    {
                        "doc_id": n.metadata["doc_id"],
                        "content_hash": n.metadata["content_hash"],
                        "dimensions": int(v.shape[1]),
                        "codec": CODEC,
                        "vectors": pack(v, CODEC),
                    }
                    for n, v in page
                ],
            )

    def get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self._chroma.call("sentences", "get", ids=chunk_ids, include=["metadatas"])
        return unpacked(got["ids"], got["metadatas"])

    def pages(self) -> Iterator[dict[str, np.ndarray]]:
        """Every entry, a page at a time."""
        for got in self._chroma.pages("sentences", ["metadatas"]):
            yield unpacked(got["ids"], got["metadatas"])

    def ids(self) -> set[str]:
        return {i for got in self._chroma.pages("sentences", []) for i in got["ids"]}

    def count(self) -> int:
        return self._chroma.call("sentences", "count")

    def delete(self, doc_id: str, content_hash: str | None = None) -> None:
        """The entries of one version of an article (of every version: `content_hash` None)."""
        self._chroma.call("sentences", "delete", where=version_where(doc_id, content_hash))

    def sweep(self, live: dict[str, str], before_delete: Callable[[], None]) -> int:
        """Delete the entries no live article version (id -> content hash) owns, calling
        `before_delete` first when there are any; how many."""
        orphans = [
            chunk_id
            for got in self._chroma.pages("sentences", ["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True)
            if live.get(meta.get("doc_id")) != meta.get("content_hash")
        ]
        if orphans:
            before_delete()
        for start in range(0, len(orphans), PAGE):
            page = orphans[start : start + PAGE]
            self._chroma.call("sentences", "delete", ids=page)
        return len(orphans)

    def close(self) -> None:
        """Nothing of its own to release: the collection is the client's."""

    def incomplete(self) -> bool:
        """Never: its records are written with their chunks (an older store's gaps are found
        by the run after one that did not finish, as every untidy store's are)."""
        return False

    def complete(self) -> None:
        """Nothing to note: see `incomplete`."""


def convert_legacy(chroma: ChromaCollections, file: SentenceFile, generations: Generations) -> int:
    """Move an embedded store's sentence vectors from the Chroma collection of earlier releases
    into its file, then delete the collection; how many chunks' entries moved.

    A write operation like any other (the store lock, the generation moved): a process killed
    meanwhile leaves the collection in place and the next open starts again (entries already
    copied are written again, the same). Another process opening at the same moment finds the
    store busy and goes on: it sees the file filled at its next refresh."""
    if chroma.sentences is None:
        return 0
    try:
        with generations.writing():
            if chroma.sentences is None:  # converted by another process meanwhile
                return 0
            generations.changing()
            total = chroma.call("sentences", "count")
            log.warning(
                "moving the sentence vectors of %d chunks out of Chroma into %s (once, after "
                "an upgrade)",
                total,
                file.path,
            )
            moved = 0
            for got in chroma.pages("sentences", ["metadatas"]):
                rows = unpacked(got["ids"], got["metadatas"])
                metas = zip(got["ids"], got["metadatas"], strict=True)
                versions = {i: chunk_prefix(m["doc_id"], m["content_hash"]) for i, m in metas}
                file.put_rows([(i, versions[i], v) for i, v in rows.items()])
                moved += len(rows)
                log.info("moved the sentence vectors of %d/%d chunks", moved, total)
            chroma.drop_sentences()  # (the file stays `incomplete` until a run checks it)
    except (StoreBusy, StoreWriteError) as exc:
        log.info("the sentence vectors stay in Chroma for now: %s", exc)
        return 0
    log.info("the sentence vectors of %d chunks are in %s now", moved, file.path)
    return moved
