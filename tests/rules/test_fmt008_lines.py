"""FMT008's `LINES` completions (ASCII, only spaces and newlines): the block scan flags
each row exactly (`rough`, `doubled`), and a row with no two spaces in a row is
normalised line by line; both held to `" ".join(text.split())` and to the row path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.format import degenerate_output as fmt008
from ftlint.rules.security import _block_hints

needs_scan = pytest.mark.skipif(not _block_hints.available(), reason="no ahocorasick-rs")

PIECES = st.sampled_from(
    ["a", "Calm", "piano.", "{", '"energy": 90,', " ", "  ", "   ", "\n", "\n\n", " \n ", "\t",
     "\r\n", "\x0c", "\u00e9", "\u2028", "```json", "\x00"]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(PIECES, max_size=14).map("".join),
    st.sampled_from(["", " ", "\n", "a\nb", "a \nb", "a\n b", "a\n\nb", "a  \n b", " a\nb "]),
)


def _case(line: int, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, str(line), None)
    return HardCase(line, str(line), None, None, None, None, None, None, None, text, ev, {})


def _reference_flag(text: str) -> int:
    if not text.isascii() or any(c.isspace() and c not in " \n" for c in text):
        return _block_hints.OTHER
    if "\n" in text or "  " in text:
        return _block_hints.LINES
    return _block_hints.NORMAL


@needs_scan
@settings(max_examples=500, deadline=None)
@given(st.lists(TEXTS, max_size=12))
def test_rough_and_doubled_are_exact(texts: list[str]) -> None:
    scan = _block_hints.scan_block([_case(i + 1, text) for i, text in enumerate(texts)])
    assert scan is not None
    assert scan.rough() == [_reference_flag(text) for text in texts]
    assert scan.doubled() == [i for i, t in enumerate(texts) if t.isascii() and "  " in t]


def _visitor() -> Any:
    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(eval_size=40))
    rule = fmt008.DegenerateOutput()
    params = {**rule.param_defaults(), "identical_min_count": 2, "identical_share": 0.1}
    ctx = RuleContext(rule, params, None, {}, Campaign(root=".", runs=(run,)))
    return rule.hard_case_visitor(run, ctx)


def _counts(texts: list[str], batched: bool) -> Any:
    visitor = _visitor()
    cases = [_case(i + 1, text) for i, text in enumerate(texts)]
    if batched:
        visitor.row_batch(cases)
    else:
        for case in cases:
            visitor.row(case)
    state = visitor.export_state()
    return state[2], list(state[3].items()), list(state[4].items())


@needs_scan
@settings(max_examples=500, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=12))
def test_lines_rows_count_under_their_normal_form(texts: list[str]) -> None:
    empty, counts, first = _counts(texts, True)
    assert (empty, counts, first) == _counts(texts, False)
    normal = [" ".join(t.split()) for t in texts]
    assert sum(c for _, c in counts) + empty == len(texts)
    assert {k for k, _ in counts} == {n for n in normal if n}


@needs_scan
def test_paragraphs_and_indented_objects() -> None:
    texts = [
        'Here it is.\n\n{\n  "energy": 90,\n  "warmth": 9\n}\nDone.',
        'Here it is. \n\n{ \n"energy": 90,\n"warmth": 9\n}\n Done. ',
        'Here it is.\n{\n"energy": 90,\n"warmth": 9\n}\nDone.',
        "a\n \n \nb",
        "a b\nc  d",
    ]
    _, counts, _ = _counts(texts, True)
    assert counts == [
        ('Here it is. { "energy": 90, "warmth": 9 } Done.', 3),
        ("a b", 1),
        ("a b c d", 1),
    ]
    assert _counts(texts, True) == _counts(texts, False)
