"""The news set: short articles in several house styles and the questions a team channel asks
about them (who, when, where, how many, how much, which, what happened, yes or no), a third of
them near misses. Written for newsbot by a writer who never saw the answerer, checked by a second
reader (`benchmarks/news-set/README.md`). Questions are split into dev and test by news story,
so the test half asks about stories tuning never saw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

Split = Literal["dev", "test", "all"]
QUESTIONS_FILE = "questions.jsonl"
ARTICLES_FOLDER = "articles"
WH_TYPES = ("who", "when", "where", "how_many", "how_much", "which", "what_happened")
YES_NO_KINDS = ("single", "two_sources", "consistency", "temporal")

Question = Mapping[str, Any]


def load_questions(data: Path, split: Split = "dev") -> list[Question]:
    """The questions of `split`, in file order."""
    lines = (data / QUESTIONS_FILE).read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    return [q for q in questions if split == "all" or q["split"] == split]


def articles_folder(data: Path) -> Path:
    return data / ARTICLES_FOLDER


def is_yes_no(question: Question) -> bool:
    return question["type"] == "yes_no"


def accepted(question: Question) -> list[str]:
    """Every form of the expected answer that counts ("Forty-one", "41")."""
    forms = [question.get("answer", ""), *question.get("accept", [])]
    return [f for f in forms if f and f.strip()]
