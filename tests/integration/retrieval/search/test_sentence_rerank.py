"""The sentence reranker with the bundled model: the passage whose sentence answers moves up."""

from __future__ import annotations

from tests.unit.retrieval.search.test_search import passage


def test_sentence_reranker_lifts_the_passage_whose_sentence_answers(real_embedder: object) -> None:
    from dataclasses import replace

    from retrieval.embed.cache import CachedVectors
    from retrieval.search.rerank import SentenceReranker

    question = "How many rounds of voting did it take to elect the House speaker?"
    # Same topic, but only the second passage holds a sentence that answers.
    vague = replace(
        passage("A", 0, 0.80),
        text="Republicans met again on Thursday. The mood in the chamber was tense. Members "
        "argued about rules for hours. Reporters waited in the hallway outside.",
    )
    answering = replace(
        passage("B", 0, 0.78),
        text="The weather in Washington was cold. Kevin McCarthy was elected speaker of the "
        "House after 15 rounds of voting. Lunch was served late.",
    )
    beyond = passage("C", 0, 0.10)  # below the reranked depth: keeps its place, last
    reranker = SentenceReranker(CachedVectors(real_embedder), depth=2)  # type: ignore[arg-type]
    ranked = reranker.rerank(question, [vague, answering, beyond])
    assert [p.article_id for p in ranked] == ["B", "A", "C"]
    assert ranked[0].score > answering.score and ranked[2].score == beyond.score
    assert reranker.rerank(question, []) == []
