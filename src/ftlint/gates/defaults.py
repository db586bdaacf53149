"""Default gates from what the pair measures (used when rules.yaml configures no checks).

A JSON-output regression task, a classifier and a run with only an eval loss need
different gates; one fixed list (json_valid_rate and mae_raw) judged classifiers on a
metric they do not have. So the defaults are derived through the vocabulary:

* output validity: json_valid_rate (reported, or recounted from complete eval rows)
  non-inferior to the baseline and at least 0.98; parse_error_rate non-inferior;
* the task's primary quality metric, the first the pair has of: MAE, MSE (numeric
  targets), accuracy, exact match (closed answers), eval loss (nothing else): each
  non-inferior to the baseline (rates by an absolute margin of 0.01, means and losses
  within 2%).

A validity gate on a metric neither run has is not applicable and listed as such (the
report says why); a metric only one run has stays a gate, INCONCLUSIVE with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftlint import frozen
from ftlint.gates.policy import GatePolicy, GateSpec, checks_to_specs
from ftlint.model import Run

VALIDITY: tuple[dict[str, Any], ...] = (
    {"metric": "json_valid_rate", "direction": "higher", "margin": 0.01},
    {"metric": "parse_error_rate", "direction": "lower", "margin": 0.01},
    {"metric": "json_valid_rate", "direction": "higher", "min": 0.98},
)
#: (metric or name prefix, what it is, threshold) in order of preference. The direction
#: is spelled out: a filtered variant (`exact_match_flexible_extract`, lm-eval's
#: `exact_match,flexible-extract`) is no vocabulary name, and inferring it raised.
PRIMARY: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("mae_raw", "MAE (numeric targets)", {"direction": "lower", "tolerance": 0.02}),
    ("mse_raw", "MSE (numeric targets)", {"direction": "lower", "tolerance": 0.02}),
    ("accuracy", "accuracy (closed answers)", {"direction": "higher", "margin": 0.01}),
    ("exact_match", "exact match (closed answers)", {"direction": "higher", "margin": 0.01}),
    ("eval_loss", "eval loss (no task metric)", {"direction": "lower", "tolerance": 0.02}),
)


@frozen
class NotApplicable:
    """A default gate that does not apply to this pair, and why."""

    gate_id: str
    metric: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.gate_id, "metric": self.metric, "reason": self.reason}


def _names(runs: Sequence[Run]) -> set[str]:
    return {k for r in runs for k in r.metrics}


def primary_metric(runs: Sequence[Run]) -> tuple[str, str, dict[str, Any]] | None:
    """The pair's primary quality metric: the first of PRIMARY either run has (for
    accuracy and exact match also a filtered variant such as exact_match_strict_match)."""
    have = _names(runs)
    for name, what, threshold in PRIMARY:
        if name in have:
            return name, what, threshold
        if name in ("accuracy", "exact_match"):
            variants = sorted(k for k in have if k.startswith(name + "_"))
            if variants:
                return variants[0], what, threshold
    return None


def derive(
    policy: GatePolicy, baseline: Run | None, candidate: Run
) -> tuple[tuple[GateSpec, ...], tuple[NotApplicable, ...]]:
    """The default gates of the pair and the default gates that do not apply to it."""
    runs = [r for r in (baseline, candidate) if r is not None]
    have = _names(runs)
    checks: list[dict[str, Any]] = []
    skipped: list[NotApplicable] = []
    for check in VALIDITY:
        metric = check["metric"]
        kind = "min" if "min" in check else "non-inferiority"
        if metric in have:
            checks.append(dict(check))
        elif not any(s.gate_id == f"{metric}:{kind}" for s in skipped):
            skipped.append(
                NotApplicable(
                    f"{metric}:{kind}",
                    metric,
                    f"neither run has {metric} (no JSON output contract measured or recountable)",
                )
            )
    primary = primary_metric(runs)
    if primary is None:
        skipped.append(
            NotApplicable(
                "primary-quality",
                "",
                "neither run has a primary quality metric (MAE, MSE, accuracy, exact match "
                "or eval loss)",
            )
        )
    else:
        metric, _, threshold = primary
        checks.append({"metric": metric, **threshold})
    specs = checks_to_specs(checks, policy.alpha, policy.absolute) if checks else ()
    return specs, tuple(skipped)
