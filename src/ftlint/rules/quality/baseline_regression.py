"""QLT010 baseline-regression: A run's metric worse than the baseline logged for the
same metric, beyond tolerance and beyond the noise of its sample."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ftlint import frozen
from ftlint.analysis.stats import wilson_interval
from ftlint.model import Action, Campaign, Category, Evidence, Finding, Metric, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.vocabulary import direction, resolve, spec_for

PREFIX = "baseline/"
#: score names the vocabulary has no direction for but that are accuracies (strict and
#: lenient scorers of a generation eval): higher is better
HIGHER_SUFFIXES = ("_strict", "_lenient", "_acc", "_em")


def way_of(name: str) -> str | None:
    """ "higher" or "lower" is better for `name`, or None when nothing says."""
    way = direction(name)
    if way is None and name.endswith(HIGHER_SUFFIXES):
        return "higher"
    return way


@frozen
class Gap:
    """One metric of a run compared with its baseline value."""

    metric: str
    value: Metric
    baseline: Metric
    higher: bool
    worse: float  # how much worse, in the metric's units (> 0 is worse)
    allowed: float  # the tolerance it had to exceed (margin or noise)


def _is_rate(name: str, *values: float) -> bool:
    spec = spec_for(name)
    if spec is not None:
        return spec.kind == "rate"
    return way_of(name) == "higher" and all(0.0 <= v <= 1.0 for v in values)


def compare(name: str, value: Metric, base: Metric, n: int | None, ctx: RuleContext) -> Gap | None:
    """A Gap when `value` is worse than `base` beyond tolerance, else None. Rates: an
    absolute `rate_margin`, widened to the Wilson half-width of the run's rate when
    the eval size is known; other metrics: a relative `tolerance`."""
    way = way_of(name)
    if way is None:
        return None
    higher = way == "higher"
    worse = (base.value - value.value) if higher else (value.value - base.value)
    if worse <= 0:
        return None
    if _is_rate(name, value.value, base.value):
        allowed = float(ctx.params["rate_margin"])
        if n is not None and n > 0:
            k = min(n, max(0, round(value.value * n)))
            allowed = max(allowed, wilson_interval(k, n, 0.95).half_width)
    else:
        allowed = float(ctx.params["tolerance"]) * abs(base.value)
    if worse <= allowed:
        return None
    return Gap(name, value, base, higher, worse, allowed)


def logged_baselines(run: Run) -> Iterator[tuple[str, Metric, Metric]]:
    """(metric name, the run's value, the logged baseline) for every `baseline/<key>`
    whose metric the run also has (under its canonical or its own name)."""
    for key in sorted(run.metrics):
        if not key.startswith(PREFIX) or len(key) == len(PREFIX):
            continue
        rest = key[len(PREFIX) :]
        name = resolve(rest).canonical
        value = run.metrics.get(name) or run.metrics.get(rest)
        if value is not None:
            yield (name if name in run.metrics else rest), value, run.metrics[key]


def comparable(a: Run, b: Run) -> bool:
    """Same eval: every provenance field both runs state agrees, and at least one is
    stated (unknown eval sets are never compared)."""
    stated = 0
    for field in ("dataset_version", "eval_path", "target_scale", "eval_size"):
        x, y = getattr(a.provenance, field), getattr(b.provenance, field)
        if x is None or y is None:
            continue
        if x != y:
            return False
        stated += 1
    return stated > 0


class BaselineRegression(Rule):
    """What it detects: a run's metric worse than a baseline value for the same metric.
    The baseline is a `baseline/<metric>` value the run logged itself (a W&B summary's
    `baseline/val/loss`, `baseline/<task>_strict`), or a reference-mode run of the same
    campaign (`reference_modes`: the prompt baseline by default) measured on the same eval
    (dataset version, eval path, scale and size agree where both state them; compared on
    `metrics`). Worse means beyond tolerance: for rates by more than `rate_margin`
    absolute and more than the Wilson half-width of the run's rate at its eval size;
    for other metrics by more than `tolerance` relative.

    Why it matters: a fine-tuned adapter that scores below the baseline it was meant to
    beat (the base model, a prompt-only run, the previous release) is a regression,
    whatever its other numbers say; promoting it makes the product worse.

    What the planner does: a tier-3 process action: keep the baseline in production and
    compare what changed between the two (data version, prompt, decoding, settings)
    before any tuning; the finding names both values and their evidence.
    """

    code = "QLT010"
    name = "baseline-regression"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "tolerance": Param(0.02, "relative worsening tolerated for non-rate metrics", minimum=0),
        "rate_margin": Param(
            0.01,
            "absolute worsening tolerated for rates (before the sample's noise)",
            minimum=0,
            maximum=1,
        ),
        "reference_modes": Param(
            ["prompt_baseline", "large_baseline", "rule_baseline"],
            "run modes that are baselines for the other runs of the campaign",
            items={"type": "string"},
        ),
        "metrics": Param(
            ["json_valid_rate", "mae_raw", "accuracy", "exact_match", "f1"],
            "metrics compared with a reference-mode run",
            items={"type": "string"},
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        n = run.provenance.eval_size
        for name, value, base in logged_baselines(run):
            gap = compare(name, value, base, n, ctx)
            if gap is not None:
                yield self._finding(run, ctx, [gap], f"its logged {PREFIX}{name}", name)

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        modes = set(ctx.params["reference_modes"])
        refs = [r for r in campaign.runs if r.provenance.mode in modes]
        for run in campaign.runs:
            if run.provenance.mode in modes:
                continue
            for ref in refs:
                if not comparable(run, ref):
                    continue
                gaps = []
                for name in ctx.params["metrics"]:
                    value, base = run.metrics.get(name), ref.metrics.get(name)
                    if value is not None and base is not None:
                        gap = compare(name, value, base, run.provenance.eval_size, ctx)
                        if gap is not None:
                            gaps.append(gap)
                if gaps:
                    what = f"the {ref.provenance.mode} run {ref.name}"
                    yield self._finding(run, ctx, gaps, what, ref.name)

    def _finding(
        self, run: Run, ctx: RuleContext, gaps: list[Gap], against: str, anchor: str
    ) -> Finding:
        parts = [
            f"{gap.metric} {g(gap.value.value)} vs baseline {g(gap.baseline.value)} "
            f"({'lower' if gap.higher else 'higher'} is worse; {g(gap.worse)} worse, "
            f"tolerance {gap.allowed:.3g})"
            for gap in gaps
        ]
        evidence: list[Evidence] = []
        for gap in gaps[:3]:
            evidence += [gap.value.evidence, gap.baseline.evidence]
        return ctx.finding(
            run,
            f"worse than {against}: {'; '.join(parts)}",
            anchor=f"baseline:{anchor}",
            evidence=evidence,
            measurements={
                "against": against,
                "metrics": {
                    gap.metric: {
                        "value": gap.value.value,
                        "baseline": gap.baseline.value,
                        "worse_by": gap.worse,
                        "tolerance": gap.allowed,
                    }
                    for gap in gaps
                },
            },
            actions=[
                Action(
                    tier=3,
                    kind="process",
                    text="keep the baseline in production; diff this run against it (data "
                    "version, prompt and template, decoding, settings) before tuning",
                    why=f"{gaps[0].metric} is worse than the baseline beyond tolerance",
                    expected="the change that caused the regression is found and reverted",
                    rollback_trigger=f"{gaps[0].metric} worse than {g(gaps[0].baseline.value)}",
                )
            ],
        )
