"""Engine results as Discord messages: split to fit, escaped, sources kept with the answer.

Everything here is pure (no network): `answer_parts` turns an `Answer` into the messages to send,
`passages_text`/`citations_text` the ephemeral source listings, `split_message` cuts any text
at paragraph, line, sentence or word breaks without leaving a code fence open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote as percent_encode

import discord
import yarl

from bot.display import shorten, verification_line
from index.results import Answer, IndexReport, Passage, Stats

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBED_COLOUR = 0x2B6CB0
NO_MENTIONS = discord.AllowedMentions.none()

_FENCE = re.compile(r"^\s*```(\S*)", re.M)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s")


@dataclass
class Part:
    """One message to send: content and optional embed (the view is added by the caller)."""

    content: str
    embeds: list[discord.Embed] = field(default_factory=list)


def escape(text: str) -> str:
    """Article text made inert: no markdown formatting, no @everyone/@here/user/role pings."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def flat(text: str) -> str:
    return " ".join(text.split())


# --- splitting ------------------------------------------------------------------------------


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text[:limit]`: a paragraph, line, sentence or word break, else `limit`."""
    window = text[:limit]
    floor = limit // 3  # a break too early would make many tiny messages
    for pattern in ("\n\n", "\n"):
        at = window.rfind(pattern)
        if at > floor:
            return at
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] > floor:
        return ends[-1]
    at = window.rfind(" ")
    if at > floor:
        return at
    # no break: cut hard, but not inside an escape sequence (a backslash and its character)
    while limit > 1 and window[limit - 1] == "\\":
        limit -= 1
    return limit


def _open_fence(text: str) -> str | None:
    """The info string of a code fence left open at the end of `text` ('' if none given)."""
    language: str | None = None
    for match in _FENCE.finditer(text):
        language = match.group(1) if language is None else None
    return language


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into messages of at most `limit` characters.

    Cuts at the last paragraph break, else line break, else sentence end, else space before the
    limit. A code fence open at a cut is closed there and reopened (same language) in the next
    part, so every part renders on its own.
    """
    text = text.strip()
    parts: list[str] = []
    reopen = ""
    while text:
        text = reopen + text
        if len(text) <= limit:
            parts.append(text)
            break
        budget = limit - 4  # room for a closing "\n```"
        cut = _cut_point(text, budget)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        language = _open_fence(head)
        if language is not None:
            head += "\n```"
            reopen = f"```{language}\n"
        else:
            reopen = ""
        if head.strip("`\n "):
            parts.append(head)
    return parts


# --- answers ----------------------------------------------------------------------------------


def _byline(title: str, source: str, published_at: str) -> str:
    return " · ".join(x for x in (source, published_at[:10]) if x)


# What may stay as it is after a url's host: RFC 3986's unreserved and reserved characters,
# less the brackets (a masked link's) and "@" (a mention's), with "%" (escapes already made).
_URL_SAFE = "-._~:/?#!$&'()*+,;=%"
_AUTHORITY = re.compile(r"(https?://[^/?#]*)(.*)", re.S)


def link(url: str) -> str:
    """An article's url made inert, as a link: `<url>` (no preview) with every character after
    its host that could end the wrapper or start markdown or a mention (spaces, `<>`, `[]`,
    backticks, `|`, `@`) percent-encoded, so it opens the same page; anything but an http(s) url
    is escaped text, not a link."""
    try:
        parsed = yarl.URL(url.strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        return escape(flat(url))
    # yarl has the host in IDNA form and the rest percent-encoded as far as it goes.
    authority, rest = _AUTHORITY.fullmatch(str(parsed)).groups()  # type: ignore[union-attr]
    return f"<{authority}{percent_encode(rest, safe=_URL_SAFE)}>"


def sources_embed(answer: Answer) -> discord.Embed | None:
    """The numbered sources of an answer (or its closest passages when refused), as one embed."""
    embed = discord.Embed(colour=EMBED_COLOUR)
    total = 0
    if answer.refused:
        embed.title = "Closest passages"
        items = [
            (str(p.rank), p.title, p.source, p.published_at, p.url, p.text) for p in answer.closest
        ]
    else:
        embed.title = "Sources"
        items = [
            (str(c.n), c.title, c.source, c.published_at, c.url, " … ".join(c.quotes))
            for c in answer.citations
        ]
    if not items:
        return None
    for n, title, source, published_at, url, text in items[:25]:
        name = shorten(f"[{n}] {escape(flat(title))}", FIELD_NAME_LIMIT)
        byline = escape(_byline(title, source, published_at))
        shown = link(url) if url else ""
        room = FIELD_VALUE_LIMIT - len(byline) - len(shown) - 8
        value = f"> {shorten(escape(flat(text)), min(room, 300))}"
        if byline:
            value += f"\n{byline}"
        if shown:
            value += f"\n{shown}"
        value = value[:FIELD_VALUE_LIMIT]
        total += len(name) + len(value)
        if total > EMBED_TOTAL_LIMIT - 200:
            break
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text="Press Sources for the full passages.")
    return embed


