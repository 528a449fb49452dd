"""The BM25 side of retrieval (llama-index's BM25Retriever over bm25s), kept in step with Chroma.

The index is a cache of the store: it lives under the data directory with a stamp of the article
versions it was built from, and is rebuilt from Chroma whenever that stamp no longer matches the
registry (after an index change, or when the files are missing or from another machine).

Saving is crash-safe by design: the new index is written into a folder of its own, flushed to
disk, stamped last, and only then renamed into place. A process killed at any moment leaves the
old index, the new one, or (between the two renames) none; a missing or stale index is rebuilt
from Chroma by the next process that opens the engine, so the keyword side can lag but never
disagree with the store.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.retrievers.bm25 import BM25Retriever

from index.fileio import fsync_dir, fsync_tree, write_synced

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces its own logger to DEBUG

_STAMP = "stamp.txt"
_TMP, _OLD = ".tmp-", ".old-"  # sibling folders of a save in progress: <name>.tmp-<pid>-<rand>


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
        self._nodes: list[TextNode | None] = []
        self._ids_by: dict[str, dict[str, list[str]]] = {}
        self.stamp = ""
        self._lock = threading.Lock()

    def load(self, expected_stamp: str) -> bool:
        """Load the saved index if it matches `expected_stamp`; False when it must be rebuilt."""
        if _read_stamp(self.folder) != expected_stamp:
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
        parent = self.folder.parent
        parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        # A name of this process's own: a bot and a CLI saving at once must not share a folder.
        token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp, old = (parent / f"{self.folder.name}{kind}{token}" for kind in (_TMP, _OLD))
        try:
            tmp.mkdir()
            if retriever is not None:
                retriever.persist(str(tmp / "bm25"), show_progress=False)
                fsync_tree(tmp / "bm25")  # the data is on disk before the stamp vouches for it
            write_synced(tmp / _STAMP, stamp)
            if self.folder.exists():
                self.folder.rename(old)
            tmp.rename(self.folder)  # killed just before this: no index, rebuilt on next start
            fsync_dir(parent)
        except BaseException:
            if old.exists() and not self.folder.exists():
                old.rename(self.folder)  # a swap that failed (not a kill) puts the old one back
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    def _remove_leftovers(self) -> None:
        """Folders of saves that were killed midway (their process is gone)."""
        name = self.folder.name
        for path in self.folder.parent.glob(f"{name}.*"):
            rest = path.name[len(name) :]
            if rest.startswith((_TMP, _OLD)) and not _alive(rest):
                log.info("removing %s, left by an interrupted keyword index save", path)
                shutil.rmtree(path, ignore_errors=True)

    def _set(self, retriever: BM25Retriever | None, size: int, stamp: str) -> None:
        with self._lock:
            self._retriever, self._size, self.stamp = retriever, size, stamp
            self._nodes = [None] * size  # each built on its first retrieval
            self._ids_by = {}

    def chunk_ids(self) -> set[str]:
        """The ids of the chunks in the loaded index (for the consistency check)."""
        with self._lock:
            corpus = self._retriever.corpus if self._retriever is not None else None
            return {str(record["node_id"]) for record in corpus or []}

    def ids_where(self, key: str, value: str) -> list[str]:
        """The ids of the indexed chunks whose metadata `key` is `value` (listed once per
        loaded index): a dense search restricted to them skips Chroma's metadata filter, ten
        times slower for a large publication."""
        with self._lock:
            by_value = self._ids_by.get(key)
            if by_value is None:
                by_value = {}
                corpus = self._retriever.corpus if self._retriever is not None else None
                for record in corpus or []:
                    by_value.setdefault(str(record.get(key, "")), []).append(str(record["node_id"]))
                self._ids_by[key] = by_value
            return by_value.get(value, [])

    def search(self, query: str, k: int) -> list[tuple[TextNode, float]]:
        with self._lock:
            retriever, nodes = self._retriever, self._nodes
            if retriever is None or not self._size:
                return []
            # bm25s directly rather than BM25Retriever.retrieve, which rebuilds a node from its
            # dict for every hit on every query (most of the time of a 300-hit search).
            tokens = bm25s.tokenize(
                query,
                stemmer=retriever.stemmer,
                token_pattern=retriever.token_pattern,
                show_progress=False,
            )
            if not tokens.vocab:
                return []
            # corpus=positions: bm25s hands back corpus[i], so this gives positions, not dicts
            found, scores = retriever.bm25.retrieve(
                tokens, corpus=np.arange(self._size), k=min(k, self._size), show_progress=False
            )
            out = []
            for idx, score in zip(found[0], scores[0], strict=True):
                if score <= 0:
                    continue
                if nodes[idx] is None:
                    nodes[idx] = metadata_dict_to_node(retriever.corpus[idx])
                out.append((nodes[idx], float(score)))
        return out


def _read_stamp(folder: Path) -> str | None:
    """The stamp of the index saved in `folder`; None when there is none (or it is unreadable)."""
    try:
        return (folder / _STAMP).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _alive(suffix: str) -> bool:
    """Whether the process that named a save folder `<name><suffix>` is still running."""
    try:
        pid = int(suffix.split("-")[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
