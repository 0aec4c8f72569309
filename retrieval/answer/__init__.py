"""Answering: the extractive and LLM answerers, citations, timelines, the LCEL pipeline and
the question service."""
