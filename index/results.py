"""The shapes the engine hands to its readers (CLI, Discord bot, evaluator): one shape, 3 readers;
and the one shape a reader hands it besides plain values, `ArticleSlice`.

The JSON the CLI prints is these models dumped, so their field names are an interface.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One article as loaded from a file, before chunking."""

    id: str = Field(description="The url when there is one, else the file path")
    title: str
    body: str
    source: str = ""
    url: str = ""
    published_at: str = ""
    author: str = ""
    category: str = ""
    origin: str = Field("", description="The file it came from")

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()

    @property
    def content_hash(self) -> str:
        """Changes when anything a reader sees changes: body or metadata."""
        parts = [self.title, self.source, self.url, self.published_at, self.author, self.category]
        text = "\x1f".join([*parts, self.body])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ArticleRef(BaseModel):
    """Which article a passage or citation comes from, as a reader is shown it."""

    doc_id: str
    title: str
    source: str = ""
    url: str = ""
    published_at: str = ""


class Passage(ArticleRef):
    """A retrieved chunk of an article, with where it stands in the article body."""

    rank: int = 0
    chunk_id: str
    text: str
    start: int = Field(description="Offset of `text` in the article body")
    end: int
    score: float = 0.0


class Excerpt(BaseModel):
    """One quoted slice of an article: `text == body[start:end]`."""

    start: int
    end: int
    text: str


class Citation(ArticleRef):
    """A numbered source of an answer (one per article); `quote` stands verbatim in the article
    body, and so does every one of `excerpts` when the answer quotes the article more than once.
    """

    n: int
    quote: str
    start: int
    end: int
    passage: str = Field("", description="The whole retrieved passage the quote comes from")
    excerpts: list[Excerpt] = Field(
        default_factory=list,
        description="Every quoted slice of the article, in body order (the first is `quote`)",
    )

    @property
    def quotes(self) -> list[str]:
        """The quoted texts: each excerpt's, or the one quote."""
        return [e.text for e in self.excerpts] or [self.quote]

    @classmethod
    def from_spans(
        cls, n: int, passage: Passage, body: str, spans: list[tuple[int, int]]
    ) -> Citation:
        """Citation `n` of `passage`'s article, quoting each `body[start:end]` of `spans`."""
        spans = sorted(spans)
        citation = cls.from_passage(n, passage, body, *spans[0])
        citation.excerpts = [Excerpt(start=s, end=e, text=body[s:e]) for s, e in spans]
        return citation

    @classmethod
    def from_passage(cls, n: int, passage: Passage, body: str, start: int, end: int) -> Citation:
        """Citation `n` of `passage`, quoting `body[start:end]` of the stored article."""
        return cls(
            n=n,
            doc_id=passage.doc_id,
            title=passage.title,
            source=passage.source,
            url=passage.url,
            published_at=passage.published_at,
            quote=body[start:end],
            start=start,
            end=end,
            passage=passage.text,
        )


class Verification(BaseModel):
    """What the citation checks did to a generated answer (LLM mode only), as counts."""

    backend: str = Field(description="The LLM backend, e.g. openai-compatible")
    model: str = ""
    passages: int = Field(0, description="Numbered passages the model was given")
    sentences: int = Field(0, description="Sentences in the model's text")
    kept: int = Field(0, description="Sentences posted, each with a valid citation")
    out_of_range_removed: int = Field(0, description="[n] markers outside the passages, removed")
    uncited_dropped: int = Field(0, description="Sentences with no valid citation, dropped")
    unsupported_dropped: int = Field(
        0, description="Sentences sharing too little with the passage they cite, dropped"
    )
    quotes_rejected: int = Field(
        0, description="Sentences quoting text not found verbatim in the cited passage, dropped"
    )
    contradicted_dropped: int = Field(
        0, description="Sentences negating or swapping the roles of the cited sentence, dropped"
    )
    model_refused: bool = Field(False, description="The model answered with the refusal phrase")
    replaced_by_refusal: bool = Field(
        False, description="Nothing verifiable was left, so the refusal was posted instead"
    )
    fallback: str | None = Field(
        None,
        description="Why the extractive answer was posted instead, if it was: the LLM error's "
        "name, or off_question (what passed the checks did not answer the question)",
    )
    hit_token_limit: bool = Field(
        False, description="The model ran to its token limit (its unfinished sentence was cut)"
    )
    min_support: float = 0.0
    verify_ms: float = 0.0

    @property
    def dropped(self) -> int:
        return (
            self.uncited_dropped
            + self.unsupported_dropped
            + self.quotes_rejected
            + self.contradicted_dropped
        )


RefusalReason = Literal[
    "publication_not_indexed",  # the question cites a publication the index does not hold
    "no_close_passage",  # no retrieved passage is near the question
    "weak_best_sentence",  # no sentence of the passages answers it well enough
    "focus_not_found",  # what the question asks for is in no sentence that would answer it
    "nothing_verified",  # LLM mode: no generated sentence passed the citation checks
    "model_refused",  # LLM mode: the model said the passages do not answer it
    "nothing_indexed",  # the index is empty
]


