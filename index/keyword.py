"""The BM25 side of retrieval (llama-index's BM25Retriever over bm25s), kept in step with Chroma.

The index is a cache of the store: it lives under the data directory with a stamp of the article
versions it was built from, and is rebuilt from Chroma whenever that stamp no longer matches the
registry (after an index change, or when the files are missing or from another machine).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import Stemmer
from llama_index.core.schema import QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces its own logger to DEBUG

_STAMP = "stamp.txt"


def versions_stamp(versions: dict[str, str]) -> str:
    """A digest of which article versions (id -> content hash) are live."""
    digest = hashlib.sha256()
    for doc_id in sorted(versions):
        digest.update(f"{doc_id}\x1f{versions[doc_id]}\x1e".encode())
    return digest.hexdigest()


class KeywordIndex:
    """BM25 over the visible chunks (title, source and date header included)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._retriever: BM25Retriever | None = None
        self._size = 0
        self.stamp = ""
        self._lock = threading.Lock()

    def load(self, expected_stamp: str) -> bool:
        """Load the saved index if it matches `expected_stamp`; False when it must be rebuilt."""
        stamp_file = self.folder / _STAMP
        if not stamp_file.is_file() or stamp_file.read_text().strip() != expected_stamp:
            return False
        if expected_stamp == versions_stamp({}):
            self._set(None, 0, expected_stamp)
            return True
        try:
            retriever = BM25Retriever.from_persist_dir(str(self.folder / "bm25"))
        except Exception:  # a damaged cache is rebuilt, never fatal
            log.warning("keyword index in %s is unreadable; rebuilding", self.folder)
            return False
        self._set(retriever, len(retriever.corpus or []), expected_stamp)
        return True

    def rebuild(self, nodes: Iterable[TextNode], stamp: str) -> None:
        nodes = list(nodes)
        retriever = None
        if nodes:
            retriever = BM25Retriever.from_defaults(
                nodes=nodes,
                stemmer=Stemmer.Stemmer("english"),
                language="english",
                similarity_top_k=min(2, len(nodes)),  # its default 2 warns on a 1-chunk corpus
            )
        self._save(retriever, stamp)
        self._set(retriever, len(nodes), stamp)
        log.info("keyword index rebuilt: %d chunks", len(nodes))

    def _save(self, retriever: BM25Retriever | None, stamp: str) -> None:
        # Write beside, then swap, so a crash never leaves a half-written index with a good stamp.
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if retriever is not None:
            retriever.persist(str(tmp / "bm25"), show_progress=False)
        (tmp / _STAMP).write_text(stamp)
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        tmp.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def _set(self, retriever: BM25Retriever | None, size: int, stamp: str) -> None:
        with self._lock:
            self._retriever, self._size, self.stamp = retriever, size, stamp

    def search(self, query: str, k: int) -> list[tuple[TextNode, float]]:
        with self._lock:
            if self._retriever is None or not self._size:
                return []
            self._retriever.similarity_top_k = min(k, self._size)
            found = self._retriever.retrieve(QueryBundle(query))
        return [(hit.node, float(hit.score or 0.0)) for hit in found if (hit.score or 0) > 0]
