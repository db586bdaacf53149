"""QLT008 prediction-collapse: Near-constant or one-sided predictions for a dimension, over the
parsed hard cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftlint.analysis.stats import binom_sf
from ftlint.model import Action, Category, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality._common import ROLLBACK, shared_collector

# -- QLT008 -------------------------------------------------------------------------------


class PredictionCollapse(Rule):
    """What it detects: near-constant or one-sided predictions for a dimension, over
    the parsed hard cases. Collapse: the standard deviation of the predicted values is
    below `std_fraction` x target_scale while the targets vary more than that. Bias:
    the mean signed error (predicted - target) exceeds `bias_fraction` x target_scale
    in magnitude and at least `sign_share` of the rows err on that side. Both need
    `min_rows` rows. Rows with a `parse_error` are excluded: the pipeline scores them
    with a mid-scale placeholder vector, which would fake a collapse. Hard cases are
    the worst rows, so a bias here may be stronger than on the whole eval set; the
    message gives the row count and a sign-test p-value.

    Why it matters: a dimension the model predicts as a constant (or always too low)
    was not learnt from the input: typically missing, constant or skewed labels in the
    training data for that dimension.

    What the planner does: a tier-3 data action per dimension: add training rows that
    cover the range the model misses and check that dimension's label distribution.
    """

    code = "QLT008"
    process_group = "row-quality"  # shares ctx.shared with the other row-quality rules
    name = "prediction-collapse"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "std_fraction": Param(
            0.02, "collapse when prediction std < this x target_scale", minimum=0, maximum=1
        ),
        "bias_fraction": Param(
            0.1, "bias when |mean predicted - target| > this x scale", minimum=0, maximum=1
        ),
        "sign_share": Param(0.8, "share of rows erring on the bias side", minimum=0.5, maximum=1),
        "min_rows": Param(8, "parsed hard cases needed", type="integer", minimum=2),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _CollapseVisitor:
        return _CollapseVisitor(run, ctx)


class _CollapseVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.collector, self.feeder = shared_collector(run, ctx)

    def row(self, case: HardCase) -> None:
        self.feeder.row(case)

    def finish(self) -> Iterator[Finding]:
        p, scale = self.ctx.params, self.run.provenance.target_scale
        if not scale:
            return
        for dim, s in self.collector.dims.items():
            if s.n < p["min_rows"]:
                continue
            base = {
                "dim": dim,
                "count": s.n,
                "unparsed_excluded": self.collector.unparsed,
                "pred_mean": s.pred_mean,
                "pred_std": s.pred_std,
                "target_mean": s.tgt_mean,
                "target_std": s.tgt_std,
                "bias": s.bias,
            }
            floor = p["std_fraction"] * scale
            if s.pred_std < floor <= s.tgt_std:
                yield self._finding(
                    dim,
                    "collapse",
                    s,
                    f"{dim} predictions are near-constant over {s.n} parsed hard cases: std "
                    f"{g(s.pred_std)} around {g(s.pred_mean)} (< {g(floor)} = "
                    f"{g(p['std_fraction'])} x scale {g(scale)}) while the targets vary "
                    f"(std {g(s.tgt_std)})",
                    {**base, "threshold": floor},
                    f"{dim} spanning 0..{g(scale)} and check that its training labels are not "
                    "constant or missing",
                )
            limit = p["bias_fraction"] * scale
            side = s.neg if s.bias < 0 else s.pos
            if abs(s.bias) > limit and side >= p["sign_share"] * s.n:
                word = "under" if s.bias < 0 else "over"
                pvalue = min(1.0, 2 * binom_sf(side, s.n, 0.5))
                yield self._finding(
                    dim,
                    "bias",
                    s,
                    f"{dim} is {word}-predicted in {side} of {s.n} parsed hard cases: mean "
                    f"error {s.bias:+.4g} (predicted {g(s.pred_mean)} vs target "
                    f"{g(s.tgt_mean)}; |bias| > {g(limit)} = {g(p['bias_fraction'])} x scale "
                    f"{g(scale)}; sign test p={pvalue:.2g})",
                    {**base, "threshold": limit, "same_side": side, "p_value": pvalue},
                    f"{'high' if s.bias < 0 else 'low'} {dim} targets (the model answers "
                    f"{g(s.pred_mean)} on average where {g(s.tgt_mean)} is right) and check "
                    f"the training labels of {dim} for a skew",
                )

    def _finding(
        self, dim: str, kind: str, s: Any, message: str, m: dict[str, Any], rows: str
    ) -> Finding:
        return self.ctx.finding(
            self.run,
            message,
            anchor=f"{kind}:{dim}",
            evidence=s.evidence(),
            measurements={"kind": kind, **m},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add training rows with {rows}",
                    why=f"the model does not track {dim} from the input",
                    expected=f"{kind} of {dim} gone; mae_raw_{dim} falls",
                    rollback_trigger=ROLLBACK,
                )
            ],
        )
