"""Output formats. Each module renders a `Report` to a string; none computes a diagnosis.

`render` looks the format up among the built-in and plugin formats, then passes the
text through `redact` (always, whatever the format or the selected rules), and
`write_output` writes it atomically. `write_report` does both a piece at a time for the
formats that can stream (a renderer with a `stream` attribute: a function from the
report to an iterator of text pieces whose concatenation is what the renderer returns),
so a 10,000-run report is never held whole; the bytes written are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import frozen
from ftlint.atomic import write_atomic
from ftlint.errors import FtlintError
from ftlint.model import Campaign, Finding
from ftlint.redact import redact
from ftlint.rule import Rule


@frozen
class Report:
    """Everything a renderer may show. Renderers only read it."""

    tool_version: str
    workspace: str  # as the user gave it, for display
    campaign: Campaign
    findings: Sequence[Finding]
    rules: Sequence[type[Rule]]
    fail_on: str = "error"
    color: bool = False
    width: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_INDEX: tuple[Any, dict[str, Any]] | None = None


def run_named(campaign: Campaign, name: str | None) -> Any:
    """`campaign.get(name)` through a name index built once per campaign: `get` scans
    the runs, and a renderer asks once per finding (quadratic in a 10,000-run sweep)."""
    global _INDEX
    if name is None:
        return None
    if _INDEX is None or _INDEX[0] is not campaign:
        index: dict[str, Any] = {}
        for run in campaign.runs:
            index.setdefault(run.name, run)  # the first run of a name, as `get` answers
        _INDEX = (campaign, index)
    return _INDEX[1].get(name)


def forget_runs() -> None:
    """Drop `run_named`'s index (and with it the campaign): done after every report."""
    global _INDEX
    _INDEX = None


def render(fmt: str, report: Report, formats: Mapping[str, Callable[[Report], str]]) -> str:
    try:
        return redact(_renderer(fmt, formats)(report))
    finally:
        forget_runs()


def _renderer(fmt: str, formats: Mapping[str, Callable[[Report], str]]) -> Callable[[Report], str]:
    renderer = formats.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(formats))
        raise FtlintError(f"unknown output format {fmt!r} (known: {known})")
    return renderer


def render_pieces(
    fmt: str, report: Report, formats: Mapping[str, Callable[[Report], str]]
) -> Iterator[str]:
    """The output of `fmt` in pieces (one piece when the format does not stream), not yet
    redacted. The format is looked up now: an unknown one raises before anything runs."""
    renderer = _renderer(fmt, formats)
    stream = getattr(renderer, "stream", None)
    return iter(stream(report)) if stream is not None else iter((renderer(report),))


def _write_pieces_of(
    fmt: str, report: Report, formats: Mapping[str, Callable[[Report], str]]
) -> Iterator[Any]:
    """`render_pieces`, or, after a lint that split its runs over processes, the pieces
    of a format that renders part of itself in a fork (`split_stream`, the built-in
    JSON: `ftlint.report.parallel`); such pieces are only for `RedactingWriter`."""
    renderer = _renderer(fmt, formats)
    split = getattr(renderer, "split_stream", None)
    processes = _processes(report) if split is not None else 1
    if processes > 1:
        return iter(split(report, processes))
    return render_pieces(fmt, report, formats)


def _processes(report: Report) -> int:
    """The processes the lint behind `report` used: `extra["jobs"]` when the caller
    says, else what the engine's last lint split its runs over (1: not split)."""
    jobs = report.extra.get("jobs") if isinstance(report.extra, Mapping) else None
    if isinstance(jobs, int) and not isinstance(jobs, bool):
        return jobs
    import sys

    split = sys.modules.get("ftlint.engine.split")
    return (split.last_split() or 1) if split is not None else 1


def write_report(
    fmt: str,
    report: Report,
    formats: Mapping[str, Callable[[Report], str]],
    output: Path | None,
    stream: Any,
) -> None:
    """`write_output(render(fmt, report, formats), output, stream)`, byte for byte, with
    the text rendered, redacted and written a chunk at a time."""
    try:
        write_pieces(_write_pieces_of(fmt, report, formats), output, stream)
    finally:
        forget_runs()


def write_pieces(pieces: Iterable[str], output: Path | None, stream: Any) -> None:
    """Redact `pieces` as one text (`ftlint.report.stream`) and write them to `output`
    atomically, or to the stream. The target is checked before the first piece is made."""
    if output is None:
        _drain(pieces, stream.write)
        stream.flush()
        return
    target = _target(output)
    if target is None:
        with output.resolve().open("w", encoding="utf-8", newline="\n") as handle:
            _drain(pieces, handle.write)
        return
    from ftlint.atomic import atomic_file

    with atomic_file(str(target)) as binary:
        _drain(pieces, lambda text: binary.write(text.encode("utf-8")), binary.write)


def utf8_safe(text: str) -> str:
    """`text`, with any lone surrogate shown as its escape (`\\ud800`): JSON's `\\ud800`
    in an artifact decodes to a str UTF-8 cannot encode, and one quoted in a message
    failed the whole report. The escape is JSON's own spelling of it (JSON and SARIF
    stay valid) and plain text elsewhere."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _drain(
    pieces: Iterable[str],
    write: Callable[[str], Any],
    raw: Callable[[bytes], Any] | None = None,
) -> None:
    """`raw`: the same output's UTF-8 bytes, for text a fork redacted and encoded."""
    from ftlint.report.stream import RedactingWriter

    writer = RedactingWriter(lambda text: write(utf8_safe(text)), raw=raw)
    for piece in pieces:
        writer.write(piece)
    writer.close()


def _target(output: Path) -> Path | None:
    """The regular file `output` names, or None for a device or FIFO (/dev/null,
    /dev/stdout), which is written through: renaming over it would replace the device
    with a regular file (as root, for everyone on the machine)."""
    target = output.resolve()
    if target.is_dir():
        raise FtlintError("--output is a directory", output)
    if target.exists() and not target.is_file():
        return None
    directory = target.parent
    if not directory.is_dir():
        raise FtlintError("--output directory does not exist", directory)
    return target


def write_output(text: str, output: Path | None, stream: Any) -> None:
    """Write to `output` atomically (temp file + rename), or to the stream."""
    text = utf8_safe(text)
    if output is None:
        stream.write(text)
        stream.flush()
        return
    target = _target(output)
    if target is None:
        with output.resolve().open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return
    write_atomic(str(target), text.encode("utf-8"))
