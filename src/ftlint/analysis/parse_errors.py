"""The ``parse_error`` vocabularies eval writers use, mapped to a `FailureClass`.

An eval writer keeps a ``parse_error`` per failed row: possibly null, vague, or written
by another pipeline. `parse_hint` turns one into a `Hint` (class, the dimension it
names, the raw detail) that `ftlint.analysis.taxonomy.classify_failure` checks against
the text; `parse_error_hint` is the class alone. Memoised: a run's rows repeat a handful
of strings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from ftlint import frozen
from ftlint.analysis.failure_class import FailureClass

__all__ = ["DIM_CLASSES", "WEAK_HINTS", "Hint", "parse_error_hint", "parse_hint"]


@frozen
class Hint:
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
WEAK_HINTS: Final = frozenset(
    {FailureClass.NO_JSON, FailureClass.UNTERMINATED, FailureClass.DECODE_ERROR}
)
_DECODE_PREFIXES: Final = frozenset(
    {"json_decode_error", "jsondecodeerror", "json.decoder.jsondecodeerror"}
)
_JSON_MESSAGE = re.compile(
    r"(?i)^(expecting |extra data|unterminated string|invalid control character"
    r"|invalid \\escape|invalid \\uxxxx)"
)
DIM_CLASSES: Final = frozenset(
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


def parse_hint(parse_error: object) -> Hint | None:
    """Parse a ``parse_error`` string into a `Hint`; ``None`` when missing or vague."""
    if not isinstance(parse_error, str):
        return None
    return _parse_hint_text(parse_error)


@lru_cache(maxsize=1024)  # a run's rows repeat a handful of parse_error strings
def _parse_hint_text(parse_error: str) -> Hint | None:
    text = parse_error.strip()
    if text.lower().startswith("invalid_vector:"):
        text = text[len("invalid_vector:") :].strip()
    if not text:
        return None
    head, _, rest = text.partition(":")
    key = head.strip().lower()
    if key in _DECODE_PREFIXES:
        return Hint(_decode_message_class(rest), detail=rest.strip())
    if _JSON_MESSAGE.match(text):
        return Hint(_decode_message_class(text), detail=text)
    cls = _ALIASES.get(key)
    if cls is None:
        return None
    dim = _dim_of(rest) if cls in DIM_CLASSES else None
    return Hint(cls, dim, key)


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
    hint = parse_hint(parse_error)
    return hint.cls if hint else None
