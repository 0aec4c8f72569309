"""Finding passages: hybrid dense + BM25 search, fusion, reranking, time words, follow-ups."""
