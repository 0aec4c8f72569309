"""Embedding: the backend protocol, torch and ONNX Runtime backends, the shared vector cache,
the swappable model in use, and the choice of backend for the CPU."""
