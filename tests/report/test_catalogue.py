"""The rule catalogue in rules/ is generated from the rule classes and must not drift."""

from __future__ import annotations

from helpers import REPO

from ftlint.plugins import build_plugins
from ftlint.report.catalogue import catalogue_files
from ftlint.rule import DOC_PARTS, validate_rule_class


def _builtin():
    return build_plugins(use_entry_points=False).rule_classes()


def test_every_builtin_rule_is_valid_and_documented() -> None:
    classes = _builtin()
    assert classes
    for cls in classes:
        assert validate_rule_class(cls) == []
        parts = cls.doc_parts()
        assert all(len(parts[h]) > 40 for h in DOC_PARTS), cls.code
        assert len(cls.summary()) < 120, f"{cls.code}: keep the first sentence short"


def test_catalogue_pages_are_present_and_fresh() -> None:
    expected = catalogue_files(_builtin())
    directory = REPO / "rules"
    actual = {p.name: p.read_text(encoding="utf-8") for p in directory.glob("*.md")}
    hint = "run `ftlint rules --write-catalogue rules/`"
    assert sorted(actual) == sorted(expected), hint
    for name, text in expected.items():
        assert actual[name] == text, f"rules/{name} is stale: {hint}"


def test_codes_are_unique_and_names_kebab() -> None:
    classes = _builtin()
    assert len({c.code for c in classes}) == len(classes)
    assert len({c.name for c in classes}) == len(classes)
