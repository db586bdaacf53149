"""One hard case, classified once: `view_row` turns a row into a `RowView` (failed or
parsed, failure class, completion shape), cached so the several visitors of one row
(FMT003, FMT004, FMT005, QLT004) classify it once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ftlint import frozen
from ftlint.analysis.taxonomy import (
    GENERATED_TEXT_LIMIT,
    CompletionShape,
    classify_failure,
)
from ftlint.analysis.vector_contract import contract_for
from ftlint.model import HardCase, Run
from ftlint.rules.format._prose import (  # (`_scan_view`: also from here)
    _open_row,
    _prose_row,
    _prose_view,
    _scan_view,
)
from ftlint.rules.format._rowview import FC, RowView  # (also imported from here)

# -- one hard case, classified once ------------------------------------------------------


def is_choice(case: HardCase) -> bool:
    """A row of a choice-contract eval (see `ftlint.engine.rows`): its output is a label,
    not a JSON object, so the JSON-format rules must not judge it. The `choices` tuple
    is the engine's mark: a hard-case line read from JSON can hold no tuple."""
    raw = case.raw
    return raw.get("contract") == "choice" and isinstance(raw.get("choices"), tuple)


def choice_row(case: HardCase) -> tuple[str | None, str | None] | None:
    """`(reference label, answer label)` of a choice-contract row, None for other rows."""
    if not is_choice(case):
        return None
    label, answer = case.raw.get("label"), case.raw.get("answer")
    return (
        label if isinstance(label, str) else None,
        answer if isinstance(answer, str) else None,
    )


def view_row(case: HardCase, run: Run) -> RowView:
    """The `RowView` of a hard case, computed once per row for all format visitors.

    A choice-contract row is never a JSON failure: its view is "parsed, no shape" (the
    visitors skip it anyway; FMT003 judges its label).

    Memoised by identity (the rows of the block being fed) and by value (a pure function of
    the row's text and the run's contract), so the visitors that ask about the same
    row in turn share one analysis.
    """
    seen = _SEEN.get(id(case))
    if seen is not None and seen[0] is case and seen[1] is run:
        return seen[2]  # the same row again, from the next visitor
    if is_choice(case):
        text = case.generated_text if isinstance(case.generated_text, str) else ""
        view = RowView(False, None, None, len(text), len(text) >= GENERATED_TEXT_LIMIT)
    else:
        prov = run.provenance
        error = case.parse_error if isinstance(case.parse_error, str) else None
        text = case.generated_text if isinstance(case.generated_text, str) else None
        view = _view(error, text, prov.target_keys, prov.target_scale)
    if len(_SEEN) >= SEEN_ROWS:
        _SEEN.clear()
    _SEEN[id(case)] = (case, run, view)
    return view


def view_block(cases: list[HardCase], run: Run) -> tuple[list[RowView], bool]:
    """The views of a block of rows (`view_row` of each, in order) and whether any of
    them is a choice row: the engine hands one block to each visitor in turn, and the
    format visitors' `row_batch` all ask about it, so it is computed once (memoised by
    the identity of the block, which is held, so its id is not reused). A visitor fed a
    block with a choice row takes its per-row path for that block."""
    last = _BLOCK
    if cases is last[0] and run is last[1]:
        return last[2], last[3]
    _new_block(cases, run)
    return last[2], last[3]


def _new_block(cases: list[HardCase], run: Run) -> None:
    """Compute and memoise a block's views (`view_block`) and, for a block without a
    choice row, its `BlockDigest` parts."""
    last = _BLOCK
    choice = has_choice(cases)
    if choice:
        views, others, flat_max = [view_row(case, run) for case in cases], None, 0
    else:
        views, others, flat_max = _plain_block(cases, run)
    last[0], last[1], last[2], last[3], last[4], last[5] = (
        cases,
        run,
        views,
        choice,
        others,
        flat_max,
    )


@frozen
class BlockDigest:
    """A block's views, and what the token-budget visitors (FMT003, FMT004) need of its
    parsed flat objects, the commonest row, without visiting them one by one."""

    views: list[RowView]
    others: list[int]
    """Ascending indices of the rows whose view is not a parsed flat object (those
    take the visitors' per-row code)."""
    flat_max: int
    """The longest parsed flat object not cut by the writer (0: none): all that
    `TokenBudget.add` takes from such a row (`complete_chars` and `object_chars`)."""


