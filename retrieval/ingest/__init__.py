"""Reading articles: loaders for every format, chunking into passages, spotting copies."""
