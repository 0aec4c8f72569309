"""README.md and docs/*.md name only what exists: every `NEWSBOT_*` setting, every `newsbot`
command, every `make` target, every relative link (and its #anchor) and every repository path
written as code. A renamed setting or command fails here until the page that names it is fixed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import typer.main

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(?P<fence>```|~~~)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
INLINE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<body>.+?)(?<!`)(?P=ticks)(?!`)", re.S)
# A setting, and whether a `*` or `…` follows it (then it is a prefix: NEWSBOT_LLM_*, NEWSBOT_*).
SETTING = re.compile(r"\bNEWSBOT_[A-Z0-9_]*(?P<wild>[*…])?")
# `newsbot WORD [WORD]` where newsbot is a command (start, after a space, a slash, ; & | or ().
NEWSBOT_CALL = re.compile(
    r"(?:^|(?<=[\s/;&|(]))newsbot[ \t]+(?P<first>\S+)(?:[ \t]+(?P<second>\S+))?"
)
MAKE_TARGET = re.compile(r"^([a-z][a-z0-9-]*)\s*:(?!=)", re.M)
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.M)
# Repository paths written as code: under a top-level folder, or a top-level file by name.
REPO_PATH = re.compile(r"^(?:bot|retrieval|samples|tests|benchmarks|prompts|docs|\.ci)/[\w.+/-]*$")
TOP_LEVEL_FILES = {
    ".env.example",
    "BENCHMARKS.md",
    "Dockerfile",
    "LICENSE",
    "Makefile",
    "README.md",
    "RELIABILITY.md",
    "constraints.txt",
    "docker-compose.yml",
    "pyproject.toml",
}
CLI_OPTIONS = {"--help"}  # and the app's own options, read from it below


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def split_code(text: str) -> tuple[list[str], list[str], str]:
    """(fenced blocks, inline code spans, the prose left once both are blanked out)."""
    blocks = [m.group("body") for m in FENCE.finditer(text)]
    rest = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    spans = [" ".join(m.group("body").split()) for m in INLINE.finditer(rest)]  # one line each
    prose = INLINE.sub(" ", rest)
    return blocks, spans, prose


@cache
def known_settings() -> frozenset[str]:
    from retrieval.core.settings import OTHER_NAMES, all_env_names

    return frozenset(all_env_names()) | frozenset(OTHER_NAMES)


@cache
def command_tree() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """{command: its subcommands (empty for a plain command)}, and the app's own options."""
    from bot.cli import app

    # typer builds click commands (its own copy of click in recent versions): a group is
    # whatever has `commands`.
    root = typer.main.get_command(app)
    commands = getattr(root, "commands", None)
    assert isinstance(commands, dict) and commands, "newsbot has no commands?"
    tree = {
        name: frozenset(getattr(command, "commands", None) or ())
        for name, command in commands.items()
    }
    options = {opt for param in root.params for opt in (*param.opts, *param.secondary_opts)}
    return tree, frozenset(options | CLI_OPTIONS)


@cache
def make_targets() -> frozenset[str]:
    return frozenset(MAKE_TARGET.findall((ROOT / "Makefile").read_text(encoding="utf-8")))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation out, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    _, _, prose = split_code(page.read_text(encoding="utf-8"))
    found: set[str] = set()
    for match in HEADING.finditer(prose):
        base = slug(match.group("text"))
        name, n = base, 1
        while name in found:  # GitHub numbers repeated headings: x, x-1, x-2 …
            name, n = f"{base}-{n}", n + 1
        found.add(name)
    return found


def make_commands(blocks: list[str], spans: list[str]) -> list[list[str]]:
    """The words after `make` in every make command written as code."""
    lines = [line for block in blocks for line in block.splitlines()] + spans
    commands = []
    for line in lines:
        line = line.split("#", 1)[0].strip().removeprefix("$ ")
        for part in re.split(r"&&|\|\||;", line):
            words = part.split()
            if words[:1] == ["make"]:
                commands.append(words[1:])
    return commands


