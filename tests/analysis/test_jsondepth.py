"""`ftlint.analysis.jsondepth`: json's own answer for every value up to MAX_DEPTH
levels, and one answer past it whatever the stack depth of the call."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.analysis.jsondepth import MAX_DEPTH, TOO_DEEP, deep_at, loads, raw_decode

_PIECES = st.sampled_from(['{"a":', '{"b": 1, "c":', "[", "[1, ", "]", "}", '"x"', "1", ",", " "])
_JSONISH = st.lists(_PIECES, max_size=40).map("".join)


def _outcome(call: Any, *args: Any) -> str:
    try:
        return "ok " + repr(call(*args))
    except RecursionError as exc:
        return f"RecursionError {exc}"
    except ValueError as exc:
        return f"{type(exc).__name__} {exc}"


def _nested(frames: int, call: Any, *args: Any) -> str:
    """`_outcome(call, *args)` from `frames` Python frames deeper."""
    return _outcome(call, *args) if frames <= 0 else _nested(frames - 1, call, *args)


@settings(max_examples=300, deadline=None)
@given(_JSONISH)
def test_shallow_text_is_decoded_as_json_decodes_it(text: str) -> None:
    assert deep_at(text) == -1
    assert _outcome(loads, text) == _outcome(json.loads, text)
    start = text.find("{")
    if start >= 0:
        ours = _outcome(raw_decode, text, start)
        assert ours == _outcome(json.JSONDecoder().raw_decode, text, start)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["", "  ", '{"k": ', "["]),
    st.integers(MAX_DEPTH - 2, MAX_DEPTH + 700),
    st.sampled_from(["[", '{"a":', '{"a": 1, "b":']),
    _JSONISH,
)
def test_deep_text_gets_one_answer_at_any_stack_depth(
    head: str, depth: int, opener: str, tail: str
) -> None:
    text = head + opener * depth + tail
    answers = {_nested(frames, loads, text) for frames in (0, 40, 120)}
    assert len(answers) == 1
    (answer,) = answers
    cut = deep_at(text, len(text) - len(text.lstrip()))
    if cut < 0:
        assert answer == _outcome(json.loads, text)  # json's own, shallow enough
    elif answer != f"RecursionError {TOO_DEEP}":
        # json's own error, raised before the cap: the same error json gives the text
        assert answer == _outcome(json.loads, text[:cut])
        assert answer.startswith("JSONDecodeError")


def test_a_syntax_error_before_the_cap_keeps_jsons_message() -> None:
    text = "{" * 1500 + "}" * 1500
    assert _outcome(loads, text) == _outcome(json.loads, text)
    assert "char 1" in _outcome(loads, text)


def test_brackets_inside_strings_are_no_nesting() -> None:
    text = '{"a": "' + "{[" * 3000 + '"}'
    assert deep_at(text) == -1
    assert loads(text) == {"a": "{[" * 3000}


def test_past_the_cap_is_refused_with_one_message() -> None:
    text = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert deep_at(text) == MAX_DEPTH
    assert _outcome(loads, text) == f"RecursionError {TOO_DEEP}"
    assert _outcome(raw_decode, "x " + text, 2) == f"RecursionError {TOO_DEEP}"
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert _outcome(loads, ok) == _outcome(json.loads, ok)
