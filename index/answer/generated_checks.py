"""Checks on a generated answer beyond its citations: did the model run out of tokens, and does
what survived verification still answer the question?

A small model writes on to its token limit, and verification may keep one sentence of twenty
that is true of the passages but about something else. Such a reply is cut at its last
finished sentence, and an answer that lost most (or all) of its sentences, or that lacks what
the question asks for (the extractive answerer's focus check), is replaced by the extractive
one, which refuses in turn when the passages do not answer.
"""

from __future__ import annotations

import re
from typing import Any

from index.answer.refusal import missing_focus
from index.text import sentence_spans

# Below this share of the model's sentences kept, what is left is a fragment of a reply the
# checks mostly rejected, not an answer.
MIN_KEPT_SHARE = 0.5
_CITE = r"\[\d+(?:\s*,\s*\d+)*\]"
# A finished sentence ends with its closing mark (and any quotes, brackets, citations after
# it), or with a citation: "... nine people [1]" is a whole claim.
_FINISHED = re.compile(rf"""(?:[.!?]["'”’)\]]*|{_CITE})(?:\s*{_CITE})*\s*\.?\s*$""")


def finish_reason(raw: Any) -> str | None:
    """The reason the backend gave for ending the reply: "length" at the token limit.

    OpenAI and OpenAI-compatible servers (and llama-cpp-python) give `choices[0].finish_reason`,
    as a dict or an object; Ollama gives `done_reason`.
    """
    if raw is None:
        return None
    if isinstance(raw, dict):
        if raw.get("done_reason"):
            return str(raw["done_reason"])
        choices = raw.get("choices") or [{}]
        reason = choices[0].get("finish_reason") if isinstance(choices[0], dict) else None
        return str(reason) if reason else None
    choices = getattr(raw, "choices", None) or []
    reason = getattr(choices[0], "finish_reason", None) if choices else None
    return str(reason) if reason else None


def cut_unfinished(text: str) -> str:
    """`text` without its last sentence when that sentence was cut off (no closing mark)."""
    stripped = text.rstrip()
    if not stripped or _FINISHED.search(stripped):
        return stripped
    spans = sentence_spans(stripped)
    if len(spans) <= 1:
        return ""
    return stripped[: spans[-1][0]].rstrip()


def off_question(question: str, kept: list[str], sentences: int) -> str | None:
    """Why the verified sentences `kept` (of `sentences` written) do not answer `question`, as
    a phrase for the reader's note, or None when they do."""
    if not kept:
        if not sentences:
            return "it wrote nothing"
        return f"none of its {sentences} sentences passed the citation checks"
    if sentences and len(kept) / sentences < MIN_KEPT_SHARE:
        return f"only {len(kept)} of its {sentences} sentences passed the citation checks"
    focus = missing_focus(question, kept)
    if focus:
        return f"what passed the citation checks does not give {focus}"
    return None
