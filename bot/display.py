"""Text for readers that both front ends write: a long text shortened, the checks a generated
answer passed in one line. What each front end adds (escaping, wrapping) stays with it."""

from __future__ import annotations

import re

from index.results import Answer

_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")


def shorten(text: str, limit: int) -> str:
    """`text` (white space folded) cut to at most `limit` characters: at the last sentence end
    past half of it, else at a word break with an ellipsis; never mid-word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    window = flat[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window + " ")]
    if ends and ends[-1] >= limit // 2:
        return window[: ends[-1]]
    space = window.rfind(" ")
    cut = window[:space] if space > limit // 2 else window
    # never end on a lone backslash (an escape with nothing to escape)
    return cut.rstrip(",;:—–-\\ ") + "…"


def verification_line(answer: Answer) -> str:
    """`Checked: 2 of 3 sentences kept; 1 out-of-range [n] removed ...` (LLM mode), else ""."""
    v = answer.verification
    if v is None or v.fallback:
        return ""
    removed = [
        (v.out_of_range_removed, "out-of-range [n] removed"),
        (v.uncited_dropped, "uncited dropped"),
        (v.unsupported_dropped, "unsupported dropped"),
        (v.quotes_rejected, "with a quote not in the source dropped"),
    ]
    details = "; ".join(f"{n} {what}" for n, what in removed if n)
    head = f"Checked ({v.backend} {v.model}): {v.kept} of {v.sentences} sentences kept"
    return f"{head}; {details}" if details else head
