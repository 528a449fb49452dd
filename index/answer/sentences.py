"""The sentences an answer is chosen from: every sentence of the retrieved passages, with the
vector the store already holds for it.

Indexing embedded every sentence of every chunk (`index/store/sentence_vectors.py`); a retrieved
passage is its chunk widened with sentences of the chunks next to it, so the vectors of all its
sentences are among those of its chunk and the chunks around it. Reading them costs a cache
look-up, where embedding the passages' sentences again cost most of an answer's time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.answer.instructions import within_instructions
from index.chunks import ChunkNode, neighbour_ids
from index.results import Passage
from index.text import Span, sentence_spans

log = logging.getLogger(__name__)

_HEADING = re.compile(r"^[^.!?…\"”’,;:]*$")
HEADLINE_WORDS = 12
_RESIDUE = re.compile(r"pic\.twitter\.com|https?://|\(@\w+\)|@\w+\)?\s+\w+ \d{1,2}, \d{4}")
# A dateline: "ALDER BAY, Feb. 26 — ", "HALDEN, Feb 18 (MPS) — ".
_DATELINE = re.compile(
    r"^[A-Z][A-Z .,'’-]{2,}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?(?:\s*\([^()]{1,40}\))?"
    r"\s*[—–-]{1,2}\s*"
)

NEIGHBOURS = 2  # chunks on each side whose sentences a widened passage may hold


@dataclass
class Sentence:
    """One sentence of a retrieved passage, with offsets into its article's body."""

    passage: Passage
    start: int
    end: int
    text: str
    position: int  # its place among the passage's sentences
    vector: np.ndarray | None = None
    trimmed: int = 0  # characters of a dateline cut off its front ("ALDER BAY, Feb. 26 — ")

    @property
    def key(self) -> tuple[str, int, int]:
        """The sentence as indexing split it (dateline included): its stored vector's key."""
        return (self.passage.doc_id, self.start - self.trimmed, self.end)


class StoredSentenceVectors:
    """The stored sentence vectors of passages, read through the store's caches.

    `nodes_of` and `vectors_of` are the store's chunk-id look-ups (chunk nodes, and each chunk's
    sentence vectors as float16 rows in `sentences_of(chunk text)` order).
    """

    def __init__(
        self,
        nodes_of: Callable[[list[str]], dict[str, ChunkNode]],
        vectors_of: Callable[[list[str]], dict[str, np.ndarray]],
    ) -> None:
        self.nodes_of, self.vectors_of = nodes_of, vectors_of

    def by_span(self, passages: Sequence[Passage]) -> dict[tuple[str, int, int], np.ndarray]:
        """(doc id, start, end) of each stored sentence near the passages -> its vector."""
        ids = sorted({i for p in passages for i in neighbour_ids(p.chunk_id, NEIGHBOURS)})
        nodes = self.nodes_of(ids)
        vectors = self.vectors_of(list(nodes))
        out: dict[tuple[str, int, int], np.ndarray] = {}
        for chunk_id, node in nodes.items():
            rows = vectors.get(chunk_id)
            spans = sentence_spans(node.get_content())
            if rows is None or len(rows) != len(spans):
                continue  # an older chunk without sentence vectors: embedded on demand
            base = int(node.metadata.get("start", 0))
            doc = str(node.metadata.get("doc_id", ""))
            for (s, e), row in zip(spans, rows, strict=True):
                out.setdefault((doc, base + s, base + e), row)
        return out


def split_passages(passages: Sequence[Passage]) -> list[Sentence]:
    """Every sentence of the passages, each article span once (the first passage keeps it)."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Sentence] = []
    for passage in passages:
        for position, (s, e) in enumerate(_spans(passage.text)):
            key = (passage.doc_id, passage.start + s, passage.start + e)
            if key in seen:
                continue
            seen.add(key)
            cut = _dateline_cut(passage.text[s:e])
            text = passage.text[s + cut : e]
            out.append(Sentence(passage, key[1] + cut, key[2], text, position, trimmed=cut))
    return out


def answer_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    """The passages' sentences an answer may quote (`split_passages`, each once)."""
    return [s for s in split_passages(passages) if _answerable(s)]


def _answerable(sentence: Sentence) -> bool:
    """Headings and embed residue are never answer sentences (they state nothing), nor text
    written to a language model (a prompt injection's payload is not reporting, whoever quotes
    it: the prompt leaves it out, and so does the extractive answer)."""
    text, passage = sentence.text, sentence.passage
    if is_heading(text) or is_residue(text):
        return False
    at = sentence.start - passage.start
    return not within_instructions(passage.text, at, at + len(text))


def _dateline_cut(text: str) -> int:
    """How much of a sentence's front is a dateline to leave out of its quote: all of one,
    when a lede follows it ("ALDER BAY, Feb. 26 — The council approved ..."); none when little
    follows (then the sentence is residue, never quoted)."""
    end = dateline_end(text)
    return end if end and len(text[end:].split()) >= 5 else 0


def _spans(text: str) -> list[Span]:
    return sentence_spans(text) or ([(0, len(text))] if text.strip() else [])


def attach_vectors(
    sentences: list[Sentence],
    stored: dict[tuple[str, int, int], np.ndarray],
    embed: Callable[[list[str]], np.ndarray],
) -> int:
    """Give every sentence its vector: the stored one, else (rare: a chunk indexed before
    sentence vectors, or a passage cut differently) embedded now. How many were embedded."""
    missing: list[Sentence] = []
    for sentence in sentences:
        row = stored.get(sentence.key)
        if row is None:
            missing.append(sentence)
        else:
            sentence.vector = np.asarray(row, dtype=np.float32)
    if missing:
        for sentence, row in zip(missing, embed([s.text for s in missing]), strict=True):
            sentence.vector = np.asarray(row, dtype=np.float32)
        log.debug("embedded %d of %d answer sentences", len(missing), len(sentences))
    return len(missing)


def is_residue(text: str) -> bool:
    """Social-media embed residue ("pic.twitter.com/…", "— Name (@handle) May 1, 2023") or a
    dateline with little after it ("ALDER BAY, Feb. 26 — "): never an answer sentence on its
    own. A lede after its dateline is a sentence like any other."""
    end = dateline_end(text)
    return bool(_RESIDUE.search(text)) or (end > 0 and len(text[end:].split()) < 5)


def dateline_end(text: str) -> int:
    """Where a dateline that opens `text` ends (0 when there is none)."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def is_heading(text: str) -> bool:
    """A Markdown heading, or a short line that ends without punctuation (a headline). A long
    one is a sentence hard-wrapped across lines, which still says something."""
    text = text.strip()
    if text.startswith("#"):
        return True
    return bool(_HEADING.search(text)) and len(text.split()) <= HEADLINE_WORDS
