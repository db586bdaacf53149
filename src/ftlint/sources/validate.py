"""Schema checks for artifacts against the JSON Schemas shipped in `schemas/`.

Whole files (final metrics, traces, eval results, job records) are checked with the
compiled checker of `ftlint.schemas.minischema`, which a test proves agrees with jsonschema;
jsonschema itself is imported only to explain a document that failed. Hard-case rows can number in the millions, so `hard_case_ok` is a hand-specialised
check of the same schema that costs far less than parsing the row; a test proves it
agrees with `schemas/hard_case.schema.json`, and jsonschema is asked only to explain
a row that failed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ftlint.model import Evidence, Problem, pointer_label
from ftlint.model import pointer as make_pointer
from ftlint.schemas.files import shipped_schema
from ftlint.schemas.minischema import checker


def schema(name: str) -> dict[str, Any]:
    return shipped_schema(name)


@cache
def _validator(name: str) -> Any:
    import jsonschema  # only to explain a document the fast check rejected

    return jsonschema.Draft202012Validator(schema(name))


def is_valid(name: str, instance: Any) -> bool:
    """Fast validity check against a shipped schema (agrees with jsonschema; tested)."""
    return checker(name, lambda: schema(name))(instance)


def schema_problems(
    name: str, instance: Any, evidence: Evidence, run: str | None = None, base: str = ""
) -> list[Problem]:
    """Validate against a shipped schema; one `invalid` Problem per error, with its pointer."""
    if is_valid(name, instance):
        return []
    problems = []
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(map(str, e.path)))
    for err in errors:
        at = base + make_pointer(*err.absolute_path)
        ev = Evidence(evidence.path, evidence.line, at or None, evidence.sample_id)
        problems.append(Problem("invalid", f"{_field(at)}{_short(err)}", ev, run))
    return problems


def _field(at: str) -> str:
    """`/eval/json_valid_rate` -> `eval.json_valid_rate: ` (empty for the document)."""
    return pointer_label(at) + ": " if at else ""


def _short(err: Any) -> str:
    if err.validator == "type":
        return f"expected {err.validator_value}, got {_kind(err.instance)} {_clip(err.instance)}"
    if err.validator in ("minimum", "maximum", "exclusiveMinimum"):
        return f"{_clip(err.instance)} is out of range ({err.validator} {err.validator_value})"
    if err.validator == "required":
        return err.message
    return err.message


def _kind(value: Any) -> str:
    return {str: "string", bool: "boolean", dict: "object", list: "array", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_OPT_STR = (str, type(None))
_HARD_CASE_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("sample_index", (int, str, type(None))),
    ("request_text", _OPT_STR),
    ("source_type", _OPT_STR),
    ("weather", (str, dict, type(None))),
    ("target_vector", (dict, type(None))),
    ("predicted_vector", (dict, type(None))),
    ("abs_error_raw", (dict, type(None))),
    ("mae_raw", (int, float, type(None))),
    ("parse_error", _OPT_STR),
    ("generated_text", _OPT_STR),
)


def hard_case_ok(row: Any) -> bool:
    """Fast equivalent of validating `row` against hard_case.schema.json."""
    if type(row) is not dict:
        return False
    rank = row.get("rank")
    if not _is_integer(rank) or rank < 1:
        return False
    for key, types in _HARD_CASE_TYPES:
        if key in row:
            value = row[key]
            if type(value) not in types and not (int in types and _is_integer(value)):
                return False
    return True


def _is_integer(value: Any) -> bool:
    """JSON Schema's integer: an int (not a bool) or a float with no fraction."""
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())
