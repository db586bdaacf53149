"""`--format text`: a rich table per run on a terminal, grep-friendly lines otherwise.

Artifact strings and model outputs are untrusted: control characters (ANSI escapes
that could rewrite the terminal) are shown escaped, and rich markup in them is never
interpreted (cells are `Text` objects, not markup strings).
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from ftlint.model import Finding
from ftlint.report import Report

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def clean(text: str) -> str:
    """Escape control and bidi characters so untrusted text can't drive the terminal."""
    text = text.replace("\r\n", "\n").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _where(f: Finding) -> str:
    if not f.evidence:
        return "-"
    first = f.evidence[0].location()
    more = len(f.evidence) - 1
    return f"{first} (+{more})" if more else first


def summary_line(findings: Sequence[Finding], runs: int) -> str:
    active = [f for f in findings if not f.suppressed]
    if not active:
        tail = f" ({len(findings)} suppressed)" if findings else ""
        return f"No findings in {runs} run{'s' if runs != 1 else ''}{tail}."
    counts = Counter(f.severity.value for f in active)
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
        if counts.get(s)
    ]
    suppressed = len(findings) - len(active)
    tail = f"; {suppressed} suppressed" if suppressed else ""
    return (
        f"Found {len(active)} finding{'s' if len(active) != 1 else ''} "
        f"({', '.join(parts)}) in {runs} run{'s' if runs != 1 else ''}{tail}."
    )


def _groups(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.run or ""].append(f)
    return [(k, groups[k]) for k in sorted(groups, key=lambda k: (k == "", k))]


def render_plain(report: Report) -> str:
    out: list[str] = []
    for run, items in _groups(report.findings):
        out.append(f"{clean(run) if run else '(campaign)'}")
        for f in items:
            mark = " [suppressed]" if f.suppressed else ""
            out.append(
                f"  {clean(_where(f))}: {f.rule} {f.severity.value}{mark} {clean(f.message)}"
            )
        out.append("")
    if report.extra.get("quiet"):
        return "\n".join(out)
    out.append(summary_line(report.findings, len(report.campaign.runs)))
    if report.campaign.selection_note:
        out.append(clean(report.campaign.selection_note))
    return "\n".join(out) + "\n"


def render_rich(report: Report) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=report.color,
        no_color=not report.color,
        color_system="standard" if report.color else None,
        width=report.width or 120,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    for run, items in _groups(report.findings):
        title = Text(clean(run) if run else "(campaign)", style="bold")
        table = Table(title=title, title_justify="left", expand=False, show_lines=False)
        table.add_column("Code", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Message", overflow="fold", ratio=3)
        table.add_column("Evidence", overflow="fold", ratio=2)
        for f in items:
            sev = Text(
                f.severity.value + (" (suppressed)" if f.suppressed else ""),
                style=SEVERITY_STYLE.get(f.severity.value, ""),
            )
            table.add_row(Text(f.rule), sev, Text(clean(f.message)), Text(clean(_where(f))))
        console.print(table)
        console.print()
    if report.extra.get("quiet"):
        return buffer.getvalue()
    console.print(Text(summary_line(report.findings, len(report.campaign.runs)), style="bold"))
    if report.campaign.selection_note:
        console.print(Text(clean(report.campaign.selection_note)))
    return buffer.getvalue()


def render_text(report: Report) -> str:
    """Rich tables on a terminal (report.color), plain lines when piped or --no-color."""
    return render_rich(report) if report.color else render_plain(report)
