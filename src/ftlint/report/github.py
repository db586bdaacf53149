"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::error file=outputs/run-a/final_metrics.json,title=PRV005 inconsistent-metrics (run-a)::...

error -> `::error`, warning -> `::warning`, info -> `::notice`. Values are escaped the
way the Actions toolkit does (`@actions/core` `toCommandValue`/`escapeData`/
`escapeProperty`): in the message `%` -> `%25`, CR -> `%0D`, LF -> `%0A`; in properties
(file, title) additionally `:` -> `%3A` and `,` -> `%2C`. So an artifact string can never
end the command early or start a new one. Other control characters (ANSI escapes that
would recolour the log) and bidi overrides are shown as visible `\\xNN` escapes.

File paths are the evidence path joined to the workspace as given on the command line
(`ftlint check evals` annotates `evals/outputs/...`), which is what GitHub needs: paths
relative to the repository root, where the workflow runs. Suppressed findings get no
annotation; the last line is a plain summary (not with `-q`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ftlint.model import Evidence, Finding
from ftlint.redact import redact
from ftlint.report import Report

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def visible(text: str) -> str:
    """Escape control, bidi and surrogate characters except CR and LF (escaped later)."""
    return _UNSAFE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def escape_data(text: str) -> str:
    """The toolkit's escapeData: for the message after `::` (secrets redacted first)."""
    return visible(redact(text)).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The toolkit's escapeProperty: for `file=`, `title=` and the other properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(kind: str, message: str, **props: str | int | None) -> str:
    """One workflow command line, e.g. annotation("error", "x", file="a", line=3)."""
    parts = [f"{key}={escape_property(str(value))}" for key, value in props.items() if value]
    head = f"::{kind} {','.join(parts)}" if parts else f"::{kind}"
    return f"{head}::{escape_data(message)}"


def repo_path(workspace: str, path: str) -> str:
    """An evidence path (relative to the workspace) as a path relative to the repo root."""
    if PurePosixPath(path).is_absolute():
        return path
    ws = workspace.replace("\\", "/")
    if Path(ws).is_absolute():
        base = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
        try:
            ws = Path(ws).resolve().relative_to(Path(base).resolve()).as_posix()
        except (ValueError, OSError):
            return posixpath.join(ws, path)
    return posixpath.normpath(posixpath.join(ws or ".", path))


def _details(e: Evidence) -> str:
    out = e.location()
    if e.sample_id is not None:
        out += f" (sample {e.sample_id})"
    if e.url:
        out += f" trace {e.url}"
    return out


def _line(f: Finding, workspace: str) -> str:
    title = f"{f.rule} {f.name}" + (f" ({f.run})" if f.run else "")
    message = f.message
    # the annotation shows file and line; spell out what it cannot show
    if len(f.evidence) > 1 or any(
        e.sample_id is not None or e.url or (e.pointer and e.line is None) for e in f.evidence
    ):
        message += "\nevidence: " + "; ".join(_details(e) for e in f.evidence)
    first = f.evidence[0] if f.evidence else None
    return annotation(
        COMMAND[f.severity.value],
        message,
        file=repo_path(workspace, first.path) if first else None,
        line=first.line if first and first.line and first.line >= 1 else None,
        title=title,
    )


def render_github(report: Report) -> str:
    return "".join(iter_github(report))


def iter_github(report: Report) -> Iterator[str]:
    """`render_github` in pieces: one annotation line at a time, then the summary."""
    active = [f for f in sorted(report.findings, key=Finding.sort_key) if not f.suppressed]
    quiet = report.extra.get("quiet")
    for f in active:
        yield _line(f, report.workspace) + "\n"
    if quiet:
        return
    counts = {s: sum(1 for f in active if f.severity.value == s) for s in COMMAND}
    suppressed = len(report.findings) - len(active)
    summary = (
        f"ftlint: {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info in {len(report.campaign.runs)} run(s)"
    )
    if suppressed:
        summary += f"; {suppressed} suppressed"
    yield summary + f" (fail-on: {report.fail_on})\n"
