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

Pure functions, standard library only; nothing here raises on any ``str``/``None`` input.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final, TypeGuard

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


class FailureClass(StrEnum):
    """Why one model output failed the output contract."""

    NO_JSON = "no_json"
    UNTERMINATED = "unterminated"
    DECODE_ERROR = "decode_error"
    TRAILING_TEXT = "trailing_text"
    MARKDOWN_FENCE = "markdown_fence"
    WRAPPER_OBJECT = "wrapper_object"
    MISSING_KEY = "missing_key"
    EXTRA_KEY = "extra_key"
    TYPE_MISMATCH = "type_mismatch"
    OUT_OF_RANGE = "out_of_range"
    OTHER = "other"


DESCRIPTIONS: Final[dict[FailureClass, str]] = {
    FailureClass.NO_JSON: "No JSON object at all: empty output, prose only, or no '{'.",
    FailureClass.UNTERMINATED: "A JSON object was opened and never closed (cut at the token cap).",
    FailureClass.DECODE_ERROR: "A balanced {...} span that is not valid JSON (quotes, commas).",
    FailureClass.TRAILING_TEXT: "A valid object followed by prose or further objects (no stop).",
    FailureClass.MARKDOWN_FENCE: "The object is wrapped in a markdown ``` code fence.",
    FailureClass.WRAPPER_OBJECT: "Target values nested in a wrapper (hidden_params, array, key).",
    FailureClass.MISSING_KEY: "The object lacks one or more target keys.",
    FailureClass.EXTRA_KEY: "The object has keys outside the target keys.",
    FailureClass.TYPE_MISMATCH: "A target value (or the payload) is not a JSON number.",
    FailureClass.OUT_OF_RANGE: "A target value is outside 0..target_scale or not finite.",
    FailureClass.OTHER: "The evidence shows none of the known failure shapes.",
}

#: Order in which `classify_failure` lets the text decide (first match wins).
PRECEDENCE: Final[tuple[FailureClass, ...]] = (
    FailureClass.NO_JSON,
    FailureClass.UNTERMINATED,
    FailureClass.DECODE_ERROR,
    FailureClass.WRAPPER_OBJECT,
    FailureClass.MISSING_KEY,
    FailureClass.TYPE_MISMATCH,
    FailureClass.OUT_OF_RANGE,
    FailureClass.EXTRA_KEY,
    FailureClass.TRAILING_TEXT,
    FailureClass.MARKDOWN_FENCE,
    FailureClass.OTHER,
)

#: The eval writer cuts ``generated_text`` to this many characters.
GENERATED_TEXT_LIMIT: Final = 600
#: Upper bound used when ``target_scale`` is unknown: the largest scale in use.
_FALLBACK_SCALE: Final = 100.0

_CONTRACT_CLASSES: Final = frozenset(
    {
        FailureClass.WRAPPER_OBJECT,
        FailureClass.MISSING_KEY,
        FailureClass.EXTRA_KEY,
        FailureClass.TYPE_MISMATCH,
        FailureClass.OUT_OF_RANGE,
    }
)

# ---------------------------------------------------------------------------- scanning

