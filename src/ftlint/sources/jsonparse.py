"""JSON parsing with what a linter needs kept: NaN and Infinity named, integers too big
for a float read as Infinity, a duplicated key keeping its first value and reported.

Split from `ftlint.sources.io` (which re-exports these names); nothing here reads files.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ftlint.analysis.jsondepth import loads as bounded_loads


def reject_constant(name: str) -> float:
    """json.loads hook: keep NaN/Infinity as floats so checks can name them."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


#: digits of the largest integer a float holds (about 1.8e308); longer ones overflow
_FLOAT_DIGITS = 308


def bounded_int(text: str) -> int | float:
    """json parse_int hook: an integer too large for a float (or over Python's
    4,300-digit parsing limit) is read as +-Infinity, so every later `float()` of it is
    safe and the finite-number checks report it instead of a crash deep in a rule."""
    if len(text.lstrip("-")) < _FLOAT_DIGITS:
        return int(text)
    if len(text.lstrip("-")) <= _FLOAT_DIGITS + 1:
        value = int(text)
        try:
            float(value)
            return value
        except OverflowError:
            pass
    return -math.inf if text.startswith("-") else math.inf


def loads_checked(text: str | bytes, parse_int: Any = None) -> tuple[Any, list[str]]:
    """json.loads where a duplicated key keeps its first value and is remembered, so an
    appended `"json_valid_rate": 0.995` cannot silently replace the measured one.

    Returns (value, duplicated keys). Raises what json.loads raises (ValueError,
    RecursionError); callers turn those into problems. A value nested deeper than
    `jsondepth.MAX_DEPTH` is a RecursionError wherever it is read (json's own limit
    depends on the caller's stack: a worker under --jobs read it, the driver did not).
    """
    duplicates: list[str] = []

    def first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            out = {}
            for key, value in pairs:
                if key in out:
                    duplicates.append(key)
                else:
                    out[key] = value
        return out

    value = bounded_loads(text, object_pairs_hook=first_wins, parse_int=parse_int)
    return value, duplicates


def duplicate_line(text: str, key: str, seen: dict[str, int]) -> int | None:
    """The line of the next repeated occurrence of `"key":` (the first one is kept)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    index = seen.get(key, 0) + 1
    seen[key] = index
    for i, match in enumerate(pattern.finditer(text)):
        if i == index:
            return text.count("\n", 0, match.start()) + 1
    return None


def dup_message(key: str, where: str) -> str:
    shown = key if len(key) <= 60 else key[:57] + "..."
    return f"key {shown!r} appears more than once{where}; the first value is kept"


def parse_failure(exc: BaseException) -> str:
    """What json.loads' non-decode errors mean, in words (never the value itself)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to parse"
    text = str(exc)
    if "digits" in text or "int" in text:
        return "an integer too long to parse (over 4,300 digits)"
    return "invalid JSON: " + text[:80]
