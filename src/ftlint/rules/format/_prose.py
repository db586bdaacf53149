"""`_views`' fast paths for prose: a completion with no complete object needs no scan
to be classified (`_prose_view`), and the shape of prose around one valid object
follows from a few C calls (`prose_object`); and the view of a text past the views'
inline paths (`_scan_view`, which tries them in turn: a whole-text object, a fence,
prose around an object, then the scan)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ftlint.analysis.completion import after_prose_object, fenced_object, new_shape
from ftlint.analysis.contract_check import violation as fast_violation
from ftlint.analysis.fastobject import object_in
from ftlint.analysis.jsondepth import raw_decode
from ftlint.analysis.parse_errors import WEAK_HINTS, parse_hint
from ftlint.analysis.taxonomy import (
    GENERATED_TEXT_LIMIT,
    CompletionShape,
    FailureClass,
    analyze_completion,
    classify_shape,
    decide,
)
from ftlint.analysis.vector_contract import VectorContract, contract_for
from ftlint.rules.format._rowview import FC, HARD_FAILURES, RowView, new_row


def _prose_view(parse_error: str | None, text: str) -> RowView | None:
    """`_view` of a text with no backtick and either no `{` (prose: the commonest failed
    completion, `json_block_not_found`) or no `}` after its first `{` (prose, then an
    object the token cap cut: truncation), without the scan. Such a text has no fence
    and no complete object, so its shape follows from its length and whether anything
    but whitespace precedes the first `{` (or the text is blank), and its class is
    no_json or unterminated, or for a text the writer may have cut the parse_error's
    hint, as `classify_failure` rules. None for any other text (or one that could be a
    JSON array: it starts with `[`): `_view` decides. tests/rules/test_prose_views.py
    holds it to `_view` without its cache."""
    brace = text.find("{")
    if brace >= 0 and text.find("}", brace) >= 0:
        return None  # a complete object may follow
    size = len(text)
    head = text if brace < 0 else text[:brace]
    blank = not head or head.isspace()  # nothing before the first `{` (or the end)
    if not blank and text.lstrip()[:1] == "[":
        return None
    cut = size >= GENERATED_TEXT_LIMIT
    error = isinstance(parse_error, str) and bool(parse_error.strip())
    if brace < 0:  # no object: blank (`empty`) or prose
        if error:
            hint = parse_hint(parse_error) if cut else None
            return _prose_row(True, hint.cls if hint is not None else FC.NO_JSON, size, blank)
        if cut and not blank:
            return _prose_row(False, None, size, blank)
        return _prose_row(True, FC.NO_JSON, size, blank)
    if error:  # an object opened and never closed
        hint = parse_hint(parse_error) if cut else None
        known = hint is not None and hint.cls not in WEAK_HINTS
        return _open_row(True, hint.cls if known else FC.UNTERMINATED, size, not blank)
    if cut:
        return _open_row(False, None, size, not blank)
    return _open_row(True, FC.UNTERMINATED, size, not blank)


@lru_cache(maxsize=4096)
def _prose_row(failed: bool, cls: FailureClass | None, size: int, empty: bool) -> RowView:
    """The view `_prose_view` returns for a text with no `{`, shared by rows of one
    length and reading (views and shapes are immutable; a few hundred lengths)."""
    return RowView(failed, cls, _shape(empty, False, not empty, size), size, size >= _LIMIT)


@lru_cache(maxsize=4096)
def _open_row(failed: bool, cls: FailureClass | None, size: int, leading: bool) -> RowView:
    """The view `_prose_view` returns for a text whose object never closes."""
    return RowView(failed, cls, _shape(False, True, leading, size), size, size >= _LIMIT)


def _shape(empty: bool, opened: bool, leading: bool, size: int) -> CompletionShape:
    """The `CompletionShape` of a text with no fence and no complete object, whose only
    object (`opened`) never closes."""
    return new_shape(  # positional (`maker`): ~0.55 us less than by keyword
        empty,  # empty
        opened,  # has_open_brace
        opened,  # unterminated
        False,  # fenced
        leading,  # leading_text
        False,  # trailing_text
        0,  # object_count
        None,  # first_object
        None,  # decode_error
        size,  # length
        None,  # first_object_span
        None,  # fence_language
    )


_LIMIT = GENERATED_TEXT_LIMIT


def prose_object(text: str) -> CompletionShape | None:
    """`analyze_completion(text)` of a text whose first `{`, after prose with no
    backtick, opens a valid JSON object: the commonest fragile completion ("Here is the
    JSON: {...}"), 5-7 us through the scan's loop of regex searches and 2 here; None for
    any other text. The scan would find the prose first (leading text), the object at
    the `{` by the same `raw_decode` (so the same object and end), then, with no `{`
    or backtick after the object, text or nothing; otherwise the scan goes on from the
    object's end (`after_prose_object`: a second object or a fence, 1,108 rows of the
    64 MiB stream, no longer decode the first twice). tests/rules/test_stream_fast_format.py
    and tests/analysis/test_completion_fast_fence.py hold it to the scan."""
    brace = text.find("{")
    if brace <= 0 or text.find("`", 0, brace) >= 0:
        return None
    if text[0].isspace() and text[:brace].isspace():  # (blank before it: no prose)
        return None
    end = text.find("}", brace) + 1  # a flat object (no `{` before) likely ends there
    obj = object_in(text, brace, end) if end and text.find("{", brace + 1, end) < 0 else None
    if obj is None:
        try:
            obj, end = raw_decode(text, brace)
        except (ValueError, RecursionError):  # what the scan catches: it decides those
            return None
    if text.find("{", end) >= 0 or text.find("`", end) >= 0:
        # another object or a fence may follow: the scan from the object's end
        return after_prose_object(text, (brace, end), obj)
    return new_shape(  # positional (`maker`): ~0.55 us less than by keyword
        False,  # empty
        True,  # has_open_brace
        False,  # unterminated
        False,  # fenced
        True,  # leading_text
        end < len(text) and not text[end:].isspace(),  # trailing_text
        1,  # object_count
        obj,  # first_object
        None,  # decode_error
        len(text),  # length
        (brace, end),  # first_object_span
        None,  # fence_language
    )


def _scan_view(
    error: str | None,
    text: str,
    keys: tuple[str, ...] | None,
    scale: float | None,
    contract: VectorContract | None = None,
) -> RowView:
    """`_view` of a text past its fast paths (flat object, `_prose_view`): `error` is
    None unless the row's parse_error holds more than whitespace. `contract`: the
    `contract_for(keys, scale)` (a block's rows share it), or None to look it up.
    `classify_failure`'s steps are taken here (`classify_shape`): the text's shape and
    length are known, and a block's rows share the contract."""
    size = len(text)
    cut = size >= GENERATED_TEXT_LIMIT
    if contract is None:
        contract = contract_for(keys, scale)
    if text[:1] != "{":  # (a fence first: `prose_object` wants no backtick before the `{`)
        shape = fenced_object(text) if "`" in text else None
        if shape is None:
            shape = prose_object(text) or analyze_completion(text)
    else:  # (`prose_object` wants prose before the `{`)
        obj = object_in(text, 0, size) if text[-1] == "}" else None
        if obj is not None:
            return _whole_view(error, obj, size, cut, contract)
        shape = analyze_completion(text)
    if error is not None:
        cls = classify_shape(parse_hint(error), text, shape, contract, cut)
        return new_row(True, cls, shape, size, cut)
    if shape.empty:
        return new_row(True, FC.NO_JSON, shape, size, cut)
    if cut and shape.first_object is None:
        return new_row(False, None, shape, size, cut)  # the object may lie past the cut
    cls = classify_shape(None, text, shape, contract, cut)
    if cls in HARD_FAILURES:
        return new_row(True, cls, shape, size, cut)  # "parsed" per the writer, invalid per text
    return new_row(False, None, shape, size, cut)


def _whole_view(
    error: str | None, obj: dict[str, Any], size: int, cut: bool, contract: VectorContract
) -> RowView:
    """`_scan_view` of a text that is one JSON object from its first character to its
    last, `obj` by msgspec (`fastobject.object_in`, json's answer where it takes one):
    the shape `analyze_completion` finds (`_single_object`: no fence can open before
    that `{`), classified from the object alone (`classify_shape` of such a shape looks
    for no array, prose or fence). A writer's wrapper (`{"hidden_params": {...}, ...}`)
    is the common one. tests/rules/test_views_scan.py holds it to the scan."""
    shape = new_shape(False, True, False, False, False, False, 1, obj, None, size, (0, size), None)
    found = fast_violation(obj, contract)
    if error is not None:
        return new_row(True, decide(parse_hint(error), found, obj, contract, cut), shape, size, cut)
    if found is None or found not in HARD_FAILURES:  # (`decide` without a hint: found or OTHER)
        return new_row(False, None, shape, size, cut)
    return new_row(True, found, shape, size, cut)
