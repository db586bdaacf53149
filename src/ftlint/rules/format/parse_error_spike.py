"""FMT006 parse-error-spike: A jump of parse_error_rate above its running baseline in the
iteration series.
"""

from __future__ import annotations

from collections.abc import Iterable

from ftlint import mutable
from ftlint.analysis.stats import median, robust_z
from ftlint.model import Action, Category, Evidence, Finding, Run, SeriesPoint, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._common import RATE_EPS

# -- FMT006 ------------------------------------------------------------------------------


def point_failure_rate(point: SeriesPoint) -> float | None:
    """parse_error_rate of a series point, else 1 - json_valid_rate."""
    value = point.metrics.get("parse_error_rate")
    if value is None:
        valid = point.metrics.get("json_valid_rate")
        value = None if valid is None else 1.0 - valid
    return value


@mutable
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
    needs = ("curves",)
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
