"""`newsbot eval news` without the command line: index the news set, ask every question as a
user would (`Engine.ask`), score what comes back. Answers written by another release or system
(`newsbot ask --json` per question, as JSON lines with the question's id) are scored the same
way by `score_answers`."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.evaluation.answers import untrue_citations
from bot.evaluation.news_scores import score_question, summarise
from bot.evaluation.newsset import Split, articles_folder, load_questions
from index.settings import Settings, load_settings

log = logging.getLogger(__name__)


def news_settings(**overrides: Any) -> Settings:
    """The engine's settings for the news set: its own folder beside the user's index, its own
    collection per chunking."""
    base = load_settings(**overrides)
    name = f"news-set-c{base.chunk_size}o{base.chunk_overlap}"
    data_dir = overrides.get("data_dir") or base.data_dir / "eval"
    return load_settings(**{**overrides, "data_dir": data_dir, "collection": name})


def evaluate_news(
    data: Path,
    split: Split = "dev",
    answers_out: Path | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Index the set's articles, answer the questions of `split`, return the report."""
    from index.engine import Engine

    say = progress or (lambda _: None)
    settings = news_settings(**overrides)
    questions = load_questions(data, split)
    engine = Engine(settings)
    try:
        say(f"indexing the news set into {settings.data_dir} ({settings.collection})")
        engine.index([articles_folder(data)])
        engine.warm_up()
        say(f"asking {len(questions)} questions")
        answers = [_ask(engine, q) for q in questions]
    finally:
        engine.close()
    if answers_out is not None:
        answers_out.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(a, ensure_ascii=False) for a in answers]
        answers_out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [score_question(q, a) for q, a in zip(questions, answers, strict=True)]
    return report(data, split, rows)


def _ask(engine: Any, question: Mapping[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    answer = engine.ask(question["question"])
    ask_ms = (time.perf_counter() - started) * 1000
    dump = answer.model_dump(mode="json")
    dump.update(id=question["id"], untrue=untrue_citations(answer, engine.article_body))
    dump["ask_ms"] = round(ask_ms, 1)
    return dump


def score_answers(data: Path, split: Split, answers: Path) -> dict[str, Any]:
    """The report for answers given elsewhere: JSON lines, each an answer as `newsbot ask
    --json` prints it plus the question's `id` (a missing question counts as refused)."""
    given = {}
    for line in answers.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            given[record["id"]] = record
    questions = load_questions(data, split)
    missing = {"refused": True, "answer": "", "citations": []}
    rows = [score_question(q, given.get(q["id"], missing)) for q in questions]
    return report(data, split, rows)


def report(data: Path, split: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"benchmark": "news set", "data": str(data), "split": split, **summarise(rows)}
