"""Engine results as plain text for the terminal."""

from __future__ import annotations

import textwrap

from bot.display import shorten, verification_line
from index.results import Answer, Citation, IndexReport, Passage, Stats


def _byline(title: str, source: str, published_at: str) -> str:
    extra = ", ".join(x for x in (source, published_at[:10]) if x)
    return f"{title} — {extra}" if extra else title


def _quote(text: str, width: int = 96) -> str:
    """A quote as the article has it, indented (no quote marks added: an article's own would
    be doubled, as in ““We do know…””)."""
    flat = " ".join(text.split())
    return textwrap.indent(textwrap.fill(flat, width - 4), "    ")


def render_citation(c: Citation) -> str:
    lines = [f"[{c.n}] {_byline(c.title, c.source, c.published_at)}", *map(_quote, c.quotes)]
    if c.url:
        lines.append(f"    {c.url}")
    return "\n".join(lines)


def render_answer(answer: Answer) -> str:
    parts = [f"({answer.note})"] if answer.note else []
    if answer.refused:
        parts.append(answer.answer)
        for p in answer.closest:
            excerpt = shorten(p.text, 300)
            parts.append(f"- {_byline(p.title, p.source, p.published_at)}\n{_quote(excerpt)}")
        return "\n".join(parts)
    if answer.short_answer:
        parts.append(f"Answer: {answer.short_answer}")
    parts += [textwrap.fill(line, 96) for line in answer.answer.splitlines() if line.strip()]
    parts.append("\nSources")
    parts.extend(render_citation(c) for c in answer.citations)
    if verification_line(answer):
        parts.append(f"\n{verification_line(answer)}")
    return "\n".join(parts)


def render_passages(passages: list[Passage]) -> str:
    if not passages:
        return "No passages found: is anything indexed? Try `newsbot stats`."
    blocks = []
    for p in passages:
        head = f"{p.rank}. {_byline(p.title, p.source, p.published_at)}  (score {p.score:.3f})"
        blocks.append(
            "\n".join(x for x in (head, _quote(p.text), f"    {p.url}" if p.url else "") if x)
        )
    return "\n\n".join(blocks)


def render_report(report: IndexReport) -> str:
    lines = [
        f"Indexed: {report.summary()} ({report.chunks_embedded} chunks embedded, "
        f"{report.seconds:.1f}s)."
    ]
    lines += [f"  skipped {s.path}: {s.reason}" for s in report.skipped]
    lines += [f"  duplicate {s.path}: {s.reason}" for s in report.duplicates]
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    last = stats.last_indexed.isoformat() if stats.last_indexed else "never"
    return (
        f"{stats.articles} articles, {stats.chunks} chunks in collection {stats.collection!r}\n"
        f"store: {stats.store}\nlast indexed: {last}\nembedding model: {stats.embedding_model}"
    )
