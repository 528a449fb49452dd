"""The newsbot engine: ingestion, chunking, embedding, the Chroma store, retrieval, answering."""
