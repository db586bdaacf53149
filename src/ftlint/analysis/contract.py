"""The output contract of an eval: what a valid answer looks like.

Inferred from the references when not configured: labels that parse as JSON objects
with the same keys make a JSON contract (the format rules check every output against
it); a small closed set of string labels makes a choice contract (an answer outside
it is `invalid_choice`, a label followed by further text `run_on`: see `choice_answer`);
anything else is free text, where no format rule applies (a free-text answer is never a
"JSON failure").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ftlint import frozen
from ftlint.analysis.jsondepth import loads

#: references looked at to infer a contract
SAMPLE = 500
#: a choice contract has at most this many distinct labels ...
MAX_CHOICES = 20
#: ... and each label occurs at least this often on average
MIN_REPEAT = 2.0
#: share of references that must agree on a kind
AGREE = 0.8


@frozen
class Contract:
    """`kind`: json | choice | free. `keys`: the JSON object's keys; `choices`: labels."""

    kind: str
    keys: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    source: str = "inferred"

    def describe(self) -> str:
        if self.kind == "json":
            return f"a JSON object with the keys {', '.join(self.keys)} ({self.source})"
        if self.kind == "choice":
            shown = ", ".join(self.choices[:8]) + (", ..." if len(self.choices) > 8 else "")
            return f"one of {len(self.choices)} labels: {shown} ({self.source})"
        return "free text (no format contract)"


FREE = Contract("free")


def as_object(value: Any) -> Mapping[str, Any] | None:
    """A JSON object from a reference or output: a dict, or text that is one."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = loads(value)
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def infer_contract(references: Iterable[Any]) -> Contract:
    """Infer the contract from (a sample of) the references."""
    refs = [r for r in references if r not in (None, "")][:SAMPLE]
    if not refs:
        return FREE
    objects = [o for o in (as_object(r) for r in refs) if o is not None]
    if len(objects) >= AGREE * len(refs):
        counts = Counter(k for o in objects for k in o)
        keys = tuple(k for k, n in counts.most_common() if n >= AGREE * len(objects))
        return Contract("json", tuple(sorted(keys))) if keys else FREE
    labels = [r.strip() for r in refs if isinstance(r, str)]
    if len(labels) >= AGREE * len(refs):
        distinct = sorted(set(labels))
        closed = len(distinct) <= MAX_CHOICES and len(labels) >= MIN_REPEAT * len(distinct)
        if closed and all(len(label) <= 64 and "\n" not in label for label in distinct):
            return Contract("choice", choices=tuple(distinct))
    return FREE


def json_parse_error(output: str | None, keys: tuple[str, ...]) -> str | None:
    """The parse-error label a JSON-contract output earns (None: it is valid), in the
    hard-case vocabulary the format rules read (`json_block_not_found`,
    `json_decode_error:<msg>`, `missing_key:<k>`)."""
    if output is None or "{" not in output:
        return "json_block_not_found"
    text = output.strip()
    try:
        parsed = loads(text)
    except RecursionError:
        return "json_decode_error:nested too deeply"
    except ValueError as exc:
        return f"json_decode_error:{getattr(exc, 'msg', str(exc))}"
    if not isinstance(parsed, dict):
        return "invalid_vector:not an object"
    for key in keys:
        if key not in parsed:
            return f"missing_key:{key}"
    return None


def choice_answer(output: str | None, contract: Contract) -> tuple[str | None, str | None]:
    """The label a choice-contract output answers and its parse-error label.

    * `(label, None)`: the output, whitespace stripped, is exactly one of the labels;
    * `(label, "run_on")`: it starts with a label (the longest that matches, ending at a
      word boundary) and goes on with further text holding a letter or digit: a valid
      answer the model did not stop after (under a length cap it runs to the cap). The
      answer is read, but an exact-match scorer counts the row wrong;
    * `(None, "invalid_choice")`: anything else: another word, a case or punctuation
      variant ("Positive", "positive."), an empty output.

    JSON contracts have no `run_on`: an object followed by text is FMT003's
    `trailing_text` class and FMT005's finding already, and is not reported twice.
    """
    if output is None:
        return None, "invalid_choice"
    text = output.strip()
    if text in contract.choices:
        return text, None
    for label in sorted(contract.choices, key=len, reverse=True):
        if not label or not text.startswith(label):
            continue
        rest = text[len(label) :]
        if _word_char(rest[0]) and _word_char(label[-1]):
            continue  # "positively" does not start with the label "positive"
        if any(ch.isalnum() for ch in rest):
            return label, "run_on"
    return None, "invalid_choice"


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def choice_error(output: str | None, contract: Contract) -> str | None:
    """`invalid_choice` or `run_on` (see `choice_answer`); None: a valid label."""
    return choice_answer(output, contract)[1]
