"""QLT001 mae-threshold: A run whose `mae_raw` or `mae_norm` is above a configured maximum."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ftlint.model import Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext

# -- QLT001 -------------------------------------------------------------------------------


class MaeThreshold(Rule):
    """What it detects: a run whose `mae_raw` or `mae_norm` is above a configured
    maximum. Off unless `max_mae_raw` or `max_mae_norm` is set; `mae_norm` falls back to
    `mae_raw / target_scale` when the run does not report it.

    Why it matters: an absolute quality bar is what a product can promise; a candidate
    that beats its baseline can still be too inaccurate to ship.

    What the planner does: ranks the run by how far it is above the bar (the
    `excess_ratio` measurement) and keeps its promotion gate closed.
    """

    code = "QLT001"
    name = "mae-threshold"
    category = Category.QUALITY
    default_severity = Severity.ERROR
    opt_in = True
    params = {
        "max_mae_raw": Param(
            None,
            "largest acceptable mae_raw (0..scale units); null = off",
            type="number",
            nullable=True,
            minimum=0,
        ),
        "max_mae_norm": Param(
            None,
            "largest acceptable mae_norm (0..1); null = off",
            type="number",
            nullable=True,
            minimum=0,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        scale = run.provenance.target_scale
        raw = run.metric("mae_raw")
        norm, norm_key = run.metric("mae_norm"), "mae_norm"
        if norm is None and raw is not None and scale:
            norm, norm_key = raw / scale, "mae_raw"
        for key, value, limit in (
            ("mae_raw", raw, ctx.params["max_mae_raw"]),
            ("mae_norm", norm, ctx.params["max_mae_norm"]),
        ):
            if limit is None or value is None or value <= limit:
                continue
            ev = run.metric_evidence(norm_key if key == "mae_norm" else key)
            derived = " (mae_raw / target_scale)" if key == "mae_norm" and norm_key != key else ""
            yield ctx.finding(
                run,
                f"{key} {g(value)}{derived} is above the maximum {g(limit)}",
                anchor=key,
                evidence=[ev] if ev else [],
                measurements={
                    "metric": key,
                    "value": value,
                    "max": limit,
                    "excess_ratio": value / limit if limit else math.inf,
                },
            )
