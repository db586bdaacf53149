"""One hard case, classified once: `view_row` turns a row into a `RowView` (failed or
parsed, failure class, completion shape), cached so the several visitors of one row
(FMT003, FMT004, FMT005, QLT004) classify it once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ftlint import frozen
from ftlint.analysis.parse_errors import WEAK_HINTS, parse_hint
from ftlint.analysis.taxonomy import (
    GENERATED_TEXT_LIMIT,
    CompletionShape,
    FailureClass,
    analyze_completion,
    classify_failure,
)
from ftlint.model import HardCase, Run

# -- one hard case, classified once ------------------------------------------------------

FC = FailureClass

#: Classes that make a row fail whatever its parse_error says (the writer's parser
#: tolerates prose around the object, fences and extra keys, so those do not).
HARD_FAILURES = frozenset(
    {
        FC.NO_JSON,
        FC.UNTERMINATED,
        FC.DECODE_ERROR,
        FC.WRAPPER_OBJECT,
        FC.MISSING_KEY,
        FC.TYPE_MISMATCH,
        FC.OUT_OF_RANGE,
    }
)


@frozen
class RowView:
    """What the format rules need to know about one hard case."""

    failed: bool
    cls: FailureClass | None
    """The failure class of a failed row, else None."""
    shape: CompletionShape | None
    """None on the fast path (a clean, flat object) or without text."""
    text_chars: int
    writer_cut: bool
    """The text reached the writer's 600-character cut: the end is the writer's, not the model's."""

    @property
    def object_chars(self) -> int | None:
        """Length of the first complete object of a parsed row."""
        if self.failed:
            return None
        if self.shape is None:
            return self.text_chars or None
        span = self.shape.first_object_span
        return span[1] - span[0] if span else None

    @property
    def fragile(self) -> bool:
        """Parsed, but with prose, a fence or a second object around the object."""
        s = self.shape
        return not self.failed and s is not None and (s.leading_text or s.trailing_text or s.fenced)

    @property
    def truncated(self) -> bool:
        """An object opened and never closed, with no complete object before it."""
        s = self.shape
        return self.failed and s is not None and s.unterminated and s.object_count == 0


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
    choice = has_choice(cases)
    views = [view_row(case, run) for case in cases] if choice else _plain_views(cases, run)
    last[0], last[1], last[2], last[3] = cases, run, views, choice
    return views, choice


def _plain_views(cases: list[HardCase], run: Run) -> list[RowView]:
    """`view_row` of each row of a block without a choice row, in one loop: the
    visitors ask for the block (`view_block`), not for its rows one by one, so the
    per-row identity memo of `view_row` is skipped, and a parsed flat object (the
    common parsed row) takes `_view`'s fast path inline."""
    prov = run.provenance
    keys, scale = prov.target_keys, prov.target_scale
    needles = _quoted(keys)
    view, flat, limit = _view, _flat_view, GENERATED_TEXT_LIMIT
    out: list[RowView] = []
    add = out.append
    for case in cases:
        error, text = case.parse_error, case.generated_text
        if text.__class__ is str:
            if error is None:
                body = text.strip()
                if body[:1] == "{" and body[-1:] == "}" and body.count("{") == 1:
                    for needle in needles:
                        if needle not in body:
                            break
                    else:
                        add(flat(len(body), len(text) >= limit))
                        continue
            if "`" not in text:
                found = _prose_view(error if isinstance(error, str) else None, text)
                if found is not None:
                    add(found)
                    continue
        elif not isinstance(text, str):
            text = None
        add(view(error if isinstance(error, str) else None, text, keys, scale))
    return out


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
    return CompletionShape(
        empty=empty,
        has_open_brace=opened,
        unterminated=opened,
        fenced=False,
        leading_text=leading,
        trailing_text=False,
        object_count=0,
        first_object=None,
        decode_error=None,
        length=size,
        first_object_span=None,
        fence_language=None,
    )


_LIMIT = GENERATED_TEXT_LIMIT


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


#: The last (block, run, views, any choice row) of `view_block`
_BLOCK: list[Any] = [None, None, None, False]


def has_choice(cases: list[HardCase]) -> bool:
    """Whether any row of a block is a choice row (`is_choice`), memoised for the
    block just asked about (held, so its id is not reused)."""
    last = _CHOICE
    if cases is last[0]:
        return last[1]
    choice = False
    for case in cases:
        get = case.raw.get
        if get("contract") == "choice" and isinstance(get("choices"), tuple):
            choice = True  # `is_choice`, inlined
            break
    last[0], last[1] = cases, choice
    return choice


_CHOICE: list[Any] = [None, False]


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
    shape = analyze_completion(text)
    if has_error:
        cls = classify_failure(parse_error, text, target_keys=keys, target_scale=scale, shape=shape)
        return RowView(True, cls, shape, size, cut)
    if shape.empty:
        return RowView(True, FC.NO_JSON, shape, size, cut)
    if cut and shape.first_object is None:
        return RowView(False, None, shape, size, cut)  # the object may lie past the cut
    cls = classify_failure(None, text, target_keys=keys, target_scale=scale, shape=shape)
    if cls in HARD_FAILURES:
        return RowView(True, cls, shape, size, cut)  # "parsed" per the writer, invalid per text
    return RowView(False, None, shape, size, cut)


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