Outcome = Literal["yes", "no", "undecided"]


class VerdictPart(BaseModel):
    """One part of a yes/no question and how the evidence decided it."""

    claim: str = Field(description="The part of the question, in its own words")
    sources: list[str] = Field(default_factory=list, description="Publications it names")
    outcome: Outcome
    why: str = Field("", description="What decided it: a date, a figure, a contradiction")
    citations: list[int] = Field(default_factory=list, description="[n] of its sentences")


class Verdict(BaseModel):
    """The verdict on a yes/no question, with the outcome of each of its parts."""

    kind: Literal["single", "two_sources", "consistency", "temporal"]
    outcome: Outcome
    parts: list[VerdictPart] = Field(default_factory=list)


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    closest: list[Passage] = Field(
        default_factory=list, description="When refused: the nearest passages, for the reader"
    )
    confidence: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    verification: Verification | None = Field(
        None, description="LLM mode: what the citation checks removed; None for extractive"
    )
    note: str = Field("", description="A one-line note for the reader, e.g. an LLM fallback")
    short_answer: str = Field(
        "",
        description="What the answer leads with, when the evidence states it: the name, number "
        "or date asked for, or Yes/No",
    )
    refusal_reason: RefusalReason | None = Field(
        None, description="Why the question was refused (None when it was answered)"
    )
    verdict: Verdict | None = Field(
        None, description="For a yes/no question: the verdict and each part's outcome"
    )


class SkippedFile(BaseModel):
    path: str
    reason: str


class IndexReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    duplicates: list[SkippedFile] = Field(
        default_factory=list, description="Articles whose text is already indexed under another id"
    )
    chunks_embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped) + len(self.duplicates)} skipped"
        )


class IndexProgress(BaseModel):
    """A tick of indexing progress, for progress bars and Discord status edits."""

    stage: str
    done: int
    total: int


class Stats(BaseModel):
    articles: int
    chunks: int
    store: str
    collection: str
    last_indexed: datetime | None = None
    embedding_model: str = ""


@dataclass(frozen=True)
class ArticleSlice:
    """The articles of one publication and/or published within a date range: what `ask`,
    `sources` and `articles` may be restricted to (`newsbot ask --source --since --until`)."""

    source: str | None = None
    since: date | None = None
    until: date | None = None

    def __bool__(self) -> bool:
        return bool(self.source or self.since or self.until)

    def describe(self) -> str:
        parts = [f"from {self.source}"] if self.source else []
        if self.since and self.until:
            parts.append(f"published {self.since} to {self.until}")
        elif self.since:
            parts.append(f"published since {self.since}")
        elif self.until:
            parts.append(f"published until {self.until}")
        return " ".join(parts)

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until)


class FeedStatus(BaseModel):
    """A followed feed as its readers see it: where, since when, and its health."""

    url: str
    name: str
    added_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    last_polled: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0  # in a row
    retry_at: str | None = None  # while backing off after failures
    articles_added: int = 0


@dataclass(frozen=True)
class Unfollowed:
    """A feed no longer followed, and how many of the articles it brought are still indexed."""

    feed: FeedStatus
    articles_left: int

    def sentence(self, forget: str) -> str:
        """What a front end says; `forget` names its way to remove an article."""
        name, left = self.feed.name, self.articles_left
        if not left:
            return f"Stopped following {name!r}; none of the articles it brought is indexed now."
        those = "its article stays" if left == 1 else f"the {left} articles it brought stay"
        return f"Stopped following {name!r}; {those} indexed ({forget} removes one)."


@dataclass
class FeedOutcome:
    """What one poll found in one feed."""

    feed: str
    status: str  # "new entries", "unchanged" (304 or nothing new), "failed", "waiting"
    error: str | None = None
    files: dict[str, Path] = field(default_factory=dict)  # entry key -> article file
    added: list[str] = field(default_factory=list)  # titles indexed (new or replaced)
    fallbacks: int = 0  # entries indexed from the feed's summary (page not to be had)
    refused: list[str] = field(default_factory=list)  # entries whose link the guard refused
    unread: list[str] = field(default_factory=list)  # entries with neither page nor summary
    left: int = 0  # new entries past NEWSBOT_FEED_MAX_ENTRIES, for the next poll


@dataclass
class PollReport:
    """One poll of the followed feeds: each feed's outcome, the indexing run, what was forgotten."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    index: IndexReport | None = None
    forgotten: list[str] = field(default_factory=list)  # titles past NEWSBOT_FEED_MAX_AGE_DAYS

    @property
    def added(self) -> int:
        return sum(len(o.added) for o in self.outcomes)

    @property
    def left(self) -> int:
        """New entries left for the next poll (past NEWSBOT_FEED_MAX_ENTRIES)."""
        return sum(o.left for o in self.outcomes)