def _answer_markdown(answer: Answer) -> str:
    """The answer text escaped for Discord, led by its short answer (when it has one) in bold."""
    if answer.short_answer:
        return f"**{escape(answer.short_answer)}**\n{escape(answer.answer)}"
    return escape(answer.answer)


def answer_parts(answer: Answer, *, show_question: bool = False) -> list[Part]:
    """The messages of one answer: the text split to fit, the sources embed on the last part.

    `show_question` quotes the question first (a slash command's options are not shown to the
    channel; a reply to a message needs no such quote).
    """
    text = _answer_markdown(answer)
    if answer.note:
        text = f"-# {escape(answer.note)}\n{text}"
    if show_question:
        text = f"> **{escape(shorten(flat(answer.question), 300))}**\n\n{text}"
    chunks = split_message(text) or ["(no answer)"]
    parts = [Part(c) for c in chunks]
    embed = sources_embed(answer)
    if embed is not None:
        parts[-1].embeds.append(embed)
    return parts


# --- source listings (ephemeral) --------------------------------------------------------------


def _passage_block(
    n: str,
    title: str,
    source: str,
    published_at: str,
    url: str,
    text: str,
    quotes: list[str] | None = None,
) -> str:
    head = f"**[{n}] {escape(flat(title))}**"
    byline = _byline(title, source, published_at)
    if byline:
        head += f" — {escape(byline)}"
    lines = [head]
    if url:
        lines.append(link(url))
    lines.append(f"> {_bolded(flat(text), [flat(q) for q in quotes or [] if q.strip()])}")
    return "\n".join(lines)


def _bolded(body: str, quotes: list[str]) -> str:
    """`body` escaped, each quote in it in bold; quotes it does not hold follow it in bold."""
    spans = []
    rest = []
    for quote in quotes:
        at = body.find(quote)
        if at < 0:
            rest.append(quote)
        elif quote != body:
            spans.append((at, at + len(quote)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [escape(body[pos:start]), f"**{escape(body[start:end])}**"]
        pos = end
    out.append(escape(body[pos:]))
    return "".join(out) + "".join(f" … **{escape(q)}**" for q in rest)


def citations_text(answer: Answer) -> str:
    """Every cited passage of an answer in full, its quote in bold."""
    if answer.refused:
        if not answer.closest:
            return "This answer has no sources: the articles did not cover the question."
        return passages_text(answer.closest, heading="Closest passages (not enough to answer)")
    blocks = [
        _passage_block(
            str(c.n), c.title, c.source, c.published_at, c.url, c.passage or c.quote, c.quotes
        )
        for c in answer.citations
    ]
    head = f"**Sources for:** {escape(shorten(flat(answer.question), 300))}"
    checked = verification_line(answer)
    if checked:
        head = f"{head}\n-# {escape(checked)}"
    return "\n\n".join([head, *blocks])


def passages_text(passages: list[Passage], heading: str = "Top passages") -> str:
    if not passages:
        return "No passages found: nothing relevant is indexed yet."
    blocks = [
        _passage_block(str(p.rank), p.title, p.source, p.published_at, p.url, p.text)
        for p in passages
    ]
    return "\n\n".join([f"**{heading}**", *blocks])


# --- admin ------------------------------------------------------------------------------------


def report_text(report: IndexReport, heading: str = "Re-indexed") -> str:
    lines = [
        f"**{heading}:** {report.summary()} "
        f"({report.chunks_embedded} chunks embedded, {report.seconds:.1f} s)."
    ]
    problems = [("skipped", s) for s in report.skipped]
    problems += [("duplicate", s) for s in report.duplicates]
    shown = 0
    used = len(lines[0])
    for kind, item in problems[:10]:
        # paths and reasons come from files: flattened, inert, and cut to fit one message
        path = discord.utils.escape_mentions(shorten(flat(item.path), 120).replace("`", "'"))
        line = f"- {kind} `{path}`: {shorten(escape(flat(item.reason)), 200)}"
        if used + len(line) + 1 > MESSAGE_LIMIT - 60:  # room for the "… and n more" line
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if len(problems) > shown:
        lines.append(f"- … and {len(problems) - shown} more (see the log).")
    return "\n".join(lines)


def stats_text(stats: Stats) -> str:
    last = stats.last_indexed.strftime("%Y-%m-%d %H:%M UTC") if stats.last_indexed else "never"
    return (
        f"**{stats.articles:,} articles**, {stats.chunks:,} chunks in collection "
        f"`{stats.collection}`\nlast indexed: {last}\nembedding model: `{stats.embedding_model}`"
    )
