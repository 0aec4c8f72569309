"""The LLM answerer: any OpenAI-compatible endpoint (Ollama, llama.cpp, vLLM, OpenAI).

The model is asked to cite passage numbers; the citations are then checked here in code: a marker
naming no passage is dropped, and an answer left with no citation is refused rather than shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import SecretStr

from retrieval.answer.answerer import refusal
from retrieval.answer.citations import cited_claims, renumber
from retrieval.answer.llm_output import attribute, first_clause_answer, ground, normalise
from retrieval.answer.question import Question
from retrieval.core.errors import AnswererError, ConfigError, StreamBrokenError
from retrieval.core.records import Answer, Passage
from retrieval.core.settings import LLMSettings

logger = logging.getLogger(__name__)


def format_passages(passages: Sequence[Passage]) -> str:
    lines = []
    for number, passage in enumerate(passages, start=1):
        when = passage.published.isoformat() if passage.published else "undated"
        lines.append(f"[{number}] {passage.title} — {passage.source}, {when}\n{passage.text}")
    return "\n\n".join(lines)


def format_history(history: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history)


BROKEN_OFF = (
    "the language model stopped in the middle of its answer, so there is no answer to show; "
    "try again"
)


def chat_model(settings: LLMSettings) -> Any:
    """The configured OpenAI-compatible endpoint as a LangChain chat model."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        # Local servers (Ollama, llama.cpp) take any key; the client insists on one.
        api_key=settings.api_key or SecretStr("not-needed"),
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_retries=1,
    )


class QuestionWriter:
    """The LLM as a teacher for `newsbot adapt --reader --teacher`: it writes the quiz question
    a sentence answers, in place of a template. Used while training only; the trained reader
    then answers without it."""

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.base_url:
            raise ConfigError(
                "a teacher needs NEWSBOT_LLM_BASE_URL (an OpenAI-compatible endpoint, e.g. "
                "http://localhost:11434/v1 for Ollama)"
            )
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import PromptTemplate

        from prompts import load_prompt

        template = PromptTemplate.from_template(load_prompt("question"))
        self._chain = template | chat_model(settings) | StrOutputParser()
        self.base_url = settings.base_url

    def __call__(self, title: str, sentence: str, answer: str) -> str:
        """The model's question (its first line), unchecked: the caller checks it."""
        values = {"title": title, "sentence": sentence, "answer": answer}
        try:
            text = str(self._chain.invoke(values)).strip()
        except Exception as exc:  # openai/httpx raise many kinds; all mean the endpoint failed
            raise AnswererError(
                f"the teacher at {self.base_url} did not answer ({exc}); training stopped"
            ) from exc
        return text.splitlines()[0].strip() if text else ""


class LLMAnswerer:
    def __init__(
        self,
        settings: LLMSettings,
        *,
        today: Any = date.today,
    ) -> None:
        if not settings.base_url:
            raise ConfigError(
                "the llm answerer needs NEWSBOT_LLM_BASE_URL (an OpenAI-compatible endpoint, "
                "e.g. http://localhost:11434/v1 for Ollama)"
            )
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import PromptTemplate

        from prompts import load_prompt

        llm = chat_model(settings)
        parser = StrOutputParser()
        self._streaming_chain = PromptTemplate.from_template(load_prompt("answer")) | llm
        self._answer_chain = self._streaming_chain | parser
        self._condense_chain = PromptTemplate.from_template(load_prompt("condense")) | llm | parser
        self._today = today

    def _invoke(self, chain: Any, values: dict[str, str]) -> str:
        try:
            return str(chain.invoke(values)).strip()
        except Exception as exc:  # openai/httpx raise many kinds; all mean the endpoint failed
            logger.warning("LLM call failed: %s", exc)
            raise AnswererError("the language model did not answer; try again later") from exc

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A follow-up rewritten to stand alone, for retrieval."""
        if not history:
            return question
        rewritten = self._invoke(
            self._condense_chain, {"history": format_history(history), "question": question}
        )
        return rewritten.splitlines()[0].strip() if rewritten else question

    def _values(self, question: Question, passages: Sequence[Passage]) -> dict[str, str]:
        return {
            "question": question.text,
            "passages": format_passages(passages),
            "today": self._today().isoformat(),
        }

    def answer(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        if not passages:
            return Answer(refusal(question), [], refused=True)
        return self._checked(
            self._invoke(self._answer_chain, self._values(question, passages)), passages, question
        )

    def stream(
        self,
        question: Question,
        passages: Sequence[Passage],
        *,
        on_text: Callable[[str], None],
        history: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        """`answer`, with the model's text handed to `on_text` as it arrives. A stream that
        breaks off (the connection drops, or it ends without the model saying it is done) is
        an error, never a shorter answer."""
        if not passages:
            return Answer(refusal(question), [], refused=True)
        text, finished, started = "", False, False
        try:
            for chunk in self._streaming_chain.stream(self._values(question, passages)):
                started = True
                piece = chunk.content if isinstance(chunk.content, str) else ""
                finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                if piece:
                    text += piece
                    on_text(text)
        except Exception as exc:  # openai/httpx raise many kinds; all mean the stream broke
            if not started:  # nothing came at all: the endpoint is down, no stream broke off
                logger.warning("LLM call failed: %s", exc)
                raise AnswererError("the language model did not answer; try again later") from exc
            logger.warning("LLM stream broke off after %d characters: %s", len(text), exc)
            raise StreamBrokenError(BROKEN_OFF) from exc
        if not finished:
            logger.warning("LLM stream ended unfinished after %d characters", len(text))
            raise StreamBrokenError(BROKEN_OFF)
        return self._checked(text.strip(), passages, question)

    def _checked(self, raw: str, passages: Sequence[Passage], question: Question) -> Answer:
        """The model's text with its citations checked and ungrounded sentences dropped."""
        cleaned = normalise(raw, len(passages))
        if cleaned.refused:
            return Answer(refusal(question), [], refused=True, passages=list(passages))
        grounded, dropped = ground(attribute(cleaned.text, passages), passages)
        if dropped:
            logger.info("dropped %d ungrounded sentence(s) from %r", dropped, raw[:200])
        text, citations = renumber(grounded, passages)
        with_marker, _ = cited_claims(text)
        if not citations or with_marker == 0:
            logger.info("LLM answer refused: no valid citation in %r", raw[:200])
            return Answer(
                refusal(question),
                [],
                refused=True,
                passages=list(passages),
                dropped_sentences=dropped,
            )
        return Answer(
            text,
            citations,
            refused=False,
            passages=list(passages),
            dropped_sentences=dropped,
            short_answer=first_clause_answer(text, citations, passages, question),
        )