# Outside objects: before any text, the next non-space char or fence; after, `{` or fence.
# Runs of one or two backticks (inline code) are markup, skipped like whitespace.
_TOP_BEFORE_TEXT = re.compile(r"[^\s`]|`{3,}")
_TOP_AFTER_TEXT = re.compile(r"\{|`{3,}")
_FENCE_TAG = re.compile(r"[A-Za-z0-9_+#.\-]*")
# Inside an object: a whole JSON string (possessive, so no backtracking), a lone quote
# (a string cut off by the end of the text), a run of openers, or one closer.
_OBJECT_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|"|[{\[]+|[}\]]', re.DOTALL)
# Fast path: a whole object with no nested braces or brackets outside its strings.
_FLAT_OBJECT = re.compile(r'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.DOTALL)
_CLOSER_OF = {"{": "}", "[": "]"}


@dataclass(frozen=True)
class CompletionShape:
    """What one raw completion looks like, as found by `analyze_completion`.

    Objects are counted at top level only (outside any other object); braces inside JSON
    strings do not count. Fence markers (runs of three or more backticks, plus the
    language tag after an opening fence) are not text.
    """

    empty: bool
    """The text is ``None``, empty or whitespace only."""
    has_open_brace: bool
    """The text contains a ``{`` anywhere."""
    unterminated: bool
    """An object was opened and never closed (including a cut inside a string)."""
    fenced: bool
    """A markdown fence (three or more backticks) appears outside any object."""
    leading_text: bool
    """Non-whitespace, non-fence text before the first object."""
    trailing_text: bool
    """Non-whitespace, non-fence text (or another object) after the first complete object."""
    object_count: int
    """Number of complete top-level objects."""
    first_object: dict[str, Any] | None = field(default=None, hash=False)
    """The first complete top-level object decoded with `json.loads`, else ``None``."""
    decode_error: str | None = None
    """The `json.loads` message when the first complete object does not decode."""
    length: int = 0
    """Number of characters in the text."""
    first_object_span: tuple[int, int] | None = None
    """``(start, end)`` character offsets of the first complete object."""
    fence_language: str | None = None
    """Language tag of the first opening fence (``"json"``, ``""`` if none), else ``None``."""


def _after_text(text: str, pos: int) -> tuple[int, int] | None:
    """Where `_TOP_AFTER_TEXT` matches from `pos` as (start, end), or None.

    `str.find` runs at memchr speed; sre scans a prose tail for `{` or a fence one
    character at a time (~3 us on 400 characters). A test proves the two agree."""
    brace = text.find("{", pos)
    # a fence matters only before the next brace: bounded, or many objects go quadratic
    fence = text.find("```", pos, brace + 2) if brace >= 0 else text.find("```", pos)
    if fence < 0 or 0 <= brace < fence:
        return None if brace < 0 else (brace, brace + 1)
    end = fence + 3
    size = len(text)
    while end < size and text[end] == "`":
        end += 1
    return fence, end


def _scan_object(text: str, start: int) -> int:
    """Return the end (exclusive) of the object opening at `start`, or -1 if never closed.

    Strings are skipped whole, escapes included. A closer that does not match the
    innermost opener closes every opener up to its match (so ``{"a": [1}`` is one
    balanced span that fails to decode, not a truncation); a closer with no matching
    opener is ignored.
    """
    if text.find("}", start) < 0:
        return -1  # only a `}` can close the opener at `start`: a cut-off object, found fast
    return _scan_tokens(text, start)


def _scan_tokens(text: str, start: int) -> int:
    """`_scan_object` without the early exit (tests prove the exit changes nothing)."""
    stack: list[str] = []
    open_count = {"{": 0, "[": 0}
    for token in _OBJECT_TOKEN.finditer(text, start):
        chunk = token.group()
        first = chunk[0]
        if first == '"':
            if len(chunk) == 1:
                return -1
        elif first in _CLOSER_OF:
            stack.extend(chunk)
            open_count["{"] += chunk.count("{")
            open_count["["] += len(chunk) - chunk.count("{")
        else:
            opener = "{" if first == "}" else "["
            if not open_count[opener]:
                continue
            while stack:
                top = stack.pop()
                open_count[top] -= 1
                if top == opener:
                    break
            if not stack:
                return token.end()
    return -1


def _single_object(text: str) -> CompletionShape | None:
    """Fast path: the whole text (bar outer whitespace) is one JSON object.

    `json.loads` in C decides that far faster than the character scan, and the scan
    would find exactly this shape (a test proves the two agree on generated texts).
    Anything else, including a decode failure, returns None and takes the scan.
    """
    body = text.strip()
    if body[:1] != "{" or body[-1:] != "}":
        return None
    try:
        obj = json.loads(body)
    except Exception:  # ValueError, RecursionError, too-long ints: let the scan decide
        return None
    if not isinstance(obj, dict):
        return None
    start = len(text) - len(text.lstrip())
    return CompletionShape(
        empty=False,
        has_open_brace=True,
        unterminated=False,
        fenced=False,
        leading_text=False,
        trailing_text=False,
        object_count=1,
        first_object=obj,
        decode_error=None,
        length=len(text),
        first_object_span=(start, start + len(body)),
        fence_language=None,
    )


def analyze_completion(text: str | None) -> CompletionShape:
    """Describe a raw completion in one linear pass (O(n), never raises).

    Outside objects the scan jumps between significant characters (``{``, fences and,
    until text has been seen, any non-whitespace; inline-code backticks are skipped);
    inside an object it tracks brace and bracket depth and skips JSON strings (with
    escapes), so ``"{"`` inside a string never opens anything. Only the first complete object is decoded. Non-``str`` input is
    treated as empty.
    """
    if not isinstance(text, str):
        text = ""
    fast = _single_object(text)
    if fast is not None:
        return fast
    size = len(text)
    pos = 0
    fence_open = fenced = leading = trailing = unterminated = False
    fence_language: str | None = None
    object_count = 0
    first_span: tuple[int, int] | None = None
    while pos < size:
        seen_text = trailing if object_count else leading
        if seen_text:
            found = _after_text(text, pos)
            if found is None:
                break
            pos, hit_end = found
        else:
            hit = _TOP_BEFORE_TEXT.search(text, pos)
            if hit is None:
                break
            pos, hit_end = hit.start(), hit.end()
        char = text[pos]
        if char == "`":
            pos = hit_end
            fenced = True
            if not fence_open:
                tag = _FENCE_TAG.match(text, pos)
                if tag:
                    if fence_language is None:
                        fence_language = tag.group()
                    pos = tag.end()
            fence_open = not fence_open
            continue
        if char != "{":
            if object_count:
                trailing = True
            else:
                leading = True
            pos += 1
            continue
        if object_count:
            trailing = True
        flat = _FLAT_OBJECT.match(text, pos)
        end = flat.end() if flat else _scan_object(text, pos)
        if end < 0:
            unterminated = True
            break
        object_count += 1
        if first_span is None:
            first_span = (pos, end)
        pos = end
    first_object, decode_error = _decode_span(text, first_span)
    return CompletionShape(
        empty=not text.strip(),
        has_open_brace="{" in text,
        unterminated=unterminated,
        fenced=fenced,
        leading_text=leading,
        trailing_text=trailing,
        object_count=object_count,
        first_object=first_object,
        decode_error=decode_error,
        length=size,
        first_object_span=first_span,
        fence_language=fence_language,
    )


def _decode_span(
    text: str, span: tuple[int, int] | None
) -> tuple[dict[str, Any] | None, str | None]:
    """Decode `text[span]` as a JSON object: ``(object, None)`` or ``(None, message)``."""
    if span is None:
        return None, None
    try:
        value = json.loads(text[span[0] : span[1]])
    except (ValueError, RecursionError) as exc:
        return None, str(exc) or type(exc).__name__
    if not isinstance(value, dict):
        return None, "payload is not an object"
    return value, None


# ---------------------------------------------------------------------- parse errors


@dataclass(frozen=True)
class _Hint:
    """A parsed ``parse_error``: its class, the dimension it names, the raw detail."""

    cls: FailureClass
    dim: str | None = None
    detail: str = ""


_ALIASES: Final[dict[str, FailureClass]] = {
    **{member.value: member for member in FailureClass if member is not FailureClass.OTHER},
    "json_block_not_found": FailureClass.NO_JSON,
    "vector_payload_not_found": FailureClass.NO_JSON,
    "parsed_payload_not_object": FailureClass.TYPE_MISMATCH,
    "invalid_value": FailureClass.TYPE_MISMATCH,
    "non_finite": FailureClass.OUT_OF_RANGE,
    "unexpected_key": FailureClass.EXTRA_KEY,
    "hidden_params_missing_or_not_object": FailureClass.WRAPPER_OBJECT,
}
_WEAK_HINTS: Final = frozenset(
    {FailureClass.NO_JSON, FailureClass.UNTERMINATED, FailureClass.DECODE_ERROR}
)
_DECODE_PREFIXES: Final = frozenset(
    {"json_decode_error", "jsondecodeerror", "json.decoder.jsondecodeerror"}
)
_JSON_MESSAGE = re.compile(
    r"(?i)^(expecting |extra data|unterminated string|invalid control character"
    r"|invalid \\escape|invalid \\uxxxx)"
)
_DIM_CLASSES: Final = frozenset(
    {
        FailureClass.MISSING_KEY,
        FailureClass.EXTRA_KEY,
        FailureClass.TYPE_MISMATCH,
        FailureClass.OUT_OF_RANGE,
    }
)


def _decode_message_class(message: str) -> FailureClass:
    """Refine a Python `json` error message: extra data, EOF in a string, or plain."""
    lowered = message.lower()
    if "extra data" in lowered:
        return FailureClass.TRAILING_TEXT
    if "unterminated string" in lowered:
        return FailureClass.UNTERMINATED
    return FailureClass.DECODE_ERROR


def _dim_of(rest: str) -> str | None:
    """The dimension named by ``<dim>`` or ``<dim>=<value>`` (last dotted segment)."""
    name = rest.split("=", 1)[0].strip().strip("'\"`")
    name = re.split(r"[./]", name)[-1].strip()
    return name or None


def _contract(target_keys: object, target_scale: object) -> _Contract:
    """`_Contract.build`, memoised for hashable input (every row of a run asks the same)."""
    try:
        return _contract_cached(target_keys, target_scale)
    except TypeError:  # a list of keys, say: unhashable
        return _Contract.build(target_keys, target_scale)


@lru_cache(maxsize=64, typed=True)  # typed: True and 1 are different scales
def _contract_cached(target_keys: object, target_scale: object) -> _Contract:
    return _Contract.build(target_keys, target_scale)


def _parse_hint(parse_error: object) -> _Hint | None:
    """Parse a ``parse_error`` string into a `_Hint`; ``None`` when missing or vague."""
    if not isinstance(parse_error, str):
        return None
    return _parse_hint_text(parse_error)


@lru_cache(maxsize=1024)  # a run's rows repeat a handful of parse_error strings
def _parse_hint_text(parse_error: str) -> _Hint | None:
    text = parse_error.strip()
    if text.lower().startswith("invalid_vector:"):
        text = text[len("invalid_vector:") :].strip()
    if not text:
        return None
    head, _, rest = text.partition(":")
    key = head.strip().lower()
    if key in _DECODE_PREFIXES:
        return _Hint(_decode_message_class(rest), detail=rest.strip())
    if _JSON_MESSAGE.match(text):
        return _Hint(_decode_message_class(text), detail=text)
    cls = _ALIASES.get(key)
    if cls is None:
        return None
    dim = _dim_of(rest) if cls in _DIM_CLASSES else None
    return _Hint(cls, dim, key)


def parse_error_hint(parse_error: str | None) -> FailureClass | None:
    """Map a known ``parse_error`` string to a `FailureClass`; ``None`` if missing or vague.

    Known forms: ``json_block_not_found`` and ``invalid_vector:vector_payload_not_found``
    (no_json); ``json_decode_error:<msg>`` or a bare Python `json` message (decode_error,
    refined to trailing_text for ``Extra data`` and unterminated for ``Unterminated
    string``); ``invalid_vector:parsed_payload_not_object`` and ``invalid_value:<dim>``
    (type_mismatch); ``invalid_vector:non_finite:<dim>`` and ``out_of_range:<dim>=<v>``
    (out_of_range); ``missing_key:<dim>``; ``extra_key:<dim>``;
    ``hidden_params_missing_or_not_object`` (wrapper_object: the payload's nesting does
    not match the contract); and every class name itself (``trailing_text``, ...).
    Anything else (``error``, ``other``, unknown reasons) is vague.
    """
    hint = _parse_hint(parse_error)
    return hint.cls if hint else None


# -------------------------------------------------------------------------- contract


@dataclass(frozen=True)
class _Contract:
    """The output contract: target keys (in order) and the value range."""

    keys: tuple[str, ...]
    limit: float
    scale_known: bool

    @classmethod
    def build(cls, target_keys: object, target_scale: object) -> _Contract:
        """Normalise caller input: drop non-string keys, reject non-positive/NaN scales."""
        if isinstance(target_keys, str):
            target_keys = (target_keys,)
        keys: tuple[str, ...] = ()
        if isinstance(target_keys, Sequence | frozenset | set):
            keys = tuple(dict.fromkeys(k for k in target_keys if isinstance(k, str)))
        limit = _FALLBACK_SCALE
        scale_ok = False
        if _is_number(target_scale):
            try:
                scale = float(target_scale)
            except OverflowError:
                scale = math.inf
            scale_ok = math.isfinite(scale) and scale > 0
            limit = scale if scale_ok else limit
        return cls(keys, limit, scale_ok)

    def values_to_check(self, obj: Mapping[str, Any]) -> list[Any]:
        """The values that must be numbers: target values present, or all if keys unknown."""
        if self.keys:
            return [obj[k] for k in self.keys if k in obj]
        return list(obj.values())

    def out_of_range(self, value: Any) -> bool:
        """A number that is not finite, negative, or above the scale."""
        if isinstance(value, float) and not math.isfinite(value):
            return True
        return bool(value < 0 or value > self.limit)


def _is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number (bool excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _inner_target(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The nested dict (up to three levels down) that best looks like the target vector.

    Scored by target keys held when keys are known, else by numeric values held; ``None``
    when no nested dict scores above zero.
    """
    best: dict[str, Any] | None = None
    best_score = 0
    frontier: list[Mapping[str, Any]] = [obj]
    for _ in range(3):
        deeper: list[Mapping[str, Any]] = []
        for parent in frontier:
            for value in parent.values():
                if not isinstance(value, dict):
                    continue
                if keys:
                    score = sum(1 for k in keys if k in value)
                else:
                    score = sum(1 for v in value.values() if _is_number(v))
                if score > best_score:
                    best, best_score = value, score
                deeper.append(value)
        frontier = deeper
    return best


def _is_wrapper(obj: Mapping[str, Any], contract: _Contract) -> bool:
    """Target values nested instead of flat (``hidden_params``, single key, ...)."""
    single_nest = len(obj) == 1 and isinstance(next(iter(obj.values())), dict)
    if contract.keys:
        if any(k in obj for k in contract.keys):
            return False
        return (
            "hidden_params" in obj or single_nest or _inner_target(obj, contract.keys) is not None
        )
    if "hidden_params" in obj or single_nest:
        return True
    no_top_numbers = not any(_is_number(v) for v in obj.values())
    return no_top_numbers and _inner_target(obj, ()) is not None


def _contract_violation(obj: Mapping[str, Any], contract: _Contract) -> FailureClass | None:
    """First contract violation of a decoded object, in `PRECEDENCE` order."""
    if _is_wrapper(obj, contract):
        return FailureClass.WRAPPER_OBJECT
    if not obj or any(k not in obj for k in contract.keys):
        return FailureClass.MISSING_KEY
    values = contract.values_to_check(obj)
    if not all(_is_number(v) for v in values):
        return FailureClass.TYPE_MISMATCH
    if any(contract.out_of_range(v) for v in values):
        return FailureClass.OUT_OF_RANGE
    if contract.keys and any(k not in contract.keys for k in obj):
        return FailureClass.EXTRA_KEY
    return None


def _array_payload(text: str) -> list[Any] | None:
    """The payload when the whole text (optionally fenced) is a JSON array, else ``None``."""
    body = text.strip()
    if body.startswith("```"):
        body = _FENCE_TAG.sub("", body.lstrip("`"), count=1)
        body = body.rstrip().rstrip("`")
    body = body.strip()
    if not body.startswith("["):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, list) else None


def _classify_text(
    text: str, shape: CompletionShape, contract: _Contract
) -> tuple[FailureClass | None, dict[str, Any] | None]:
    """Classify from the text alone: ``(class or None if clean, object to verify hints on)``."""
    array = _array_payload(text) if shape.leading_text or not shape.object_count else None
    if array is not None:
        if any(isinstance(item, dict) for item in array):
            return FailureClass.WRAPPER_OBJECT, None
        return FailureClass.TYPE_MISMATCH, None
    if not shape.object_count:
        return (FailureClass.UNTERMINATED if shape.unterminated else FailureClass.NO_JSON), None
    obj = shape.first_object
    if obj is None:
        return FailureClass.DECODE_ERROR, None
    violation = _contract_violation(obj, contract)
    if violation is FailureClass.WRAPPER_OBJECT:
        return violation, _inner_target(obj, contract.keys)
    if violation is not None:
        return violation, obj
    if shape.trailing_text:
        return FailureClass.TRAILING_TEXT, obj
    if shape.fenced:
        return FailureClass.MARKDOWN_FENCE, obj
    return None, obj


def _verify_hint(hint: _Hint, obj: Mapping[str, Any], contract: _Contract) -> FailureClass | None:
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
        if not _is_number(value):
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
    if not all(_is_number(v) for v in values):
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
    hint = _parse_hint(parse_error)
    if not isinstance(generated_text, str):
        return hint.cls if hint else FailureClass.OTHER
    contract = _contract(target_keys, target_scale)
    if shape is None:  # callers that already analysed the text pass its shape
        shape = analyze_completion(generated_text)
    found, obj = _classify_text(generated_text, shape, contract)
    if hint is None:
        return found or FailureClass.OTHER
    clipped = text_limit is not None and shape.length >= text_limit
    if found is FailureClass.NO_JSON:
        return hint.cls if clipped else found
    if found is FailureClass.UNTERMINATED:
        return hint.cls if clipped and hint.cls not in _WEAK_HINTS else found
    if obj is None:
        return found or FailureClass.OTHER
    if found is FailureClass.WRAPPER_OBJECT:
        if hint.cls in _DIM_CLASSES and hint.dim is not None:
            return _verify_hint(hint, obj, contract) or found
        return found
    if hint.cls in _CONTRACT_CLASSES:
        return _verify_hint(hint, obj, contract) or found or FailureClass.OTHER
    if found is not None:
        return found
    return hint.cls if clipped else FailureClass.OTHER
