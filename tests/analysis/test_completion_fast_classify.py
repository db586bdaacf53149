"""`classify_failure`'s shortcuts equal the eager classifier they stand in for.

`classify_shape` no longer walks a wrapper for its target (`inner_target`) and
`_array_payload` skips a text without `[`; `_eager_classify` is the classifier as it was
(the target looked up for every wrapper, every text stripped for an array), built from
the same pieces, and both must agree on wrappers (hidden_params, a single nested key,
deeper targets, none), arrays, fences and prose, under every hint kind, contract and cut.
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
import pytest
from helpers import PARSE_ERROR_HINTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis import taxonomy
from ftlint.analysis.completion import FENCE_TAG, analyze_completion
from ftlint.analysis.failure_class import FailureClass
from ftlint.analysis.jsondepth import loads
from ftlint.analysis.parse_errors import DIM_CLASSES, WEAK_HINTS, parse_hint
from ftlint.analysis.vector_contract import contract_for, inner_target

KEYS = ("energy", "warmth", "brightness")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _eager_array(text: str) -> list[Any] | None:
    """`_array_payload` before the `[` test: every text stripped."""
    body = text.strip()
    if body.startswith("```"):
        body = FENCE_TAG.sub("", body.lstrip("`"), count=1)
        body = body.rstrip().rstrip("`")
    body = body.strip()
    if not body.startswith("["):
        return None
    try:
        value = loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, list) else None


def _eager_classify(
    parse_error: Any, text: Any, keys: Any, scale: Any, limit: int | None
) -> FailureClass:
    """`classify_failure` as before the shortcuts (its documented order, step by step)."""
    hint = parse_hint(parse_error)
    if not isinstance(text, str):
        return hint.cls if hint else FailureClass.OTHER
    contract = contract_for(keys, scale)
    shape = analyze_completion(text)
    array = _eager_array(text) if shape.leading_text or not shape.object_count else None
    obj: Any = None
    if array is not None:
        found: FailureClass | None = (
            FailureClass.WRAPPER_OBJECT
            if any(isinstance(item, dict) for item in array)
            else FailureClass.TYPE_MISMATCH
        )
    elif not shape.object_count:
        found = FailureClass.UNTERMINATED if shape.unterminated else FailureClass.NO_JSON
    elif shape.first_object is None:
        found = FailureClass.DECODE_ERROR
    else:
        whole = shape.first_object
        found = taxonomy.fast_violation(whole, contract)
        if found is FailureClass.WRAPPER_OBJECT:
            obj = inner_target(whole, contract.keys)  # eager: every wrapper
        elif found is not None:
            obj = whole
        else:
            obj = whole
            if shape.trailing_text:
                found = FailureClass.TRAILING_TEXT
            elif shape.fenced:
                found = FailureClass.MARKDOWN_FENCE
    if hint is None:
        return found or FailureClass.OTHER
    clipped = limit is not None and shape.length >= limit
    if found is FailureClass.NO_JSON:
        return hint.cls if clipped else found
    if found is FailureClass.UNTERMINATED:
        return hint.cls if clipped and hint.cls not in WEAK_HINTS else found
    if obj is None:
        return found or FailureClass.OTHER
    if found is FailureClass.WRAPPER_OBJECT:
        if hint.cls in DIM_CLASSES and hint.dim is not None:
            return taxonomy._verify_hint(hint, obj, contract) or found
        return found
    if hint.cls in taxonomy._CONTRACT_CLASSES:
        return taxonomy._verify_hint(hint, obj, contract) or found or FailureClass.OTHER
    if found is not None:
        return found
    return hint.cls if clipped else FailureClass.OTHER


_numbers = st.one_of(
    st.integers(-5, 150), st.floats(allow_nan=True), st.booleans(), st.none(), st.text(max_size=3)
)
_vector = st.dictionaries(st.sampled_from((*KEYS, "note")), _numbers, max_size=4)
_nested = st.recursive(
    _vector,
    lambda inner: st.dictionaries(st.sampled_from(("hidden_params", "out", "a", *KEYS)), inner),
    max_leaves=6,
)
_objects = st.one_of(
    _vector,
    _nested,
    st.builds(lambda v: {"hidden_params": v}, st.one_of(_vector, _numbers)),
    st.builds(lambda v, r: {"hidden_params": v, "reasoning": r}, _vector, st.text(max_size=5)),
    st.builds(lambda v: {"result": {"scores": v}}, _vector),
)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    """An object or an array of them, maybe cut, in prose, a fence, or neither."""
    value: Any = draw(_objects)
    if draw(st.booleans()):
        value = draw(st.lists(st.one_of(_objects, _numbers), max_size=3))
    body = json.dumps(value, indent=draw(st.sampled_from((None, 2))))
    if draw(st.integers(0, 5)) == 0:
        body = body[: draw(st.integers(0, len(body)))]
    before = draw(st.sampled_from(("", " ", "Here: ", "```json\n", "[ ", "``", "x [1] ")))
    after = draw(st.sampled_from(("", "\n", "\n```", " thanks", " [2]", " {}")))
    return before + body + after


_HINTS = st.one_of(st.none(), st.sampled_from(PARSE_ERROR_HINTS))
_KEYS = st.one_of(st.none(), st.just(KEYS), st.just(("energy",)), st.just(["energy", "x"]))
_SCALES = st.one_of(st.none(), st.sampled_from((1, 100.0, math.nan, -1)))


@SETTINGS
@given(_texts(), _HINTS, _KEYS, _SCALES, st.sampled_from((None, 20, 600)))
def test_classify_failure_equals_eager(
    text: str, hint: str | None, keys: Any, scale: Any, limit: int | None
) -> None:
    new = taxonomy.classify_failure(
        hint, text, target_keys=keys, target_scale=scale, text_limit=limit
    )
    assert new == _eager_classify(hint, text, keys, scale, limit)


@SETTINGS
@given(st.text(alphabet=' \n\t`[]{}"ab,:1', max_size=30), _HINTS)
def test_array_test_equals_eager(text: str, hint: str | None) -> None:
    assert taxonomy._array_payload(text) == _eager_array(text)
    assert taxonomy.classify_failure(hint, text, target_keys=KEYS) == _eager_classify(
        hint, text, KEYS, None, 600
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"hidden_params": {"energy": 1, "warmth": "x", "brightness": 3}}',
        '{"hidden_params": {"energy": 1, "warmth": 200, "brightness": 3}}',
        '{"hidden_params": {"warmth": 2}}',
        '{"hidden_params": 3}',
        '{"out": {"a": {"energy": "high"}}}',
        '{"out": {"a": {"b": {"energy": 1}}}}',
        '[{"energy": 1}]',
        "```json\n[1, 2]\n```",
    ],
)
@pytest.mark.parametrize(
    "hint", ["invalid_value:energy", "missing_key:warmth", "out_of_range:warmth=200", None]
)
def test_named_wrappers_equal_eager(text: str, hint: str | None) -> None:
    new = taxonomy.classify_failure(hint, text, target_keys=KEYS, target_scale=100)
    assert new == _eager_classify(hint, text, KEYS, 100, 600)
