"""The fast JSONL line decoder (msgspec) and when it must hand a line to the exact path.

`ftlint.sources.io` uses it for large files only (`FAST_MIN_BYTES`): importing msgspec
costs ~20 ms, which a file of a few MB pays back (~4 us a row saved).
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from ftlint.analysis.jsondepth import MAX_DEPTH

SLOW: Any = object()  # the fast decoder's "decide on the exact path" answer


def fast_decoder() -> Any:
    """A `bytes -> value` decoder that returns exactly what `loads_checked` returns for
    a line with no duplicated key, or `SLOW` when the exact path must decide (msgspec
    failed: NaN, Infinity, a number out of range, an integer over 4,300 digits, a lone
    surrogate, a BOM, invalid JSON; or the line may hold a duplicated key or nest very
    deep). None when msgspec is not installed.

    A duplicated key is found without walking the value: every pair has exactly one
    colon outside strings, and re-encoding the decoded value keeps every colon inside
    strings and drops the pairs a duplicate replaced, so the line and its re-encoding
    have as many colons only when no pair was dropped. A colon written as `\\u003a` in
    the line would break the count: such lines take the exact path.
    """
    try:
        import msgspec  # a dependency, but the reader works without it
    except ImportError:
        return None
    decode = msgspec.json.Decoder().decode
    encode = msgspec.json.Encoder().encode
    slow = SLOW

    def fast(raw: bytes) -> Any:
        try:
            value = decode(raw)
        except Exception:  # any failure: the exact path says what is wrong
            return slow
        if raw.count(b":") != encode(value).count(b":") or b"\\u003" in raw:
            return slow
        if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
            return slow  # may nest past the cap: the exact path's bounded decode decides
        return value

    return fast


def may_nest_deep(lines: list[bytes]) -> bool:
    """True when a line may hold more openers than MAX_DEPTH: two C-level passes (a
    line's count is at most the two maxima added), then line by line only if so."""
    if (
        max(map(bytes.count, lines, repeat(b"{"))) + max(map(bytes.count, lines, repeat(b"[")))
        <= MAX_DEPTH
    ):
        return False
    return any(raw.count(b"[") + raw.count(b"{") > MAX_DEPTH for raw in lines)


def block_decoder() -> Any:
    """A `(chunk, lines, max_line_bytes, depth=True) -> values` decoder of a block of
    lines (`chunk` the bytes of whole lines, `lines` the same lines without their
    newlines), or None when msgspec is not installed. It returns a list holding, for
    every line, exactly what `fast_decoder()` returns for it, or None when any line of
    the block would be `SLOW`, blank, or over `max_line_bytes`: the caller then reads the
    block on the exact line-by-line path, so a block answers only for lines that all
    take the fast path.

    One call per block instead of one per line: every line is decoded on its own (a
    line holding two values fails, as it does alone), and the two tests of `fast` add
    up over the block. Colons: a line's re-encoding never holds more colons than the
    line (no `\\u003a` escape), and fewer exactly when a duplicated key dropped a pair,
    so the block's totals are equal only when every line's are. Depth: only lines of
    more openers than `jsondepth.MAX_DEPTH` (json's and msgspec's own limits depend on
    the caller's stack: past them decoding or encoding raises, and the block goes to
    the exact path) go to the exact path. Counting every line's openers is two passes
    over the block: with `depth=False` the decoder leaves that test to the caller, who
    asks `may_nest_deep(lines)` unless the decoded rows show that none nests deep.

    The two halves are `block_parts()`: the block reader asks the colon question
    another way for rows of the plain hard-case shape (`ftlint.sources.hardplain`)."""
    parts = block_parts()
    if parts is None:
        return None
    decode, unique = parts

    def block(
        chunk: bytes, lines: list[bytes], max_line_bytes: int, depth: bool = True
    ) -> list[Any] | None:
        if not lines:
            return []
        values = decode(chunk, lines, max_line_bytes)
        if values is None or not unique(chunk, values):
            return None
        if depth and may_nest_deep(lines):
            return None
        return values

    return block


def block_parts() -> tuple[Any, Any] | None:
    """`(decode, unique)`, the halves of `block_decoder` (None without msgspec).

    `decode(chunk, lines, max_line_bytes, other=None)`: every line's value (`lines` may
    be memoryviews of `chunk`, see `split_lines`), or None when a line is over the cap,
    fails to decode, or the block writes a colon as `\\u003a` (no colon count can then
    tell a dropped pair); `other`: another msgspec decoder of a line to use (a typed
    one, `ftlint.sources.hardplain.plain_decoder`). `unique(chunk, values)`: the colon test
    of `block_decoder` (True: no line of the block held a duplicated key)."""
    try:
        import msgspec
    except ImportError:
        return None
    one = msgspec.json.Decoder().decode
    encode = msgspec.json.Encoder().encode
    escaped = escape_finder()

    def decode(
        chunk: bytes, lines: list[Any], max_line_bytes: int, other: Any = None
    ) -> list[Any] | None:
        if len(chunk) > max_line_bytes and max(map(len, lines)) > max_line_bytes:
            return None  # (no line is longer than the block)
        try:
            values = list(map(other or one, lines))
        except Exception:  # one line failed (or was blank, or nests past msgspec's limit)
            return None
        if escaped(chunk):
            return None
        return values

    def unique(chunk: bytes, values: list[Any]) -> bool:
        try:
            encoded = encode(values)
        except Exception:  # (nesting past the encoder's limit)
            return False
        return chunk.count(b":") == encoded.count(b":")

    return decode, unique


def escape_finder() -> Any:
    """`bytes -> bool`: whether the bytes hold `\\u003` (a colon, or a digit, written as
    an escape). One Rust search (ahocorasick-rs, a dependency: ~0.05 us a row) where
    `in` costs ~0.45 (CPython's search stops at every backslash and `u`)."""
    try:
        from ahocorasick_rs import BytesAhoCorasick
    except ImportError:  # (no wheel for a platform)
        return _has_escape
    find = BytesAhoCorasick([_ESCAPE]).find_matches_as_indexes

    def escaped(chunk: bytes) -> bool:
        return bool(find(chunk))

    return escaped


_ESCAPE = b"\\u003"


def _has_escape(chunk: bytes) -> bool:
    return _ESCAPE in chunk


def split_lines(chunk: bytes) -> list[memoryview]:
    """The lines of `chunk` (whole lines: it ends with a newline) as views of it, without
    their newlines: `bytes.split` copies every line (~0.2 us a row more)."""
    view = memoryview(chunk)
    find = chunk.find
    lines: list[memoryview] = []
    add = lines.append
    at = 0
    end = find(b"\n")
    while end >= 0:
        add(view[at:end])
        at = end + 1
        end = find(b"\n", at)
    return lines
