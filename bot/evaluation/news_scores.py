"""What a reader of the news set's answers gets, question by question and as tables.

An answer is scored as the JSON `newsbot ask --json` prints it (a dict), so the answers of any
release (or of another system) can be scored the same way:

- answered with the expected fact: not refused, and the answer (its lead and text) states one of
  the accepted forms of the expected answer, or quotes its evidence whole;
- lead precision: among the answers that lead with a short answer, the share whose lead is the
  expected answer (a lead on a near miss or an off-topic question is a wrong lead);
- lead coverage: the share of answerable questions answered with a lead;
- near misses refused: on-topic questions whose fact no article states;
- yes/no: the verdict an answer gives (its short answer, else its first word) against the gold
  verdict: precision among verdicts given, for "yes" and "no" apart, and coverage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from bot.evaluation.answers import normalise_answer, states
from bot.evaluation.metrics import normalise
from bot.evaluation.newsset import WH_TYPES, YES_NO_KINDS, Question, accepted, is_yes_no

Row = dict[str, Any]
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_LETTER = re.compile(r"[a-z]")


def lead_is(lead: str, forms: Iterable[str]) -> bool:
    """Whether `lead` gives the expected answer: it states one of `forms` whole, or it is most of
    one ("Halvorsen" for "Ingrid Halvorsen"; not "2" for "February 2")."""
    mine = normalise_answer(lead)
    if not mine:
        return False
    for form in forms:
        theirs = normalise_answer(form)
        if not theirs:
            continue
        if f" {theirs} " in f" {mine} ":
            return True
        words, their_words = mine.split(), theirs.split()
        inside = f" {mine} " in f" {theirs} "
        lettered = bool(_LETTER.search(mine)) or not _LETTER.search(theirs)
        if inside and lettered and 2 * len(words) >= len(their_words):
            return True
    return False


def verdict_of(answer: Mapping[str, Any]) -> str:
    """ "yes", "no" or "" : the verdict an answer leads with."""
    if answer.get("refused"):
        return ""
    short = str(answer.get("short_answer") or "").strip().lower()
    if short in ("yes", "no"):
        return short
    word = first_word(answer)
    return word if word in ("yes", "no") else ""


def first_word(answer: Mapping[str, Any]) -> str:
    """The answer's first word, lower case ("" when refused)."""
    if answer.get("refused"):
        return ""
    lead = str(answer.get("short_answer") or "")
    m = _FIRST_WORD.search(f"{lead} {answer.get('answer', '')}")
    return m.group().lower() if m else ""


def reader_text(answer: Mapping[str, Any]) -> str:
    """What the reader reads: the lead, then the answer text."""
    return f"{answer.get('short_answer') or ''}\n{answer.get('answer', '')}"


def quotes_of(answer: Mapping[str, Any]) -> list[str]:
    out = []
    for c in answer.get("citations", []):
        excerpts = c.get("excerpts") or []
        out += [e["text"] for e in excerpts] or [c.get("quote", "")]
    return out


def score_question(question: Question, answer: Mapping[str, Any]) -> Row:
    """One question's figures."""
    refused = bool(answer.get("refused"))
    lead = "" if refused else str(answer.get("short_answer") or "")
    row: Row = {
        "id": question["id"],
        "type": question["type"],
        "kind": question["kind"],
        "refused": refused,
        "refusal_reason": answer.get("refusal_reason"),
        "untrue": int(answer.get("untrue", 0)),
        "words": None if refused else len(str(answer.get("answer", "")).split()),
        "ask_ms": answer.get("ask_ms"),
        "lead": lead,
    }
    if is_yes_no(question):
        row.update(_yes_no_row(question, answer))
        return row
    forms = accepted(question)
    evidence = list(question.get("evidence", []))
    quotes = [normalise(q) for q in quotes_of(answer)]
    quoted = sum(any(normalise(e) in q for q in quotes) for e in evidence)
    answerable = question["kind"] == "answerable"
    row.update(
        evidence=len(evidence),
        evidence_quoted=quoted,
        found=answerable
        and not refused
        and (any(states(reader_text(answer), f) for f in forms) or (evidence and quoted > 0)),
        lead_right=bool(lead) and answerable and lead_is(lead, forms),
    )
    return row


def _yes_no_row(question: Question, answer: Mapping[str, Any]) -> Row:
    gold = str(question.get("verdict", "")).lower()
    given = verdict_of(answer)
    return {
        "yes_no_kind": question.get("yes_no_kind", "single"),
        "gold": gold,
        "verdict": given,
        "strict": first_word(answer) == gold,
    }


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _count(flags: Sequence[bool]) -> str:
    return f"{sum(flags)}/{len(flags)}"


