"""`has_choice` (a block holds a choice-contract row: the format visitors then take
their per-row path) answers as `is_choice` of each row does, on raw rows with and
without a contract, other contracts, and choices as a tuple, a list or missing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.format import _views

RAWS = st.fixed_dictionaries(
    {},
    optional={
        "contract": st.sampled_from(["choice", "json", "", None, 1, "Choice"]),
        "choices": st.sampled_from([("a", "b"), ["a", "b"], (), None, "ab"]),
        "label": st.just("a"),
    },
)


def _case(line: int, raw: dict[str, Any]) -> HardCase:
    ev = Evidence("h.jsonl", line, None, None, None)
    return HardCase(line, None, None, None, None, None, None, None, None, "x", ev, raw)


@settings(max_examples=300, deadline=None)
@given(st.lists(RAWS, max_size=12))
def test_has_choice_is_any_is_choice(raws: list[dict[str, Any]]) -> None:
    cases = [_case(i + 1, raw) for i, raw in enumerate(raws)]
    _views._CHOICE[0] = None
    assert _views.has_choice(cases) == any(_views.is_choice(case) for case in cases)
    assert _views.has_choice(cases) == any(_views.is_choice(case) for case in cases)  # memo
