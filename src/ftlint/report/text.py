"""`--format text`: one line per finding, `path:line: CODE message`, in reading order.

Modelled on ruff's concise output: a line is never wrapped or broken inside a path (we
print no newlines inside a finding; a terminal soft-wraps a long line, and tmux or an
editor joins it back), so `grep`, editors' "go to file:line" and CI logs all work. On a
terminal the code is coloured by severity and each run gets a short bold header; piped,
the same lines come without escapes. Reading order and folding: `ftlint.report.fold`.
The closing summary counts findings by severity; `--statistics` prints a table of
counts per rule instead of the findings (like `ruff --statistics`).

Artifact strings and model outputs are untrusted: control characters (ANSI escapes
that could rewrite the terminal) and bidi overrides are shown escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

from ftlint.model import Evidence, Finding
from ftlint.report import Report, run_named
from ftlint.report.fold import Line, Section, sections, statistics
from ftlint.report.locate import pointer_line

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_ANSI = {"error": "\x1b[1;31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
MAX_RUNS_LISTED = 3


def clean(text: str) -> str:
    """Escape control and bidi characters so untrusted text can't drive the terminal."""
    text = text.replace("\r\n", "\n").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def location(e: Evidence, root: str) -> str:
    """`path:line`: the evidence line, else the line of its JSON pointer, else the path."""
    if e.line is not None and e.line >= 1:
        return f"{e.path}:{e.line}"
    if e.pointer:
        line = pointer_line(root, e.path, e.pointer)
        return f"{e.path}:{line}" if line else f"{e.path}#{e.pointer}"
    return e.path


def _where(f: Finding, report: Report) -> str:
    if f.evidence:
        return location(f.evidence[0], report.campaign.root)
    run = run_named(report.campaign, f.run)
    if run is not None:
        for path in (run.final_metrics_path, run.eval_result_path, run.series_path):
            if path:
                return path
    return "."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 and word != 'info' else ''}"


def summary_line(findings: Sequence[Finding], runs: int) -> str:
    active = [f for f in findings if not f.suppressed]
    if not active:
        tail = f" ({len(findings)} suppressed)" if findings else ""
        return f"No findings in {_plural(runs, 'run')}{tail}."
    counts = Counter(f.severity.value for f in active)
    parts = [_plural(counts[s], s) for s in ("error", "warning", "info") if counts.get(s)]
    suppressed = len(findings) - len(active)
    tail = f"; {suppressed} suppressed" if suppressed else ""
    return (
        f"Found {_plural(len(active), 'finding')} ({', '.join(parts)}) "
        f"in {_plural(runs, 'run')}{tail}."
    )


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color and text else text


def _fold_note(line: Line) -> str:
    if not line.folded:
        return ""
    runs = line.runs
    shown = ", ".join(clean(r) for r in runs[:MAX_RUNS_LISTED])
    more = f" +{len(runs) - MAX_RUNS_LISTED} more" if len(runs) > MAX_RUNS_LISTED else ""
    return f" [{len(runs)} runs: {shown}{more}]"


def finding_line(line: Line, report: Report) -> str:
    f, color = line.finding, report.color
    code = _paint(f.rule, _ANSI.get(f.severity.value, ""), color)
    where = _paint(clean(_where(f, report)), _BOLD, color)
    mark = " [suppressed]" if f.suppressed else ""
    note = _paint(_fold_note(line), _DIM, color)
    return f"{where}: {code}{mark} {clean(f.message)}{note}"


def _header(section: Section, color: bool) -> str:
    name = clean(section.run) if section.run is not None else "(campaign)"
    role = f" ({section.role})" if section.role else ""
    counts = ", ".join(_plural(n, s) for s, n in section.counts) or "suppressed only"
    return _paint(f"{name}{role}", _BOLD, color) + f" {counts}"


def render_statistics(report: Report) -> str:
    """The per-rule table: count, code, name, severities, runs."""
    stats = statistics(report.findings)
    rows = [
        (
            str(s.count),
            s.code,
            s.name,
            ", ".join(f"{n} {sev}" for sev, n in s.by_severity),
            _plural(s.runs, "run"),
        )
        for s in stats
    ]
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(5)]
    lines = [
        f"{r[0].rjust(widths[0])}  {r[1].ljust(widths[1])}  {clean(r[2]).ljust(widths[2])}  "
        f"{r[3].ljust(widths[3])}  {r[4]}".rstrip()
        for r in rows
    ]
    return "".join(line + "\n" for line in lines)


def render_text(report: Report) -> str:
    """Findings as `path:line: CODE message` lines under short run headers, then a summary.

    `report.extra`: `quiet` (finding lines only), `fold` (default True), `statistics`.
    """
    return "".join(iter_text(report))


def iter_text(report: Report) -> Iterator[str]:
    """`render_text` in pieces: one line (with its newline) at a time."""
    quiet = bool(report.extra.get("quiet"))
    fold = bool(report.extra.get("fold", True))
    stats = report.extra.get("statistics")
    folded = 0
    if stats:
        table = render_statistics(report).rstrip("\n")
        if table or not quiet:
            yield table + "\n"
        if quiet:
            return
        if table:
            yield "\n"
    else:
        for section in sections(report.findings, report.campaign, fold=fold):
            if not quiet:
                yield _header(section, report.color) + "\n"
            for line in section.lines:
                if line.folded:
                    folded += len(line.members) - 1
                text = finding_line(line, report)
                if text or not quiet:
                    yield text + "\n"
            if not quiet:
                yield "\n"
        if quiet:
            return
    summary = summary_line(report.findings, len(report.campaign.runs))
    yield _paint(summary, _BOLD, report.color) + "\n"
    if folded and fold and not stats:
        yield f"{folded} identical finding(s) in other runs folded; --no-fold lists each.\n"
    if report.campaign.selection_note:
        yield clean(report.campaign.selection_note) + "\n"