def test_there_are_pages() -> None:
    assert (ROOT / "README.md").exists()
    assert len(PAGES) > 1, "docs/*.md is missing"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_setting_named_is_real(page: Path) -> None:
    known = known_settings()
    wrong = set()
    for match in SETTING.finditer(page.read_text(encoding="utf-8")):
        name = match.group(0).rstrip("*…")
        if match.group("wild"):
            if not any(real.startswith(name) for real in known):
                wrong.add(match.group(0))
        elif name not in known:
            wrong.add(name)
    assert not wrong, f"{page_id(page)} names settings the code does not read: {sorted(wrong)}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_newsbot_command_named_is_real(page: Path) -> None:
    tree, options = command_tree()
    blocks, spans, _ = split_code(page.read_text(encoding="utf-8"))
    wrong = set()
    for code in [*blocks, *spans]:
        for match in NEWSBOT_CALL.finditer(code):
            first, second = match.group("first"), match.group("second") or ""
            first = first.strip("`'\".,:)")
            if first.startswith("-"):
                if first.split("=", 1)[0] not in options:
                    wrong.add(f"newsbot {first}")
                continue
            if not re.fullmatch(r"[a-z][a-z0-9_-]*", first):
                continue  # a placeholder (COMMAND) or an argument, not a command name
            if first not in tree:
                wrong.add(f"newsbot {first}")
                continue
            second = second.strip("`'\".,:)")
            is_word = re.fullmatch(r"[a-z][a-z0-9_-]*", second)
            if tree[first] and is_word and second not in tree[first]:
                wrong.add(f"newsbot {first} {second}")
    assert not wrong, f"{page_id(page)} names commands newsbot does not have: {sorted(wrong)}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_make_target_named_is_real(page: Path) -> None:
    targets = make_targets()
    blocks, spans, _ = split_code(page.read_text(encoding="utf-8"))
    wrong = set()
    for words in make_commands(blocks, spans):
        for word in words:
            if "=" in word or word.startswith("-"):
                continue  # a variable (RTQA=…) or an option
            if word not in targets:
                wrong.add(f"make {word}")
    assert not wrong, f"{page_id(page)} names targets the Makefile does not have: {sorted(wrong)}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_resolves(page: Path) -> None:
    _, _, prose = split_code(page.read_text(encoding="utf-8"))
    wrong = []
    for match in LINK.finditer(prose):
        target = match.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            continue  # https:, mailto: …
        path_part, _, anchor = target.partition("#")
        if not path_part:
            resolved = page
        elif path_part.startswith("/"):
            resolved = ROOT / path_part.lstrip("/")
        else:
            resolved = (page.parent / path_part).resolve()
        if not resolved.exists():
            wrong.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            wrong.append(f"{target} (no such heading)")
    assert not wrong, f"{page_id(page)} has broken links: {wrong}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_repository_path_named_exists(page: Path) -> None:
    _, spans, _ = split_code(page.read_text(encoding="utf-8"))
    wrong = set()
    for span in spans:
        path = span.removeprefix("../")
        if (REPO_PATH.match(path) or path in TOP_LEVEL_FILES) and not (ROOT / path).exists():
            wrong.add(span)
    assert not wrong, f"{page_id(page)} names paths that do not exist: {sorted(wrong)}"


def test_readme_is_short_and_links_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, "the README is the front page: keep it short"
    linked = {m.group("target").partition("#")[0] for m in LINK.finditer(readme)}
    missing = [p.name for p in PAGES[1:] if f"docs/{p.name}" not in linked]
    assert not missing, f"README links no docs page {missing}"


def test_the_checks_catch_what_they_should() -> None:
    """The patterns above on known-bad text, so a loosened regex cannot pass silently."""
    assert [m.group(0) for m in SETTING.finditer("`NEWSBOT_LLM_*` and NEWSBOT_NOPE=1")] == [
        "NEWSBOT_LLM_*",
        "NEWSBOT_NOPE",
    ]
    blocks, spans, prose = split_code("a `newsbot ingest x` b\n```sh\nmake chat\n```\n[l](x.md)")
    assert spans == ["newsbot ingest x"] and blocks == ["make chat\n"] and "[l](x.md)" in prose
    call = NEWSBOT_CALL.search(".venv/bin/newsbot feeds poll --due")
    assert call and (call.group("first"), call.group("second")) == ("feeds", "poll")
    assert NEWSBOT_CALL.search("the `newsbot` user") is None
    assert make_commands([], ["make install TORCH_INDEX_URL=", "make bench RTQA=/x  # y"]) == [
        ["install", "TORCH_INDEX_URL="],
        ["bench", "RTQA=/x"],
    ]
    assert slug("Python, torch and versions") == "python-torch-and-versions"
    assert slug("The Telegram bot in five steps") == "the-telegram-bot-in-five-steps"
