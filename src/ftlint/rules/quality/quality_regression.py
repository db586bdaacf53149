"""QLT003 quality-regression: A candidate whose MAE got worse than the baseline's."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from ftlint.analysis.stats import bootstrap_mean_diff
from ftlint.model import Category, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality._common import DIM_PREFIX, dimension_metrics
from ftlint.vocabulary import as_number

# -- QLT003 -------------------------------------------------------------------------------


class _PairRows:
    """Per-sample errors of one run's hard cases, kept for QLT003's paired bootstrap."""

    def __init__(self, store: dict[str, dict[str, dict[str, float]] | str], run: Run, cap: int):
        self.store, self.run, self.cap = store, run, cap
        self.rows: dict[str, dict[str, float]] = {}
        self.overflow = False

    def row(self, case: HardCase) -> None:
        if self.overflow or case.sample_id is None or case.sample_id in self.rows:
            return
        values = {
            DIM_PREFIX + d: v
            for d, e in (case.abs_error_raw or {}).items()
            if (v := as_number(e)) is not None
        }
        mae = as_number(case.mae_raw)
        if mae is None and values:
            mae = sum(values.values()) / len(values)
        if mae is not None:
            values["mae_raw"] = mae
        if not values:
            return
        if len(self.rows) >= self.cap:
            self.overflow, self.rows = True, {}
            return
        self.rows[case.sample_id] = values

    def export_state(self) -> tuple[dict[str, dict[str, float]], bool]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.rows, self.overflow

    def merge_state(self, state: tuple[dict[str, dict[str, float]], bool]) -> bool:
        rows, overflow = state
        if self.overflow:
            return True  # nothing more is kept
        fresh = [sid for sid in rows if sid not in self.rows]  # the first row of an id wins
        if overflow or len(self.rows) + len(fresh) > self.cap:
            self.overflow, self.rows = True, {}
            return True
        for sid in fresh:
            self.rows[sid] = rows[sid]
        return True

    def finish(self) -> Iterable[Finding]:
        self.store[self.run.name] = (
            f"{self.run.name} has more than {self.cap} hard-case rows (max_paired_rows)"
            if self.overflow
            else self.rows
        )
        return ()


class QualityRegression(Rule):
    """What it detects: a candidate whose MAE got worse than the baseline's. Checked
    for `mae_raw` and every `mae_raw_<dim>`, each against `relative_tolerance`. When
    both runs' hard cases hold per-row errors for the same samples (at least
    `min_paired_rows`), the message adds a seeded paired bootstrap interval of the
    per-row difference over those samples; hard cases are each run's worst rows, so
    unless they cover the whole eval set the interval describes the shared hard rows,
    not the eval set. Otherwise the message says the comparison is a point estimate.
    Runs on different target scales are skipped: PRV001 reports them as incomparable.

    Why it matters: a fine-tune that fixes the output format can still predict worse
    values; a per-dimension regression hides inside a flat overall MAE.

    What the planner does: lists each regressed metric with its change and interval; a
    regression whose interval excludes zero is an error and ranks above one the data
    cannot resolve. It proposes no change itself: the dimension rules (QLT002, QLT008)
    name the data fix, and the promotion gate judges `mae_raw`.
    """

    code = "QLT003"
    process_group = "row-quality"
    name = "quality-regression"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "relative_tolerance": Param(
            0.02, "allowed relative increase over the baseline", minimum=0, maximum=10
        ),
        "min_paired_rows": Param(
            5, "shared hard-case samples needed for the bootstrap", type="integer", minimum=2
        ),
        "max_paired_rows": Param(
            5000,
            "a run with more hard-case rows than this is compared by point estimate only",
            type="integer",
            minimum=2,
        ),
        "n_resamples": Param(
            2000, "bootstrap resamples", type="integer", minimum=100, maximum=100000
        ),
        "confidence": Param(
            0.95, "two-sided bootstrap coverage", exclusive_minimum=0, maximum=0.999
        ),
        "seed": Param(0, "bootstrap random seed", type="integer", minimum=0),
    }

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, float]] | str] = {}

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _PairRows | None:
        if run.name not in (ctx.campaign.baseline, ctx.campaign.candidate):
            return None
        return _PairRows(self.rows, run, ctx.params["max_paired_rows"])

    def check_pair(self, baseline: Run, candidate: Run, ctx: RuleContext) -> Iterator[Finding]:
        sb, sc = baseline.provenance.target_scale, candidate.provenance.target_scale
        if sb is not None and sc is not None and sb != sc:
            return  # incomparable: PRV001's finding
        paired, why_not = self._paired(baseline, candidate, ctx)
        keys = ["mae_raw"] + [DIM_PREFIX + d for d in dimension_metrics(candidate)]
        for key in keys:
            yield from self._compare(key, baseline, candidate, paired, why_not, ctx)

    def _paired(
        self, baseline: Run, candidate: Run, ctx: RuleContext
    ) -> tuple[list[tuple[dict[str, float], dict[str, float]]], str]:
        b, c = self.rows.get(baseline.name), self.rows.get(candidate.name)
        for run, rows in ((baseline, b), (candidate, c)):
            if isinstance(rows, str):
                return [], rows
            if not rows:
                return [], f"no per-row errors in the hard cases of {run.name}"
        if not isinstance(b, dict) or not isinstance(c, dict):
            return [], "no per-row errors"
        for field in ("dataset_version", "eval_path"):
            vb, vc = getattr(baseline.provenance, field), getattr(candidate.provenance, field)
            if vb is not None and vc is not None and vb != vc:
                return [], f"sample ids are not comparable ({field} {vb} vs {vc})"
        shared = sorted(set(b) & set(c))
        if len(shared) < ctx.params["min_paired_rows"]:
            return [], (
                f"only {len(shared)} samples shared by both runs' hard cases "
                f"(< {ctx.params['min_paired_rows']})"
            )
        return [(b[s], c[s]) for s in shared], ""

    def _compare(
        self,
        key: str,
        baseline: Run,
        candidate: Run,
        paired: list[tuple[dict[str, float], dict[str, float]]],
        why_not: str,
        ctx: RuleContext,
    ) -> Iterator[Finding]:
        p = ctx.params
        b, c = baseline.metric(key), candidate.metric(key)
        if b is None or c is None:
            return
        delta = c - b
        if delta <= 0 or delta <= p["relative_tolerance"] * abs(b):
            return
        rel = delta / b if b > 0 else math.inf
        pct = f"{rel:+.1%}" if math.isfinite(rel) else "from 0"
        m: dict[str, Any] = {
            "metric": key,
            "baseline": b,
            "candidate": c,
            "delta": delta,
            "relative_delta": rel,
            "tolerance": p["relative_tolerance"],
            "method": "point_estimate",
        }
        pairs = [(x[key], y[key]) for x, y in paired if key in x and key in y]
        severity = None
        if len(pairs) >= p["min_paired_rows"]:
            ci = bootstrap_mean_diff(
                [x for x, _ in pairs],
                [y for _, y in pairs],
                paired=True,
                n_resamples=p["n_resamples"],
                confidence=p["confidence"],
                seed=p["seed"],
            )
            size = candidate.provenance.eval_size
            scope = (
                "the whole eval set"
                if size and len(pairs) >= size
                else f"{len(pairs)} samples in both runs' hard cases (worst rows only)"
            )
            stat = (
                f"paired bootstrap over {scope}: {ci.point:+.4g}, "
                f"{p['confidence']:.0%} CI [{ci.low:+.4g}, {ci.high:+.4g}]"
            )
            m.update(
                method="paired_bootstrap",
                n_paired=len(pairs),
                paired_mean_diff=ci.point,
                ci_low=ci.low,
                ci_high=ci.high,
                confidence=p["confidence"],
            )
            severity = Severity.ERROR if ci.low > 0 else None
        else:
            reason = why_not or f"only {len(pairs)} shared rows report {key}"
            stat = f"point estimate only: {reason}"
        evidence = [e for e in (candidate.metric_evidence(key), baseline.metric_evidence(key)) if e]
        yield ctx.finding(
            candidate,
            f"{key} {g(c)} vs baseline {baseline.name} {g(b)}: {delta:+.4g} ({pct}), beyond "
            f"the {p['relative_tolerance']:.0%} tolerance; {stat}",
            anchor=key,
            evidence=evidence,
            measurements=m,
            severity=severity,
        )
