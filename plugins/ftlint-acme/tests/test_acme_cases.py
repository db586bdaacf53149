"""ACME's rules checked by their declarative cases (tests/cases/<CODE>.yaml), with the
runner ftlint's own rules use (`ftlint.testing`): one YAML file per rule, a trigger
and a near miss each, linted through `ftlint.api` with this plugin loaded."""

from __future__ import annotations

from pathlib import Path

from ftlint.testing import Case, check_case, parametrize_cases

CASES = Path(__file__).parent / "cases"


@parametrize_cases(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path, plugins=["ftlint_acme.plugin"])


def test_every_acme_rule_has_a_trigger_and_a_near_miss() -> None:
    from ftlint_acme.plugin import ftlint_rules

    from ftlint.testing import load_cases

    for cls in ftlint_rules():
        cases = load_cases(CASES / f"{cls.code}.yaml")
        assert any(c.expect for c in cases) and any(c.near_miss for c in cases), cls.code
