"""Failure taxonomy for unparsed model outputs (used by FMT003, FMT004, FMT005, FMT008).

A fine-tuned model must emit exactly one JSON object whose keys are the task's
`target_keys`, each a number in ``0..target_scale``. For every failed row the eval writer
keeps a ``parse_error`` (possibly null, vague, or written by another pipeline) and the raw
``generated_text`` (cut to 600 characters). This module turns that pair into one
`FailureClass`:

* `analyze_completion` describes the raw text in one linear, string-aware scan
  (`CompletionShape`): fences, prose around the object, repeated objects, truncation.
* `parse_error_hint` maps the known ``parse_error`` vocabularies to a class.
* `classify_failure` combines both with the output contract and picks the most
  actionable root cause (see its docstring for the precedence order).

The pieces live next door: `ftlint.analysis.failure_class` (the classes),
`ftlint.analysis.completion` (the scan), `ftlint.analysis.parse_errors` (the hints) and
`ftlint.analysis.vector_contract` (keys and range); this module decides, and is the
public face of all four.

Pure functions, standard library only; nothing here raises on any ``str``/``None`` input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ftlint.analysis.completion import (  # the private scanner pieces: tests import them here
    _TOP_AFTER_TEXT,  # noqa: F401
    FENCE_TAG,
    CompletionShape,
    _after_text,  # noqa: F401
    _scan_object,  # noqa: F401
    _scan_tokens,  # noqa: F401
    _single_object,  # noqa: F401
    analyze_completion,
)
from ftlint.analysis.contract_check import violation as fast_violation
from ftlint.analysis.failure_class import DESCRIPTIONS, PRECEDENCE, FailureClass
from ftlint.analysis.jsondepth import loads
from ftlint.analysis.parse_errors import DIM_CLASSES, WEAK_HINTS, Hint, parse_error_hint, parse_hint
from ftlint.analysis.vector_contract import (
    VectorContract,
    contract_for,
    inner_target,
    is_number,
)

__all__ = [
    "DESCRIPTIONS",
    "GENERATED_TEXT_LIMIT",
    "PRECEDENCE",
    "CompletionShape",
    "FailureClass",
    "analyze_completion",
    "classify_failure",
    "parse_error_hint",
]


#: The eval writer cuts ``generated_text`` to this many characters.
GENERATED_TEXT_LIMIT: Final = 600

_CONTRACT_CLASSES: Final = frozenset(
    {
        FailureClass.WRAPPER_OBJECT,
        FailureClass.MISSING_KEY,
        FailureClass.EXTRA_KEY,
        FailureClass.TYPE_MISMATCH,
        FailureClass.OUT_OF_RANGE,
    }
)


def _array_payload(text: str) -> list[Any] | None:
    """The payload when the whole text (optionally fenced) is a JSON array, else ``None``.

    A text with no `[` holds no array: one C-level find answers most texts (prose
    around an object) without the strips."""
    if "[" not in text:
        return None
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


def _verify_hint(
    hint: Hint, obj: Mapping[str, Any], contract: VectorContract
) -> FailureClass | None:
    """Check a contract hint against the decoded object.

    Returns the class the text supports (the hint's own, or a refinement such as
    missing_key when the named dimension is absent), or ``None`` when the text
    contradicts the hint.
    """
    cls, dim = hint.cls, hint.dim
    if cls is FailureClass.WRAPPER_OBJECT:
        return None if isinstance(obj.get("hidden_params"), dict) else cls
    if dim is not None:
        if cls is FailureClass.EXTRA_KEY:
            return cls if dim in obj else None
        if dim not in obj:
            return FailureClass.MISSING_KEY
        if cls is FailureClass.MISSING_KEY:
            return None
        value = obj[dim]
        if not is_number(value):
            return FailureClass.TYPE_MISMATCH
        if contract.out_of_range(value):
            return FailureClass.OUT_OF_RANGE
        if cls is FailureClass.OUT_OF_RANGE and not contract.scale_known:
            return cls
        if cls is FailureClass.TYPE_MISMATCH and isinstance(value, float):
            return None if value.is_integer() else cls
        return None
    keys = contract.keys
    if cls is FailureClass.MISSING_KEY:
        return cls if not obj or not keys or any(k not in obj for k in keys) else None
    if cls is FailureClass.EXTRA_KEY:
        return cls if not keys or any(k not in keys for k in obj) else None
    if hint.detail == "parsed_payload_not_object":
        return None
    values = contract.values_to_check(obj)
    if not all(is_number(v) for v in values):
        return FailureClass.TYPE_MISMATCH
    if any(contract.out_of_range(v) for v in values):
        return FailureClass.OUT_OF_RANGE
    if cls is FailureClass.OUT_OF_RANGE and not contract.scale_known:
        return cls
    return None


def classify_failure(
    parse_error: str | None,
    generated_text: str | None,
    *,
    target_keys: Sequence[str] | None = None,
    target_scale: float | None = None,
    text_limit: int | None = GENERATED_TEXT_LIMIT,
    shape: CompletionShape | None = None,
) -> FailureClass:
    """Classify one failed output into a `FailureClass` (never raises).

    The text decides first, in this order (`PRECEDENCE`; first match wins):

    1. a whole-text JSON array: of objects -> wrapper_object, else type_mismatch;
    2. no_json: blank text or no ``{``;
    3. unterminated: an object opened and none completed;
    4. decode_error: the first complete object fails `json.loads`;
    5. contract checks on the decoded object: wrapper_object, missing_key,
       type_mismatch, out_of_range, extra_key;
    6. trailing_text: prose or another object after the valid object;
    7. markdown_fence: the object sits in a ``` fence;
    8. nothing wrong found -> fall back on ``parse_error``, else other.

    Why this order: the most actionable root cause wins, and causes are ordered from
    what makes every later check impossible to what lenient extractors tolerate. A cut
    object is truncation at the token cap (raise max_new_tokens, fix EOS) even if the
    parser reported ``json_decode_error: Expecting ',' delimiter`` on it. Problems inside
    the object come before problems around it, because the writer's parser already
    strips fences and surrounding prose, so the row only scores once the object itself
    is right. Within the contract, a wrapper explains every missing key; missing keys,
    wrong types and out-of-range values fail every parser; extra keys are tolerated by
    lenient parsers, so they rank last among the contract checks. Trailing
    text beats a fence because it signals a missing stop (repeated objects also break
    first-``{``-to-last-``}`` extraction), while a closed fence is accepted by the writer.

    How ``parse_error`` is used: missing or vague values (``None``, ``"error"``,
    unknown reasons) leave the decision to the text. A precise contract hint
    (``missing_key:<dim>``, ``invalid_value:<dim>``, ``out_of_range:<dim>=<v>``,
    ``non_finite:<dim>``, ``extra_key:<dim>``, ``hidden_params_missing_or_not_object``)
    is trusted when the text does not contradict it, checked against the decoded object
    (inside the wrapper when the text is a wrapper); the text may refine it (the named
    dimension is absent -> missing_key; a string where ``out_of_range`` was reported ->
    type_mismatch) and wins when it contradicts it. Format hints (``json_decode_error``,
    ``json_block_not_found``) never override what the text shows. If the text is absent
    (``None``) the hint alone decides. If the text reached `text_limit` characters the
    writer may have cut it: a no_json reading then yields to any known hint (the object
    may lie past the cut), an unterminated one to any hint more specific than a
    decode, not-found or unterminated error.

    `target_keys` enables missing_key/extra_key checks; without it only an empty object
    counts as missing_key and every value must be a number. A `target_scale` that is
    missing, NaN, infinite or not positive falls back to 100, the largest scale in use.
    """
    hint = parse_hint(parse_error)
    if not isinstance(generated_text, str):
        return hint.cls if hint else FailureClass.OTHER
    contract = contract_for(target_keys, target_scale)
    if shape is None:  # callers that already analysed the text pass its shape
        shape = analyze_completion(generated_text)
    clipped = text_limit is not None and shape.length >= text_limit
    return classify_shape(hint, generated_text, shape, contract, clipped)


def classify_shape(
    hint: Hint | None,
    text: str,
    shape: CompletionShape,
    contract: VectorContract,
    clipped: bool,
) -> FailureClass:
    """`classify_failure` of a text, given what it computes first: the parse_error's
    `parse_hint`, the text's shape, the `contract_for` the target keys and scale, and
    whether the text reached `text_limit`. FMT003's views, which know all four for a
    block of rows, call it without the per-row keyword call and memo lookups.

    The text decides first (`found`: the class, None if clean; `obj`: the object to
    verify hints on). For a wrapper found by the contract check the object is the
    wrapper itself: `decide` looks for the target inside it (`inner_target`) only when a
    hint needs it (one in five rows is a wrapper, and the walk cost ~1 us a row for
    nothing)."""
    obj = None
    if shape.leading_text or not shape.object_count:
        array = _array_payload(text)
        if array is not None:
            if any(isinstance(item, dict) for item in array):
                return decide(hint, FailureClass.WRAPPER_OBJECT, None, contract, clipped)
            return decide(hint, FailureClass.TYPE_MISMATCH, None, contract, clipped)
    if not shape.object_count:
        found = FailureClass.UNTERMINATED if shape.unterminated else FailureClass.NO_JSON
    elif (obj := shape.first_object) is None:
        found = FailureClass.DECODE_ERROR
    else:  # contract_violation, one pass (a wrapper's target is found by `decide`, if needed)
        found = fast_violation(obj, contract)
        if found is None:
            if shape.trailing_text:
                found = FailureClass.TRAILING_TEXT
            elif shape.fenced:
                found = FailureClass.MARKDOWN_FENCE
    return decide(hint, found, obj, contract, clipped)


def decide(
    hint: Hint | None,
    found: FailureClass | None,
    obj: dict[str, Any] | None,
    contract: VectorContract,
    clipped: bool,
) -> FailureClass:
    """`classify_shape`'s verdict from what it found in the text: for a
    text that is one whole object (no prose, fence or array around it), `found` is the
    object's `fast_violation` and `obj` the object itself, which FMT003's views know
    without the text's other checks."""
    if hint is None:
        return found or FailureClass.OTHER
    if found is FailureClass.NO_JSON:
        return hint.cls if clipped else found
    if found is FailureClass.UNTERMINATED:
        return hint.cls if clipped and hint.cls not in WEAK_HINTS else found
    if found is FailureClass.WRAPPER_OBJECT:  # obj: the wrapper (or None: an array)
        if obj is not None and hint.cls in DIM_CLASSES and hint.dim is not None:
            inner = inner_target(obj, contract.keys)
            if inner is not None:
                return _verify_hint(hint, inner, contract) or found
        return found
    if obj is None:
        return found or FailureClass.OTHER
    if hint.cls in _CONTRACT_CLASSES:
        return _verify_hint(hint, obj, contract) or found or FailureClass.OTHER
    if found is not None:
        return found
    return hint.cls if clipped else FailureClass.OTHER