def summarise(rows: Sequence[Row]) -> dict[str, Any]:
    """The news set's tables: answers, leads by type, near misses, yes/no by kind."""
    wh = [r for r in rows if r["type"] != "yes_no"]
    answerable = [r for r in wh if r["kind"] == "answerable"]
    near = [r for r in wh if r["kind"] == "near_miss"]
    off = [r for r in wh if r["kind"] == "off_topic"]
    led = [r for r in wh if r["lead"]]
    latencies = [r["ask_ms"] for r in rows if r["ask_ms"] is not None]
    words = [r["words"] for r in wh if r["words"] is not None]
    evidence = [r["evidence_quoted"] / r["evidence"] for r in answerable if r["evidence"]]
    return {
        "questions": len(rows),
        "answers": {
            "answered_with_expected_fact": _share([r["found"] for r in answerable]),
            "answered_count": _count([r["found"] for r in answerable]),
            "evidence_quoted": round(float(np.mean(evidence)), 4) if evidence else None,
            "near_misses_refused": _share([r["refused"] for r in near]),
            "near_misses_count": _count([r["refused"] for r in near]),
            "off_topic_refused": _share([r["refused"] for r in off]),
            "answerable_refused": _share([r["refused"] for r in answerable]),
            "lead_precision": _share([r["lead_right"] for r in led]),
            "leads_right_count": _count([r["lead_right"] for r in led]),
            "lead_coverage": _share([bool(r["lead"]) for r in answerable]),
            "untrue_citations": sum(r["untrue"] for r in rows),
            "mean_words": round(float(np.mean(words)), 1) if words else None,
            "ask_ms": _percentiles(latencies),
        },
        "by_type": {t: _by_type([r for r in wh if r["type"] == t]) for t in WH_TYPES},
        "yes_no": yes_no_table([r for r in rows if r["type"] == "yes_no"], YES_NO_KINDS),
    }


def _by_type(rows: Sequence[Row]) -> dict[str, Any]:
    answerable = [r for r in rows if r["kind"] == "answerable"]
    led = [r for r in rows if r["lead"]]
    return {
        "answerable": len(answerable),
        "found": _share([r["found"] for r in answerable]),
        "lead_precision": _share([r["lead_right"] for r in led]),
        "lead_coverage": _share([bool(r["lead"]) for r in answerable]),
        "leads": _count([r["lead_right"] for r in led]),
        "near_misses_refused": _count([r["refused"] for r in rows if r["kind"] == "near_miss"]),
    }


def yes_no_table(rows: Sequence[Row], kinds: Sequence[str]) -> dict[str, Any]:
    """Verdict precision for "yes" and for "no", coverage and strict accuracy, overall and by
    kind; undecided questions (gold "undecided") count apart: a verdict on one is wrong."""
    table = {"all": _verdicts(rows)}
    for kind in kinds:
        table[kind] = _verdicts([r for r in rows if r["yes_no_kind"] == kind])
    return table


def _verdicts(rows: Sequence[Row]) -> dict[str, Any]:
    decidable = [r for r in rows if r["gold"] in ("yes", "no")]
    undecided = [r for r in rows if r["gold"] not in ("yes", "no")]
    given = [r for r in decidable if r["verdict"]]
    said = {v: [r for r in rows if r["verdict"] == v] for v in ("yes", "no")}
    return {
        "questions": len(rows),
        "precision": _share([r["verdict"] == r["gold"] for r in given]),
        "precision_yes": _share([r["gold"] == "yes" for r in said["yes"]]),
        "precision_no": _share([r["gold"] == "no" for r in said["no"]]),
        "verdicts_yes": _count([r["gold"] == "yes" for r in said["yes"]]),
        "verdicts_no": _count([r["gold"] == "no" for r in said["no"]]),
        "coverage": _share([bool(r["verdict"]) for r in decidable]),
        "strict_accuracy": _share([r["strict"] for r in decidable]),
        "undecided_left_open": _count([not r["verdict"] for r in undecided]),
    }


def _percentiles(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    a = np.asarray(values, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(a, 50)), 1),
        "p95": round(float(np.percentile(a, 95)), 1),
    }


def render(report: Mapping[str, Any]) -> str:
    """The news set's report as plain-text tables."""
    from bot.evaluation.report import table

    a = report["answers"]
    ask = a["ask_ms"] or {"p50": None, "p95": None}
    head = f"News set, split {report['split']}: {report['questions']} questions"
    answers = table(
        ["answer", "value"],
        [
            ["answerable answered with the expected fact", a["answered_with_expected_fact"]],
            ["  (count)", a["answered_count"]],
            ["evidence quoted", a["evidence_quoted"]],
            ["near misses refused", a["near_misses_refused"]],
            ["  (count)", a["near_misses_count"]],
            ["off-topic refused", a["off_topic_refused"]],
            ["answerable refused", a["answerable_refused"]],
            ["lead precision", a["lead_precision"]],
            ["  (right / given)", a["leads_right_count"]],
            ["lead coverage", a["lead_coverage"]],
            ["untrue citations", a["untrue_citations"]],
            ["mean answer words", a["mean_words"]],
            ["ask p50 / p95 ms", f"{ask['p50']} / {ask['p95']}"],
        ],
    )
    types = table(
        ["type", "answerable", "found", "lead prec.", "lead cov.", "leads", "near misses refused"],
        [
            [t, v["answerable"], v["found"], v["lead_precision"], v["lead_coverage"], v["leads"],
             v["near_misses_refused"]]
            for t, v in report["by_type"].items()
        ],
    )  # fmt: skip
    return "\n\n".join([head, answers, types, verdict_table(report["yes_no"])])


def verdict_table(verdicts: Mapping[str, Mapping[str, Any]]) -> str:
    """Yes/no verdicts by kind: precision (yes, no), coverage, strict accuracy."""
    from bot.evaluation.report import table

    return table(
        ["yes/no", "n", "precision", "yes", "no", "coverage", "strict acc.", "undecided open"],
        [
            [k, v["questions"], v["precision"], v["verdicts_yes"], v["verdicts_no"], v["coverage"],
             v["strict_accuracy"], v["undecided_left_open"]]
            for k, v in verdicts.items()
        ],
    )  # fmt: skip
