"""The view of one hard case (`RowView`): what the format rules need to know about it,
computed once by `_views` for all of them."""

from __future__ import annotations

from ftlint import frozen, maker
from ftlint.analysis.taxonomy import CompletionShape, FailureClass

FC = FailureClass

#: Classes that make a row fail whatever its parse_error says. The writer's parser
#: tolerates prose around the object, fences and extra keys, so those do not; nor does
#: a wrapper: the HF Jobs writer takes the vector from `hidden_params` (its prompt asks
#: for `{"request_text": ..., "hidden_params": {...}}`), `target_hidden_params`,
#: `target_vector` or `vector` and reports no error, and a writer that rejects a
#: wrapper says so (`invalid_vector:vector_payload_not_found`: then it is a failure,
#: class wrapper_object).
HARD_FAILURES = frozenset(
    {
        FC.NO_JSON,
        FC.UNTERMINATED,
        FC.DECODE_ERROR,
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


#: `RowView(*fields)` at about half the cost (`ftlint.maker`: ~0.28 -> ~0.15 us): each
#: row past the views' shared fast paths builds one
new_row = maker(RowView)
