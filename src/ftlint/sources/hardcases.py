"""Stream `hard_cases.valid.jsonl` rows: one pass, constant memory, every bad line reported."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from itertools import count, repeat
from pathlib import Path
from typing import Any

from ftlint.model import Evidence, HardCase, Problem, Run, TraceRow
from ftlint.sources.hardrows import _cases
from ftlint.sources.hardvalues import (
    VECTOR_POINTERS,
    vectors_finite,
)
from ftlint.sources.io import FAST_MIN_BYTES, Span, Workspace, jsonl_items, open_regular


def stream_hard_cases(
    ws: Workspace,
    path: Path,
    run: str,
    *,
    max_line_bytes: int,
    traces: Mapping[int, TraceRow] | None = None,
    span: Span | None = None,
) -> Iterator[HardCase | Problem]:
    """Yield a `HardCase` per valid row and a `Problem` per bad line, in file order
    (with a `span`, of those lines only: see `ftlint.sources.io.Span`).

    Rows are checked with the fast schema check; only a row that fails it is handed
    to jsonschema for an explanation. Trace URLs are joined by rank.

    This is the per-row hot path of a large file (one call per row, every rule
    waits on it): plain tuples from the reader, each field read once, positional
    constructors. A row of plain types (an int rank from 1, an int or str sample
    index, strings, objects, a number for `mae_raw`) passes `hard_case_ok` by
    construction, so only other rows (a rank of 5.0) are asked there.
    """
    items = jsonl_items(ws, path, max_line_bytes=max_line_bytes, run=run, span=span)
    yield from _cases(ws.rel(path), run, items, traces or {})


#: Bytes a block (~120 rows): its bytes, values and rows fit a 1 MiB L2 while each visitor
#: walks them, worth the visitors' per-block set-up (256 KiB: ~0.8 us a row more)
BLOCK_BYTES = 1 << 17
#: Bytes a block of a small file (`hardsmall`): every buffer of a block (its bytes, their
#: text, the joined lines) then stays under glibc's 128 KiB mmap threshold, where each
#: 128 KiB buffer was a fresh mapping, its pages faulted in again (~1.3 us a row)
SMALL_BLOCK_BYTES = 1 << 15
#: Rows of small blocks yielded together: the visitors' set-up is per list they get (a
#: list a 32 KiB block, ~40 rows: the engine ~1.5 us a row slower), but rows kept longer
#: are more for a young-generation collection to walk (the engine raises its threshold,
#: `engine.stream.GC_YOUNG`; the reader alone does not: 160 rows cost it ~0.7 us a row)
GATHER_ROWS = 64
#: Most blocks of a small file read on the exact path after blocks `hardsmall` refused
#: in a row (none after the first: a file of a few bad lines pays little; 1, 3, 7, ...
#: after more: a file of other rows pays ~1/64 of a decode a row)
SMALL_BACKOFF = 64
#: Rows per block on the exact path (and of `blocks_of`)
BLOCK_ROWS = 256
#: Most blocks read as before after blocks `hardplain.plain_cases` did not take, before it
#: is tried again (a file of other rows then pays ~1/64 of a typed decode a row)
PLAIN_BACKOFF = 64


def hard_case_blocks(
    ws: Workspace,
    path: Path,
    run: str,
    *,
    max_line_bytes: int,
    traces: Mapping[int, TraceRow] | None = None,
    span: Span | None = None,
) -> Iterator[list[HardCase] | Problem]:
    """`stream_hard_cases` in blocks: lists of consecutive `HardCase`s (never empty) and
    the `Problem`s between them, in file order; the rows and problems are exactly those
    of `stream_hard_cases` (same file, same `span`).

    A large file is read `BLOCK_BYTES` at a time, and a block of whole lines that all
    decode on the fast path (`ftlint.sources.fastjson.block_decoder`) is decoded in one
    call (no `readline` or `json.loads` per row) and typed as the line reader types rows.
    A block of plain rows (what the HF Jobs writer writes) is first tried with a typed
    decoder and typed in one loop (`ftlint.sources.hardplain.plain_cases`: ~1.5 us a
    row less with int vectors, ~2.3 with float ones); a block it does not take is
    decoded as before, and the next blocks skip the try (1, 3, 7, ... up to
    `PLAIN_BACKOFF` of them) until one takes it again. Any other
    block (a malformed, blank, over-long, duplicated-key or NaN line in it) is read
    again on the exact path (`stream_hard_cases` over that block's byte span), so every
    problem keeps its message and line. A line with no newline within the block and
    `max_line_bytes` is one block of its own, read on the exact path.

    A small file (under `FAST_MIN_BYTES`: no msgspec, whose import costs more than it
    saves there) is read `SMALL_BLOCK_BYTES` at a time, and a block of shallow rows (the
    writer's, or others two deep with no array) is decoded and typed by
    `ftlint.sources.hardsmall.small_cases` (one `json.loads` of the block: ~7.5 us a row
    where the line reader takes ~13); any other block is read on the exact path as
    above (after refused blocks in a row, the next ones without a try: `SMALL_BACKOFF`).
    Rows only are yielded in lists of `GATHER_ROWS` or more (up to `BLOCK_ROWS`), not
    one list per small block.
    """
    decoder = small = None
    try:
        if os.stat(path).st_size >= FAST_MIN_BYTES:
            from ftlint.sources.fastjson import block_parts, may_nest_deep, split_lines
            from ftlint.sources.hardplain import plain_cases, plain_decoder, typed_block

            decoder, plain = block_parts(), plain_decoder()
        else:
            from ftlint.sources.hardsmall import small_cases as small
    except OSError:
        pass
    if decoder is None and small is None:
        yield from blocks_of(
            stream_hard_cases(
                ws, path, run, max_line_bytes=max_line_bytes, traces=traces, span=span
            )
        )
        return
    handle, problem = open_regular(ws, path, run, "JSONL")
    if handle is None:
        if problem is not None:
            yield problem
        return
    rel = ws.rel(path)
    traces = traces or {}
    trace_at = traces.get if traces else None
    decode, unique = decoder or (None, None)
    block = BLOCK_BYTES if small is None else SMALL_BLOCK_BYTES
    gathered: list[HardCase] = []  # rows of small blocks, yielded from GATHER_ROWS on
    misses = 0  # blocks `small` refused in a row
    wait = backoff = 0  # blocks to read without trying `plain`, after a block it did not fit
    with handle:
        at, number, end = 0, 0, float("inf")
        if span is not None:
            handle.seek(span.start)
            at, number, end = span.start, span.first_line - 1, span.end
        content = False
        read, readline, limit = handle.read, handle.readline, max_line_bytes + 1
        while at < end:
            rows = values = typed = None  # the block just fed is freed before the next is read
            chunk = read(int(min(block, end - at)))
            if not chunk:
                break
            if chunk[-1:] != b"\n" and at + len(chunk) < end:
                chunk += readline(limit)  # complete the last line (a span ends at one)
            cut = chunk.rfind(b"\n") + 1
            typed: list[HardCase | Problem] | None = None
            clean = flat = False  # the depth cap is asked unless every row is flat
            if 0 < cut < len(chunk):
                chunk = chunk[:cut]
                handle.seek(at + cut)
            if cut == 0:  # no whole line: an over-long or unterminated one, alone
                cut = len(chunk) + _rest_of_line(handle, at + len(chunk), end)
                lines = 1
                values = None
            elif small is not None:  # a small file: plain rows or the exact path
                if wait:  # (after refused blocks: see SMALL_BACKOFF)
                    wait -= 1
                    lines = chunk.count(b"\n")
                else:
                    typed, clean, lines = small(rel, run, number + 1, chunk, max_line_bytes, traces)
                    if typed is None:
                        misses = min(misses + 1, 8)
                        wait = min((1 << misses >> 1) - 1, SMALL_BACKOFF)
                    else:
                        misses = 0
                values, flat = typed, True  # (rows two deep at most: no depth cap to ask)
            else:
                views = split_lines(chunk)
                lines = len(views)
                values = None
                if wait:
                    wait -= 1
                else:
                    rows = decode(chunk, views, max_line_bytes, plain) if plain else None
                    if rows is not None:
                        typed = plain_cases(rel, number + 1, chunk.count(b":"), rows, trace_at)
                    if typed is None:
                        backoff = wait = min(2 * backoff + 1, PLAIN_BACKOFF)
                    else:
                        values, clean, flat, backoff = rows, True, True, 0
                if typed is None:
                    values = decode(chunk, views, max_line_bytes)  # depth: below
                    if values and not unique(chunk, values):
                        values = None
                    if values and vectors_finite(values):
                        typed, clean, flat = typed_block(rel, run, number + 1, values, traces)
            if values and not flat and may_nest_deep(chunk.split(b"\n")):
                values = None
            if gathered and not (values and clean):
                yield from _slices(gathered)
                gathered = []
            if values is None:
                exact = Span(at, at + cut, number + 1)
                yield from blocks_of(
                    stream_hard_cases(
                        ws, path, run, max_line_bytes=max_line_bytes, traces=traces, span=exact
                    )
                )
                content = content or bool(exact.content)
                handle.seek(at + cut)
            elif values:
                content = True
                if typed is not None:
                    if small is not None and clean:  # gathered over small blocks
                        gathered += typed
                        if len(gathered) >= GATHER_ROWS:
                            yield from _slices(gathered)
                            gathered = []
                    elif clean:  # rows only: `blocks_of` of them, without a test per row
                        yield from _slices(typed)
                    else:
                        yield from blocks_of(iter(typed))
                else:
                    rows = zip(count(number + 1), values, repeat(None))
                    yield from blocks_of(_cases(rel, run, rows, traces))
            at += cut
            number += lines
        if gathered:
            yield from _slices(gathered)
    if span is not None:
        span.content = content
    elif not content:
        yield Problem("empty", "file is empty", Evidence(rel), run)


def _slices(rows: list[Any]) -> Iterator[list[Any]]:
    """`blocks_of` a list of rows only, without a test per row."""
    for start in range(0, len(rows), BLOCK_ROWS):
        yield rows[start : start + BLOCK_ROWS]


def _rest_of_line(handle: Any, at: int, end: float) -> int:
    """Bytes from `at` to the end of its line (newline included), within `end`."""
    skipped = 0
    while at + skipped < end:
        piece = handle.readline(int(min(BLOCK_BYTES, end - at - skipped)))
        if not piece:
            break
        skipped += len(piece)
        if piece[-1:] == b"\n":
            break
    return skipped


def blocks_of(items: Iterator[Any], size: int = BLOCK_ROWS) -> Iterator[Any]:
    """Rows of a row-at-a-time stream in lists of up to `size` (never empty); a
    `Problem` ends the list before it and is passed on as it is."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, Problem):
            if out:
                yield out
                out = []
            yield item
            continue
        out.append(item)
        if len(out) >= size:
            yield out
            out = []
    if out:
        yield out


def read_row_outcomes(
    ws: Workspace, run: Run, *, max_line_bytes: int
) -> tuple[int, dict[str, tuple[bool, float | None]], str]:
    """Per-row outcomes of a run for paired gates: (rows read, sample id -> (parsed,
    row MAE), why they cannot be paired, or "" when they cover the whole eval set).

    Reads at most eval_size + 1 rows: hard cases are normally the top-k worst rows,
    and then per-row pairing is impossible; the reason says so.
    """
    n = run.provenance.eval_size
    if not run.hard_cases_path:
        return 0, {}, "no hard cases file"
    if not n:
        return 0, {}, "eval size unknown"
    outcomes: dict[str, tuple[bool, float | None]] = {}
    count = bad = 0
    for item in stream_hard_cases(
        ws, ws.root / run.hard_cases_path, run.name, max_line_bytes=max_line_bytes
    ):
        if isinstance(item, Problem):
            pointer = item.evidence.pointer
            if not (pointer and pointer.startswith(VECTOR_POINTERS)):
                bad += 1  # (a bad vector value leaves its row, and its outcome, whole)
            continue
        count += 1
        if count > n:
            break
        if item.sample_id is not None:
            outcomes[item.sample_id] = (item.parse_error is None, item.mae_raw)
    if bad:
        reason = f"{bad} unreadable hard-case line(s)"
    elif count < n:
        reason = f"hard cases are top-k only ({count} of {n} rows)"
    elif count > n:
        reason = f"more hard-case rows than the {n} eval rows"
    elif len(outcomes) < count:
        reason = "hard-case rows without a unique sample id"
    else:
        reason = ""
    return count, outcomes, reason
