"""The LLM answerer on a real model: a local OpenAI-compatible server, RealTimeQA dev questions.

Starts `llama_cpp.server` (llama-cpp-python[server], installed in its own environment, never a
dependency of newsbot) on a GGUF model, then scores the bot's configuration with
NEWSBOT_ANSWERER=llm against the extractive answerer on the same questions and passages, and
counts what the model's raw output looked like (citation forms, refusals, prompt echo, markup)
before newsbot normalised it.

    python -m benchmarks.llm_real MODEL.gguf questions-dev.jsonl --data-dir INDEX \
        --server-python /path/to/venv/bin/python --limit 200 [--withheld]

Any model works: pass a better GGUF to see what it changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import cpu_description
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import extractive_config
from retrieval.answer.llm import LLMAnswerer
from retrieval.answer.llm_output import NOT_IN_ARCHIVE, PROMPT_ECHO, REFUSAL_PHRASES
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.evaluation import load_questions
from retrieval.evaluation.configs import BOT, asker_for
from retrieval.evaluation.scoring import evaluate, markdown_table

FORMS = {
    "[n] markers": re.compile(r"\[\d+\]"),
    "[n, m] lists": re.compile(r"\[\d+\s*[,;-]\s*\d+"),
    "(n) markers": re.compile(r"\(\d{1,2}\)"),
    "'Passage n' words": re.compile(r"\b(?:passage|source)s?\s*#?\d", re.IGNORECASE),
    "other brackets 【n】/{n}/^n": re.compile(r"【\d+】|\{\d+\}|\^\d+"),
    "NOT_IN_ARCHIVE exact": re.compile(rf"^\s*{NOT_IN_ARCHIVE}\s*\.?\s*$"),
    "NOT_IN_ARCHIVE inside text": re.compile(rf".+{NOT_IN_ARCHIVE}|{NOT_IN_ARCHIVE}.+", re.S),
    "refusal in words": REFUSAL_PHRASES,
    "prompt echo": PROMPT_ECHO,
    "markdown": re.compile(r"\*\*|^\s*[-*] ", re.MULTILINE),
    "no marker at all": re.compile(r"^(?!.*\[\d+\]).*$", re.S),
}


class RecordingLLM(LLMAnswerer):
    """The product's LLM answerer, keeping each raw completion for the report."""

    raw: list[str]

    def _invoke(self, chain: Any, values: dict[str, str]) -> str:
        text = super()._invoke(chain, values)
        self.raw.append(text)
        return text


def start_server(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    command = [
        str(args.server_python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(args.model),
        "--model_alias",
        "local",
        "--n_ctx",
        "4096",
        "--n_threads",
        str(args.threads),
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
    ]
    log = open(args.out.with_suffix(".server.log"), "wb")  # noqa: SIM115 (lives with the server)
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}); see {log.name}")
        try:
            httpx.get(f"http://127.0.0.1:{args.port}/v1/models", timeout=2).raise_for_status()
            return server
        except httpx.HTTPError:
            time.sleep(1)
    server.kill()
    raise SystemExit("the server did not come up in 300 s")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--server-python", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--start", type=int, default=0, help="skip this many questions first")
    parser.add_argument("--withheld", action="store_true")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/llm-real.md"))
    args = parser.parse_args()
    model_sha = sha256(args.model)
    server = start_server(args)
    try:
        run(args, model_sha)
    finally:
        server.terminate()
        server.wait(30)


def run(args: argparse.Namespace, model_sha: str) -> None:
    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    engine = build_engine(settings)
    items = load_questions(args.questions)[args.start : args.start + args.limit]
    withhold = engine.services.eval.withholder() if args.withheld else None
    llm_settings = settings.llm.model_copy(
        update={"base_url": f"http://127.0.0.1:{args.port}/v1", "model": "local", "timeout_s": 600}
    )
    llm = RecordingLLM(llm_settings, today=lambda: date(2023, 6, 30))
    llm.raw = []
    extractive = ExtractiveAnswerer(
        engine.embedder, extractive_config(settings), vectors=engine.vectors
    )
    qa, k = engine.services.qa, settings.retrieval.top_k
    started = time.monotonic()
    results = [
        evaluate(
            "bot, extractive",
            items,
            asker_for(BOT, qa.with_answerer(extractive), k),
            withhold=withhold,
        ),
        evaluate(
            "bot, llm",
            items,
            asker_for(BOT, qa.with_answerer(llm), k),
            withhold=withhold,
            progress=lambda done, total: (
                print(f"llm {done}/{total}", flush=True) if done % 10 == 0 else None
            ),
        ),
    ]
    minutes = (time.monotonic() - started) / 60
    forms = Counter(name for raw in llm.raw for name, rx in FORMS.items() if rx.search(raw))
    lines = [
        f"Command: `python -m benchmarks.llm_real {args.model.name} {args.questions.name} "
        f"--limit {args.limit}{' --withheld' if args.withheld else ''}`  ",
        f"Model: {args.model.name}, sha256 {model_sha}  ",
        f"Machine: {platform.machine()}, {cpu_description()}; {date.today()}; "
        f"{minutes:.0f} min in all  ",
        f"{len(items)} questions ({args.start + 1}-{args.start + len(items)} of "
        f"{args.questions.name}).",
        "",
        "Counts (to add runs together): "
        + "; ".join(
            f"{r.name}: answerable {r.answerable}, correct {r.correct}, refused answerable "
            f"{r.refused_answerable}, unanswerable {r.unanswerable}, refused unanswerable "
            f"{r.refused_unanswerable}, dropped {r.dropped_sentences}"
            for r in results
        ),
        "",
        markdown_table(results),
        "",
        f"Raw completions: {len(llm.raw)}. What they held (one completion can count in several):",
        "",
        "| form | completions |",
        "|---|---:|",
        *[f"| {name} | {forms.get(name, 0)} |" for name in FORMS],
        "",
        "First 12 raw completions:",
        "",
        *[f"- `{json.dumps(raw[:300])}`" for raw in llm.raw[:12]],
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
