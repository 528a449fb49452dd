"""Answer metrics: what a reader of the answer gets, not only what retrieval found.

- named answer found: for questions whose gold answer is a name (not yes/no, not a judgement
  such as "consistent" or "before", not null), whether the gold answer, lower-cased with
  punctuation removed, stands in the answer text;
- answer fact recall: the share of a question's gold evidence facts that stand in the answer's
  quotes (spaces removed, as upstream's retrieval metric compares texts);
- untrue citations: a `[n]` in the text with no citation n, or a quote that is not
  `body[start:end]` of the stored article (must be 0);
- the ceilings: the gold answer and the facts in the top 5 passages, and in all the passages
  the answer was chosen from (`NEWSBOT_ANSWER_PASSAGES`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.evaluation.metrics import fact_text, normalise
from index.results import Answer

# Gold answers that are a verdict, not a name a passage could state.
JUDGEMENTS = frozenset(
    "yes no true false insufficient information consistent consistently inconsistent "
    "agree agreement disagree disagreement similar different same before after align "
    "aligned unsuccessful successful smaller larger higher lower increased decreased "
    "more less none both neither".split()
) | {"insufficient information", "different stages or versions"}
_PUNCT = re.compile(r"[^\w\s]")
_MARK = re.compile(r"\[(\d+)\]")
_FIRST_WORD = re.compile(r"[A-Za-z]+")


def normalise_answer(text: str) -> str:
    """Lower case, punctuation removed ("Bankman-Fried" -> "bankmanfried"), spaces folded."""
    return " ".join(_PUNCT.sub("", text.lower()).split())


def is_named(gold: str) -> bool:
    """Whether a gold answer is a name (person, company, place, thing), not a verdict."""
    g = normalise_answer(gold)
    return bool(g) and g not in JUDGEMENTS and g not in {normalise_answer(j) for j in JUDGEMENTS}


def states(text: str, gold: str) -> bool:
    """Whether `text` states the gold answer (whole words, normalised)."""
    return f" {normalise_answer(gold)} " in f" {normalise_answer(text)} "


def facts_quoted(answer: Answer, facts: Sequence[str]) -> int:
    """How many of `facts` stand whole in one of the answer's quotes."""
    quotes = [normalise(q) for c in answer.citations for q in c.quotes]
    return sum(any(normalise(f) in q for q in quotes) for f in facts)


def untrue_citations(answer: Answer, body_of: Callable[[str], str | None]) -> int:
    """Marks with no citation, plus quotes that are not their article's `body[start:end]`."""
    numbers = {c.n for c in answer.citations}
    bad = sum(int(n) not in numbers for n in _MARK.findall(answer.answer))
    for c in answer.citations:
        body = body_of(c.doc_id) or ""
        spans = [(e.start, e.end, e.text) for e in c.excerpts] or [(c.start, c.end, c.quote)]
        bad += sum(body[s:e] != t or not t for s, e, t in spans)
    return bad


def answer_row(
    question: Mapping[str, Any], answer: Answer, top_texts: Sequence[str], untrue: int
) -> dict[str, Any]:
    """One question's answer figures (None where a figure does not apply to it)."""
    gold = str(question["answer"])
    facts = [fact_text(e) for e in question["evidence_list"]]
    named = is_named(gold) and bool(facts)
    joined, everything = " ".join(top_texts[:5]), " ".join(top_texts)
    read = f"{answer.short_answer}\n{answer.answer}"  # what the reader reads: lead, then text
    top, whole = normalise(joined), normalise(everything)
    return {
        "null": not facts,
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "named": named,
        "named_found": states(read, gold) if named else None,
        "named_ceiling": states(joined, gold) if named else None,
        "named_ceiling_all": states(everything, gold) if named else None,
        "facts": len(facts),
        "facts_quoted": facts_quoted(answer, facts) if facts else 0,
        "facts_ceiling": sum(normalise(f) in top for f in facts),
        "facts_ceiling_all": sum(normalise(f) in whole for f in facts),
        "words": None if answer.refused else len(read.split()),
        "untrue": untrue,
        "lead": bool(answer.short_answer),
        "type": question.get("question_type", ""),
        **verdict_figures(gold, answer),
    }


