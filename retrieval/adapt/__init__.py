"""Adapting the embedding model to the archive: training pairs, fine-tuning, versions."""
