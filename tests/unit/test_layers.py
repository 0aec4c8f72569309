"""Imports point inward (the contracts of .importlinter), only the settings read the
environment, and front ends reach the engine through its facade's operations only."""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold() -> None:
    """.importlinter: the stages import downward only, the engine never imports a front end,
    and each library stays inside its adapter (swapping a backend touches one file)."""
    checked = lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True)
    assert checked == EXIT_STATUS_SUCCESS


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("retrieval", "bot")
        for path in (ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert set(offenders) <= {"retrieval/core/settings.py"}


def facade_operations() -> dict[str, set[str]]:
    """Each part of the facade (`services.<part>`) and the operations it offers: its public
    methods and properties. `warm_up` is an operation of the facade itself."""
    import dataclasses
    import typing

    from retrieval.services import Services

    hints = typing.get_type_hints(Services)
    operations: dict[str, set[str]] = {}
    for field in dataclasses.fields(Services):
        kind = hints[field.name]
        if isinstance(kind, type):
            operations[field.name] = {n for n in dir(kind) if not n.startswith("_")}
        else:
            operations[field.name] = set()  # a callable: called, never looked into
    return operations


def test_facade_parts_keep_their_state_private() -> None:
    """No part of the facade hands out what it is built on: every attribute its constructor
    sets is private, so the catalog, the store, the searcher and the collections cannot be
    reached from a front end through it."""
    import dataclasses
    import inspect
    import re
    import typing

    from retrieval.services import Services

    hints = typing.get_type_hints(Services)
    public = {}
    for field in dataclasses.fields(Services):
        kind = hints[field.name]
        if isinstance(kind, type):
            source = inspect.getsource(kind.__init__)  # type: ignore[misc]
            public[field.name] = re.findall(r"\bself\.([a-z]\w*)\s*[:=]", source)
    assert {k: v for k, v in public.items() if v} == {}


def attribute_chain(node: ast.AST) -> list[str]:
    """`a.b.c` as ["a", "b", "c"]; a chain through a call or subscript starts after it."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names[::-1]


def with_parents(tree: ast.AST) -> ast.AST:
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child.parent = parent  # type: ignore[attr-defined]
    return tree


def facade_uses(tree: ast.AST) -> list[tuple[int, str, str | None]]:
    """(line, part, operation) for every use of the facade in a front-end module: chains
    through `services.`, and names a function binds to `services` or to one of its parts."""
    uses: set[tuple[int, str, str | None]] = set()
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for scope in [tree, *scopes]:
        bound: dict[str, str] = {}  # name -> part ("" for the facade itself)
        if scope is not tree:
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, chain = node.targets[0], attribute_chain(node.value)
                    if isinstance(target, ast.Name) and "services" in chain:
                        rest = chain[chain.index("services") + 1 :]
                        bound[target.id] = rest[0] if rest else ""
        for node in ast.walk(scope):
            if not isinstance(node, ast.Attribute) or isinstance(node.parent, ast.Attribute):  # type: ignore[attr-defined]
                continue  # only whole chains
            chain = attribute_chain(node)
            if "services" in chain[:-1]:
                rest = chain[chain.index("services") + 1 :]
            elif len(chain) > 1 and chain[0] in bound:
                part = bound[chain[0]]
                rest = ([part] if part else []) + chain[1:]
            else:
                continue
            uses.add((node.lineno, rest[0], rest[1] if len(rest) > 1 else None))
    return sorted(uses, key=lambda use: (use[0], use[1], use[2] or ""))


def misused(uses: list[tuple[int, str, str | None]]) -> list[tuple[int, str, str | None]]:
    operations = facade_operations()
    return [
        (line, part, operation)
        for line, part, operation in uses
        if part not in operations or (operation is not None and operation not in operations[part])
    ]


def test_front_ends_use_only_the_facades_operations() -> None:
    """bot/ reaches the engine through `services.<part>.<operation>` only: every attribute
    chain (and every name bound to the facade or a part of it) is checked."""
    wrong = [
        (str(path.relative_to(ROOT)), *use)
        for path in (ROOT / "bot").rglob("*.py")
        for use in misused(facade_uses(with_parents(ast.parse(path.read_text("utf-8")))))
    ]
    assert wrong == []


def test_the_layer_check_catches_a_front_end_reaching_inside() -> None:
    """The check above fails on what it is there to catch (it once read only the first
    attribute after `services.`)."""
    source = (
        "def f(deps):\n"
        "    deps.services.index.stats()\n"  # fine
        "    deps.services.index._sync.catalog.drop('x')\n"  # inside a part
        "    qa = deps.services.qa\n"
        "    qa._chain.invoke({})\n"  # through a name
        "    qa.answer('q')\n"  # fine
        "    deps.services.feeds.poll_all()\n"  # fine
        "    deps.services.catalog.articles('x')\n"  # no such part
    )
    flagged = {(part, op) for _, part, op in misused(facade_uses(with_parents(ast.parse(source))))}
    assert flagged == {("index", "_sync"), ("qa", "_chain"), ("catalog", "articles")}


def test_cli_modules_never_import_the_app() -> None:
    for path in (ROOT / "bot" / "cli").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "from bot.cli import" not in text and "import bot.cli\n" not in text, path.name
        assert "def register(app" in text or path.name == "common.py", path.name


def test_eval_help_lists_every_configuration() -> None:
    from bot.cli.evaluate import CONFIG_NAMES
    from retrieval.evaluation import CONFIGS

    assert tuple(CONFIG_NAMES.split(", ")) == CONFIGS
