"""The suite's remembered model (tests/support/vectors.py) gives the model's own vectors: each
text's, bit for bit, as the model embeds it alone, whatever it is batched with and whatever was
embedded before. The tests that answer with it stand on this."""

from __future__ import annotations

import numpy as np

from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from tests.support.vectors import RememberedVectors

TEXTS = [
    "Harborview FC won the national cup final on Saturday, beating Kelby Rovers 2-1.",
    "Who won the cup final?",
    "The council approved the budget. " * 60,  # past 256 tokens: truncated like the model
    "Ежегодный товарооборот вырос на 12 процентов.",
    "Who won the cup final?",  # twice in one call
]


def test_a_remembered_vector_is_the_model_s_for_the_text_alone(
    real_embedder: SentenceTransformerEmbedder,
) -> None:
    remembered = RememberedVectors(real_embedder)  # its own: nothing remembered yet
    alone = np.stack([real_embedder.embed_query(text) for text in TEXTS])
    first = remembered.embed_documents(TEXTS)
    assert first.dtype == np.float32 and np.array_equal(first, alone)
    assert remembered.computed == len(set(TEXTS))
    # Another batch, another order: the same vectors, none computed again.
    again = remembered.embed_documents(TEXTS[::-1])
    assert np.array_equal(again, alone[::-1]) and remembered.computed == len(set(TEXTS))
    assert np.array_equal(remembered.embed_query(TEXTS[1]), alone[1])
    again[:] = 0  # what a caller does with its vectors stays its own
    assert np.array_equal(remembered.embed_documents(TEXTS), alone)
    # What the model's own batches give differs from the text alone in the last bits at most.
    assert np.allclose(real_embedder.embed_documents(TEXTS), alone, rtol=0, atol=1e-6)
    assert remembered.name == real_embedder.name
    assert remembered.max_tokens == real_embedder.max_tokens == 256
    assert remembered.count_tokens(TEXTS) == real_embedder.count_tokens(TEXTS)
    assert remembered.embed_documents([]).shape == real_embedder.embed_documents([]).shape
