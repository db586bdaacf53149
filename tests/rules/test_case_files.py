"""Every built-in rule has declarative cases (a trigger and a near miss), and the case
runner rejects case files it cannot use instead of passing them vacuously."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlint.plugins import build_plugins
from ftlint.testing import CaseError, assert_case, load_cases, render_file

CASES = Path(__file__).parent / "cases"
BUILTIN = [cls.code for cls in build_plugins(use_entry_points=False).rule_classes()]


@pytest.mark.parametrize("code", BUILTIN)
def test_every_builtin_rule_has_a_trigger_and_a_near_miss(code: str) -> None:
    path = CASES / f"{code}.yaml"
    assert path.is_file(), f"{code} has no case file: add {path.relative_to(Path.cwd())}"
    cases = load_cases(path)
    assert any(c.expect and any(e["code"] == code for e in c.expect) for c in cases), code
    assert any(c.near_miss for c in cases), code


def test_no_case_file_for_an_unknown_rule() -> None:
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == sorted(BUILTIN)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[]", "a list of cases"),
        ("- {name: a, files: {}}", "say what it expects"),
        ("- {name: a, expect: [], bogus: 1}", "unknown keys"),
        ("- {name: a, expect: []}\n- {name: a, expect: []}", "duplicate case name"),
        ("- {expect: [], files: {../x.json: {}}}", "inside the workspace"),
        ("- {expect: [{run: a, colour: red}]}", "an expectation is"),
        ("- {near_miss: true, expect: [{code: X}]}", "expects no finding"),
        ("- [unclosed", "expected"),
    ],
)
def test_bad_case_files_are_errors(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "X001.yaml"
    path.write_text(text)
    with pytest.raises(CaseError, match=error):
        load_cases(path)


def test_a_missing_or_unexpected_finding_fails_with_what_was_produced(tmp_path: Path) -> None:
    path = tmp_path / "X001.yaml"
    path.write_text("- {name: t, expect: [{code: X001, message: below}]}\n- {name: n, expect: []}")
    trigger, near = load_cases(path)

    class F:
        rule, run, severity, message = "X001", "r", "error", "rate is below the minimum"

    assert_case(trigger, [F()])  # type: ignore[list-item]
    with pytest.raises(AssertionError, match="produced, not expected"):
        assert_case(near, [F()])  # type: ignore[list-item]
    with pytest.raises(AssertionError, match="expected, not produced"):
        assert_case(trigger, [])


def test_data_is_serialised_by_suffix() -> None:
    assert render_file("a.jsonl", [{"x": 1}, {"y": 2}]) == '{"x": 1}\n{"y": 2}\n'
    assert render_file("a.json", {"x": 1}) == '{\n  "x": 1\n}'
    assert render_file("a.yaml", {"x": 1}) == "x: 1\n"
    assert render_file("a.txt", "as is") == "as is"
