"""QLT007 worse-than-constant: A model no better than a constant guess."""

from __future__ import annotations

from collections.abc import Iterator

from ftlint.model import Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext

# -- QLT007 -------------------------------------------------------------------------------


class WorseThanConstant(Rule):
    """What it detects: a model no better than a constant guess. Either `r2_score` is
    below `max_r2` (0: worse than predicting each dimension's eval-set mean), or
    `mae_raw` is at least the MAE of always predicting mid-scale. Without per-row
    targets that MAE is estimated as `constant_mae_factor` x target_scale: 0.25 is the
    expected |y - scale/2| of targets spread uniformly over 0..scale (targets that
    cluster near mid-scale make the true constant MAE smaller, so lower the factor when
    you know your label distribution).

    Why it matters: such a model has learnt nothing usable about the input; comparing it
    with a baseline or tuning its hyperparameters is wasted effort, and its "quality"
    numbers may be mostly placeholder predictions.

    What the planner does: ranks the run by `r2_score` or `mae_ratio` and keeps it out
    of promotion; the fix is data or a working output format, not a hyperparameter.
    """

    code = "QLT007"
    name = "worse-than-constant"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "max_r2": Param(0.0, "flag r2_score below this", maximum=1),
        "constant_mae_factor": Param(
            0.25,
            "constant-guess MAE as a share of target_scale (uniform targets: 0.25)",
            exclusive_minimum=0,
            maximum=1,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        p = ctx.params
        scale = run.provenance.target_scale
        raw = run.metric("mae_raw")
        factor = p["constant_mae_factor"]
        constant = factor * scale if scale else None
        r2 = run.metric("r2_score")
        if r2 is not None and r2 < p["max_r2"]:
            extra = ""
            if raw is not None and constant is not None:
                extra = f" (mae_raw {g(raw)}; mid-scale constant guess about {g(constant)})"
            ev = run.metric_evidence("r2_score")
            yield ctx.finding(
                run,
                f"r2_score {g(r2)} < {g(p['max_r2'])}: predictions explain less variance "
                f"than predicting each dimension's mean{extra}",
                anchor="r2_score",
                evidence=[ev] if ev else [],
                measurements={
                    "r2_score": r2,
                    "max_r2": p["max_r2"],
                    "mae_raw": raw,
                    "constant_mae": constant,
                },
            )
        value, key, limit = raw, "mae_raw", constant
        if raw is None or constant is None:
            value, key, limit = run.metric("mae_norm"), "mae_norm", factor
        if value is None or limit is None or value < limit:
            return
        scale_ev = run.metric_evidence("target_scale")
        yield ctx.finding(
            run,
            f"{key} {g(value)} >= {g(limit)}, the estimated MAE of always predicting "
            f"mid-scale ({g(factor)} x target_scale{' ' + g(scale) if scale else ''}, "
            "uniform targets)",
            anchor=key,
            evidence=[e for e in (run.metric_evidence(key), scale_ev) if e],
            measurements={
                key: value,
                "constant_mae": limit,
                "mae_ratio": value / limit,
                "constant_mae_factor": factor,
            },
        )
