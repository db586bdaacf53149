"""Mermaid charts for the Markdown plan: GitHub renders them in PR comments and job
summaries, so the key curve and baseline vs candidate rates show as pictures there.

Kept short (one curve chart, one bar chart). Mermaid has no escaping for titles or
labels, so every untrusted name is reduced to a safe alphabet before it is written.
"""

from __future__ import annotations

import re
from typing import Any

from ftlint.report.curves import curves_of, key_curve, marks_of, step_label

_UNSAFE = re.compile(r"[^A-Za-z0-9_.:@ +-]")
_UNSAFE_TITLE = re.compile(r"[^A-Za-z0-9_.:@ +,;()-]")
MAX_POINTS = 40


def safe(text: object, limit: int = 60, *, title: bool = False) -> str:
    """A Mermaid-safe label: letters, digits and `_.:@ +-` only (titles, which are
    quoted, also `,;()`), at most `limit` chars."""
    return (_UNSAFE_TITLE if title else _UNSAFE).sub("_", str(text))[:limit]


def _num(x: float) -> str:
    return f"{x:.6g}"


def curve_chart(plan: Any, campaign: Any) -> list[str]:
    """An `xychart-beta` of the candidate's key curve (the baseline's too when it was
    evaluated at the same steps). Empty when the candidate logged no curve."""
    run = campaign.get(plan.candidate) if campaign is not None else None
    curves = curves_of(run) if run is not None else {}
    name = key_curve(curves)
    if name is None:
        return []
    points = curves[name][-MAX_POINTS:]
    steps = [s for s, _ in points]
    lines = [[v for _, v in points]]
    base = campaign.get(plan.baseline) if plan.baseline else None
    base_curve = dict(curves_of(base).get(name, [])) if base is not None else {}
    if base_curve and all(s in base_curve for s in steps):
        lines.insert(0, [base_curve[s] for s in steps])
    marks = marks_of(name, points)
    who = "baseline (first line) vs candidate" if len(lines) == 2 else "candidate"
    title = f"{name} by step, {who}; best@step {step_label(marks.best_step)}"
    out = ["```mermaid", "xychart-beta", f'    title "{safe(title, 100, title=True)}"']
    out.append("    x-axis [" + ", ".join(step_label(s) for s in steps) + "]")
    out.append(f'    y-axis "{safe(name)}"')
    out += ["    line [" + ", ".join(_num(v) for v in values) + "]" for values in lines]
    return [*out, "```", ""]


def rate_bars(plan: Any) -> list[str]:
    """A bar chart of the scoreboard's rates, baseline bar first, candidate second."""
    rows = [r for r in plan.scoreboard if r.metric.endswith("_rate")]
    rows = [r for r in rows if r.baseline is not None and r.candidate is not None]
    if not rows or not plan.baseline:
        return []
    out = ["```mermaid", "xychart-beta"]
    out.append('    title "Rates: baseline (first bar) vs candidate (second bar)"')
    out.append("    x-axis [" + ", ".join(safe(r.metric) for r in rows) + "]")
    out.append('    y-axis "rate" 0 --> 1')
    out.append("    bar [" + ", ".join(_num(r.baseline) for r in rows) + "]")
    out.append("    bar [" + ", ".join(_num(r.candidate) for r in rows) + "]")
    return [*out, "```", ""]


def charts_section(plan: Any, campaign: Any) -> list[str]:
    """The `## Charts` section of the Markdown plan, or nothing when there is no data."""
    body = [*curve_chart(plan, campaign), *rate_bars(plan)]
    return ["## Charts", "", *body] if body else []
