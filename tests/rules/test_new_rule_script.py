"""scripts/new_rule.py scaffolds a working rule, its cases and its catalogue page, and
registers it in its category package, in a temporary copy of the tree."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from ftlint.rule import parse_doc, validate_rule_class
from ftlint.testing import check_case, load_cases

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("new_rule", REPO / "scripts" / "new_rule.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(
        REPO / "src" / "ftlint" / "rules" / "quality", root / "src" / "ftlint" / "rules" / "quality"
    )
    return root


def test_scaffold_writes_module_cases_page_and_registers(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = list(sys.path)
    try:
        assert _script().main(["QLT099", "answer-too-long", "quality", "--root", str(tree)]) == 0
    finally:
        sys.path[:] = path
    module = tree / "src/ftlint/rules/quality/answer_too_long.py"
    cases = tree / "tests/rules/cases/QLT099.yaml"
    page = tree / "rules/QLT099.md"
    assert module.is_file() and cases.is_file() and page.is_file()

    init = (tree / "src/ftlint/rules/quality/__init__.py").read_text()
    assert "from ftlint.rules.quality.answer_too_long import AnswerTooLong" in init
    listed = [n.id for n in ast.walk(ast.parse(init)) if isinstance(n, ast.Name)]
    order = [n for n in listed if n not in ("Rule", "list", "type")]
    assert order[-1] == "AnswerTooLong"  # QLT099 sorts last

    spec = importlib.util.spec_from_file_location("scaffolded_rule", module)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cls = mod.AnswerTooLong
    assert validate_rule_class(cls) == []
    assert "Example" in cls.doc_parts()  # the ruff-style docstring is read

    # the scaffolded rule passes its own cases, loaded as a plugin like any other
    plugin = tmp_path / "plugin_dir"
    plugin.mkdir()
    (plugin / "scaffold_plugin.py").write_text(
        "import importlib.util\nfrom ftlint.hookspecs import hookimpl\n"
        f"spec = importlib.util.spec_from_file_location('scaffolded_rule2', {str(module)!r})\n"
        "mod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n"
        "@hookimpl\ndef ftlint_rules():\n    return [mod.AnswerTooLong]\n"
    )
    monkeypatch.syspath_prepend(str(plugin))
    loaded = load_cases(cases)
    assert any(c.expect for c in loaded) and any(c.near_miss for c in loaded)
    for i, case in enumerate(loaded):
        check_case(case, tmp_path / f"case{i}", plugins=["scaffold_plugin"])
    text = page.read_text()
    assert "# QLT099 `answer-too-long`" in text and "## Example" in text
    assert "parse_error_rate 0.1 is above the maximum 0.05" in text


def test_scaffold_refuses_a_code_of_another_category_or_an_existing_one(tree: Path) -> None:
    script = _script()
    with pytest.raises(SystemExit):
        script.main(["FMT099", "x-y", "quality", "--root", str(tree)])
    with pytest.raises(SystemExit):
        script.main(["QLT001", "x-y", "quality", "--root", str(tree)])


def test_both_docstring_styles_are_read() -> None:
    ours = parse_doc("What it detects: a. b.\n\nWhy it matters: c.\n\nWhat the planner does: d.")
    ruff = parse_doc(
        "## What it does\na. b.\n\n## Why is this bad?\nc.\n\n## Example\n```json\n{}\n```\n\n"
        "What the planner does: d."
    )
    assert ours == {k: v for k, v in ruff.items() if k != "Example"}
    assert ruff["Example"] == "```json\n{}\n```"
