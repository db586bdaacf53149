"""The per-row shortcuts of the block visitors give exactly what their plain forms give."""

from __future__ import annotations

from typing import Any

from helpers import batches_match_rows, feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.format.degenerate_output import normalized

WHITE = list(" \n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u2029\u3000")
TEXT = st.text(alphabet=st.sampled_from([*WHITE, "a", "b", ".", "\x00", "\u00e9", "\u200b"]))


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_normalized_is_split_and_join(text: str) -> None:
    assert normalized(text) == " ".join(text.split())


# -- PRV008: the inline new-example path of `row_batch` -----------------------------------

EVIDENCE = st.builds(
    lambda path, line, sid, pointer, url: (path, line, sid, pointer, url),
    st.sampled_from(["h.jsonl", "g.jsonl"]),
    st.one_of(st.integers(0, 40), st.sampled_from([None, -1, 2**34 - 2, 2**34 - 1, 2**40])),
    st.one_of(
        st.none(),
        st.integers(0, 60).map(str),
        st.sampled_from(["007", "", "a1", "10000000000000", "999999999999", "\uff11"]),
    ),
    st.sampled_from([None, None, None, "/data/3"]),
    st.sampled_from([None, None, None, "https://x"]),
)


def _prv_case(text: str, ev: tuple[Any, ...], target: Any) -> HardCase:
    path, line, sid, pointer, url = ev
    evidence = Evidence(path, line, pointer, sid, url)
    return HardCase(1, sid, text, None, target, None, None, None, None, None, evidence, {})


def _prv_state(cases: list[HardCase], sizes: list[int], batched: bool) -> Any:
    from ftlint.model import Campaign, Provenance, Run
    from ftlint.rule import RuleContext
    from ftlint.rules.provenance.duplicate_eval_rows import DuplicateEvalRows

    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(eval_size=50))
    rule = DuplicateEvalRows()
    ctx = RuleContext(rule, DuplicateEvalRows.param_defaults(), None, {}, Campaign(".", (run,)))
    visitor = rule.hard_case_visitor(run, ctx)
    feed(visitor, cases, sizes, batched)
    return (
        list(visitor.examples.keys),
        [list(col) for col in visitor.inputs.cols],
        list(visitor.inputs.keys),
        visitor.counts,
        visitor.repeat_evidence,
        visitor.conflicting,
        visitor.packer.paths,
        visitor.packer.kept,
        [repr(f) for f in visitor.finish()],
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a b", "a  b", " c", "d", "", "e\tf", "g"]),
            EVIDENCE,
            st.sampled_from([None, {"k": 1}, {"k": 2}, {"k": 1.5}, "lbl"]),
        ),
        max_size=40,
    ),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_prv008_row_batch_leaves_the_tables_of_row(rows: list[Any], sizes: list[int]) -> None:
    cases = [_prv_case(*row) for row in rows]
    assert _prv_state(cases, sizes, True) == _prv_state(cases, sizes, False)


def test_prv008_row_batch_grows_its_tables_as_row_does() -> None:
    cases = [
        _prv_case(f"input {i % 1500}", ("h.jsonl", i, str(i), None, None), {"k": i % 7})
        for i in range(4000)
    ]
    assert _prv_state(cases, [256], True) == _prv_state(cases, [256], False)


# -- every built-in visitor: `row_batch` of blocks == `row` of each row --------------------

_VALUES = st.one_of(st.integers(0, 100), st.sampled_from([50, 1.5, None, "x", True, 10**400]))
_VECTOR = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["energy", "warmth"]), _VALUES, max_size=2)
)
_TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab {}[]`\n:\"'")), max_size=12),
    st.sampled_from(
        [
            '{"energy": 1, "warmth": 2}',
            "Let me think.\nThe energy is high.",
            "Let me think.\n\nTwice.",
            "[1, 2]",
            '{"hidden_params": {"energy": 1, "warmth": 2}}',
            "x" * 650,
            "my api key is sk-abcdefghijklmnopqrstuvwxyz123456",
        ]
    ),
)


@st.composite
def _rows(draw: Any) -> list[HardCase]:
    out = []
    for line in range(1, draw(st.integers(0, 30)) + 1):
        sid = draw(st.one_of(st.none(), st.sampled_from(["1", "2", "x", "007", "12"])))
        case = HardCase(
            draw(st.integers(1, 5)),
            sid,
            draw(
                st.sampled_from(["calm piano, sample 3", "calm piano, sample 4", "a  b", "", None])
            ),
            draw(st.sampled_from([None, "", "a", "b"])),
            draw(_VECTOR),
            draw(_VECTOR),
            draw(_VECTOR),
            draw(st.one_of(st.none(), st.floats(0, 100), st.sampled_from([float("nan"), 3]))),
            draw(st.sampled_from([None, None, "json_block_not_found", "missing_key:energy", ""])),
            draw(st.one_of(st.none(), _TEXTS)),
            Evidence("outputs/r/hard_cases.valid.jsonl", line, None, sid, None),
            {},
        )
        out.append(case)
    return out


@settings(max_examples=60, deadline=None)
@given(_rows(), st.lists(st.integers(1, 9), min_size=1, max_size=3))
def test_row_batch_of_every_visitor_is_its_rows(cases: list[HardCase], sizes: list[int]) -> None:
    assert batches_match_rows(cases, sizes, eval_size=40) >= 10