def block_digest(visitor: Any, cases: list[HardCase], run: Run) -> BlockDigest | None:
    """`block_views` with the block's `BlockDigest`: None when the block holds a choice
    row, after feeding it to `visitor.row` one row at a time."""
    last = _BLOCK
    if not (cases is last[0] and run is last[1]):
        _new_block(cases, run)
    if last[3]:
        for case in cases:
            visitor.row(case)
        return None
    return BlockDigest(last[2], last[4], last[5])


def _plain_views(cases: list[HardCase], run: Run) -> list[RowView]:
    """`_plain_block`'s views."""
    return _plain_block(cases, run)[0]


def _plain_block(cases: list[HardCase], run: Run) -> tuple[list[RowView], list[int], int]:
    """`view_row` of each row of a block without a choice row, in one loop: the
    visitors ask for the block (`view_block`), not for its rows one by one, so the
    per-row identity memo of `view_row` is skipped, and a parsed flat object (the
    common parsed row) takes `_view`'s fast path inline, as does a failed prose row (a
    table by length, `_prose_failed`). Also the indices of the other rows and the
    longest flat object the writer did not cut (`BlockDigest`). The rest take
    `_scan_view` with the block's contract; their objects decode with msgspec where
    that is json's answer (`ftlint.analysis.fastobject`)."""
    prov = run.provenance
    keys, scale = prov.target_keys, prov.target_scale
    needles = _quoted(keys)
    contract = contract_for(keys, scale)
    view, flat, limit, flats = _view, _flat_view, GENERATED_TEXT_LIMIT, _FLAT_UNCUT
    prose_rows = _PROSE_FAILED
    out: list[RowView] = []
    others: list[int] = []
    add, other = out.append, others.append
    flat_max = 0
    at = -1
    for case in cases:
        at += 1
        error, text = case.parse_error, case.generated_text
        if text.__class__ is str:
            # `_view`, with its tests done once (`_scan_view` after them, not `_view`)
            if error is not None and (not isinstance(error, str) or not error.strip()):
                error = None  # (as `_view` reads a parse_error of only whitespace)
            if error is None:
                # the text stripped, when that is `{...}` (else ""): a copy only when
                # the text opens or ends with whitespace
                first = text[:1]
                if first == "{" and text[-1] == "}":
                    body = text
                elif first == "{" or first.isspace():
                    body = text.strip()
                    if body[:1] != "{" or body[-1:] != "}":
                        body = ""
                else:
                    body = ""
                # one `{`, the first (`find` is a memchr; `count` is not)
                if body and body.find("{", 1) < 0 and _holds_all(body, needles):
                    size = len(body)
                    if len(text) >= limit:
                        add(flat(size, True))
                        continue
                    found = flats.get(size)
                    if found is None:
                        found = flats[size] = flat(size, False)
                    add(found)
                    if size > flat_max:
                        flat_max = size
                    continue
            if "`" not in text:
                brace = text.find("{")
                if brace < 0 or text.find("}", brace) < 0:  # (else `_prose_view` is None)
                    first, size = text[:1], len(text)
                    # prose with a parse_error (json_block_not_found, the commonest
                    # failed row), under the cut, not starting with whitespace or `[`:
                    # `_prose_view`'s no_json (no `{`) or unterminated reading (no `}`
                    # after the first `{`), by length and leading prose, one lookup
                    if (
                        error is not None
                        and size < limit
                        and first != "["
                        and first
                        and not first.isspace()
                    ):
                        key = 3 * size + (0 if brace < 0 else 1 if brace else 2)
                        found = prose_rows.get(key)
                        if found is None:
                            found = prose_rows[key] = _prose_failed(size, brace)
                        add(found)
                        other(at)
                        continue
                    found = _prose_view(error, text)
                    if found is not None:
                        add(found)
                        other(at)
                        continue
            add(_scan_view(error, text, keys, scale, contract))
            other(at)
            continue
        if not isinstance(text, str):
            text = None
        add(view(error if isinstance(error, str) else None, text, keys, scale))
        other(at)
    return out, others, flat_max


#: `_prose_failed(size, brace)` by `3 * size` plus 0 (no `{`), 1 (prose before the `{`)
#: or 2 (the text opens with it), read with one dict lookup
_PROSE_FAILED: dict[int, RowView] = {}


def _prose_failed(size: int, brace: int) -> RowView:
    """`_prose_view` of a failed row's text under the cut that starts with neither
    whitespace nor `[`, has no backtick, and no `{` (`brace` -1) or no `}` after its
    first `{` (at `brace`)."""
    if brace < 0:
        return _prose_row(True, FC.NO_JSON, size, False)
    return _open_row(True, FC.UNTERMINATED, size, brace > 0)


