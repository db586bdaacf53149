"""The views' scan (`_views._scan_view`, with its fast paths: a whole-text object
classified from the decoded object alone, `_whole_view`) gives exactly the view of
the scan with no fast path at all: every object's end found by the character scan,
the first decoded by json from its span (as before #19), then `classify_shape`.

Texts are drawn around the shapes the fast paths take (a writer's wrapper object, a
flat or nested object, the whole text or with whitespace, prose or a fence around it)
and everything near them: cut, invalid, NaN, deep, duplicated keys, a second object,
an array; under every parse_error kind, contract and the writer's cut.
"""

from __future__ import annotations

import json
import math
from typing import Any
from unittest import mock

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
from helpers import PARSE_ERROR_HINTS, completion_scan_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis import completion
from ftlint.analysis.completion import analyze_completion
from ftlint.analysis.parse_errors import parse_hint
from ftlint.analysis.taxonomy import GENERATED_TEXT_LIMIT, classify_shape
from ftlint.analysis.vector_contract import contract_for
from ftlint.model import Evidence, HardCase, Provenance, Run
from ftlint.rules.format import _prose, _views
from ftlint.rules.format._rowview import FC, HARD_FAILURES, RowView

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = ("energy", "warmth", "brightness")


def _reference(error: str | None, text: str, keys: Any, scale: Any) -> RowView:
    """`_scan_view` as it was, on the plain scan."""
    size = len(text)
    cut = size >= GENERATED_TEXT_LIMIT
    with completion_scan_only():
        shape = analyze_completion(text)
    contract = contract_for(keys, scale)
    if error is not None:
        return RowView(
            True, classify_shape(parse_hint(error), text, shape, contract, cut), shape, size, cut
        )
    if shape.empty:
        return RowView(True, FC.NO_JSON, shape, size, cut)
    if cut and shape.first_object is None:
        return RowView(False, None, shape, size, cut)
    cls = classify_shape(None, text, shape, contract, cut)
    if cls in HARD_FAILURES:
        return RowView(True, cls, shape, size, cut)
    return RowView(False, None, shape, size, cut)


def _fields(view: RowView) -> str:
    """Every field, the shape's too, by repr (`1` and `1.0`, or NaN, differ here)."""
    shape = view.shape
    names = completion.CompletionShape.__dataclass_fields__
    inner = None if shape is None else tuple(getattr(shape, name) for name in names)
    return repr((view.failed, view.cls, inner, view.text_chars, view.writer_cut))


def _same(error: str | None, text: str, keys: Any, scale: Any) -> RowView:
    found = _views._scan_view(error, text, keys, scale)
    assert _fields(found) == _fields(_reference(error, text, keys, scale))
    assert found.__class__ is RowView and found.shape.__class__ is completion.CompletionShape
    return found


_NUMBERS = st.one_of(
    st.integers(-5, 150),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.integers(10**18, 10**30),
)
_VECTOR = st.dictionaries(st.sampled_from((*KEYS, "note", "nostalgia")), _NUMBERS, max_size=4)
_NESTED = st.recursive(
    _VECTOR,
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(("hidden_params", "out", "a", *KEYS)), inner, max_size=3),
        st.lists(inner, max_size=2),
    ),
    max_leaves=6,
)
_OBJECTS = st.one_of(
    _VECTOR,
    _NESTED,
    st.builds(
        lambda request, vector, reasoning: {
            "request_text": request,
            "hidden_params": vector,
            "reasoning": reasoning,
        },
        st.text(max_size=8),
        st.one_of(_VECTOR, _NUMBERS),
        st.text(alphabet='ab {}[]"\\`\n\u2028', max_size=12),
    ),
    st.builds(lambda v: {"result": {"scores": v}}, _VECTOR),
)


@st.composite
def _bodies(draw: st.DrawFn) -> str:
    """An object as a model writes it (or json with NaN, or bent: cut, a trailing comma,
    a duplicated key, a lone surrogate, a deep nest, a second value after it)."""
    value = draw(_OBJECTS)
    pad = draw(st.sampled_from((0, 0, 0, 520, 560, 600)))
    if pad and isinstance(value, dict):  # long reasoning: the writer's cut, either side
        value = {**value, "reasoning": "r" * (pad + draw(st.integers(-30, 30)))}
    body = json.dumps(
        value, indent=draw(st.sampled_from((None, 2))), ensure_ascii=draw(st.booleans())
    )
    bend = draw(st.integers(0, 12))
    if bend == 0:
        body = body[: draw(st.integers(0, len(body)))]
    elif bend == 1 and body.endswith("}") and len(body) > 2:
        body = body[:-1].rstrip() + ",\n}"
    elif bend == 2 and len(body) > 2:
        body = body[:-1] + ', "energy": 7}'
    elif bend == 3:
        body = body[:-1] + (', "s": "\\ud800"}' if len(body) > 2 else '"s": "\\udc00"}')
    elif bend == 4:
        depth = draw(st.sampled_from((3, 399, 400, 401, 900)))
        body = '{"a": ' + "[" * depth + "1" + "]" * depth + "}"
    elif bend == 5:
        body += draw(st.sampled_from((" {}", "}", "]", " 1", '{"energy": 1}', " x")))
    elif bend == 6:
        body = body.replace(":", ": NaN,", 1) if ":" in body else body
    return body


