"""Loaders per file type, sentence chunks with exact offsets, and the ONNX embedder's fidelity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.ingest.chunking import SentenceChunker
from index.ingest.loaders import UnreadableFile, load_file
from index.text import sentence_spans
from tests.conftest import SEEDS
from tests.reference_minilm import fp32_embed

HTML = """<html><head><title>Site | Rain</title>
<meta property="og:title" content="Record rain floods the old town">
<meta property="og:site_name" content="Valley Post">
<meta property="article:published_time" content="2023-11-02T10:00:00Z">
<link rel="canonical" href="https://valleypost.example/rain">
<script>alert('x'); var secret = 1;</script><style>p {color: red}</style></head>
<body><nav><a href="/">Home</a> Menu</nav>
<article><h1>Record rain floods the old town</h1>
<p>More rain fell on Tuesday than in any day since records began.</p>
<ul><li>Schools closed <b>early</b>.</li><li>Two bridges shut.</li></ul></article>
<footer>Copyright</footer></body></html>"""


def test_html_keeps_article_text_and_metadata_only(tmp_path) -> None:
    path = tmp_path / "rain.html"
    path.write_text(HTML)
    [article], _ = load_file(path, 10**6)
    assert article.title == "Record rain floods the old town"
    assert article.source == "Valley Post" and article.id == "https://valleypost.example/rain"
    assert article.published_at.startswith("2023-11-02")
    assert "More rain fell on Tuesday" in article.body and "Schools closed early." in article.body
    for junk in ("alert", "color", "Menu", "Copyright", "<"):
        assert junk not in article.body


def test_text_file_title_from_first_line_or_name(tmp_path) -> None:
    titled = tmp_path / "a.txt"
    titled.write_text("Storm warning\n\nWinds of 120 km/h are expected tonight.")
    plain = tmp_path / "harbour-news.txt"
    plain.write_text("The harbour reopened after the storm. Ferries run again.")
    assert load_file(titled, 10**6)[0][0].title == "Storm warning"
    [article], _ = load_file(plain, 10**6)
    assert article.title == "Harbour news" and article.body.startswith("The harbour")


def test_markdown_front_matter(tmp_path) -> None:
    [seed], _ = load_file(SEEDS / "pakistan-iran-strikes.md", 10**6)
    assert seed.published_at == "2024-01-18" and seed.body.startswith("Pakistan launched")
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\nBody text.")
    with pytest.raises(UnreadableFile, match="YAML"):
        load_file(bad, 10**6)


def test_pdf_text_is_extracted(tmp_path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": "Blank"})
    path = tmp_path / "blank.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(UnreadableFile, match="no article text"):
        load_file(path, 10**6)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(UnreadableFile, match="PDF"):
        load_file(tmp_path / "broken.pdf", 10**6)


def test_sentence_spans_are_exact_slices() -> None:
    text = "Dr. Smith arrived at 10 a.m. on Monday.  He left.\nHeadline without stop\nLast one!"
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == [
        "Dr. Smith arrived at 10 a.m. on Monday.",
        "He left.",
        "Headline without stop",
        "Last one!",
    ]


def test_chunks_respect_size_overlap_and_offsets(embedder) -> None:
    [seed], _ = load_file(SEEDS / "pakistan-iran-strikes.md", 10**6)
    body = seed.body * 3
    chunker = SentenceChunker(chunk_size=80, overlap=1, count_tokens=embedder.count_tokens)
    spans = chunker.chunk_spans(body)
    assert len(spans) > 5
    for (s1, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        single = len(sentence_spans(body[s1:e1])) == 1
        assert s2 < e1 or single  # the last sentence is shared with the next chunk
    for s, e in spans:
        assert embedder.count_tokens(body[s:e]) <= 80 or len(sentence_spans(body[s:e])) == 1


def test_over_long_sentence_is_cut(embedder) -> None:
    body = "word " * 600 + "end."
    chunker = SentenceChunker(chunk_size=100, overlap=0, count_tokens=embedder.count_tokens)
    spans = chunker.chunk_spans(body)
    assert all(embedder.count_tokens(body[s:e]) <= 110 for s, e in spans)
    assert body[spans[-1][0] : spans[-1][1]].endswith("end.")


SENTENCES = [
    "Pakistan launched a series of precise military strikes in Iran on Thursday.",
    "The central bank left interest rates unchanged at its November meeting.",
    "The striker scored twice as the home side won the derby 3-1.",
    "Apple unveiled a new laptop with a faster chip and longer battery life.",
    "Heavy rain caused flooding across the region, closing schools and roads.",
]


def test_int8_product_embedder_agrees_with_fp32_model(embedder) -> None:
    ours = embedder.embed(SENTENCES)
    reference = fp32_embed(SENTENCES)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.99, cosines
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_llama_index_interface(embedder) -> None:
    from index.llama_embedding import LlamaIndexEmbedding

    llama = LlamaIndexEmbedding(embedder)
    vector = llama.get_query_embedding("Who won?")
    batch = llama.get_text_embedding_batch(["a", "b c"])
    assert len(vector) == 384 and len(batch) == 2


def test_model_fingerprint_is_the_files_sha256(embedder) -> None:
    """Checked as the file loads, the digest is the file's own."""
    import hashlib

    model = Path(embedder.model_path)
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert embedder.fingerprint == f"model.onnx:{digest[:16]}"


def test_sentences_load_punkt_without_all_of_nltk_and_split_as_nltk_does() -> None:
    """In a fresh interpreter: no `nltk` package left imported after splitting, the same spans
    as NLTK's own Punkt loaded the usual way, and a later `import nltk` works."""
    import json
    import subprocess
    import sys

    script = """
import json, sys
from index.text import sentence_spans
text = "Dr. Smith went to Washington. He arrived at 5 p.m. on Monday.\\nU.S. troops left. Why?"
lean = sentence_spans(text)
assert not [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]
import nltk
from llama_index.core import __file__ as li
nltk.data.path.append(li.rsplit("/", 1)[0] + "/_static/nltk_cache")
tok = nltk.tokenize.punkt.PunktTokenizer("english")
from index.text import _punkt
ours, theirs = _punkt()._params, tok._params
for field in ("collocations", "sent_starters", "abbrev_types", "ortho_context"):
    assert getattr(ours, field) == getattr(theirs, field), field
whole = []
base = 0
for line in text.split("\\n"):
    whole += [(base + s, base + e) for s, e in tok.span_tokenize(line)]
    base += len(line) + 1
print(json.dumps([lean, whole]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lean, whole = json.loads(out.stdout)
    assert lean == whole and len(lean) == 4
