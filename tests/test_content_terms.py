"""The stemmed content words retrieval and the answer stage compare (index/text.py): a kept stem
per word must give what stemming each text's word list gives, and the kept stems stay bounded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.text as text_module
from index.text import WORD, content_terms, stopwords


def _reference(text: str) -> set[str]:
    import Stemmer

    words = [w for w in WORD.findall(text.lower()) if w not in stopwords()]
    return set(Stemmer.Stemmer("english").stemWords(words))


@pytest.mark.parametrize(
    "text",
    [
        "Forty-one runners were taken to hospital after Sunday's Kessel half marathon.",
        "The council's planning committee backed the scheme by seven votes to four.",
        "It won't open until 2029, the mayor's office said; it's the won't-budge budget.",
        "",
    ],
)
def test_content_terms_are_the_stems_of_the_words_that_are_not_stop_words(text: str) -> None:
    assert content_terms(text) == _reference(text)
    assert content_terms(text) == _reference(text)  # again, from the kept stems


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFG'-.,0123456789", max_size=80))
def test_any_text_gives_the_same_terms(text: str) -> None:
    assert content_terms(text) == _reference(text)


def test_the_kept_stems_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "_STEMS_MAX", 10)
    monkeypatch.setattr(text_module, "_STEMS", {})
    for i in range(50):
        content_terms(f"word{i} another{i} third{i}")
    assert len(text_module._STEMS) <= 10 + 3
