"""The index: the catalog (SQLite), the vector store (Chroma), BM25, the collections readers
lease, and keeping all of them in step with the sources."""
