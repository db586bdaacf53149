"""The writer's side of a spliced report half (`ftlint.report.parallel`): its own text is
redacted and written before it waits for the child, a child that failed is replaced by
the raw rest, and a binary output gets the child's bytes as they are."""

from __future__ import annotations

from collections.abc import Iterator

from ftlint.redact import redact
from ftlint.report.stream import RedactingWriter

HEAD = "line one\npassword = hunter2hunter2\n"
REST = "the rest, api_key=sk-abcdefabcdefabcdefabcdef\n"


class FakeSpliced:
    spliced = True

    def __init__(self, out: list, ok: bool = True) -> None:
        self.out = out
        self.ok = ok
        self.seen_before_wait: str | None = None
        self.discarded = False

    def ready(self) -> bool:
        self.seen_before_wait = "".join(x if isinstance(x, str) else x.decode() for x in self.out)
        return self.ok

    def raw(self) -> Iterator[str]:
        yield REST

    def blocks(self) -> Iterator[bytes]:
        yield redact(REST).encode("utf-8")

    def chunks(self) -> Iterator[str]:
        yield redact(REST)

    def discard(self) -> None:
        self.discarded = True


def test_own_text_is_written_before_the_wait() -> None:
    out: list[str] = []
    writer = RedactingWriter(out.append)
    writer.write(HEAD)
    fake = FakeSpliced(out)
    writer.write(fake)  # type: ignore[arg-type]
    writer.close()
    assert fake.seen_before_wait == redact(HEAD + REST)[: len(redact(HEAD))]
    assert "".join(out) == redact(HEAD + REST)


def test_a_child_that_failed_is_replaced_by_the_raw_rest() -> None:
    out: list[str] = []
    writer = RedactingWriter(out.append)
    writer.write(HEAD)
    fake = FakeSpliced(out, ok=False)
    writer.write(fake)  # type: ignore[arg-type]
    writer.close()
    assert fake.discarded
    assert "".join(out) == redact(HEAD + REST)


def test_a_binary_output_gets_the_childs_bytes() -> None:
    out: list[str | bytes] = []
    writer = RedactingWriter(out.append, raw=out.append)
    writer.write(HEAD)
    writer.write(FakeSpliced(out))  # type: ignore[arg-type]
    writer.close()
    assert isinstance(out[-1], bytes)
    text = "".join(x if isinstance(x, str) else x.decode("utf-8") for x in out)
    assert text == redact(HEAD + REST)