def verdict_figures(gold: str, answer: Answer) -> dict[str, Any]:
    """For yes/no gold answers, the verdict given and whether the answer's first word is the
    gold one (strict); for every question, the MultiHop-RAG paper's lenient score
    (`qa_evaluate.py`: the reply shares one whitespace token with the gold answer, lower case;
    a refusal replies "Insufficient information.", as the paper's systems do)."""
    read = f"{answer.short_answer}\n{answer.answer}"
    reply = "insufficient information." if answer.refused else read.lower()
    verdict = gold.lower().strip(" .")
    given = answer.short_answer.lower() if answer.short_answer.lower() in ("yes", "no") else ""
    first = _FIRST_WORD.search(read)
    return {
        "gold_verdict": verdict if verdict in ("yes", "no") else "",
        "verdict": "" if answer.refused else given,
        "strict": bool(first) and not answer.refused and first.group().lower() == verdict,
        "lenient": bool(set(reply.split()) & set(gold.lower().split())),
    }


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarise_answers(rows: Sequence[Mapping[str, Any]], latencies: Sequence[float]) -> dict:
    """The answer table of a run."""
    import numpy as np

    answerable = [r for r in rows if not r["null"]]
    named = [r for r in answerable if r["named"]]
    reasons: dict[str, int] = {}
    for r in rows:
        if r["refusal_reason"]:
            reasons[r["refusal_reason"]] = reasons.get(r["refusal_reason"], 0) + 1
    lat = np.asarray(latencies or [0.0])
    words = [r["words"] for r in rows if r["words"] is not None]
    return {
        "named_questions": len(named),
        "named_found": _mean([float(r["named_found"]) for r in named]),
        "named_ceiling_top5": _mean([float(r["named_ceiling"]) for r in named]),
        "named_ceiling_answered": _mean([float(r["named_ceiling_all"]) for r in named]),
        "fact_recall": _mean([r["facts_quoted"] / r["facts"] for r in answerable]),
        "fact_ceiling_top5": _mean([r["facts_ceiling"] / r["facts"] for r in answerable]),
        "fact_ceiling_answered": _mean([r["facts_ceiling_all"] / r["facts"] for r in answerable]),
        "null_refused": _mean([float(r["refused"]) for r in rows if r["null"]]),
        "answerable_refused": _mean([float(r["refused"]) for r in answerable]),
        "untrue_citations": sum(r["untrue"] for r in rows),
        "mean_words": round(float(np.mean(words)), 1) if words else None,
        "led_with_answer": _mean([float(r["lead"]) for r in rows if r["words"] is not None]),
        "refusal_reasons": reasons,
        "yes_no": verdict_table(rows),
        "lenient_accuracy": _mean([float(r["lenient"]) for r in rows]),
        "lenient_by_type": {
            t: _mean([float(r["lenient"]) for r in rows if r["type"] == t])
            for t in sorted({r["type"] for r in rows})
        },
        "ask_ms": {
            "p50": round(float(np.percentile(lat, 50)), 1),
            "p95": round(float(np.percentile(lat, 95)), 1),
        },
    }


def verdict_table(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Verdicts on the yes/no questions, overall and by question type: precision of "yes"
    and of "no" (right among given), coverage (given among all), strict accuracy."""
    yes_no = [r for r in rows if r["gold_verdict"]]
    table = {"all": _verdicts(yes_no)}
    for t in sorted({r["type"] for r in yes_no}):
        table[t] = _verdicts([r for r in yes_no if r["type"] == t])
    return table


def _verdicts(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    said = {v: [r for r in rows if r["verdict"] == v] for v in ("yes", "no")}
    return {
        "questions": len(rows),
        "precision_yes": _mean([float(r["gold_verdict"] == "yes") for r in said["yes"]]),
        "precision_no": _mean([float(r["gold_verdict"] == "no") for r in said["no"]]),
        "verdicts_yes": len(said["yes"]),
        "verdicts_no": len(said["no"]),
        "coverage": _mean([float(bool(r["verdict"])) for r in rows]),
        "strict_accuracy": _mean([float(r["strict"]) for r in rows]),
    }
