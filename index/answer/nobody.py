"""A claim that anyone was killed, hurt or lost a job, against the sentence news writes when
no one was: "No deaths were reported", "No one was killed", "no jobs would be lost". Such a
sentence shares few words with the claim ("Was anyone killed in the Harlow Junction
derailment?"), so the claim's best sentence is seldom it; the story's own sentences are read
for it instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.answer.sentences import Sentence
from index.answer.spans import SPELLED_NUMBER

# What happened to someone, in the words a claim and a denial use for it.
_HARMS = {
    "killed": r"killed|died|dead|deaths?|fatalit(?:y|ies)|lost\s+(?:their|his|her)\s+lives?",
    "hurt": r"hurt|injured|injur(?:y|ies)|wounded|harmed|casualt(?:y|ies)",
    "jobs": r"jobs?|redundan(?:t|cy|cies)|laid\s+off|lay-?offs?",
    "arrested": r"arrests?|arrested",
}
_ASKS = {
    "killed": r"killed|died|dead|deaths?|fatalit(?:y|ies)|die",
    "hurt": r"hurt|injured|injur(?:y|ies)|wounded|harmed|casualt(?:y|ies)",
    "jobs": r"(?:los(?:e|ing|t)|cut)\s+(?:(?:their|his|her|a|any)\s+)?jobs?|job\s+(?:losses|cuts)|"
    r"redundan(?:t|cy|cies)|laid\s+off",
    "arrested": r"arrests?|arrested",
}
_ANYONE = re.compile(r"(?i)\b(?:any(?:one|body)?|someone|somebody)\b")
_ASKED = {harm: re.compile(rf"(?i)\b(?:{words})\b") for harm, words in _ASKS.items()}
# "No deaths were reported", "no one was killed", "no jobs would be lost", "evacuated
# without injury".
_UNHARMED = {
    "hurt": r"|\bwithout\s+(?:any\s+)?(?:injur(?:y|ies)|casualties)\b"
    r"|\b(?:unhurt|uninjured|unharmed)\b",
    "killed": r"|\bwithout\s+(?:any\s+)?(?:loss\s+of\s+life|deaths?|fatalit(?:y|ies))\b",
}
_DENIES = {
    harm: re.compile(
        rf"(?i)\b(?:no\s+one|nobody|no|none)\s+(?:[\w'’-]+\s+){{0,3}}?(?:{words})\b"
        + _UNHARMED.get(harm, "")
    )
    for harm, words in _HARMS.items()
}
# "Six workers were injured", "three dead": someone did come to it ("no one" is no count).
_COUNTS = {
    harm: re.compile(
        rf"(?i)(?<!no\s)\b(?:\d[\d,]*|{SPELLED_NUMBER}|several|many|dozens)\s+"
        rf"(?:[\w'’-]+\s+){{0,3}}?(?:(?:was|were|had\s+been|have\s+been)\s+)?(?:{words})\b"
    )
    for harm, words in _HARMS.items()
}


def harm_asked(claim: str) -> str:
    """The harm a claim says came to anyone ("was anyone killed", "were there any injuries"),
    or ""."""
    m = _ANYONE.search(claim)
    if m is None:
        return ""
    rest = claim[m.end() :]
    return next((harm for harm, asked in _ASKED.items() if asked.search(rest)), "")


def denial(harm: str, sentences: Sequence[Sentence], pool: Sequence[int]) -> int | None:
    """The position of a sentence of `pool` saying no one came to `harm`, when no sentence of
    the pool counts someone who did ("three were injured"); else None."""
    if harm_counted(harm, sentences, pool) is not None:
        return None
    return next((i for i in pool if _DENIES[harm].search(sentences[i].text)), None)


def harm_denied(claim: str) -> str:
    """The harm a claim says came to no one ("nobody was hurt in the fire", "no jobs were
    lost"), or ""."""
    return next((harm for harm, denies in _DENIES.items() if denies.search(claim)), "")


def harm_counted(harm: str, sentences: Sequence[Sentence], pool: Sequence[int]) -> int | None:
    """The position of a sentence of `pool` counting someone who came to `harm` ("three were
    injured"), or None."""
    return next((i for i in pool if _COUNTS[harm].search(sentences[i].text)), None)
