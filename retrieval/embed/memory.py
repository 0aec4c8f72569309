"""Caps on the memory the embedding libraries keep, applied where a model loads (torch and
ONNX Runtime alike); the values are settings (`retrieval.core.settings.MemoryLimits`)."""

from __future__ import annotations

import os

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def limit_memory_growth() -> None:
    """Cap oneDNN's kernel cache and glibc's arenas. oneDNN reads its variable (from the C
    environment) when it makes its first kernel, so this runs before the model's first forward
    pass; the arena cap holds for arenas made after it (the serving threads start later)."""
    from retrieval.core.settings import MemoryLimits

    limits = MemoryLimits()
    os.putenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(limits.kernel_cache))
    if limits.malloc_arenas:
        try:
            import ctypes

            ctypes.CDLL(None).mallopt(M_ARENA_MAX, limits.malloc_arenas)
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to cap
            pass
