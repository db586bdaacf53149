"""QLT002 high-error-dimension: Target dimensions whose error stands out from the others."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ftlint.analysis.stats import median
from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality._common import (
    DimCollector,
    DimReader,
    dimension_metrics,
    shared_collector,
)
from ftlint.vocabulary import as_number


def train_examples(run: Run) -> int | None:
    value = as_number((run.final_metrics or {}).get("train_examples"))
    return int(value) if value is not None and value > 0 else None


# -- QLT002 -------------------------------------------------------------------------------


class HighErrorDimension(Rule):
    """What it detects: target dimensions whose error stands out from the others. A
    dimension is flagged when its `mae_raw_<dim>` is at least `ratio` times the median
    of the other dimensions (and at least `min_gap_norm` x target_scale above it). The
    mean per-dimension error of the parsed hard cases (`abs_error_raw`; unparsed rows
    carry placeholder predictions and are left out) corroborates it, and replaces the
    metrics when a run has no per-dimension metrics.

    Why it matters: one weak dimension hides in the overall `mae_raw`; more epochs or a
    different learning rate move all dimensions, while the fix is usually data: too few
    or badly labelled training rows for that dimension.

    What the planner does: a tier-3 data action to add a concrete number of training
    rows targeting the flagged dimensions (`rows_per_dim` per dimension, or
    `train_share_per_dim` of `train_examples` when that is larger), and sets the
    `focus_dims` knob to the flagged dimensions.
    """

    code = "QLT002"
    process_group = "row-quality"  # shares ctx.shared with the other row-quality rules
    name = "high-error-dimension"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "ratio": Param(
            1.5, "flag a dimension at >= ratio x the median of the others", exclusive_minimum=1
        ),
        "min_gap_norm": Param(
            0.02,
            "a flagged dimension must also exceed that median by this x target_scale",
            minimum=0,
            maximum=1,
        ),
        "rows_per_dim": Param(
            200, "targeted training rows to add per flagged dimension", type="integer", minimum=1
        ),
        "train_share_per_dim": Param(
            0.1,
            "targeted rows per dimension as a share of train_examples, used when more than rows_per_dim; null = off",
            type="number",
            nullable=True,
            minimum=0,
            maximum=1,
        ),
        "min_hard_case_rows": Param(
            5, "parsed hard cases needed to use their errors", type="integer", minimum=1
        ),
    }

    def __init__(self) -> None:
        self.collected: dict[str, DimCollector] = {}

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> DimCollector | DimReader:
        self.collected[run.name], visitor = shared_collector(run, ctx)
        return visitor

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        p = ctx.params
        hard = self.collected.pop(run.name, None)
        hard_dims = {
            d: s
            for d, s in (hard.dims.items() if hard else ())
            if s.abs_n >= p["min_hard_case_rows"]
        }
        metrics = dimension_metrics(run)
        values = {d: m.value for d, m in metrics.items()}
        from_metrics = len(values) >= 2
        if not from_metrics:
            values = {d: s.abs_mean for d, s in hard_dims.items()}
        if len(values) < 2:
            return
        scale = run.provenance.target_scale
        flagged: list[tuple[str, float, float]] = []
        for dim, value in values.items():
            ref = median([v for d, v in values.items() if d != dim])
            gap_ok = scale is None or value - ref >= p["min_gap_norm"] * scale
            # with no error elsewhere a ratio means nothing: only a known scale can say
            # the gap matters (a 0.15 error on 0..4 labels is not a weak dimension)
            ratio_ok = value / ref >= p["ratio"] if ref > 0 else scale is not None
            if value > 0 and ratio_ok and gap_ok:
                flagged.append((dim, value, ref))
        if not flagged:
            return
        names = [d for d, _, _ in flagged]
        parts = []
        for dim, value, ref in flagged:
            s = hard_dims.get(dim)
            if from_metrics:
                what = f"mae_raw_{dim}"
            else:
                what = f"{dim} mean abs error over {s.abs_n if s else 0} parsed hard cases"
            if ref > 0:
                text = f"{what} {g(value)} is {value / ref:.2f}x the "
                text += f"median {g(ref)} of the other {len(values) - 1} dimensions"
            else:
                text = f"{what} {g(value)} while the other {len(values) - 1} dimensions have none"
            if s is not None and from_metrics:
                others = median([o.abs_mean for d, o in hard_dims.items() if d != dim] or [0.0])
                agree = "agree" if s.abs_mean >= p["ratio"] * others else "do not single it out"
                text += (
                    f"; parsed hard cases {agree}: mean abs error {g(s.abs_mean)} vs "
                    f"{g(others)} over {s.abs_n} rows"
                )
            parts.append(text)
        per_dim = p["rows_per_dim"]
        n_train = train_examples(run)
        if n_train and p["train_share_per_dim"] is not None:
            per_dim = max(per_dim, math.ceil(p["train_share_per_dim"] * n_train))
        total = per_dim * len(names)
        evidence = [m.evidence for d, m in metrics.items() if d in names]
        for dim in names:
            if dim in hard_dims:
                evidence += hard_dims[dim].evidence()[:3]
        directions = []
        for dim in names:
            s = hard_dims.get(dim)
            if s is not None and s.n and abs(s.bias) > 0:
                word = "under" if s.bias < 0 else "over"
                directions.append(f"{dim} is {word}-predicted by {g(abs(s.bias))} on average")
        hint = f" In the parsed hard cases {', '.join(directions)}." if directions else ""
        listed = ",".join(names)
        rng = f"0..{g(scale)}" if scale else "its range"
        yield ctx.finding(
            run,
            "; ".join(parts) + f"; threshold {g(p['ratio'])}x",
            anchor="focus_dims:" + listed,
            evidence=evidence,
            measurements={
                "dims": names,
                "source": "metrics" if from_metrics else "hard_cases",
                "values": {d: v for d, v, _ in flagged},
                "median_others": {d: r for d, _, r in flagged},
                "ratios": {d: (v / r if r > 0 else math.inf) for d, v, r in flagged},
                "hard_case_mean_abs_error": {d: s.abs_mean for d, s in hard_dims.items()},
                "rows_to_add": total,
                "train_examples": n_train,
            },
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add {total} training rows targeting {', '.join(names)} "
                    f"({per_dim} per dimension): requests whose {'/'.join(names)} targets "
                    f"cover {rng}, weighted toward the values the model gets wrong.{hint}",
                    why="the error is concentrated in these dimensions, not spread evenly",
                    value=total,
                    expected=", ".join(
                        f"mae_raw_{d} from {g(v)} toward {g(r)}" for d, v, r in flagged
                    ),
                    rollback_trigger="mae_raw or another dimension's mae_raw_<dim> worse "
                    "than this run by more than the QLT003 tolerance",
                ),
                Action(
                    tier=3,
                    kind="env",
                    knob="focus_dims",
                    value=names,
                    text=ctx.knob_change(run, "focus_dims", listed),
                    why="weights or oversamples training rows on the weak dimensions",
                    expected=f"mae_raw_{names[0]} falls without other dimensions rising",
                ),
            ],
        )
