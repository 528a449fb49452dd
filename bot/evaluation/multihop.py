"""Loading the MultiHop-RAG benchmark (corpus, questions, dev/test split, CI slice).

Files (see the data directory's README): ``corpus.json`` (609 news articles) and
``MultiHopRAG.json`` (2,556 questions, 301 of them ``null_query`` with no evidence).

The split is fixed by position so that it never depends on a random seed or library
version: 0-based even positions are *dev* (tune on these), odd positions are *test*
(report these). Each question keeps its position under ``"index"`` so results can be
joined back to the official file.

Articles are identified by ``url``: every evidence item's url matches exactly one
corpus url, whereas titles may contain HTML entities.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from bot.evaluation.metrics import NULL_QUERY

CORPUS_FILE = "corpus.json"
QUESTIONS_FILE = "MultiHopRAG.json"
Split = Literal["dev", "test", "all"]


def _read_json(path: Path) -> Any:
    """Read one benchmark file (UTF-8 JSON)."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_corpus(data_dir: str | Path) -> list[dict[str, Any]]:
    """All articles, in file order (the order :func:`slice_corpus` relies on)."""
    return _read_json(Path(data_dir) / CORPUS_FILE)


def in_split(index: int, split: Split) -> bool:
    """Whether position ``index`` of MultiHopRAG.json belongs to ``split``."""
    if split == "all":
        return True
    if split == "dev":
        return index % 2 == 0
    if split == "test":
        return index % 2 == 1
    raise ValueError(f"unknown split {split!r}; expected 'dev', 'test' or 'all'")


def load_questions(data_dir: str | Path, split: Split = "all") -> list[dict[str, Any]]:
    """Questions of ``split``, each a copy of the record plus its position as ``"index"``."""
    in_split(0, split)  # validate before reading 5 MB
    records = _read_json(Path(data_dir) / QUESTIONS_FILE)
    return [{**q, "index": i} for i, q in enumerate(records) if in_split(i, split)]


def article_id(record: Mapping[str, Any]) -> str:
    """The id of an article or of the article an evidence item points to: its url."""
    return record["url"]


def gold_article_ids(question: Mapping[str, Any]) -> list[str]:
    """Distinct evidence articles of a question, in first-mention order."""
    return list(dict.fromkeys(article_id(e) for e in question["evidence_list"]))


def is_null(question: Mapping[str, Any]) -> bool:
    """Null queries have no evidence; the right answer is "Insufficient information."."""
    return question["question_type"] == NULL_QUERY


def slice_corpus(
    corpus: Sequence[Mapping[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    n_articles: int,
    n_null: int | None = None,
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """A small, self-consistent subset for a CI smoke run.

    Takes the first ``n_articles`` articles (file order, so the slice is stable), every
    non-null question whose evidence articles are all among them (so it stays answerable),
    and the first ``n_null`` null questions. By default ``n_null`` keeps the null share of
    ``questions`` (about 12% for the full file), so refusals are exercised too.
    Question order is preserved.
    """
    if n_articles < 0:
        raise ValueError("n_articles must be >= 0")
    articles = list(corpus[:n_articles])
    kept = {article_id(a) for a in articles}

    def answerable(q: Mapping[str, Any]) -> bool:
        return not is_null(q) and set(gold_article_ids(q)) <= kept

    if n_null is None:
        n_null = _proportional_nulls(questions, sum(map(answerable, questions)))
    selected: list[Mapping[str, Any]] = []
    nulls_left = n_null
    for q in questions:
        if is_null(q) and nulls_left > 0:
            selected.append(q)
            nulls_left -= 1
        elif answerable(q):
            selected.append(q)
    return articles, selected


def _proportional_nulls(questions: Sequence[Mapping[str, Any]], n_answerable: int) -> int:
    """How many null questions keep the null share of ``questions`` next to ``n_answerable``."""
    n_nulls = sum(map(is_null, questions))
    n_non_null = len(questions) - n_nulls
    return round(n_answerable * n_nulls / n_non_null) if n_non_null else 0
