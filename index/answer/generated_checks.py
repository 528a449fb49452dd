"""Checks on a generated answer beyond its citations: did the model run out of tokens (or past
the reply limits), and does what survived verification still answer the question?

A small model writes on to its token limit, and verification may keep one sentence of twenty
that is true of the passages but about something else. Such a reply is cut at its last
finished sentence, and an answer that lost most (or all) of its sentences, or that lacks what
the question asks for (the extractive answerer's focus check), is replaced by the extractive
one, which refuses in turn when the passages do not answer.

A server may also ignore the token limit it was sent: a reply is read no further than
`REPLY_CHARS_PER_TOKEN` characters a token of NEWSBOT_LLM_MAX_TOKENS, and checked no further than
`MAX_REPLY_SENTENCES` sentences; either cut is handled as a reply at its token limit.
"""

from __future__ import annotations

import re
from typing import Any

from index.answer.asks import Asks, analyse
from index.answer.refusal import missing_focus, missing_slot
from index.answer.slots import spans_of
from index.answer.verification import split_sentences
from index.text import sentence_spans

# Below this share of the model's sentences kept, what is left is a fragment of a reply the
# checks mostly rejected, not an answer.
MIN_KEPT_SHARE = 0.5
# English runs about 4 characters a token; twice that leaves room for other scripts and for
# tokenisers that split finely, and still bounds what a server that writes on can make us read.
REPLY_CHARS_PER_TOKEN = 8
# The prompt asks for one to three sentences; an extractive answer quotes at most ten.
MAX_REPLY_SENTENCES = 10
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


def first_sentences(text: str, most: int = MAX_REPLY_SENTENCES) -> tuple[str, bool]:
    """`text` cut after its first `most` sentences (one a line), and whether it was cut."""
    sentences = split_sentences(text)
    if len(sentences) <= most:
        return text, False
    return "\n".join(sentences[:most]), True


def off_question(
    question: str, kept: list[str], sentences: int, asks: Asks | None = None
) -> str | None:
    """Why the verified sentences `kept` (of `sentences` written) do not answer `question`, as
    a phrase for the reader's note, or None when they do. `asks` is the question's analysis,
    made here when the caller has none."""
    if not kept:
        if not sentences:
            return "it wrote nothing"
        return f"none of its {sentences} sentences passed the citation checks"
    if sentences and len(kept) / sentences < MIN_KEPT_SHARE:
        return f"only {len(kept)} of its {sentences} sentences passed the citation checks"
    asks = asks or analyse(question)
    focus = missing_kind(asks, kept) or missing_focus(question, asks, kept)
    if focus:
        return f"what passed the citation checks does not give {focus}"
    return None


def missing_kind(asks: Asks, kept: list[str]) -> str | None:
    """What a short question asks for ("when", "how many drones"), when it asks for one thing
    of a known kind and no kept sentence holds anything of that kind."""
    stated = next((span for text in kept for span in spans_of(asks, text)), None)
    return missing_slot(asks, stated)
