"""Where a question's retrieval time goes (benchmarks/scale.py): the parts of `Engine.sources`
timed by wrappers put around them on a live engine, each part's time exclusive of the parts it
calls (a stack per question), and what no part accounts for as "other"."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# Chroma calls by (collection, method): what each is, for the table.
_CHROMA = {
    ("chunks", "query"): "HNSW search (Chroma query)",
    ("chunks", "get"): "chunk reads (Chroma get: nodes, vectors)",
    ("registry", "get"): "registry reads (visibility; bodies of older stores)",
    ("bodies", "get"): "body reads (the bodies collection)",
    ("sentences", "get"): "sentence vector reads",
    ("client", "get_collection"): "registry generation reads",
}


class Profile:
    """Exclusive time per part, per question."""

    def __init__(self) -> None:
        self._stack: list[list[float]] = []  # [started, time of the parts called inside]
        self._current: dict[str, float] | None = None
        self.questions: list[tuple[float, dict[str, float]]] = []
        self._undo: list[Callable[[], None]] = []

    @contextlib.contextmanager
    def question(self) -> Iterator[Callable[[], float]]:
        """Around one question: yields a function that gives its milliseconds afterwards."""
        self._current = defaultdict(float)
        started = time.perf_counter()
        took = {"ms": 0.0}
        try:
            yield lambda: took["ms"]
        finally:
            took["ms"] = (time.perf_counter() - started) * 1000
            self.questions.append((took["ms"], dict(self._current)))
            self._current = None

    def timed(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self._current is None:
                return fn(*args, **kwargs)
            frame = [time.perf_counter(), 0.0]
            self._stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                self._stack.pop()
                spent = time.perf_counter() - frame[0]
                self._current[part] += (spent - frame[1]) * 1000
                if self._stack:
                    self._stack[-1][1] += spent

        return wrapper

    def patch(self, owner: Any, name: str, part: str) -> None:
        original = owner.__dict__.get(name) if isinstance(owner, type) else None
        had = name in vars(owner) if not isinstance(owner, type) else True
        before = getattr(owner, name)
        setattr(owner, name, self.timed(part, before))

        def undo() -> None:
            if isinstance(owner, type):
                setattr(owner, name, original)
            elif had:
                setattr(owner, name, before)
            else:
                delattr(owner, name)

        self._undo.append(undo)

    def stop(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        """Per part: p50 and mean milliseconds per question, and its share of all the time."""
        parts = sorted({p for _, got in self.questions for p in got} | {"other"})
        total = sum(ms for ms, _ in self.questions) or 1.0
        out = {}
        for part in parts:
            if part == "other":
                values = [ms - sum(got.values()) for ms, got in self.questions]
            else:
                values = [got.get(part, 0.0) for _, got in self.questions]
            out[part] = {
                "p50_ms": round(float(np.percentile(values, 50)), 1),
                "mean_ms": round(float(np.mean(values)), 1),
                "share": round(sum(values) / total, 3),
            }
        return out


def instrument(engine: Any, profile: Profile) -> None:
    """Put the profile's wrappers around the parts of a live engine's retrieval."""
    import index.retrieval.hybrid as hybrid

    chroma = engine.store.chroma
    call = chroma.call

    def chroma_call(name: str, method: str, /, **kwargs: Any) -> Any:
        part = _CHROMA.get((name, method), f"Chroma {name}.{method}")
        return profile.timed(part, call)(name, method, **kwargs)

    chroma.call = chroma_call
    profile._undo.append(lambda: delattr(chroma, "call"))
    profile.patch(type(engine.embedder), "embed", "query embedding (ONNX)")
    sentences = engine.store.reads.sentences
    profile.patch(sentences, "_fetch", "sentence vector reads")
    retriever = engine.retriever
    profile.patch(engine.keyword, "search", "keyword candidates (BM25)")
    profile.patch(engine.keyword, "ids_where", "keyword: chunk ids of a publication or date")
    profile.patch(hybrid, "features", "ranker features")
    if retriever.ranker is not None:
        profile.patch(retriever.ranker, "score", "ranker trees")
    profile.patch(hybrid, "cover", "coverage pick")
    profile.patch(retriever, "widen", "widening")
    profile.patch(retriever, "analyse", "query analysis")
    profile.patch(retriever, "pool", "candidate pool (cosines, Candidate rows)")
