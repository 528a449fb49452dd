"""A collection of its own beside the engine's in the same store, as llama-index's
`ChromaVectorStore`: for an index llama-index builds its own way over newsbot's store (the
evaluator's baseline). Nothing the engine answers from: its own collections are refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore

# The chunks, the registry, the bodies, sentence vectors.
_ENGINE_SUFFIXES = ("", "-articles", "-bodies", "-sentences")


def side_vector_store(client: Any, own: str, name: str, fresh: bool) -> ChromaVectorStore:
    """The collection `name` of `client`'s store (made when missing, emptied first when
    `fresh`); ValueError when it is one of the engine's own (`own` and its companions)."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    if name in {f"{own}{suffix}" for suffix in _ENGINE_SUFFIXES}:
        raise ValueError(f"{name!r} is one of the engine's own collections")
    existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    if fresh and name in existing:
        client.delete_collection(name)
    collection = client.get_or_create_collection(name, embedding_function=None)
    return ChromaVectorStore(chroma_collection=collection)
