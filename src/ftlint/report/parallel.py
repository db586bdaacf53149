"""`--jobs N`: the second half of a long JSON report rendered and redacted in a fork.

With the per-run work mapped over processes, rendering the findings (a dict and a
`json.dumps` each, then the redaction pass over ~11 MB for 1,000 runs) was a third of
what stayed on one core. When the lint split its runs (`ftlint.engine.split.last_split`)
and there are many findings, the driver forks once: the child renders the text from
the middle finding to the end of the document, redacts it exactly as
`RedactingWriter` would (its own writer, which sees the true end of the output), and
writes it to an unlinked temporary file; the parent renders the first half meanwhile,
then splices the child's text in (`Spliced`).

The cut between the halves is at a newline after a finding's line, where no secret
pattern runs on (`ftlint.report._cuts.continues_past`, the same test the writer uses for its
own chunks), so redacting the halves apart is redacting the whole. Anything unusual
(the cut is not safe there, the fork or the child fails, threads are running) falls
back to rendering the rest here: the bytes are the same, only slower.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ftlint.report._cuts import continues_past

#: fewer findings than this are rendered in one process (a fork costs ~10 ms)
PARALLEL_MIN_FINDINGS = 2000
_READ = 1 << 20


class Spliced:
    """The redacted rest of the output, made in a child process; `raw()` renders the
    same rest unredacted here, for when the child's text cannot be used (it failed:
    `ready()` is False). The writer calls `ready()` only after redacting and writing
    the text before it, so that work overlaps the child's instead of following it."""

    spliced = True  # what `RedactingWriter.write` looks for

    def __init__(self, pid: int, handle: Any, raw: Callable[[], Iterator[str]]) -> None:
        self.pid, self.handle, self.raw = pid, handle, raw

    def ready(self) -> bool:
        """Wait for the child; True when it finished its text."""
        if self.pid <= 0:
            return False
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return False
        finally:
            self.pid = 0
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    def blocks(self) -> Iterator[bytes]:
        """The child's redacted text as the UTF-8 bytes it wrote (`utf8_safe` applied
        there), a megabyte at a time: a binary output copies them as they are."""
        with self.handle:
            self.handle.seek(0)
            while block := self.handle.read(_READ):
                yield block

    def chunks(self) -> Iterator[str]:
        """The child's redacted text, a megabyte at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.handle:
            self.handle.seek(0)
            while block := self.handle.read(_READ):
                text = decoder.decode(block)
                if text:
                    yield text
            rest = decoder.decode(b"", final=True)
            if rest:
                yield rest

    def discard(self) -> None:
        """Stop and forget the child (its text is not used)."""
        if self.pid > 0:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
        self.handle.close()


def can_fork() -> bool:
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


def iter_split(
    head: str, rows: Sequence[Any], dump: Callable[[Any], str], key: str
) -> Iterator[str | Spliced]:
    """`jsonfmt.iter_rows(head_doc, key, rows)` as pieces, the second half made in a
    fork (a `Spliced` piece; `head` is the document's indented head without its `\\n}`).
    `rows` has at least two items."""
    mid = len(rows) // 2
    first = f',\n  "{key}": [\n    '

    def rest() -> Iterator[str]:  # the text from row `mid` to the end of the document
        for i in range(mid, len(rows)):
            yield ("    " if i == mid else ",\n    ") + dump(rows[i])
        yield "\n  ]\n}\n"

    spliced = _fork(rest)
    handed = False
    try:
        last = ""
        for i in range(mid):
            last = (head + first if i == 0 else ",\n    ") + dump(rows[i])
            yield last
        last += ",\n"
        yield ",\n"
        if spliced is None or continues_past(last, len(last)):
            yield from rest()  # no child, or a secret may run on past the cut
            return
        handed = True
        yield spliced  # the writer waits for it (`ready`) once its own text is written
    finally:
        if spliced is not None and not handed:
            spliced.discard()  # also when the writer stopped early: no child left behind


def _fork(rest: Callable[[], Iterator[str]]) -> Spliced | None:
    """Start the child that renders and redacts `rest()` into a temporary file."""
    if not can_fork():
        return None
    import tempfile

    try:
        handle = tempfile.TemporaryFile()  # noqa: SIM115  # closed by Spliced
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        handle.close()
        return None
    if pid == 0:  # the child: never returns, never runs the parent's cleanup
        code = 1
        try:
            from ftlint.report import utf8_safe
            from ftlint.report.stream import RedactingWriter

            writer = RedactingWriter(lambda text: handle.write(utf8_safe(text).encode("utf-8")))
            for piece in rest():
                writer.write(piece)
            writer.close()
            handle.flush()
            code = 0
        finally:
            os._exit(code)
    return Spliced(pid, handle, rest)