#: `_flat_view(size, False)` by size (below the writer's cut: 600 sizes at most), read
#: with one dict lookup, not an `lru_cache` call
_FLAT_UNCUT: dict[int, RowView] = {}


def block_views(visitor: Any, cases: list[HardCase], run: Run) -> list[RowView] | None:
    """What a format visitor's `row_batch` starts with: the block's shared views, or
    None when the block holds a choice row, after feeding it to `visitor.row` one row
    at a time (the per-row path those rows take)."""
    views, choice = view_block(cases, run)
    if choice:
        for case in cases:
            visitor.row(case)
        return None
    return views


#: The last (block, run, views, any choice row, other rows, longest flat object) of
#: `view_block`, and its value when no block is held (`release_block`)
_NO_BLOCK = (None, None, None, False, None, 0)
_BLOCK: list[Any] = list(_NO_BLOCK)


def has_choice(cases: list[HardCase]) -> bool:
    """Whether any row of a block is a choice row (`is_choice`), memoised for the
    block just asked about (held, so its id is not reused)."""
    last = _CHOICE
    if cases is last[0]:
        return last[1]
    choice = False
    for case in cases:
        raw = case.raw  # `is_choice`, inlined; the `in` first: most rows have no contract
        if (
            "contract" in raw
            and raw.get("contract") == "choice"
            and isinstance(raw.get("choices"), tuple)
        ):
            choice = True
            break
    last[0], last[1] = cases, choice
    return choice


_NO_CHOICE = (None, False)
_CHOICE: list[Any] = list(_NO_CHOICE)


def release_block() -> None:
    """Forget the block `view_block` and `has_choice` hold (the next call computes it
    again): for a caller that has fed a block to every visitor, so the block's rows are
    freed then, before the next block is read, not by the next block's first
    `view_block` (in FMT003's time, while both blocks' rows are alive)."""
    _BLOCK[:] = _NO_BLOCK
    _CHOICE[:] = _NO_CHOICE


#: The views of the rows asked about lately, by row identity: the engine hands a block
#: of rows to each visitor in turn, and up to seven of them ask for the same rows' views
#: (1.4 us a call through `_view`'s cache, 0.1 us here). Rows and runs are immutable,
#: and holding them keeps their ids from being reused, so an identity match is the same
#: row. Bounded (a block is far smaller), cleared when full.
SEEN_ROWS = 2048
_SEEN: dict[int, tuple[HardCase, Run, RowView]] = {}


@lru_cache(maxsize=32)  # the visitors of one row ask in a row; texts can be long
def _view(
    parse_error: str | None, text: str | None, keys: tuple[str, ...] | None, scale: float | None
) -> RowView:
    has_error = isinstance(parse_error, str) and bool(parse_error.strip())
    if not isinstance(text, str):
        cls = classify_failure(parse_error, None) if has_error else None
        return RowView(has_error, cls, None, 0, False)
    size = len(text)
    cut = size >= GENERATED_TEXT_LIMIT
    body = text.strip()
    if (
        not has_error
        and body[:1] == "{"
        and body[-1:] == "}"
        and body.count("{") == 1
        and _holds_all(body, _quoted(keys))
    ):
        return _flat_view(len(body), cut)  # fast path: one flat object
    if "`" not in text:
        found = _prose_view(parse_error if has_error else None, text)
        if found is not None:
            return found
    return _scan_view(parse_error if has_error else None, text, keys, scale)


@lru_cache(maxsize=4096)
def _flat_view(size: int, cut: bool) -> RowView:
    """The view of a parsed flat object of `size` characters: views are immutable, so
    rows of one length share one (a few hundred lengths; building one is 0.5 us)."""
    return RowView(False, None, None, size, cut)


@lru_cache(maxsize=16)
def _quoted(keys: tuple[str, ...] | None) -> tuple[str, ...]:
    """The keys as they appear in the text (`"energy"`), built once per contract."""
    return tuple(f'"{k}"' for k in keys or ())


def _holds_all(body: str, needles: tuple[str, ...]) -> bool:
    """`all(n in body for n in needles)` without a generator per row."""
    for needle in needles:  # noqa: SIM110
        if needle not in body:
            return False
    return True


def after_object(text: str, shape: CompletionShape) -> str:
    """The text after the first complete object, fences and whitespace stripped."""
    if shape.first_object_span is None:
        return ""
    return text[shape.first_object_span[1] :].strip().strip("`").strip()
