"""The failure classes of the taxonomy: why one model output failed the output contract.

`FailureClass` names a root cause, `DESCRIPTIONS` says it in one line for reports, and
`PRECEDENCE` is the order in which `ftlint.analysis.taxonomy.classify_failure` lets the
text decide. Kept apart so the scanner, the parse-error parser and the classifier can
all name the classes without importing each other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["DESCRIPTIONS", "PRECEDENCE", "FailureClass"]


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
