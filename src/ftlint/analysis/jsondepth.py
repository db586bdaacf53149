"""JSON decoding of model text whose outcome does not depend on the caller's stack.

CPython's C decoder counts each nesting level of a value against the recursion limit
together with the Python frames already on the stack, so an object nested ~900 deep
decoded in one place and raised `RecursionError` one frame deeper: the same completion
was classified differently by `--jobs 1` and `--jobs 2` (a worker's stack is another
depth) and by the line and block readers. Here a value that opens more than
`MAX_DEPTH` levels is never handed to json whole: json decodes the text up to the
opener that goes past the cap, so a syntax error before it is json's own error (same
message, same position), and otherwise the value is refused with one message. Anything
shallower decodes at any realistic stack depth (the limit is 1,000 frames; ftlint's
deepest call is far below 1,000 - MAX_DEPTH).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

#: the deepest nesting decoded; a deeper value is a decode error, wherever it is decoded
MAX_DEPTH = 400
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
#: a whole JSON string (possessive: no backtracking), a lone quote (a cut string), a run
#: of openers, or one closer
JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|"|[{\[]+|[}\]]', re.DOTALL)
_RAW_DECODE = json.JSONDecoder().raw_decode


def deep_at(text: str, start: int = 0) -> int:
    """Where the JSON value at `text[start:]` opens its level MAX_DEPTH + 1 (the
    opener's index), or -1 when it closes first. Linear; a text with no more than
    MAX_DEPTH brackets in all (every model output but a hostile one) is answered by two
    C-level counts."""
    if text.count("{", start) + text.count("[", start) <= MAX_DEPTH:
        return -1
    depth = 0
    for token in JSON_TOKEN.finditer(text, start):
        first = token.group()[0]
        if first == "{" or first == "[":
            run = token.end() - token.start()
            if depth + run > MAX_DEPTH:
                return token.start() + MAX_DEPTH - depth
            depth += run
        elif first != '"':
            depth -= 1
            if depth <= 0:
                return -1  # the value closed
    return -1


def too_deep(text: str, start: int = 0) -> bool:
    """True when the JSON value at `text[start:]` opens more than MAX_DEPTH levels."""
    return deep_at(text, start) >= 0


def loads(text: str | bytes, **kw: Any) -> Any:
    """`json.loads(text, **kw)`, except that a value opening more than MAX_DEPTH levels
    raises `RecursionError(TOO_DEEP)` (or json's own error when one comes before that
    level), whatever the stack depth of the call."""
    if not isinstance(text, str):  # bytes: counted before decoding them as json would
        if text.count(b"{") + text.count(b"[") <= MAX_DEPTH:
            return json.loads(text, **kw)
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    cut = deep_at(text, len(text) - len(text.lstrip(" \t\n\r")))  # JSON's whitespace
    if cut < 0:
        return json.loads(text, **kw)
    _refuse(lambda prefix: json.loads(prefix, **kw), text[:cut], cut)


def raw_decode(text: str, start: int) -> tuple[Any, int]:
    """`json.JSONDecoder().raw_decode(text, start)`, bounded as `loads` is."""
    cut = deep_at(text, start)
    if cut < 0:
        return _RAW_DECODE(text, start)  # type: ignore[no-any-return]
    _refuse(lambda prefix: _RAW_DECODE(prefix, start), text[:cut], cut)


def _refuse(decode: Callable[[str], Any], prefix: str, cut: int) -> NoReturn:
    """Raise what decoding the whole text raises when json stops before `cut` (the text
    is the same up to there), else `RecursionError(TOO_DEEP)`."""
    try:
        decode(prefix)
    except json.JSONDecodeError as exc:
        if exc.pos < cut:
            raise
    # a ValueError that is no JSONDecodeError (an int past the digit limit) comes from
    # a token before the cut and propagates as it is
    raise RecursionError(TOO_DEEP)
