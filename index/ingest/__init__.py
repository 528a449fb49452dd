"""Getting articles in: loaders per file type, web pages and feeds, chunking, and the indexing
run."""
