"""Retrieved chunks widened into passages: whole sentences around them, within the budget,
still a verbatim slice of the stored article."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from index.retrieval.widening import widen
from tests.test_engine_index import corpus  # noqa: F401  (fixture)

BODY = "One dog. Two cats sat. Three owls flew away. Four fish. Five frogs sang loudly."


def _words(text: str) -> int:
    return len(text.split())


def _node(start: int, end: int) -> TextNode:
    return TextNode(id_="c", text=BODY[start:end], metadata={"start": start, "end": end})


def test_a_chunk_grows_after_then_before_in_turn_within_the_budget() -> None:
    start = BODY.index("Three")
    node = _node(start, start + len("Three owls flew away."))
    wide = widen(node, BODY, 10, _words)
    # Four words, then "Four fish." (2) after, then "Two cats sat." (3) before; the next
    # sentence after would pass 10.
    assert wide.get_content() == "Two cats sat. Three owls flew away. Four fish."
    assert BODY[wide.metadata["start"] : wide.metadata["end"]] == wide.get_content()
    assert wide.node_id == "c" and node.get_content() == "Three owls flew away."


def test_a_chunk_cut_inside_a_long_sentence_counts_the_rest_of_it() -> None:
    body = "Intro here. " + " ".join(f"w{i}" for i in range(30)) + ". Outro here."
    # A chunk that ends inside the long middle sentence, as the chunker cuts one.
    start, end = 0, body.index("w9") + 2
    wide = widen(
        TextNode(id_="c", text=body[start:end], metadata={"start": 0, "end": end}), body, 15, _words
    )
    assert _words(wide.get_content()) <= 15 and wide.get_content() == body[:end]
    wider = widen(
        TextNode(id_="c", text=body[start:end], metadata={"start": 0, "end": end}), body, 33, _words
    )
    assert wider.get_content() == body[: body.index(" Outro")]


def test_a_chunk_that_is_not_a_slice_of_the_body_is_left_alone() -> None:
    node = TextNode(id_="c", text="Not here.", metadata={"start": 0, "end": 9})
    assert widen(node, BODY, 100, _words) is node
    assert widen(_node(0, 8), BODY, 2, _words).get_content() == "One dog."


def test_search_returns_widened_passages_that_quote_the_stored_article(
    make_engine,
    corpus,  # noqa: F811
) -> None:
    engine = make_engine(chunk_size=48, passage_tokens=96)
    engine.index([corpus])
    hits = engine.retriever.search("Why did Pakistan strike targets inside Iran?", 4).hits
    count = engine.embedder.count_tokens
    stored = engine.store.nodes_of([h.node.node_id for h in hits])
    grown = 0
    for hit in hits:
        meta, text = hit.node.metadata, hit.node.get_content()
        assert engine.article_body(meta["doc_id"])[meta["start"] : meta["end"]] == text
        assert count(text) <= 96
        grown += len(text) > len(stored[hit.node.node_id].get_content())
    assert grown >= 2

    narrow = make_engine(chunk_size=48, passage_tokens=0)
    hits = narrow.retriever.search("Why did Pakistan strike targets inside Iran?", 4).hits
    assert all(count(h.node.get_content()) <= 48 for h in hits)


def test_the_retriever_composes_as_a_llama_index_retriever(
    make_engine,
    corpus,  # noqa: F811
) -> None:
    """`retrieve` (llama-index's BaseRetriever door, `Engine.llama_retriever`) gives the same
    passages as `search`."""
    engine = make_engine(chunk_size=48, passage_tokens=96)
    engine.index([corpus])
    question = "Why did Pakistan strike targets inside Iran?"
    found = engine.llama_retriever().retrieve(question)
    hits = engine.retriever.search(question, engine.retriever.top_k).hits
    assert [n.node.node_id for n in found] == [h.node.node_id for h in hits]
    assert all(n.score == h.score for n, h in zip(found, hits, strict=True))
