"""Every built-in rule's declarative cases (tests/rules/cases/<CODE>.yaml), run through
`ftlint.api` by the same runner plugin authors get (`ftlint.testing`)."""

from __future__ import annotations

from pathlib import Path

from ftlint.testing import Case, check_case, parametrize_cases

CASES = Path(__file__).parent / "cases"


@parametrize_cases(CASES)
def test_case(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
