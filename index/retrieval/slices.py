"""Asking within a slice of the index: articles from one publication and/or published within a
date range (`newsbot ask --source --since --until`, the same options on `/ask`), and the
relative dates a question may say ("today", "yesterday", "this week", "last week"), read
against today's date.

Retrieval is restricted by giving the hybrid retriever views of the store and the keyword
index that only see the slice's chunks: the dense search runs among their ids, keyword hits
outside the slice are dropped. The retriever itself is unchanged.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

from index.errors import NewsbotError
from index.results import ArticleSlice
from index.retrieval.query_analysis import full_names

# "last week" but not "last week's game": the question's own subject, not when it was reported.
_RELATIVE = re.compile(r"\b(today|yesterday|this week|last week)\b(?!['’]s)", re.I)
_KEYWORD_SURPLUS = 5  # keyword hits asked for per one wanted, as most fall outside the slice


class EmptySlice(NewsbotError):
    """No indexed article is in the slice asked for."""


def typed_names(publication: str) -> set[str]:
    """The ways a publication's name is typed, compared without case: whole, before a tagline
    ("The Roar" of "The Roar | Sports Writers Blog"), without a leading "The" (query analysis's
    `full_names`, how questions name a publication in full)."""
    names = full_names(publication) | {publication.strip()}
    return {" ".join(n.split()).casefold() for n in names if n.strip()}


def from_source(within: ArticleSlice, source: str) -> bool:
    """Whether `source` is the publication `within` asks for, named as people type it (any
    case, "The" and a tagline optional)."""
    if not within.source:
        return True
    return bool(typed_names(within.source) & typed_names(source))


def admits(within: ArticleSlice, source: str, published_at: str) -> bool:
    """Whether an article of `source`, published at `published_at`, is within the slice."""
    if not from_source(within, source):
        return False
    day = published_at[:10]
    if (within.since or within.until) and not day:
        return False  # an undated article is in no date range
    if within.since and day < within.since.isoformat():
        return False
    return not (within.until and day > within.until.isoformat())


def undated_left_out(within: ArticleSlice, records: Any) -> int:
    """Articles of the slice's publication that a date range leaves out for having no date."""
    if not within.dated:
        return 0
    return sum(1 for r in records if not r.published_at[:10] and from_source(within, r.source))


def undated_note(n: int) -> str:
    """The note an answer within a date range carries when undated articles were left out."""
    return f"Left out: {_undated_sentence(n)} (a .txt file cannot carry one)."


def _undated_sentence(n: int) -> str:
    return (
        f"{n} {'article has' if n == 1 else 'articles have'} no publication date and "
        f"{'is' if n == 1 else 'are'} in no date range"
    )


def relative_slice(question: str, today: date) -> ArticleSlice:
    """The date range a question names relative to today, if any (the first one it says)."""
    match = _RELATIVE.search(question)
    if match is None:
        return ArticleSlice()
    said = match.group(1).lower()
    if said == "today":
        return ArticleSlice(since=today, until=today)
    if said == "yesterday":
        day = today - timedelta(days=1)
        return ArticleSlice(since=day, until=day)
    monday = today - timedelta(days=today.weekday())
    if said == "this week":
        return ArticleSlice(since=monday, until=today)
    return ArticleSlice(since=monday - timedelta(days=7), until=monday - timedelta(days=1))


class _SlicedKeyword:
    """The keyword index seeing only the slice's chunks."""

    def __init__(self, keyword: Any, chunk_ids: set[str]) -> None:
        self._keyword, self._ids = keyword, chunk_ids

    def __getattr__(self, name: str) -> Any:
        return getattr(self._keyword, name)

    def search(self, query: str, k: int) -> list[Any]:
        hits = self._keyword.search(query, k * _KEYWORD_SURPLUS)
        return [h for h in hits if h[0].node_id in self._ids][:k]

    def ids_where(self, key: str, value: str) -> list[str]:
        return [i for i in self._keyword.ids_where(key, value) if i in self._ids]


class _SlicedStore:
    """The store whose dense search runs among the slice's chunks only."""

    def __init__(self, store: Any, chunk_ids: set[str]) -> None:
        self._store, self._ids = store, chunk_ids

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def dense(self, embedding: list[float], k: int, among: list[str] | None = None) -> list[Any]:
        ids = [i for i in among if i in self._ids] if among is not None else sorted(self._ids)
        return self._store.dense(embedding, k, among=ids)


def sliced_retriever(retriever: Any, store: Any, keyword: Any, within: ArticleSlice) -> Any:
    """A copy of `retriever` that only finds chunks of articles in `within`; `EmptySlice` when
    no indexed article is in it."""
    records = store.articles().values()
    docs = [r.id for r in records if admits(within, r.source, r.published_at)]
    if not docs:
        undated = undated_left_out(within, records)
        why = f" ({_undated_sentence(undated)})" if undated else ""
        raise EmptySlice(
            f"no indexed article is {within.describe()}{why}: `newsbot list` shows what is indexed"
        )
    chunk_ids = {c for d in docs for c in keyword.ids_where("doc_id", d)}
    view = copy.copy(retriever)
    view.store = _SlicedStore(store, chunk_ids)
    view.keyword = _SlicedKeyword(keyword, chunk_ids)
    return view
