"""The bot's pure parts: splitting to Discord's limits, escaping, upload names, the rate limit."""

from __future__ import annotations

import time
from datetime import date

import pytest

from bot.discord.fetch import check_content, safe_name
from bot.discord.limits import RateLimiter
from bot.discord.render import answer_parts, escape, split_message
from bot.discord.replies import Refused, user_message
from bot.discord.slice_options import slice_of
from index.errors import InvalidQuestion
from index.results import Answer, ArticleSlice, Passage


def fences_balanced(part: str) -> bool:
    return sum(1 for line in part.splitlines() if line.lstrip().startswith("```")) % 2 == 0


def test_short_text_is_one_message() -> None:
    assert split_message("Hello.") == ["Hello."]


def test_split_prefers_paragraphs_then_sentences() -> None:
    para = "A sentence about the strike. " * 40  # ~1,160 characters
    text = f"{para.strip()}\n\n{para.strip()}"
    parts = split_message(text)
    assert parts == [para.strip(), para.strip()]
    one = "Word after word, no paragraph here. " * 100  # 3,600 characters, sentences only
    parts = split_message(one)
    assert all(len(p) <= 2000 for p in parts) and len(parts) == 2
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts).split() == one.split()


def test_split_never_leaves_a_code_fence_open() -> None:
    code = "\n".join(f"print({i})  # line {i}" for i in range(200))  # ~4,000 characters
    text = f"Before the code.\n\n```python\n{code}\n```\n\nAfter the code."
    parts = split_message(text)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= 2000 and fences_balanced(part), part[-80:]
    assert all(p.startswith("```python\n") for p in parts[1:-1])
    joined = "\n".join(parts)
    assert all(f"print({i})" in joined for i in range(200))


def test_split_cuts_words_only_when_it_must() -> None:
    parts = split_message("x" * 4500)
    assert [len(p) for p in parts] == [1996, 1996, 508]
    escaped = escape("*" * 3000)  # "\*" pairs: a cut must not separate them
    assert all(not p.endswith("\\") for p in split_message(escaped))


def test_escape_makes_article_text_inert() -> None:
    text = escape("@everyone look at *this* and @here, `code` <@&123456789012345678>")
    assert "@everyone" not in text and "@here" not in text
    assert "\\*this\\*" in text and "\\`code\\`" in text
    assert "<@&123456789012345678>" not in text


def test_refused_answer_lists_the_closest_passages() -> None:
    closest = [
        Passage(
            rank=1,
            chunk_id="c",
            doc_id="d",
            title="Some @everyone title",
            text="Near",
            start=0,
            end=4,
        )
    ]
    parts = answer_parts(Answer(question="q", answer="Not covered.", refused=True, closest=closest))
    embed = parts[-1].embeds[0]
    assert embed.title == "Closest passages"
    assert "@everyone" not in embed.fields[0].name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("story.md", "story.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.HTML", "evil.html"),
        (".env", "env"),
        ("my great story (final).md", "my-great-story-final-.md"),
        ("", "article"),
    ],
)
def test_upload_names_cannot_leave_the_folder(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_uploads_are_checked_before_writing() -> None:
    check_content("a.md", b"# Title\n\nText.", 1000)
    check_content("a.pdf", b"%PDF-1.4 ...", 1000)
    for name, data, reason in [
        ("a.exe", b"MZ", "not an article file"),
        ("a.md", b"  \n", "empty"),
        ("a.md", b"x" * 2000, "too large"),
        ("a.txt", b"\x00\x01binary", "binary"),
        ("a.txt", "café".encode("latin-1"), "not UTF-8"),
        ("a.pdf", b"not a pdf", "not a PDF"),
    ]:
        with pytest.raises(Refused, match=reason):
            check_content(name, data, 1000)


def test_rate_limit_window() -> None:
    limiter = RateLimiter(2, window=0.2)
    assert limiter.retry_after(1) == 0 and limiter.retry_after(1) == 0
    assert 0 < limiter.retry_after(1) <= 0.2
    assert limiter.retry_after(2) == 0  # per user
    time.sleep(0.21)
    assert limiter.retry_after(1) == 0
    assert RateLimiter(0).retry_after(1) == 0  # 0 = off


def test_user_messages() -> None:
    assert user_message(InvalidQuestion("the question is empty"), "x") == "The question is empty."
    assert user_message(Refused("http://x did not answer"), "x") == "http://x did not answer."
    assert "error id `" in user_message(RuntimeError("boom"), "x")


def test_ask_slice_options_as_text() -> None:
    assert slice_of(None, "", None) is None
    assert slice_of(" TechLedger ", "2026-11-01", None) == ArticleSlice(
        "TechLedger", date(2026, 11, 1)
    )
    with pytest.raises(Refused, match="'soon' is not a date"):
        slice_of(None, "soon", None)
    with pytest.raises(Refused, match="is after until"):
        slice_of(None, "2026-11-02", "2026-11-01")
