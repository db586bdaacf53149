"""The chart data of the HTML report: which numbers go in which chart.

`ftlint.report.html` lays the page out; this module turns the plan, the campaign's
curves and the findings into `_svg` charts (forest plot of the gates, baseline vs
candidate bars with Wilson intervals, training curves with their marks, the failure
taxonomy). Kept apart so the page module stays small and these are testable alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ftlint.report import _svg
from ftlint.report.curves import (
    CURVE_GROUPS,
    curves_of,
    marks_of,
    overfitting,
    series_names,
    step_label,
)
from ftlint.report.sparkline import curve_sparkline
from ftlint.report.text import clean
from ftlint.vocabulary import lower_is_better

Z95 = 1.959963984540054


def _h(text: object) -> str:
    from html import escape

    return escape(clean(str(text)), quote=True)


def wilson(rate: float, n: int) -> tuple[float, float]:
    """Two-sided 95% Wilson interval of a rate measured on n rows."""
    denom = 1 + Z95**2 / n
    centre = (rate + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(rate * (1 - rate) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------- sections


def forest_rows(report: Any) -> list[_svg.ForestRow]:
    """Gate results as forest-plot rows: differences against margins, or values
    against absolute bounds, in each gate's own units."""
    rows = []
    for r in report.results:
        m = r.measurements or {}
        sign = 1.0 if lower_is_better(r.metric) else -1.0
        est = low = high = thr = ref = None
        unit = "difference"
        if "wilson_lower" in m:
            est, low, high, thr = (
                r.candidate,
                m.get("wilson_lower"),
                m.get("wilson_upper"),
                m.get("bound"),
            )
            unit = "value"
        elif "difference" in m:
            est, ref = m.get("difference"), 0.0
            low, high = m.get("interval_low"), m.get("interval_high")
            thr = sign * m["allowed"] if isinstance(m.get("allowed"), (int, float)) else None
        rows.append(
            _svg.ForestRow(
                r.label, r.verdict.value, _fin(est), _fin(low), _fin(high), _fin(thr), ref, unit
            )
        )
    return rows


def _fin(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def scoreboard_charts(plan: Any) -> list[str]:
    """Rates (with Wilson intervals when the eval sizes are known), the headline
    metrics, and per-target-dimension rows, each baseline vs candidate."""
    rows = list(plan.scoreboard)
    names = {r.metric for r in rows}
    dims = [r for r in rows if any(r.metric.startswith(n + "_") for n in names if n != r.metric)]
    rates = [r for r in rows if r.metric.endswith("_rate") and r not in dims]
    other = [r for r in rows if r not in dims and r not in rates]
    sizes = dict(plan.eval_sizes)
    series = [("baseline", _svg.BASELINE), ("candidate", _svg.CANDIDATE)]
    charts = []
    for title, group in (
        ("Rates, baseline vs candidate (95% Wilson intervals)", rates),
        ("Headline metrics, baseline vs candidate", other),
        ("Per target dimension, baseline vs candidate", dims),
    ):
        if not group:
            continue
        bars = []
        for r in group:
            lows, highs = [], []
            for value, key in ((r.baseline, "baseline"), (r.candidate, "candidate")):
                n = sizes.get(key)
                if r in rates and value is not None and n and 0 <= value <= 1:
                    lo, hi = wilson(value, int(n))
                    lows.append(lo)
                    highs.append(hi)
                else:
                    lows.append(None)
                    highs.append(None)
            bars.append(_svg.Bar(r.metric, (r.baseline, r.candidate), tuple(lows), tuple(highs)))
        charts.append(_svg.bar_chart(title, series, bars))
    return charts


def curve_charts(run: Any) -> list[str]:
    """One chart per curve group the run logged, with best step, spikes and the
    region where the curve worsens after its best step (overfitting when the train
    loss still falls there)."""
    curves = curves_of(run)
    out = []
    for title, group in CURVE_GROUPS:
        names = series_names(curves, group)
        if not names:
            continue
        key = names[-1] if title == "Loss" else names[0]
        marks = marks_of(key, curves[key])
        over = overfitting(curves, key, marks)
        spikes = tuple(
            (s, v) for n in names for s, v in curves[n] if s in marks_of(n, curves[n]).spikes
        )
        lines = [
            _svg.Line(
                n, curves[n], _svg.PALETTE[i % len(_svg.PALETTE)], dashed=n.startswith("train")
            )
            for i, n in enumerate(names)
        ]
        label = (
            "overfitting: eval worsens while train loss falls"
            if over
            else f"{key} worse after best"
        )
        lm = _svg.LineMarks(marks.best_step, spikes, marks.worse_after, label)
        chart = _svg.line_chart(f"{title}: {run.name}", lines, lm)
        notes = [curve_sparkline(n, curves[n]) for n in names]
        if marks.worse_after is not None:
            notes.append(f"{label} (from step {step_label(marks.worse_after)})")
        caption = "<br>".join(_h(t) for t in notes)
        out.append(
            f'<figure class="curve">{chart}<figcaption class="spark">{caption}</figcaption></figure>'
        )
    return out


def taxonomy(
    findings: Iterable[Any], candidate: str, clusters: Sequence[Any]
) -> list[tuple[str, int]]:
    """Failed outputs by class for the candidate (FMT003), else the clusters' counts."""
    counts: dict[str, int] = {}
    for f in findings:
        m = getattr(f, "measurements", None) or {}
        mine = getattr(f, "rule", "") == "FMT003" and getattr(f, "run", None) == candidate
        if mine and isinstance(m.get("class"), str) and isinstance(m.get("count"), int):
            counts[m["class"]] = counts.get(m["class"], 0) + m["count"]
    if not counts:
        counts = {c.title: c.count for c in clusters}
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
