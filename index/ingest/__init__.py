"""Getting articles in: loaders per file type, HTML text, chunking, and the indexing run."""
