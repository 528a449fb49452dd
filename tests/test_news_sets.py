"""The news sets newsbot is tuned and measured on hold what their READMEs say: every question
reads, names articles that exist, and quotes its evidence verbatim from them, so a figure taken
on them scores what the articles say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.evaluation.newsset import WH_TYPES, YES_NO_KINDS, accepted, articles_folder, load_questions

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SETS = [
    BENCHMARKS / "news-set",
    *sorted(p for p in (BENCHMARKS / "news-set-dev").iterdir() if p.is_dir()),
]


def body(article: Path) -> str:
    """The article's text below its front matter."""
    return article.read_text(encoding="utf-8").split("---", 2)[2]


def plain(text: str) -> str:
    """Lower case without quotation marks: an answer may leave out the quotes around words."""
    return re.sub(r"[\"“”‘’']", "", text.lower())


@pytest.mark.parametrize("folder", SETS, ids=lambda p: p.name)
def test_every_question_quotes_its_articles_verbatim(folder: Path) -> None:
    questions = load_questions(folder, "all")
    bodies = {p.name: body(p) for p in articles_folder(folder).glob("*.md")}
    assert len(questions) >= 100 and len(bodies) >= 16
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert q["type"] in (*WH_TYPES, "yes_no"), q["id"]
        assert q["kind"] in ("answerable", "near_miss", "off_topic"), q["id"]
        assert q["split"] in ("dev", "test") and q.get("story"), q["id"]
        assert all(a in bodies for a in q["articles"]), q["id"]
        texts = [bodies[a] for a in q["articles"]]
        for evidence in q["evidence"]:
            assert any(evidence in t for t in texts), (q["id"], evidence)
        if q["type"] == "yes_no":
            assert q["yes_no_kind"] in YES_NO_KINDS and q["verdict"] in ("yes", "no", "undecided")
        elif q["kind"] == "answerable":
            joined = plain(" ".join(q["evidence"]))
            assert any(plain(form) in joined for form in accepted(q)), q["id"]
        else:
            assert not q["evidence"] and not q["answer"], q["id"]
