"""From a question to ranked passages: hybrid gather and fusion, query analysis, the learned ranker,
widening."""
