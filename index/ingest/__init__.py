"""The ingest stage: getting articles from files, pages and feeds into the index."""
