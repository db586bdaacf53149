"""A candidate object's decode by msgspec, where its verdict is provably json's.

The completion scan decodes the first object of every failed completion with json's
`raw_decode` (`ftlint.analysis.jsondepth`): ~1.2-2 us for the objects models write,
and ~4 us more when the object is invalid (json builds a `JSONDecodeError` in Python,
then the scan looks for the object's end and formats the message again). Most failed
completions are one valid object whose end a `find` can guess (the last `}` of a
wrapper, before a closing fence, the first `}` of a flat object after prose), or an
object with a trailing comma; msgspec's C decoder reads a guessed span in ~0.3 us.

Why the answers are json's:

* `object_in`: msgspec decodes exactly JSON (RFC 8259); json also takes NaN, Infinity,
  -Infinity, numbers too large for a float (as infinities) and lone surrogates, which
  msgspec refuses, so where msgspec takes a span json takes it too, with the same value
  (arbitrary-size ints, correctly rounded floats, the last of duplicated keys at the
  first one's place, the same strings): tests/analysis/test_fastobject.py holds the
  two to each other on hostile spans. A span that opens with `{`, ends with `}` and is
  one JSON value is the value json's `raw_decode` reads from that `{` (the parse ends
  at the object's own `}`, never reading what follows), so `raw_decode(text, start)`
  is `(object, end)`. Only spans of at most `jsondepth.MAX_DEPTH` openers are tried
  (beyond, the depth cap decides, and msgspec's own limit depends on the stack).
* `comma_error`: a span `{members,<ws>}` whose `{members}` is a valid object with at
  least one member: json reads the members as it would in `{members}`, takes the
  comma, skips JSON whitespace and finds the `}` where a key must start: "Expecting
  property name enclosed in double quotes" at that `}`, the message the scan gives
  for the span (line, column and char counted from the span's start, as json counts).

msgspec is used only when something else (the block reader of a large file) has
imported it already: importing it costs ~23 ms of start-up, which a small workspace
would pay for a few rows. Without it every answer is None and the callers take json.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from ftlint.analysis.jsondepth import MAX_DEPTH

__all__ = ["comma_error", "object_in", "span_error"]

#: msgspec's decoder once found loaded (None: not yet)
_DECODER: list[Callable[[str], Any] | None] = [None]
_JSON_SPACE = " \t\n\r"
#: a valid value nested more than MAX_DEPTH levels opens and closes as many: no span
#: this short can be one (two C-level counts, ~0.45 us a completion, are skipped)
_SHORT = 2 * MAX_DEPTH + 1
EXPECTING_KEY = "Expecting property name enclosed in double quotes"
#: from Python 3.13 on, json names a trailing comma, at the comma (`comma_error`)
TRAILING_COMMA = "Illegal trailing comma before end of object"
_NAMES_TRAILING_COMMA = sys.version_info >= (3, 13)


def _decoder() -> Callable[[str], Any] | None:
    """msgspec's JSON decoder when msgspec is loaded, else None (never imports it)."""
    decode = _DECODER[0]
    if decode is None:
        msgspec = sys.modules.get("msgspec")
        if msgspec is None:
            return None
        try:
            decode = msgspec.json.Decoder().decode
        except Exception:  # a partial or foreign module: json decides
            return None
        _DECODER[0] = decode
    return decode


def object_in(text: str, start: int, end: int) -> dict[str, Any] | None:
    """The object json's `raw_decode(text, start)` reads when it ends at `end`, by
    msgspec: `text[start]` must be `{` and `text[end - 1]` `}` (the caller's finds).
    None when that is not known this way (invalid, NaN, lone surrogate, too deep, no
    msgspec): the caller asks json."""
    decode = _DECODER[0] or _decoder()
    if decode is None:
        return None
    part = text[start:end]
    if end - start > _SHORT and part.count("{") + part.count("[") > MAX_DEPTH:
        return None
    try:
        value = decode(part)
    except Exception:  # invalid JSON, or valid JSON msgspec refuses: json decides
        return None
    return value if value.__class__ is dict else None


def comma_error(text: str, start: int, end: int) -> str | None:
    """The message json gives for `text[start:end]` (a `{` to a `}`) when it is a valid
    object with a trailing comma (`{members,<ws>}`), counted from `start`; None when it
    is not known to be one (the caller decodes the span)."""
    close = end - 1
    comma = text.rfind(",", start, close)
    if comma < 0 or text[comma + 1 : close].strip(_JSON_SPACE):
        return None
    body = text[start:comma] + "}"
    if not object_in(body, 0, len(body)):  # (an empty object: json stops at the comma)
        return None
    if _NAMES_TRAILING_COMMA:
        return _message(text, start, comma, TRAILING_COMMA)
    return _message(text, start, close, EXPECTING_KEY)


def span_error(text: str, start: int, end: int, exc: BaseException) -> str | None:
    """The message of `loads(text[start:end])` when `raw_decode(text, start)` raised
    `exc`, or None when that is not known without decoding the span.

    Known for json's own error before the span's end, when no level cap is involved
    (at most MAX_DEPTH brackets from `start` on: both decodes are then json's C scanner
    reading the same characters from the same `{`, so they stop at the same place with
    the same message, its line, column and offset counted from the span's start)."""
    if not isinstance(exc, json.JSONDecodeError):
        return None
    pos = exc.pos
    if not start <= pos < end or text.count("{", start) + text.count("[", start) > MAX_DEPTH:
        return None
    return _message(text, start, pos, exc.msg)


def _message(text: str, start: int, pos: int, msg: str) -> str:
    """json's message for the error `msg` at `pos`, in a text that starts at `start`
    (`JSONDecodeError`'s line, column and char, counted as json counts them)."""
    at = pos - start
    newline = text.rfind("\n", start, pos)
    column = at - (newline - start) if newline >= 0 else at + 1
    line = text.count("\n", start, pos) + 1
    return f"{msg}: line {line} column {column} (char {at})"
