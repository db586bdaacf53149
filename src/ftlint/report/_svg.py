"""Inline SVG charts for the HTML report, written by hand in a few hundred lines.

Why not a library: a report that must open offline, byte-identical for the same
input and readable without JavaScript wants static SVG. A vendored JS library adds
~200 KB and needs scripts at view time; matplotlib is a heavy dependency whose SVG
carries ids and dates unless tamed; pygal pulls in its own JS for tooltips. The
charts here are lines, bars, whiskers and text, and `<title>` gives hover labels.

Every chart is `<svg class="chart" data-chart=KIND data-series=N>` with N elements of
class `series`, which the browser test counts. Numbers are printed with a fixed
precision so the bytes only change when the data does. All text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import field
from html import escape

from ftlint import frozen

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2")
BASELINE, CANDIDATE = "#94a3b8", "#2563eb"
VERDICT_COLORS = {"PASS": "#059669", "FAIL": "#dc2626", "INCONCLUSIVE": "#d97706"}


def f(x: float) -> str:
    """A coordinate with one decimal, no trailing zeros (stable bytes)."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def num(x: float | None) -> str:
    """A data value for labels: 4 significant digits."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.4g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 5 x 10^k steps)."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    count = max(1, round((last - first) / step))
    return [round(first + i * step, 12) for i in range(count + 1)]


def _open(kind: str, series: int, width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{kind}" data-series="{series}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]


@frozen
class Line:
    name: str
    points: Sequence[tuple[float, float]]
    color: str
    dashed: bool = False


@frozen
class LineMarks:
    best: float | None = None  # x of the best step
    spikes: tuple[tuple[float, float], ...] = ()  # (x, y) points
    shade_from: float | None = None  # x where the curve starts to worsen
    shade_label: str = "worse after best"
    notes: tuple[str, ...] = field(default_factory=tuple)


def line_chart(
    title: str, lines: Sequence[Line], marks: LineMarks, *, width: int = 520, height: int = 220
) -> str:
    """Curves over steps, with the best step, spikes and a worsening region marked."""
    left, right, top, bottom = 52, 16, 44, 34
    xs = [x for ln in lines for x, _ in ln.points]
    ys = [y for ln in lines for _, y in ln.points]
    out = _open("line", len(lines), width, height, title)
    if not xs:
        return "\n".join([*out, "</svg>"])
    x0, x1 = min(xs), max(xs)
    if x1 == x0:
        x1 = x0 + 1
    yt = nice_ticks(min(ys), max(ys))
    y0, y1 = yt[0], yt[-1]
    if y1 == y0:
        y1 = y0 + 1

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)

    out.append(f'<text x="{left}" y="15" class="ct">{escape(title)}</text>')
    if marks.shade_from is not None:
        sx = px(marks.shade_from)
        out.append(
            f'<rect class="shade" x="{f(sx)}" y="{top}" width="{f(px(x1) - sx)}" '
            f'height="{height - top - bottom}"><title>{escape(marks.shade_label)}</title></rect>'
        )
    for t in yt:
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{f(py(t))}" '
            f'y2="{f(py(t))}"/><text x="{left - 4}" y="{f(py(t) + 3)}" class="yl">{num(t)}</text>'
        )
    for t in nice_ticks(x0, x1, 6):
        if x0 <= t <= x1:
            out.append(
                f'<text x="{f(px(t))}" y="{height - bottom + 14}" class="xl">{num(t)}</text>'
            )
    out.append(f'<text x="{width - right}" y="{height - 4}" class="xl end">step</text>')
    if marks.best is not None:
        bx = f(px(marks.best))
        out.append(
            f'<line class="best" x1="{bx}" x2="{bx}" y1="{top}" y2="{height - bottom}"/>'
            f'<text x="{bx}" y="{top - 3}" class="xl{" end" if px(marks.best) > width - 60 else ""}">'
            f"best@{num(marks.best)}</text>"
        )
    for ln in lines:
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{f(px(x))},{f(py(y))}" for i, (x, y) in enumerate(ln.points)
        )
        dash = ' stroke-dasharray="5 3"' if ln.dashed else ""
        dots = "".join(
            f'<circle cx="{f(px(x))}" cy="{f(py(y))}" r="2.2" fill="{ln.color}">'
            f"<title>{escape(ln.name)} step {num(x)}: {num(y)}</title></circle>"
            for x, y in ln.points
        )
        out.append(
            f'<g class="series" data-name="{escape(ln.name)}"><path d="{d}" fill="none" '
            f'stroke="{ln.color}" stroke-width="2"{dash}/>{dots}</g>'
        )
    for x, y in marks.spikes:
        out.append(
            f'<circle class="spike" cx="{f(px(x))}" cy="{f(py(y))}" r="6">'
            f"<title>spike at step {num(x)}</title></circle>"
        )
    for i, ln in enumerate(lines):
        lx = left + i * 150
        out.append(
            f'<rect x="{lx}" y="22" width="12" height="3" fill="{ln.color}"/>'
            f'<text x="{lx + 16}" y="27" class="lg">{escape(ln.name)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


@frozen
class Bar:
    """One category of a grouped bar chart: a value (and interval) per series."""

    label: str
    values: tuple[float | None, ...]
    low: tuple[float | None, ...] = ()
    high: tuple[float | None, ...] = ()


def bar_chart(
    title: str, series: Sequence[tuple[str, str]], bars: Sequence[Bar], *, width: int = 560
) -> str:
    """Horizontal grouped bars (series = (name, color)), whiskers where intervals are known."""
    left, right, top, row = 170, 60, 34, 10 + 12 * len(series)
    height = top + row * len(bars) + 24
    vals = [v for b in bars for v in (*b.values, *b.high) if v is not None]
    hi = max([0.0, *vals]) or 1.0
    ticks = nice_ticks(0.0, hi)
    top_v = ticks[-1]
    out = _open("bar", len(series), width, height, title)
    out.append(f'<text x="4" y="15" class="ct">{escape(title)}</text>')
    for j, (name, color) in enumerate(series):
        lx = left + j * 120
        out.append(
            f'<rect x="{lx}" y="20" width="10" height="8" fill="{color}"/>'
            f'<text x="{lx + 14}" y="28" class="lg">{escape(name)}</text>'
        )

    def px(v: float) -> float:
        return left + v / top_v * (width - left - right)

    for t in ticks:
        out.append(
            f'<line class="grid" x1="{f(px(t))}" x2="{f(px(t))}" y1="{top}" '
            f'y2="{height - 20}"/><text x="{f(px(t))}" y="{height - 6}" class="xl">{num(t)}</text>'
        )
    groups: list[list[str]] = [[] for _ in series]
    for i, b in enumerate(bars):
        y = top + i * row
        out.append(
            f'<text x="{left - 6}" y="{y + row / 2 + 3:.1f}" class="yl">{escape(b.label)}</text>'
        )
        for j, (name, color) in enumerate(series):
            v = b.values[j] if j < len(b.values) else None
            if v is None:
                continue
            by = y + 4 + j * 12
            tip = f"{name} {b.label}: {num(v)}"
            bar = (
                f'<rect x="{left}" y="{by}" width="{f(max(0.5, px(max(v, 0)) - left))}" '
                f'height="10" fill="{color}"><title>{escape(tip)}</title></rect>'
            )
            lo = b.low[j] if j < len(b.low) else None
            hi_j = b.high[j] if j < len(b.high) else None
            if lo is not None and hi_j is not None:
                bar += (
                    f'<line class="ci" x1="{f(px(lo))}" x2="{f(px(hi_j))}" y1="{by + 5}" '
                    f'y2="{by + 5}"><title>{escape(f"interval {num(lo)} to {num(hi_j)}")}</title></line>'
                )
            bar += (
                f'<text x="{f(px(max(v, hi_j or v)) + 4)}" y="{by + 9}" class="vl">{num(v)}</text>'
            )
            groups[j].append(bar)
    for j, (name, _) in enumerate(series):
        out.append(f'<g class="series" data-name="{escape(name)}">{"".join(groups[j])}</g>')
    out.append("</svg>")
    return "\n".join(out)


@frozen
class ForestRow:
    """One gate: an estimate, its interval (if any) and the threshold it must clear."""

    label: str
    verdict: str
    estimate: float | None
    low: float | None
    high: float | None
    threshold: float | None
    reference: float | None  # 0 for differences, None for absolute values
    unit: str  # "difference" | "value"


def forest_plot(title: str, rows: Sequence[ForestRow], *, width: int = 900) -> str:
    """One band per gate with its own scale (gates mix units): interval, estimate,
    threshold (dashed red) and no-change line (grey)."""
    left, right, top, row = 300, 110, 28, 34
    height = top + row * len(rows) + 8
    out = _open("forest", len(rows), width, height, title)
    out.append(f'<text x="4" y="15" class="ct">{escape(title)}</text>')
    span = width - left - right
    for i, r in enumerate(rows):
        y = top + i * row + row / 2
        color = VERDICT_COLORS.get(r.verdict, "#64748b")
        pts = [v for v in (r.estimate, r.low, r.high, r.threshold, r.reference) if v is not None]
        parts = [f'<text x="{left - 8}" y="{f(y + 4)}" class="yl">{escape(r.label)}</text>']
        if pts:
            lo, hi = min(pts), max(pts)
            pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
            lo, hi = lo - pad, hi + pad

            def px(v: float, lo: float = lo, hi: float = hi) -> float:
                return left + (v - lo) / (hi - lo) * span

            parts.append(
                f'<line class="axis" x1="{left}" x2="{left + span}" y1="{f(y + 12)}" y2="{f(y + 12)}"/>'
            )
            if r.reference is not None:
                rx = f(px(r.reference))
                parts.append(
                    f'<line class="ref" x1="{rx}" x2="{rx}" y1="{f(y - 12)}" y2="{f(y + 12)}"/>'
                )
            if r.threshold is not None:
                tx = f(px(r.threshold))
                parts.append(
                    f'<line class="thr" x1="{tx}" x2="{tx}" y1="{f(y - 13)}" y2="{f(y + 13)}">'
                    f"<title>threshold {num(r.threshold)}</title></line>"
                )
            if r.low is not None and r.high is not None:
                parts.append(
                    f'<line x1="{f(px(r.low))}" x2="{f(px(r.high))}" y1="{f(y)}" y2="{f(y)}" '
                    f'stroke="{color}" stroke-width="3"/>'
                )
            if r.estimate is not None:
                ex, ey = px(r.estimate), y
                parts.append(
                    f'<path d="M{f(ex)},{f(ey - 6)} L{f(ex + 6)},{f(ey)} L{f(ex)},{f(ey + 6)} '
                    f'L{f(ex - 6)},{f(ey)} Z" fill="{color}"/>'
                )
            interval = f" [{num(r.low)}, {num(r.high)}]" if r.low is not None else ""
            tip = f"{r.unit} {num(r.estimate)}{interval}; threshold {num(r.threshold)}"
            parts.append(f"<title>{escape(r.label)}: {escape(tip)}</title>")
        else:
            parts.append(
                f'<text x="{left}" y="{f(y + 4)}" class="vl">no numbers (precondition)</text>'
            )
        parts.append(
            f'<text x="{width - right + 8}" y="{f(y + 4)}" class="vd" fill="{color}">'
            f"{escape(r.verdict)}</text>"
        )
        out.append(f'<g class="series" data-name="{escape(r.label)}">{"".join(parts)}</g>')
    out.append("</svg>")
    return "\n".join(out)


CSS = """
svg.chart{max-width:100%;height:auto;font:11px system-ui,sans-serif;background:#fff}
svg .ct{font-weight:600;font-size:12px;fill:#0f172a}
svg .yl{text-anchor:end;fill:#334155}
svg .xl{text-anchor:middle;fill:#475569}
svg .xl.end{text-anchor:end}
svg .vl{fill:#334155}
svg .vd{font-weight:700}
svg .lg{fill:#0f172a}
svg .grid{stroke:#e2e8f0}
svg .axis{stroke:#cbd5e1}
svg .ref{stroke:#64748b;stroke-width:1}
svg .thr{stroke:#dc2626;stroke-width:2;stroke-dasharray:4 2}
svg .best{stroke:#059669;stroke-width:1.5;stroke-dasharray:3 3}
svg .shade{fill:#fee2e2;opacity:.7}
svg .spike{fill:none;stroke:#dc2626;stroke-width:2}
svg .ci{stroke:#0f172a;stroke-width:1.5}
"""
