"""Format rules over time and across runs: FMT006 (spikes in the iteration series) and
FMT007 (the candidate's format regressed against the baseline, judged with the sample
sizes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ftlint.analysis.stats import median, newcombe_diff_interval, robust_z, two_proportion_ztest
from ftlint.hookspecs import hookimpl
from ftlint.model import Action, Category, Evidence, Finding, Run, SeriesPoint, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format_actions import (
    top_class_action,
)
from ftlint.rules.format_common import (
    RATE_EPS,
    TalliedRule,
    failure_rate,
    g,
)

# -- FMT006 ------------------------------------------------------------------------------


def point_failure_rate(point: SeriesPoint) -> float | None:
    """parse_error_rate of a series point, else 1 - json_valid_rate."""
    value = point.metrics.get("parse_error_rate")
    if value is None:
        valid = point.metrics.get("json_valid_rate")
        value = None if valid is None else 1.0 - valid
    return value


@dataclass
class Spike:
    point: SeriesPoint
    value: float
    baseline: float
    z: float
    history: int
    before: SeriesPoint | None
    peak: float
    recovered: SeriesPoint | None = None


def find_spikes(
    series: Iterable[SeriesPoint],
    *,
    min_z: float,
    min_mad: float,
    min_jump: float,
    min_history: int,
    window: int,
) -> tuple[list[Spike], SeriesPoint | None]:
    """Spike episodes of the failure rate, and the last point with a value.

    A point starts an episode when it is at least `min_jump` above the median of the
    last `window` clean points before it and its robust z against them is at least
    `min_z`. The episode lasts while points stay at least `min_jump` above that
    median; the first point back within the jump recovers it. Points inside an episode
    never enter the baseline history, so a persisting spike cannot become the norm.
    """
    spikes: list[Spike] = []
    clean: list[float] = []
    open_spike: Spike | None = None
    previous: SeriesPoint | None = None
    last: SeriesPoint | None = None
    for point in series:
        value = point_failure_rate(point)
        if value is None:
            continue
        last = point
        if open_spike is not None:
            if value - open_spike.baseline < min_jump - RATE_EPS:
                open_spike.recovered = point
                open_spike = None
                clean.append(value)
            else:
                open_spike.peak = max(open_spike.peak, value)
            previous = point
            continue
        history = clean[-window:] if window > 0 else clean
        if len(history) >= min_history:
            base = median(history)
            z = robust_z(value, history, min_mad)
            if value - base >= min_jump - RATE_EPS and z >= min_z:
                open_spike = Spike(point, value, base, z, len(history), previous, value)
                spikes.append(open_spike)
                previous = point
                continue
        clean.append(value)
        previous = point
    return spikes, last


class ParseErrorSpike(Rule):
    """What it detects: a jump of parse_error_rate above its running baseline in the
    iteration series. A step where parse_error_rate (or 1 - json_valid_rate) exceeds
    the median of the preceding clean evals with a robust z (MAD floored at
    `min_mad`) of at least `min_z` and an absolute jump of at least `min_jump`. A
    spike that recovers is a warning; one that persists to the last eval is an error.

    Why it matters: the format broke during training at a known step, usually while
    the loss kept falling (a too-high learning rate, drift away from the template);
    the final checkpoint inherits a persistent spike, and the checkpoint before it may
    be the one to keep.

    What the planner does: tier 1 process: evaluate the checkpoint of the last eval
    before the spike, compare the hard cases before and after the step to find the
    class that appeared (FMT003), and select checkpoints on parse_error_rate, not on
    loss; hyperparameter causes are left to the training rules (tier 4).
    """

    code = "FMT006"
    name = "parse-error-spike"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    params = {
        "min_z": Param(3.5, "robust z-score of a spike against the preceding evals", minimum=0),
        "min_mad": Param(0.01, "floor of the robust scale (1.4826 x MAD), as a rate", minimum=0),
        "min_jump": Param(
            0.05, "smallest absolute rise over the baseline median", minimum=0, maximum=1
        ),
        "min_history": Param(3, "preceding evals needed before a spike can be judged", minimum=1),
        "window": Param(8, "preceding clean evals in the running baseline (0: all)", minimum=0),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        p = ctx.params
        spikes, last = find_spikes(
            run.series,
            min_z=float(p["min_z"]),
            min_mad=float(p["min_mad"]),
            min_jump=float(p["min_jump"]),
            min_history=int(p["min_history"]),
            window=int(p["window"]),
        )
        for spike in spikes:
            yield self._finding(run, ctx, spike, last)

    def _finding(self, run: Run, ctx: RuleContext, s: Spike, last: SeriesPoint | None) -> Finding:
        step, jump = s.point.step, s.value - s.baseline
        head = (
            f"parse_error_rate jumps to {g(s.value)} at step {step} (median {g(s.baseline)} "
            f"of the {s.history} evals before, +{g(jump)}, robust z {s.z:.1f})"
        )
        evidence: list[Evidence] = [s.point.evidence]
        if s.recovered is not None:
            rec = s.recovered
            tail = f"recovers at step {rec.step} ({g(point_failure_rate(rec) or 0.0)})"
            evidence.append(rec.evidence)
            severity = Severity.WARNING
        else:
            end = last if last is not None else s.point
            tail = (
                f"stays at least {g(float(ctx.params['min_jump']))} above it to the last "
                f"eval (step {end.step}: {g(point_failure_rate(end) or 0.0)}, peak {g(s.peak)})"
            )
            if end is not s.point:
                evidence.append(end.evidence)
            severity = Severity.ERROR
        why = f"{head}; {tail}"
        actions: list[Action] = []
        if s.before is not None:
            before_rate = point_failure_rate(s.before) or 0.0
            actions.append(
                Action(
                    tier=1,
                    kind="process",
                    value=s.before.step,
                    text=f"Evaluate the checkpoint of step {s.before.step} (last eval before "
                    f"the spike, parse_error_rate {g(before_rate)}) if it was saved, and "
                    "compare its hard cases with step "
                    f"{step}'s to find the failure class that appeared (FMT003)",
                    why=why,
                    expected=f"parse_error_rate near {g(s.baseline)}",
                    rollback_trigger=f"parse_error_rate above {g(s.baseline + jump / 2)}",
                )
            )
        if s.recovered is None:
            actions.append(
                Action(
                    tier=1,
                    kind="process",
                    text="Select checkpoints on parse_error_rate (keep the best-format "
                    "checkpoint; stop when it rises more than "
                    f"{g(float(ctx.params['min_jump']))} above its running median), not on loss",
                    why=why,
                    expected="the promoted checkpoint predates the format break",
                )
            )
        return ctx.finding(
            run,
            why,
            anchor=f"step:{step}",
            evidence=evidence,
            measurements={
                "step": step,
                "value": s.value,
                "baseline_median": s.baseline,
                "z": round(s.z, 3),
                "jump": round(jump, 6),
                "history": s.history,
                "peak": s.peak,
                "recovered_step": s.recovered.step if s.recovered else None,
                "last_step": last.step if last else None,
            },
            actions=actions,
            severity=severity,
        )


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


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [ParseErrorSpike, FormatRegression]
