"""Output formats. Each module renders a `Report` to a string; none computes a diagnosis.

`render` looks the format up among the built-in and plugin formats, then passes the
text through `redact` (always, whatever the format or the selected rules), and
`write_output` writes it atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftlint.atomic import write_atomic
from ftlint.errors import FtlintError
from ftlint.model import Campaign, Finding
from ftlint.redact import redact
from ftlint.rule import Rule


@dataclass(frozen=True)
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


def render(fmt: str, report: Report, formats: Mapping[str, Callable[[Report], str]]) -> str:
    renderer = formats.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(formats))
        raise FtlintError(f"unknown output format {fmt!r} (known: {known})")
    return redact(renderer(report))


def write_output(text: str, output: Path | None, stream: Any) -> None:
    """Write to `output` atomically (temp file + rename), or to the stream."""
    if output is None:
        stream.write(text)
        stream.flush()
        return
    target = output.resolve()
    if target.is_dir():
        raise FtlintError("--output is a directory", output)
    if target.exists() and not target.is_file():
        # /dev/null, a FIFO, /dev/stdout: write through; renaming over it would replace
        # the device with a regular file (as root, for everyone on the machine)
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return
    directory = target.parent
    if not directory.is_dir():
        raise FtlintError("--output directory does not exist", directory)
    write_atomic(str(target), text.encode("utf-8"))