_AROUND = st.sampled_from(("", "", "", " ", "\n", "\u2003", "x", "Here: ", "```json\n", "`"))
_AFTER = st.sampled_from(("", "", "", " ", "\n", "\u3000", "x", "\n```", "`", " {}", "}"))
_ERRORS = st.one_of(st.none(), st.sampled_from(PARSE_ERROR_HINTS[1:]))
_KEYS = st.one_of(st.none(), st.just(KEYS), st.just(("energy",)), st.just(()))
_SCALES = st.one_of(st.none(), st.sampled_from((1, 100.0, math.nan, -1)))


@st.composite
def _texts(draw: st.DrawFn) -> str:
    return draw(_AROUND) + draw(_bodies()) + draw(_AFTER)


@SETTINGS
@given(_texts(), _ERRORS, _KEYS, _SCALES)
def test_scan_view_is_the_plain_scan(text: str, error: str | None, keys: Any, scale: Any) -> None:
    _same(error, text, keys, scale)


@SETTINGS
@given(_bodies(), _ERRORS, _KEYS)
def test_a_whole_text_object_is_the_plain_scan(body: str, error: str | None, keys: Any) -> None:
    _same(error, body, keys, 100.0)
    _same(error, body + " " * GENERATED_TEXT_LIMIT, keys, 100.0)  # cut, after whitespace


def test_a_writers_wrapper_takes_the_whole_object_path() -> None:
    """The wrapper the HF Jobs writer fails (`vector_payload_not_found`) and its kin,
    each classified as the scan does, through `_whole_view` (counted)."""
    wrapper = {
        "request_text": "Calm piano for reading, sample 3",
        "hidden_params": {"energy": 12, "warmth": 70, "brightness": 30},
        "reasoning": "Piano is acoustic {mostly}.",
    }
    texts = [
        json.dumps(wrapper),
        json.dumps(wrapper, indent=2),
        json.dumps({"energy": 1, "warmth": {"x": 2}, "brightness": 3}),
        json.dumps({"hidden_params": {"energy": "high"}}),
        json.dumps({"energy": 1, "warmth": 200, "brightness": [3]}),
        json.dumps({"out": [{"energy": 1}]}),
    ]
    errors = [
        None,
        "invalid_vector:vector_payload_not_found",
        "missing_key:hidden_params.energy",
        "invalid_value:energy",
        "out_of_range:warmth=200",
        "hidden_params_missing_or_not_object",
    ]
    real = _prose._whole_view
    calls: list[int] = []

    def counted(*args: Any) -> RowView:
        calls.append(1)
        return real(*args)

    with mock.patch.object(_prose, "_whole_view", counted):
        for text in texts:
            for error in errors:
                for keys in (KEYS, None):
                    _same(error, text, keys, 100.0)
    assert len(calls) == len(texts) * len(errors) * 2
    view = _views._scan_view(errors[1], texts[0], KEYS, 100.0)
    assert view.failed and view.cls is FC.WRAPPER_OBJECT


_SPACE = st.sampled_from(("", "", " ", "\n", "\t", "\u2003", "\x1c"))
_FLAT = st.sampled_from(
    (
        '{"energy": 1, "warmth": 2, "brightness": 3}',
        '{"energy": 1, "warmth": 2}',
        '{"energy": 1, "warmth": {"x": 2}, "brightness": 3}',
        '{"brightness": 3, "energy": 1, "warmth": 2, "r": "' + "x" * 580 + '"}',
        "{}",
        "{",
        "}",
    )
)


@st.composite
def _row_texts(draw: st.DrawFn) -> str:
    """What the block loop sorts: flat objects with or without whitespace around them,
    prose with or without a complete object, fences, whole objects, anything."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(_SPACE) + draw(_FLAT) + draw(_SPACE)
    if kind == 1:
        return draw(_texts())
    if kind == 2:
        prose = draw(st.sampled_from(("Sure: ", "", " ", "[", "x", "Here is {", "a } b ")))
        return prose + draw(_FLAT) + draw(_AFTER) + draw(st.sampled_from(("", "x" * 600)))
    return draw(st.text(alphabet='ab {}[]"`\n :1', max_size=30))


def _case(error: Any, text: Any) -> HardCase:
    return HardCase(1, "1", "q", None, None, None, None, None, error, text, Evidence("p", 1), {})


@SETTINGS
@given(st.lists(st.tuples(_ERRORS | st.just("  "), _row_texts()), min_size=1, max_size=10), _KEYS)
def test_block_loop_is_the_row_path(rows: list[Any], keys: Any) -> None:
    """`_plain_views` (its inline flat-object test, which strips only a text that opens
    or ends with whitespace, and its skip of `_prose_view` when a `}` follows the first
    `{`) gives `_view`'s views, row by row, field by field."""
    run = Run(name="r", provenance=Provenance(target_keys=keys, target_scale=100.0))
    block = _views._plain_views([_case(e, t) for e, t in rows], run)
    for (error, text), view in zip(rows, block, strict=True):
        error = error if error and error.strip() else None
        assert _fields(view) == _fields(_views._view.__wrapped__(error, text, keys, 100.0))


def test_a_released_block_is_computed_again() -> None:
    """`release_block` drops the held block (its rows can be freed) and the next ask
    computes the same views again."""
    run = Run(name="r", provenance=Provenance(target_keys=KEYS, target_scale=100.0))
    cases = [_case(None, '{"energy": 1, "warmth": 2, "brightness": 3}'), _case("x", "prose")]
    views, choice = _views.view_block(cases, run)
    assert _views._BLOCK[0] is cases and _views._CHOICE[0] is cases
    _views.release_block()
    assert _views._BLOCK[0] is None and _views._CHOICE[0] is None
    assert _views.view_block(cases, run) == (views, choice)
