"""The shape of one raw completion, found in one linear, string-aware scan.

`analyze_completion` describes a model output as `CompletionShape`: fences, prose
around the object, repeated objects, truncation. It knows nothing of the output
contract or of failure classes (`ftlint.analysis.taxonomy` combines them). Pure
(json, and msgspec where `ftlint.analysis.fastobject` shows its answer is json's);
never raises on any ``str``/``None`` input.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

from ftlint import frozen, maker
from ftlint.analysis.fastobject import comma_error, object_in, span_error
from ftlint.analysis.jsondepth import JSON_TOKEN, loads, raw_decode

__all__ = ["FENCE_TAG", "CompletionShape", "analyze_completion"]


# Outside objects: before any text, the next non-space char or fence; after, `{` or fence.
# Runs of one or two backticks (inline code) are markup, skipped like whitespace.
_TOP_BEFORE_TEXT = re.compile(r"[^\s`]|`{3,}")
_TOP_AFTER_TEXT = re.compile(r"\{|`{3,}")
FENCE_TAG = re.compile(r"[A-Za-z0-9_+#.\-]*")
# Inside an object: a whole JSON string (possessive, so no backtracking), a lone quote
# (a string cut off by the end of the text), a run of openers, or one closer.
_OBJECT_TOKEN = JSON_TOKEN  # (the tokens `jsondepth` counts levels by)
# Fast path: a whole object with no nested braces or brackets outside its strings.
_FLAT_OBJECT = re.compile(r'\{(?:[^{}\[\]"]++|"(?:[^"\\]++|\\.)*+")*+\}', re.DOTALL)
_CLOSER_OF = {"{": "}", "[": "]"}
# `fenced_object`'s fences: an opening one (its run of backticks, then its tag as
# `FENCE_TAG` reads it), and from an object's end, only whitespace, a closing one and
# only whitespace to the end of the text (`\s` is `str.isspace`: sre asks the same table)
_FENCE_OPEN = re.compile(rf"`{{3,}}({FENCE_TAG.pattern})")
_FENCE_CLOSE = re.compile(r"\s*`{3,}\s*\Z")


@frozen
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


#: `CompletionShape(*fields)` at about half the cost (`ftlint.maker`: ~0.49 -> ~0.21 us):
#: every failed completion past the views' fast paths builds one
new_shape = maker(CompletionShape)


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


def _object_end(text: str, start: int) -> tuple[dict[str, Any] | None, int]:
    """``(object, end)`` of the object opening at `start`: by one C call (`raw_decode`,
    bounded to `jsondepth.MAX_DEPTH` levels wherever it runs) when it is valid JSON (the
    object is what `json.loads` of the span gives, and it ends exactly where the scan
    says: its strings are JSON strings, its brackets balanced), else ``(None, the end
    the scan finds)`` (-1: never closed). A failed decode costs an exception (~2 us),
    less than the decode it saves on the commoner valid objects."""
    if text.find("}", start) < 0:
        return None, -1  # as `_scan_object`: nothing can close it
    try:
        return raw_decode(text, start)  # type: ignore[no-any-return]
    except (ValueError, RecursionError):  # invalid, cut or too deep: the scan decides
        flat = _FLAT_OBJECT.match(text, start)
        return None, flat.end() if flat else _scan_tokens(text, start)


def _first_end(
    text: str, start: int, guess: int = -1
) -> tuple[dict[str, Any] | None, int, str | None]:
    """`_object_end` of the first object, and when it does not decode, the message
    `_decode_span` would give for its span if it can be told from the failed decode
    (else None: `_decode_span` decodes the span again). Another decode of an invalid
    object was a second exception (~3 us a fenced object with a trailing comma).

    `guess`: where the object may end (just past a `}`, the caller's find): when the
    span up to there is a valid object (`fastobject.object_in`) or one with a trailing
    comma (`fastobject.comma_error`), that is the answer, without json's decode."""
    if guess > start:  # (a trailing comma first: a failed msgspec decode costs ~1 us)
        error = comma_error(text, start, guess)
        if error is not None:
            return None, guess, error
        obj = object_in(text, start, guess)
        if obj is not None:
            return obj, guess, None
    if text.find("}", start) < 0:
        return None, -1, None
    try:
        obj, end = raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        flat = _FLAT_OBJECT.match(text, start)
        end = flat.end() if flat else _scan_tokens(text, start)
        return None, end, span_error(text, start, end, exc)
    return obj, end, None


def _single_object(text: str) -> CompletionShape | None:
    """Fast path: the whole text (bar outer whitespace) is one JSON object.

    `json.loads` in C decides that far faster than the character scan, and the scan
    would find exactly this shape (a test proves the two agree on generated texts).
    Anything else, including a decode failure, returns None and takes the scan.

    What `loads(text.strip())` decides, without its copies of the text: the object
    `raw_decode` reads from the first `{` must end at the last `}` (a decode reads no
    further than the value it returns, and what follows the last `}` is whitespace).
    """
    first, last = text[:1], text[-1:]
    if (first != "{" and not first.isspace()) or (last != "}" and not last.isspace()):
        return None  # (what strips to `{...}` starts and ends so or with whitespace)
    size = len(text)
    start = 0 if first == "{" else size - len(text.lstrip())
    stop = size if last == "}" else len(text.rstrip())
    if stop <= start or text[start] != "{" or text[stop - 1] != "}":
        return None
    obj = object_in(text, start, stop)  # msgspec: the same object, when it takes it
    if obj is None:
        try:
            obj, end = raw_decode(text, start)
        except Exception:  # ValueError, RecursionError, too-long ints: let the scan decide
            return None
        if end != stop:
            return None  # (another value, or text, follows the object)
    return new_shape(  # positional (`maker`): ~0.55 us less than by keyword
        False,  # empty
        True,  # has_open_brace
        False,  # unterminated
        False,  # fenced
        False,  # leading_text
        False,  # trailing_text
        1,  # object_count
        obj,  # first_object
        None,  # decode_error
        size,  # length
        (start, stop),  # first_object_span
        None,  # fence_language
    )


def fenced_object(text: str) -> CompletionShape | None:
    """Fast path: prose (no backtick, no `{`), one fence opening (its tag, then only
    whitespace), one object (valid or not, but closed), only whitespace, the closing
    fence, only whitespace: the commonest fenced completion. The scan would find the
    prose (leading text unless blank), the fence and its tag, the object at the same
    `{` by the same `_first_end`, and the closing fence, jumping over the whitespace
    between them; this finds the same with a few `find`s, without its loop of regex
    searches. None for any other text (the scan decides). A test holds it to the scan."""
    fence = text.find("`")  # (a memchr; "```" is not) the first backtick opens the fence
    if fence < 0 or text.find("{", 0, fence) >= 0:
        return None
    opening = _FENCE_OPEN.match(text, fence)  # its run of backticks and its tag, at once
    if opening is None:
        return None
    tagged = opening.end()
    brace = text.find("{", tagged)
    if brace < 0 or (brace > tagged and not text[tagged:brace].isspace()):
        return None
    tick = text.find("`", brace)
    if tick < 0:
        return None  # (no closing fence after the object either)
    # the object likely ends at its last `}` before that backtick: tried first
    decoded, end, error = _first_end(text, brace, text.rfind("}", brace, tick) + 1)
    if end < 0 or _FENCE_CLOSE.match(text, end) is None:
        return None
    span = (brace, end)
    if decoded is None and error is None:
        first_object, error = _decode_span(text, span)
    else:
        first_object = decoded
    return new_shape(  # positional (`maker`): ~0.55 us less than by keyword
        False,  # empty
        True,  # has_open_brace
        False,  # unterminated
        True,  # fenced
        fence > 0 and not text[:fence].isspace(),  # leading_text
        False,  # trailing_text
        1,  # object_count
        first_object,  # first_object
        error,  # decode_error
        len(text),  # length
        span,  # first_object_span
        opening.group(1),  # fence_language
    )


def analyze_completion(text: str | None) -> CompletionShape:
    """Describe a raw completion in one linear pass (O(n), never raises).

    Outside objects the scan jumps between significant characters (``{``, fences and,
    until text has been seen, any non-whitespace; inline-code backticks are skipped);
    inside an object it tracks brace and bracket depth and skips JSON strings (with
    escapes), so ``"{"`` inside a string never opens anything; an object that is valid
    JSON is skipped (and, the first, decoded) by one `json` C call instead. Only the
    first complete object is decoded. Non-``str`` input is treated as empty.
    """
    if not isinstance(text, str):
        text = ""
    # (no text takes both: the fence opens before the first `{`, or nothing but
    # whitespace does; `in` is a memchr: most texts reaching here have no backtick)
    fast = fenced_object(text) if "`" in text else None
    if fast is None:
        fast = _single_object(text)
    if fast is not None:
        return fast
    return _scan(text, 0, None, None)


def after_prose_object(text: str, span: tuple[int, int], obj: dict[str, Any]) -> CompletionShape:
    """`analyze_completion(text)` of a text whose first `{`, after prose (not blank, no
    backtick), opens the valid object `obj` = `raw_decode(text, span[0])` ending at
    `span[1]`: the scan from there on, as the scan would be after reading them (the
    prose is leading text, the object the first), without reading them again."""
    return _scan(text, span[1], span, obj)


def _scan(
    text: str, pos: int, first_span: tuple[int, int] | None, decoded: dict[str, Any] | None
) -> CompletionShape:
    """`analyze_completion`'s scan from `pos`: the start of the text, or the end of
    a first object `decoded` at `first_span` after leading text."""
    size = len(text)
    fence_open = fenced = trailing = unterminated = False
    leading = first_span is not None
    fence_language: str | None = None
    object_count = 0 if first_span is None else 1
    error: str | None = None  # the first object's decode error, when `_first_end` knows it
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
                tag = FENCE_TAG.match(text, pos)
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
        if first_span is None:
            decoded, end, error = _first_end(text, pos)
        else:  # a later object: only its end matters, and a flat one is one regex match
            flat = _FLAT_OBJECT.match(text, pos)
            end = flat.end() if flat else _object_end(text, pos)[1]
        if end < 0:
            unterminated = True
            break
        object_count += 1
        if first_span is None:
            first_span = (pos, end)
        pos = end
    if decoded is not None:  # the first object decoded as it was found
        first_object, decode_error = decoded, None
    elif error is not None:  # ... or failed to, with this message for its span
        first_object, decode_error = None, error
    else:
        first_object, decode_error = _decode_span(text, first_span)
    return new_shape(  # positional (`maker`): ~0.55 us less than by keyword
        not text or text.isspace(),  # empty (`not text.strip()`, without its copy)
        "{" in text,  # has_open_brace
        unterminated,  # unterminated
        fenced,  # fenced
        leading,  # leading_text
        trailing,  # trailing_text
        object_count,  # object_count
        first_object,  # first_object
        decode_error,  # decode_error
        size,  # length
        first_span,  # first_object_span
        fence_language,  # fence_language
    )


def _decode_span(
    text: str, span: tuple[int, int] | None
) -> tuple[dict[str, Any] | None, str | None]:
    """Decode `text[span]` as a JSON object: ``(object, None)`` or ``(None, message)``."""
    if span is None:
        return None, None
    try:
        value = loads(text[span[0] : span[1]])
    except (ValueError, RecursionError) as exc:
        return None, str(exc) or type(exc).__name__
    if not isinstance(value, dict):
        return None, "payload is not an object"
    return value, None
