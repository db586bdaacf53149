"""FMT007 format-regression: The candidate's json_valid_rate is worse than the baseline's."""

from __future__ import annotations

from collections.abc import Iterator

from ftlint.analysis.stats import newcombe_diff_interval, two_proportion_ztest
from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, RuleContext
from ftlint.rules.format._actions import top_class_action
from ftlint.rules.format._common import RATE_EPS, TalliedRule, failure_rate

# -- FMT007 ------------------------------------------------------------------------------


class FormatRegression(TalliedRule):
    """What it detects: the candidate's json_valid_rate is worse than the baseline's.
    Judged with the eval sizes (parse_error_rate when json_valid_rate is missing): a
    one-sided two-proportion z-test
    at `alpha` on the failure counts (round(rate x eval_size)), with the Newcombe
    interval of the difference at the matching confidence (1 - 2 alpha). Significant:
    error; worse but not significant, or sizes unknown (point estimate only): info.

    Why it matters: a format regression blocks promotion whatever the loss or MAE say,
    because every extra failure is a request without an answer; judging it with the
    sample sizes keeps one unlucky row from blocking a good adapter.

    What the planner does: tier 1 process: keep the baseline adapter (the rollback
    target) and block the candidate until the rate is back within the gate's margin,
    fixing the candidate's largest failure class first (FMT003); the knobs the
    candidate changed are listed as the suspects.
    """

    code = "FMT007"
    name = "format-regression"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    params = {
        "alpha": Param(
            0.05, "one-sided significance level of the test", exclusive_minimum=0, maximum=0.5
        ),
        "margin": Param(
            0.01,
            "non-inferiority margin of the hold/rollback action (the gate's default)",
            minimum=0,
            maximum=1,
        ),
    }

    def check_pair(self, baseline: Run, candidate: Run, ctx: RuleContext) -> Iterator[Finding]:
        f1, f2 = failure_rate(baseline), failure_rate(candidate)
        if f1 is None or f2 is None or f2 <= f1 + RATE_EPS:
            return
        both_valid = all(r.metric("json_valid_rate") is not None for r in (baseline, candidate))
        key = "json_valid_rate" if both_valid else "parse_error_rate"

        def shown(rate: float) -> float:
            return 1.0 - rate if key == "json_valid_rate" else rate

        n1, n2 = baseline.provenance.eval_size, candidate.provenance.eval_size
        alpha = float(ctx.params["alpha"])
        verb = "fell" if key == "json_valid_rate" else "rose"
        meas: dict[str, object] = {
            "metric": key,
            "baseline": shown(f1),
            "candidate": shown(f2),
            "n_baseline": n1,
            "n_candidate": n2,
            "alpha": alpha,
        }
        if n1 and n2:
            x1, x2 = round(f1 * n1), round(f2 * n2)
            if x2 / n2 <= x1 / n1:
                return
            z, p = two_proportion_ztest(x1, n1, x2, n2, "greater")
            conf = 1.0 - 2.0 * alpha
            if key == "json_valid_rate":
                ci = newcombe_diff_interval(n1 - x1, n1, n2 - x2, n2, conf)
            else:
                ci = newcombe_diff_interval(x1, n1, x2, n2, conf)
            c1 = x1 if key == "parse_error_rate" else n1 - x1
            c2 = x2 if key == "parse_error_rate" else n2 - x2
            significant = p < alpha
            verdict = (
                f"one-sided p={p:.2g} < {g(alpha)}"
                if significant
                else f"one-sided p={p:.2g} >= {g(alpha)}: not resolved at these sample sizes"
            )
            message = (
                f"{key} {verb} from {g(c1 / n1)} ({c1}/{n1}) in {baseline.name} to "
                f"{g(c2 / n2)} ({c2}/{n2}) in {candidate.name}: difference {ci.point:+.4g} "
                f"({100 * conf:.0f}% Newcombe interval {ci.low:+.3f} to {ci.high:+.3f}), {verdict}"
            )
            meas.update(
                diff=round(ci.point, 6),
                ci_low=round(ci.low, 6),
                ci_high=round(ci.high, 6),
                confidence=conf,
                z=round(z, 4),
                p=p,
                failures_baseline=x1,
                failures_candidate=x2,
            )
            severity = Severity.ERROR if significant else Severity.INFO
        else:
            message = (
                f"{key} {verb} from {g(shown(f1))} in {baseline.name} to {g(shown(f2))} in "
                f"{candidate.name} (difference {shown(f2) - shown(f1):+.4g}): eval sizes "
                "unknown, point estimate only, not tested"
            )
            meas["diff"] = round(shown(f2) - shown(f1), 6)
            severity = Severity.INFO
        changed = _changed_knobs(baseline, candidate, ctx)
        meas["changed_env"] = changed
        evidence = [e for e in (candidate.metric_evidence(key), baseline.metric_evidence(key)) if e]
        yield ctx.finding(
            candidate,
            message,
            anchor=f"{baseline.name}:{key}",
            evidence=evidence,
            measurements=meas,
            actions=[
                self._hold(
                    baseline, candidate, key, shown(f1), changed, float(ctx.params["margin"])
                ),
                *top_class_action(self.tally(candidate)),
            ],
            severity=severity,
        )

    def _hold(
        self,
        baseline: Run,
        candidate: Run,
        key: str,
        base: float,
        changed: dict[str, list[str]],
        margin: float,
    ) -> Action:
        adapter = baseline.provenance.adapter or baseline.name
        suspects = ", ".join(
            f"{k} {a or 'unset'} -> {b or 'unset'}" for k, (a, b) in changed.items()
        )
        higher = key == "json_valid_rate"
        limit = base - margin if higher else base + margin
        return Action(
            tier=1,
            kind="process",
            text=f"Keep {adapter} as the serving adapter and hold {candidate.name} until its "
            f"{key} is back within {g(margin)} of {g(base)}",
            why="the candidate's output format regressed"
            + (f"; it changed {suspects}" if suspects else ""),
            expected=f"{key} of the next candidate {'>=' if higher else '<='} {g(limit)}",
            rollback_trigger=f"{key} {'<' if higher else '>'} {g(limit)}: roll back to {adapter}",
        )


def _changed_knobs(baseline: Run, candidate: Run, ctx: RuleContext) -> dict[str, list[str]]:
    """Knob env vars whose values differ between the two runs' job commands."""
    identity = {"HF_FT_OUTPUT_MODEL_ID", "EVAL_LOCAL_ADAPTER_MODEL_ID", "HF_FT_RUN_NAME"}
    names = sorted({n for ns in ctx.knobs.values() for n in ns} - identity)
    out: dict[str, list[str]] = {}
    for name in names:
        a, b = baseline.env.get(name), candidate.env.get(name)
        if a != b and (a or b):
            out[name] = [a or "", b or ""]
    return out
