"""The answer stage: from retrieved passages to the text a reader gets.

Reading the question, once:
- `question`: the question as the stage reads it (vectors, clauses, publications, what it asks);
- `asks`: what it asks for (a person, a date, a count of runners, money, a verdict ...);
- `yes_no`: a yes/no question's parts (one claim, two sources, consistency, order in time).

Reading the sentences:
- `sentences`: the passages' sentences with their stored vectors (datelines cut off ledes);
- `spans`, `names`, `numbers`: the numbers (and their kind), names and values a sentence states
  (dates: `index/dates.py`);
- `features`, `selector`: which sentences answer (trees learned on both benchmarks' dev halves).

Answering (extractive, the default; no LLM, nothing embedded):
- `slots`: spans of the kind asked (`slot_fit`: how each fits the question, with news's words
  for the same thing from `news_words`; `other_fact`: a fact of the same kind about something
  else), scored by `slot_ranker`;
- `causes`, `outcomes`: a question asking why, or what became of someone, prefers the sentence
  stating the cause or the outcome (`marked`: the weighting both use);
- `lead`: what an answer leads with, or nothing;
- `verdicts`: Yes, No, or undecided, from the sentences that decide it: `order` for order in
  time, `claim_check` for one claim against its sentences (`nobody`: "no one was hurt"
  against anyone hurt);
- `refusal`: when to refuse, and why (`unnamed`: things the articles only count, never name);
  `render`: `[n]` marks and verbatim citations;
- `extractive`: the answerer that puts these together; `compose`: extractive, LLM, or refusal.

Generated answers (LLM mode): `generated`, `generated_checks`, `prompts`, `instructions` (text
an article addresses to a model), `llm_backends`, `llm_reply`, `local_llm`; their checks:
`verification`, `claims`, `proper_names`.
"""

from index.answer.extractive import (
    CLOSEST,
    REASONS,
    REFUSAL,
    ExtractiveAnswerer,
    StoredVectors,
    refused,
    unknown_sources_answer,
)
from index.answer.question import AskedQuestion
from index.answer.refusal import Thresholds

__all__ = [
    "CLOSEST",
    "REASONS",
    "REFUSAL",
    "AskedQuestion",
    "ExtractiveAnswerer",
    "StoredVectors",
    "Thresholds",
    "refused",
    "unknown_sources_answer",
]
