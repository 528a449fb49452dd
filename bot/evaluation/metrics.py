"""Retrieval metrics of the MultiHop-RAG benchmark, reproduced exactly.

The official numbers (Tang & Yang 2024, github.com/yixuantt/MultiHop-RAG) come from the
upstream ``retrieval_evaluate.py``. Our scores are only comparable with published ones if we
copy its quirks, so :func:`score_query` follows it line by line:

* facts and retrieved texts have every space and newline removed before comparing
  (so whitespace differences from chunking do not matter);
* a retrieved chunk at rank r <= 10 is a hit if any gold fact is a substring of it;
* Hits@k: the query has at least one hit in the top k (k = 4, 10);
* MRR@10: 1 / rank of the first hit, else 0;
* MAP@10: at each hit rank, (gold facts first found in that chunk) / rank, summed and
  divided by ``min(len(gold), 10)``;
* ``null_query`` questions (no evidence) are skipped, otherwise MAP would divide by zero.

The extra diagnostics (evidence recall, article recall, per-type breakdown) are ours, not
upstream's; they use the same normalisation so they agree with the official hit test.

Input items have the shape of upstream's output files::

    {"query", "answer", "question_type",
     "gold_list": [evidence dict with "fact" | fact str, ...],
     "retrieval_list": [{"text": str, "score": float}, ...]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NULL_QUERY = "null_query"
CUTOFF = 10
METRIC_NAMES = ("Hits@10", "Hits@4", "MAP@10", "MRR@10")


@dataclass(frozen=True)
class QueryScore:
    """Upstream's per-query quantities, before averaging."""

    hit_at_10: bool
    hit_at_4: bool
    average_precision: float
    reciprocal_rank: float


def normalise(text: str) -> str:
    """Remove spaces and newlines, as upstream does before every substring test."""
    return text.replace(" ", "").replace("\n", "")


def fact_text(gold_item: Mapping[str, Any] | str) -> str:
    """A gold fact's text; upstream files hold evidence dicts, callers may pass plain strings."""
    return gold_item if isinstance(gold_item, str) else gold_item["fact"]


def score_query(retrieved: Sequence[str], gold: Sequence[str]) -> QueryScore:
    """Score one query exactly like upstream ``calculate_metrics`` (one loop iteration).

    ``gold`` must be non-empty: upstream divides MAP by ``min(len(gold), 10)``.
    """
    if not gold:
        raise ValueError("a query without gold facts cannot be scored (upstream skips them)")
    gold_n = [normalise(g) for g in gold]
    found: list[str] = []
    ap_sum = 0.0
    first_rank: int | None = None
    hit_at_4 = False
    for rank, chunk in enumerate((normalise(r) for r in retrieved[:CUTOFF]), start=1):
        if not any(g in chunk for g in gold_n):
            continue
        if first_rank is None:
            first_rank = rank
        hit_at_4 = hit_at_4 or rank <= 4
        ap_sum += _credit_new_facts(chunk, gold_n, found) / rank
    return QueryScore(
        hit_at_10=first_rank is not None,
        hit_at_4=hit_at_4,
        average_precision=ap_sum / min(len(gold_n), CUTOFF),
        reciprocal_rank=1 / first_rank if first_rank else 0.0,
    )


def _credit_new_facts(chunk: str, gold: Sequence[str], found: list[str]) -> int:
    """Count facts in ``chunk`` not credited before, appending them to ``found``.

    Upstream dedups by fact text, so a fact repeated in the gold list is credited once
    (but still counts in MAP's denominator).
    """
    count = 0
    for g in gold:
        if g in chunk and g not in found:
            count += 1
            found.append(g)
    return count


def calculate_metrics(
    retrieved_lists: Sequence[Sequence[str]], gold_lists: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Mean Hits@10, Hits@4, MAP@10, MRR@10 over queries (upstream's function, same name)."""
    if len(retrieved_lists) != len(gold_lists):
        raise ValueError("retrieved_lists and gold_lists differ in length")
    if not gold_lists:
        raise ValueError("no queries to score")
    scores = [score_query(r, g) for r, g in zip(retrieved_lists, gold_lists, strict=True)]
    return _average(scores)


def _average(scores: Sequence[QueryScore]) -> dict[str, float]:
    """Average per-query scores into upstream's four headline numbers."""
    n = len(scores)
    return {
        "Hits@10": sum(s.hit_at_10 for s in scores) / n,
        "Hits@4": sum(s.hit_at_4 for s in scores) / n,
        "MAP@10": sum(s.average_precision for s in scores) / n,
        "MRR@10": sum(s.reciprocal_rank for s in scores) / n,
    }


def scorable(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The items upstream scores: everything but ``null_query`` questions."""
    return [it for it in items if it["question_type"] != NULL_QUERY]


def _lists(item: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(retrieved texts, gold fact texts) of one upstream-shaped item."""
    retrieved = [r["text"] for r in item["retrieval_list"]]
    gold = [fact_text(g) for g in item["gold_list"]]
    return retrieved, gold


def score_retrievals(items: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Upstream ``main_eval`` without the file I/O: skip null queries, then average."""
    pairs = [_lists(it) for it in scorable(items)]
    return calculate_metrics([p[0] for p in pairs], [p[1] for p in pairs])


def evidence_recall(retrieved: Sequence[str], gold: Sequence[str], k: int = CUTOFF) -> float:
    """Share of distinct gold facts found (normalised substring) in any of the top-k chunks.

    Multi-hop answers need *all* facts; Hits@k is satisfied by one, so this shows what
    the generator actually gets to see.
    """
    facts = list(dict.fromkeys(normalise(g) for g in gold))
    if not facts:
        raise ValueError("evidence recall is undefined without gold facts")
    chunks = [normalise(r) for r in retrieved[:k]]
    return sum(any(f in c for c in chunks) for f in facts) / len(facts)


def article_recall(
    gold_article_ids: Iterable[str], retrieved_article_ids: Sequence[str], k: int = CUTOFF
) -> float:
    """Share of distinct gold articles with at least one passage among the top-k retrieved.

    Article ids are whatever identifies an article (we use the url); a fact split across
    chunk borders is missed by :func:`evidence_recall` but not by this.
    """
    gold = set(gold_article_ids)
    if not gold:
        raise ValueError("article recall is undefined without gold articles")
    return len(gold & set(retrieved_article_ids[:k])) / len(gold)


def mean_evidence_recall(items: Iterable[Mapping[str, Any]], k: int = CUTOFF) -> float:
    """:func:`evidence_recall` averaged over the non-null questions of upstream-shaped items."""
    values = [evidence_recall(*_lists(it), k=k) for it in scorable(items)]
    if not values:
        raise ValueError("no queries to score")
    return sum(values) / len(values)


def mean_article_recall(
    pairs: Iterable[tuple[Iterable[str], Sequence[str]]], k: int = CUTOFF
) -> float:
    """:func:`article_recall` averaged over (gold ids, retrieved ids) pairs, one per question."""
    values = [article_recall(gold, retrieved, k=k) for gold, retrieved in pairs]
    if not values:
        raise ValueError("no queries to score")
    return sum(values) / len(values)
