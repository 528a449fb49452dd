"""Offline evaluation of retrieval quality (MultiHop-RAG metrics and benchmark loading)."""
