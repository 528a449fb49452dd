"""The answer stage: from retrieved passages to the text a reader gets.

- `question`: the question as retrieval left it (vectors, clauses, named publications);
- `sentences`: the passages' sentences with their stored vectors;
- `features`, `selector`: which sentences answer (trees learned on MultiHop-RAG dev);
- `lead`: the name or number an answer leads with;
- `refusal`: when to refuse, and why;
- `render`: `[n]` marks and verbatim citations;
- `extractive`: the answerer that puts these together (no LLM, nothing embedded).
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
