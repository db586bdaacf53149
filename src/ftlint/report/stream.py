"""Write a report piece by piece: redacted, encoded and written as it is rendered.

A 10,000-run JSON report is ~110 MB of text. Built whole, it was held four times over at
its peak (a dict per finding, a string per finding, the joined text, its redacted copy);
streamed, only the findings themselves and one chunk (about 1 MiB) are held.

Redaction stays what one final pass over the whole text did, byte for byte: pieces are
gathered into chunks that end at a newline where no secret pattern can run on into the
next line (`ftlint.report._cuts.continues_past`), and each chunk is redacted with a newline
after it, so a pattern that accepts a token cut short at the end of the text (`$`) does
not take a chunk's end for the end of the output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ftlint.redact import redact
from ftlint.report._cuts import continues_past

#: characters gathered before a chunk is redacted and written
CHUNK = 1 << 20
#: newlines tried, from the end of a chunk back, for a safe cut before it grows further
_TRIES = 64


class RedactingWriter:
    """Collects text, and writes it redacted through `write` a chunk at a time.

    `close()` writes the rest; the concatenation of what `write` received is exactly
    `redact(everything written)`.
    """

    def __init__(
        self,
        write: Callable[[str], Any],
        chunk: int | None = None,
        raw: Callable[[bytes], Any] | None = None,
    ) -> None:
        """`raw`: writes UTF-8 bytes to the same output, for text another process
        redacted and encoded already (`_splice`): copied without decoding it here."""
        self._out = write
        self._raw = raw
        self._chunk = chunk = chunk or CHUNK
        self._parts: list[str] = []
        self._size = 0
        self._limit = chunk

    def write(self, text: str) -> None:
        if not text:
            return
        if type(text) is not str and getattr(text, "spliced", False):
            self._splice(text)
            return
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self._limit:
            self._flush()

    def close(self) -> None:
        text = "".join(self._parts)
        self._parts, self._size = [], 0
        if text:
            self._out(redact(text))

    def _splice(self, spliced: Any) -> None:
        """Text already redacted in another process (`ftlint.report.parallel`), which
        starts where the text so far ends: written after that text is redacted, when the
        end of it is a safe cut and the other process finished (`ready()`, waited for
        after that redaction); otherwise its raw pieces are written as any others."""
        text = "".join(self._parts)
        if text and (not text.endswith("\n") or continues_past(text, len(text))):
            spliced.discard()
            for piece in spliced.raw():
                self.write(piece)
            return
        if text:
            self._out(redact(text + "\n")[:-1])  # as `_flush` cuts: text follows
        self._parts, self._size, self._limit = [], 0, self._chunk
        ready = getattr(spliced, "ready", None)
        if ready is not None and not ready():  # the child failed: the rest made here
            spliced.discard()
            for piece in spliced.raw():
                self.write(piece)
            return
        blocks = getattr(spliced, "blocks", None)
        if self._raw is not None and blocks is not None:
            for block in blocks():  # what `chunks` decodes, as the output would encode it
                self._raw(block)
            return
        for chunk in spliced.chunks():
            self._out(chunk)

    def _flush(self) -> None:
        text = "".join(self._parts)
        cut = _safe_cut(text)
        if cut == 0:  # no safe newline yet: gather twice as much before trying again
            self._parts, self._limit = [text], 2 * self._size
            return
        done = redact(text[:cut] + "\n")  # the newline: no `$` at the chunk's end
        self._out(done[:-1])
        rest = text[cut:]
        self._parts = [rest] if rest else []
        self._size, self._limit = len(rest), self._chunk


def _safe_cut(text: str) -> int:
    """The end of the longest prefix of `text` that ends with a newline no secret pattern
    crosses, and is not all of `text` (0: none among the last `_TRIES` newlines). Text
    must follow the cut: a newline that ends the whole output is where `$` matches."""
    end = len(text) - 1
    for _ in range(_TRIES):
        at = text.rfind("\n", 0, end)
        if at < 0:
            return 0
        if not continues_past(text, at + 1):
            return at + 1
        end = at
    return 0


def redact_pieces(pieces: Iterable[str]) -> str:
    """What `RedactingWriter` writes for `pieces`, as one string (tests, small outputs)."""
    out: list[str] = []
    writer = RedactingWriter(out.append)
    for piece in pieces:
        writer.write(piece)
    writer.close()
    return "".join(out)
