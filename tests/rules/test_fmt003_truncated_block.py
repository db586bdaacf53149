"""FMT003's block loop measures truncated rows (an object opened and never closed, no
complete one before it) itself, in block-local sums written back once, instead of a
`TokenBudget.add_truncated` call a row: the budget after any blocks of such rows (prose
or blank before the `{`, none, several, cut by the writer or not, with other rows
between) is the one `row` leaves, field by field, and so are the findings."""

from __future__ import annotations

from typing import Any

from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.format.parse_error_taxonomy import ParseErrorTaxonomy

HEADS = st.sampled_from(["", " ", "\n\n", "\u2003", "Sure. ", "Let me think.\n", "x" * 700])
OPEN = st.sampled_from(['{"energy": 1, "warmth": ', '{"energy": 1, "warmth": 2', "{", '{"a'])
TRUNCATED = st.builds(lambda head, obj, pad: head + obj + " " * pad, HEADS, OPEN, st.integers(0, 3))
OTHERS = st.sampled_from(
    ['{"energy": 1, "warmth": 2}', "no object", "", 'Here: {"energy": 1} and more', None]
)
ERRORS = st.sampled_from([None, "json_block_not_found", "json_decode_error: Expecting value"])


def _case(line: int, error: Any, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, str(line), None)
    return HardCase(line, str(line), None, None, None, None, None, None, error, text, ev, {})


def _fed(cases: list[HardCase], sizes: list[int] | None) -> tuple[dict[str, Any], list[Any]]:
    run = Run(name="r", provenance=Provenance(target_keys=("energy", "warmth"), eval_size=40))
    rule = ParseErrorTaxonomy()
    ctx = RuleContext(rule, rule.param_defaults(), None, {}, Campaign(root=".", runs=(run,)))
    visitor = rule.hard_case_visitor(run, ctx)
    feed(visitor, cases, sizes)
    budget = dict(vars(visitor.budget))
    return budget, [(f.message, f.severity, f.measurements) for f in visitor.finish()]


@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.tuples(ERRORS, st.one_of(TRUNCATED, OTHERS)), max_size=20),
    st.lists(st.integers(1, 7), min_size=1, max_size=3),
)
def test_truncated_rows_of_a_block_are_row_by_row(rows: list[Any], sizes: list[int]) -> None:
    cases = [_case(i + 1, error, text) for i, (error, text) in enumerate(rows)]
    assert _fed(cases, sizes) == _fed(cases, None)


def test_min_max_and_prose_over_two_blocks() -> None:
    texts = ["Sure. {", '  {"energy": 1', 'Longer prose first, then {"energy": 1, "warmth": ']
    cases = [_case(i + 1, "json_block_not_found", text) for i, text in enumerate(texts)]
    budget, _ = _fed(cases, [2])
    assert budget["truncated"] == 3
    assert budget["trunc_min_chars"] == len(texts[0])
    assert budget["trunc_max_chars"] == len(texts[2])
    assert budget["trunc_max_start"] == texts[2].find("{")
    assert budget["prose_first"] == 2  # (blank before the `{` is no prose)
    assert (budget, _) == _fed(cases, None)
