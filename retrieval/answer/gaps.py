"""What readers asked, grouped by what they meant: the newsroom's list of stories it does not
have (issue 36). Questions are embedded with the archive's own model and put together when
they are close enough (cosine at least `SAME`), the most asked group first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.answer.log import AnswerLog, Asked
from retrieval.embed.protocol import Embedder

SAME = 0.8  # all-MiniLM-L6-v2: rephrasings of one question score 0.8-0.95, neighbours below


@dataclass(frozen=True)
class AskedGroup:
    """Questions that mean the same thing: the first asked stands for them."""

    question: str
    count: int
    refused: int
    down: int
    last: str  # ISO 8601, UTC
    questions: list[str] = field(default_factory=list)


class AskedQuestions:
    def __init__(self, log: AnswerLog, embedder: Embedder) -> None:
        self._log = log
        self._embedder = embedder

    def asked(
        self, since: float = 0.0, *, refused: bool = False, disliked: bool = False
    ) -> list[Asked]:
        return self._log.asked(since, refused=refused, disliked=disliked)

    def grouped(
        self, since: float = 0.0, *, refused: bool = False, disliked: bool = False
    ) -> list[AskedGroup]:
        return group(self.asked(since, refused=refused, disliked=disliked), self._embedder)


def group(asked: Sequence[Asked], embedder: Embedder, same: float = SAME) -> list[AskedGroup]:
    """Each question joins the group whose first question it is closest to, if close enough
    (greedy, in the order asked), else starts one; the most asked groups first, then the most
    recently asked."""
    if not asked:
        return []
    vectors = np.asarray(embedder.embed_documents([a.question for a in asked]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    heads: list[int] = []
    members: dict[int, list[int]] = {}
    for n in range(len(asked)):
        if heads:
            similar = vectors[heads] @ vectors[n]
            best = int(np.argmax(similar))
            if similar[best] >= same:
                members[heads[best]].append(n)
                continue
        heads.append(n)
        members[n] = [n]
    latest = {head: max(ids) for head, ids in members.items()}  # asked in order: the last asked
    ranked = sorted(members, key=lambda head: (len(members[head]), latest[head]), reverse=True)
    return [
        AskedGroup(
            question=asked[head].question,
            count=len(ids),
            refused=sum(asked[i].outcome == "refused" for i in ids),
            down=sum(asked[i].down for i in ids),
            last=max(asked[i].at for i in ids),
            questions=[asked[i].question for i in ids],
        )
        for head in ranked
        for ids in [members[head]]
    ]
