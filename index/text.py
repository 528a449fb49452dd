"""Text helpers every stage shares: sentences, content terms, and where a citation mark goes.

Chunking, widening, the answerers and verification split text into the same Punkt sentences;
retrieval, the ranker, the answerers and verification compare texts by their stemmed content
terms; every answer puts `[n]` before a sentence's closing punctuation. One definition each.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import types
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

Span = tuple[int, int]

_LINE = re.compile(r"[^\n]+")
# The ranker's quick split of a passage into sentences (see `quick_sentences`).
_QUICK_SENTENCE = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])|\n+")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A sentence's closing punctuation, with any closing quote or bracket after it.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*$")
_CLOSERS = re.compile(r"[\"'”’)\]]$")
# Endings that are not a sentence's end: "i.e.", "U.S.", "No." — a mark there would split them.
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]\.){2,}[\"'”’)\]]*$|\b(?:Inc|Co|Corp|Ltd|Jr|Sr|Mr|Mrs|Ms|Dr|St|No|vs|etc)\.$"
)


_PUNKT_LOADING = threading.Lock()


@cache
def _punkt() -> Any:
    """NLTK's Punkt with the English model llama-index ships (no download). One thread at a
    time: loading it puts stand-in packages in `sys.modules` for a moment."""
    with _PUNKT_LOADING:
        return _load_punkt()


def _load_punkt() -> Any:
    from importlib.util import find_spec

    spec = find_spec("llama_index.core")
    assert spec is not None and spec.origin is not None
    model = Path(spec.origin).parent / "_static/nltk_cache/tokenizers/punkt_tab/english"
    with _nltk_without_its_init():
        from nltk.tabdata import PunktDecoder
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

        return PunktSentenceTokenizer(_punkt_parameters(model, PunktDecoder(), PunktParameters()))


def _punkt_parameters(model: Path, decode: Any, params: Any) -> Any:
    """What `nltk.tokenize.punkt.load_punkt_params` reads, through plain files: NLTK's own
    reader decodes the 20,000 lines of the model one seek at a time (70 ms of a one-question
    `newsbot ask`); the same decoder on a plain file takes a few."""

    def read(name: str) -> list[str]:
        return (model / name).read_text(encoding="utf-8").splitlines(keepends=True)

    params.collocations = set(decode.tab2tups(read("collocations.tab")))
    params.sent_starters = decode.txt2set(read("sent_starters.txt"))
    params.abbrev_types = decode.txt2set(read("abbrev_types.txt"))
    params.ortho_context = decode.tab2intdict(read("ortho_context.tab"))
    return params


@contextlib.contextmanager
def _nltk_without_its_init() -> Iterator[None]:
    """NLTK's modules, importable without running `nltk/__init__.py`.

    That file imports all of NLTK (and scikit-learn and SciPy where they are installed): most of
    the time a one-question `newsbot ask` spends on sentences, for Punkt, which needs a handful
    of modules. The two packages stand in as bare modules while Punkt loads its model. Same
    spans: the same Punkt code and model.
    """
    if "nltk" in sys.modules:  # already imported whole
        yield
        return
    from importlib.util import find_spec

    spec = find_spec("nltk")
    assert spec is not None and spec.submodule_search_locations is not None
    root = Path(spec.submodule_search_locations[0])
    bare = {"nltk": root, "nltk.tokenize": root / "tokenize"}
    for name, folder in bare.items():
        module = types.ModuleType(name)
        module.__path__ = [str(folder)]
        sys.modules[name] = module
    try:
        yield
    finally:
        # Gone again, with what loaded under them: a later `import nltk` starts afresh (the
        # tokenizer keeps the modules it uses alive).
        # list(): a copy made at once, while other threads may be importing (adding to it).
        for name in [n for n in list(sys.modules) if n == "nltk" or n.startswith("nltk.")]:
            del sys.modules[name]


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of each sentence of `text`, trimmed of surrounding white space."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        base = line.start()
        spans += [(base + start, base + end) for start, end in line_sentences(line.group())]
    return spans


@lru_cache(maxsize=20_000)
def line_sentences(line: str) -> tuple[Span, ...]:
    """Sentence spans of one line (kept: retrieval splits the same paragraphs again)."""
    spans: list[Span] = []
    for start, end in _punkt().span_tokenize(line):
        piece = line[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if piece.strip():
            spans.append((start + lead, end - trail))
    return tuple(spans)


def quick_sentences(text: str) -> list[str]:
    """Sentences by punctuation and capitals, without Punkt. Only the learned ranker's
    sentence-term features use it: they were fitted on this split, and Punkt's would change
    them (the ranker reads every candidate passage, so the cheaper split also keeps it fast)."""
    return [s for s in _QUICK_SENTENCE.split(text) if s.strip()]


@cache
def _stopwords() -> frozenset[str]:
    """NLTK's English stop words, read from the copy llama-index ships (the same list its
    `globals_helper.stopwords` gives, without importing NLTK's corpus readers)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("llama_index.core")
    if spec is not None and spec.origin is not None:
        words = Path(spec.origin).parent / "_static/nltk_cache/corpora/stopwords/english"
        if words.is_file():
            return frozenset(words.read_text(encoding="utf-8").split())
    from llama_index.core.utils import globals_helper

    return frozenset(globals_helper.stopwords)


@cache
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def stopwords() -> frozenset[str]:
    """NLTK's English stop words."""
    return _stopwords()


# Each lower-case word's stem, kept for `stem` and `content_terms` alike: retrieval reads the
# words of every candidate passage's sentences, and at 100,000 chunks most passages are new to
# the passage cache but their words are not (a passage's terms 47 -> 36 ms a question against
# stemming each sentence's word list).
_STEMS: dict[str, str] = {}
_STEMS_MAX = 200_000


def stem(word: str) -> str:
    """One lower-case word's stem ("runners" -> "runner")."""
    low = word.lower()
    found = _STEMS.get(low)
    if found is None:
        if len(_STEMS) > _STEMS_MAX:
            _STEMS.clear()
        found = _STEMS[low] = _stemmer().stemWord(low)
    return found


def content_terms(text: str) -> set[str]:
    """The stemmed words of `text` that are not stop words."""
    stop, stems = _stopwords(), _STEMS
    out = set()
    for word in WORD.findall(text.lower()):
        if word not in stop:
            out.add(stems.get(word) or stem(word))
    return out


@lru_cache(maxsize=50_000)
def cached_terms(text: str) -> frozenset[str]:
    """content_terms of a text retrieval sees again and again (passages, titles)."""
    return frozenset(content_terms(text))


def cite(sentence: str, numbers: list[int]) -> str:
    """`Nine died.` + [1] -> `Nine died [1].`; white space runs folded for display.

    The mark goes before the closing punctuation, unless that punctuation ends an abbreviation
    or initials ("i.e.", "U.S."), where it goes after, so no abbreviation is split; and after a
    closing quote or bracket (`“wildly optimistic.” [1]`), which a mark inside would split
    from the words it closes.
    """
    sentence = " ".join(sentence.split())
    marks = "".join(f"[{n}]" for n in numbers)
    end = _END.search(sentence)
    if end is None:
        return f"{sentence} {marks}."
    if _ABBREVIATION.search(sentence) or _CLOSERS.search(end.group()):
        return f"{sentence} {marks}"
    return f"{sentence[: end.start()]} {marks}{sentence[end.start() :]}"
