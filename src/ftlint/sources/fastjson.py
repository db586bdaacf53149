"""The fast JSONL line decoder (msgspec) and when it must hand a line to the exact path.

`ftlint.sources.io` uses it for large files only (`FAST_MIN_BYTES`): importing msgspec
costs ~20 ms, which a file of a few MB pays back (~4 us a row saved).
"""

from __future__ import annotations

from typing import Any

#: A line this long may nest deep enough for `json.loads` to hit the recursion limit a
#: few levels before msgspec does: such lines take the exact path when they hold this
#: many brackets (each bracket is a level at most).
_DEEP_LINE = 1800
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
        if len(raw) >= _DEEP_LINE and raw.count(b"[") + raw.count(b"{") >= _DEEP_LINE // 2:
            return slow
        return value

    return fast
