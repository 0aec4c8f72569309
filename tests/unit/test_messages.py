"""The message catalogues: every text the code marks (`t`, `tn`, `mark`) has its Russian and
its Azerbaijani, with the same placeholders and HTML tags, and none is fuzzy or left over.
`make messages` brings the .po files up to date after a change; this test fails until someone
translates what it added."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import ROOT

KEYWORDS = {"t": None, "tn": (1, 2), "mark": None}
PLACEHOLDER = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?\w+")


def marked(package: str) -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _, _, message, _, _ in extract_from_dir(
        ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.mark.parametrize("language", ["ru", "az"])
@pytest.mark.parametrize("package", ["bot", "retrieval"])
def test_every_marked_text_has_its_translation(package: str, language: str) -> None:
    catalog_path = ROOT / package / "locales" / language / "LC_MESSAGES" / "messages.po"
    plurals = {"ru": 3, "az": 2}[language]
    with Path(catalog_path).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    wanted = marked(package)
    assert wanted, "the extraction found nothing: the keywords no longer match the code"
    assert sorted(map(str, wanted - translated.keys())) == []  # untranslated
    assert sorted(map(str, translated.keys() - wanted)) == []  # no longer in the code
    for key, message in translated.items():
        assert not message.fuzzy, key
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(forms) == (plurals if isinstance(key, tuple) else 1) and all(forms), key
        original = key[1] if isinstance(key, tuple) else key
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(original)), key
            assert sorted(TAG.findall(form)) == sorted(TAG.findall(original)), key


def test_every_stage_a_job_reports_is_translated() -> None:
    """Admins watching /reindex, /adapt or /backup read each stage in their language: every
    `Stage` but the end is in bot/jobs.py's STAGES, which the catalogue test covers."""
    from bot.jobs import STAGES
    from retrieval.core.records import Stage

    assert set(STAGES) == {stage.value for stage in Stage} - {Stage.DONE.value}


@pytest.mark.parametrize("package", ["bot", "retrieval"])
def test_no_marked_text_sits_inside_an_f_string(package: str) -> None:
    """Babel's extractor reads a `t(...)` inside an f-string on Python 3.12 and later only (where
    f-strings are tokenised), so on 3.11 such a text was missing from the catalogue and readers
    got it in English. Marked texts stand outside f-strings, so every Python extracts the same."""
    import ast

    names = set(KEYWORDS)
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                # t(NAME) is not extracted here: NAME is marked where it is defined.
                if isinstance(inner, ast.Call) and inner.args:
                    if not isinstance(inner.args[0], ast.Constant):
                        continue
                    func = inner.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in names:
                        found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert found == []
