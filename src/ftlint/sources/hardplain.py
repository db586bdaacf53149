"""How the block reader (`ftlint.sources.hardcases.hard_case_blocks`) types a decoded
block: `plain_cases` for a block of plain rows (one loop, and the test for a duplicated
key done by counting, not by re-encoding the block), `typed_block` for any other block
that decoded, with the duplicated-key test of `fastjson.block_parts` passed.

A plain row is what the HF Jobs writer writes: a JSON object of the ten fields `_cases`
types (all present) and maybe `weather`, no other key; an int `rank` from 1; an int, str
or null `sample_index`; strings or null in `request_text`, `source_type`, `parse_error`,
`generated_text` and `weather`; int64 or float numbers or null in `mae_raw`; and three
vectors that are null or objects of int64 or float numbers. `plain_decoder` checks those
types in C while it decodes; msgspec decodes no NaN or Infinity, and an int64 fits a
float, so no value of a plain row is a number `finite_vector` or `finite_mae` would
report, and every test of `_cases` passes: `plain_cases` types the row as `_cases` does.

Why the count is exact. In valid JSON every object member has exactly one colon outside
strings, and a colon inside a string is written as `:` or as an escape `\\u003a`; a
block holding such an escape is never counted (`fastjson.block_parts`' `decode` refuses
it). So a block's colons are its members plus the colons of its strings, keys included.
The decoded plain rows hold their members (`len` of each row and of each vector) and
their strings (the five string fields, a str `sample_index`, the vectors' keys; a row's
own keys are field names, with no colon). A member is dropped by a duplicated key (one
of several is kept) or because its key is no field (`plain_decoder` skips it), and each
dropped member took at least its own colon with it: the block's colons equal the rows'
count exactly when no member was dropped (a plain row is two deep: nothing deeper to
count). Counting costs a pass over the block's bytes and one over its strings, where
re-encoding the block (`block_parts`' `unique`) also writes every number again (~1 us
a row of float vectors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from ftlint.model import HardCase, Problem, TraceRow
from ftlint.sources.hardrows import (
    _FIELDS,
    _ID,
    _OBJ,
    _STR,
    _WEATHER,
    _cases,
    new_case,
    new_evidence,
)

_VECTORS = itemgetter("target_vector", "predicted_vector", "abs_error_raw")
_STRINGS = itemgetter("request_text", "source_type", "parse_error", "generated_text")
_SAMPLE = itemgetter("sample_index")
_IS_STR = str.__instancecheck__


def plain_decoder() -> Any:
    """A msgspec `line -> dict` decoder that raises for any line but a plain row, and
    for a plain row returns what the untyped decoder returns (the same keys in the same
    order, the same values), but that a key that is no field is skipped, not kept
    (`plain_cases` sees that in its count). None without msgspec."""
    try:
        import msgspec
    except ImportError:
        return None
    from typing import Annotated, NotRequired, TypedDict, Union

    int64 = Annotated[int, msgspec.Meta(ge=-(1 << 63), le=(1 << 63) - 1)]
    number = Union[int64, float]  # noqa: UP007 (msgspec reads the union at run time)
    vector = Union[dict[str, number], None]  # noqa: UP007
    text = Union[str, None]  # noqa: UP007
    fields = {
        "rank": Annotated[int, msgspec.Meta(ge=1)],
        "sample_index": Union[int, str, None],  # noqa: UP007
        "request_text": text,
        "source_type": text,
        "weather": NotRequired[text],
        "target_vector": vector,
        "predicted_vector": vector,
        "abs_error_raw": vector,
        "mae_raw": Union[int64, float, None],  # noqa: UP007
        "parse_error": text,
        "generated_text": text,
    }
    plain = TypedDict("plain", fields)  # type: ignore[misc]
    return msgspec.json.Decoder(plain).decode


def plain_cases(
    rel: str,
    first: int,
    colons: int,
    rows: list[dict[str, Any]],
    trace_at: Callable[[int], Any] | None,
) -> list[HardCase] | None:
    """The `HardCase`s of `rows` that `plain_decoder` decoded from lines `first`,
    `first + 1`, ... (`colons`: the colons of those lines' bytes, which hold no
    `\\u003`), exactly as `_cases` types them; None when the count shows a dropped
    member (a duplicated key, or a key that is no field) or a vector's key holds a
    colon: the caller then decodes the block as before."""
    vectors = list(filter(None, chain.from_iterable(map(_VECTORS, rows))))
    if plain_colons(rows, vectors) != colons:
        return None
    out: list[HardCase] = []
    add = out.append
    line = first - 1
    for row in rows:
        line += 1
        rank, sample, request, source, target, predicted, errors, mae, error, text = _FIELDS(row)
        if sample is not None and type(sample) is not str:
            sample = str(sample)
        if type(mae) is int:
            mae = float(mae)  # (`finite_mae` of an int64)
        trace = trace_at(rank) if trace_at is not None else None
        add(
            new_case(
                rank,
                sample,
                request,
                source,
                target,
                predicted,
                errors,
                mae,
                error,
                text,
                new_evidence(rel, line, None, sample, trace.url if trace else None),
                row,
            )
        )
    return out


def plain_colons(rows: list[dict[str, Any]], vectors: list[dict[str, Any]]) -> int | None:
    """The colons JSON text of `rows` holds (members, and colons in strings), for rows of
    the plain shape (the module's docstring: keys that are field names, a `weather` that
    is no object, three vectors that are null or objects of numbers, nothing deeper;
    `vectors`: the rows' vectors that are no null), or None when a vector's key holds a
    colon (counted once in a set here, but once per vector in the bytes)."""
    if ":" in "".join(set().union(*vectors)):
        return None
    found = sum(map(len, rows)) + sum(map(len, vectors))
    strings = chain(
        chain.from_iterable(map(_STRINGS, rows)), map(dict.get, rows, repeat("weather"))
    )
    found += "".join(filter(None, strings)).count(":")
    return found + "".join(filter(_IS_STR, map(_SAMPLE, rows))).count(":")


def typed_block(
    rel: str, run: str, first: int, values: list[Any], traces: Mapping[int, TraceRow]
) -> tuple[list[HardCase | Problem], bool, bool]:
    """`_cases` of a decoded block whose vectors hold no bad number (`vectors_finite`), as
    a list, whether it holds rows only, and whether every row is flat (no key but the ten
    fields and a `weather` that is no object; vectors of numbers: nothing nests deeper
    than two, so no bracket count, `may_nest_deep`). A row of plain types (every field
    present, a finite float or no `mae_raw`) is typed here, in one loop with no generator
    per row; any other row goes through `_cases`, which decides it as the line reader does."""
    out: list[HardCase | Problem] = []
    add = out.append
    trace_at = traces.get if traces else None
    clean = flat = True
    line = first - 1
    for row in values:
        line += 1
        if type(row) is dict:
            try:
                rank, sample, request, source, target, predicted, errors, mae, error, text = (
                    _FIELDS(row)
                )
            except KeyError:
                pass
            else:
                if (
                    type(rank) is int
                    and rank >= 1
                    and type(sample) in _ID
                    and type(request) in _STR
                    and type(source) in _STR
                    and type(target) in _OBJ
                    and type(predicted) in _OBJ
                    and type(errors) in _OBJ
                    and (mae is None or (type(mae) is float and mae - mae == 0.0))
                    and type(error) in _STR
                    and type(text) in _STR
                    and type(weather := row.get("weather")) in _WEATHER
                ):
                    if flat and (weather.__class__ is dict or len(row) - ("weather" in row) > 10):
                        flat = False
                    sid = sample if sample is None or type(sample) is str else str(sample)
                    trace = trace_at(rank) if trace_at is not None else None
                    add(
                        new_case(
                            rank,
                            sid,
                            request,
                            source,
                            target,
                            predicted,
                            errors,
                            mae,
                            error,
                            text,
                            new_evidence(rel, line, None, sid, trace.url if trace else None),
                            row,
                        )
                    )
                    continue
        flat = False
        for item in _cases(rel, run, ((line, row, None),), traces, False):
            add(item)
            if type(item) is not HardCase:
                clean = False
    return out, clean, flat
