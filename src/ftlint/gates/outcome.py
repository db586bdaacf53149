"""What a verdict means for the serving model: promote, or keep the baseline and fix.

Rollback criteria only make sense for something that was promoted: after PASS they say
when to roll back; after FAIL or INCONCLUSIVE nothing is promoted, so the report says
"keep <baseline>" and which gates to fix. What is served is named as the team knows it:
an adapter id, a model id, or "the prompt-only baseline" (an eval of the base model with
a prompt and no fine-tuning); never an unknown adapter.

Also here: output validity recounted from complete eval rows when a run does not report
json_valid_rate, so the validity gates apply to any stack that wrote its rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ftlint.gates.policy import GateSpec, allowance
from ftlint.gates.results import Decision, GateResult, Rollback, RowResults, Verdict, num
from ftlint.model import Evidence, Metric, Run

PROMPT_MODES = ("prompt_baseline", "rule_baseline", "large_baseline")


#: settings and metadata that name the model a run served or evaluated, best first
MODEL_KEYS = (
    "eval_model",
    "adapter_model_id",
    "output_model_id",
    "hub_model_id",
    "model_id",
    "eval/model_id",
    "fine_tuned_model",
)


def _named_model(run: Run) -> str | None:
    for source in (run.settings, run.metadata):
        for key in MODEL_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def served(run: Run) -> str:
    """What serving this run means: its adapter id, else the prompt-only baseline (an
    eval of the base model), else the model its settings name, else its base model id,
    else the run itself."""
    prov = run.provenance
    if prov.adapter:
        return prov.adapter
    named = _named_model(run)
    if (prov.mode or "") in PROMPT_MODES:
        model = prov.base_model or named
        return "the prompt-only baseline" + (f" ({model})" if model else "")
    if named:
        return named
    if prov.base_model and run.kind == "eval":
        return prov.base_model
    return f"the model of run {run.label or run.name}"


def recounted(run: Run, rows: Mapping[str, RowResults]) -> Run:
    """The run with json_valid_rate/parse_error_rate recounted from complete eval rows
    when it reports neither (and its eval size from the rows when unknown)."""
    r = rows.get(run.name)
    if r is None or not r.complete or not r.outcomes or not r.json_contract:
        return run
    if "json_valid_rate" in run.metrics:
        return run
    n = len(r.outcomes)
    valid = sum(1 for ok, _ in r.outcomes.values() if ok)
    ev = Evidence(run.hard_cases_path or run.name, pointer="/recounted")
    metrics = dict(run.metrics)
    metrics["json_valid_rate"] = Metric(valid / n, ev, "recounted from eval rows")
    metrics.setdefault("parse_error_rate", Metric((n - valid) / n, ev, "recounted from eval rows"))
    prov = run.provenance
    if not prov.eval_size:
        prov = replace(prov, eval_size=n)
    return replace(run, metrics=metrics, provenance=prov)


def decision(
    passed: bool, results: Sequence[GateResult], baseline: Run | None, candidate: Run
) -> Decision:
    keep = served(baseline) if baseline is not None else "the model in production"
    target = served(candidate)
    if passed:
        return Decision(
            True,
            target,
            keep,
            (),
            f"promote {target}; roll back to {keep} if a rollback criterion trips",
        )
    order = (Verdict.FAIL, Verdict.INCONCLUSIVE)
    fix = tuple(f"{r.label} ({r.verdict.value})" for v in order for r in results if r.verdict is v)
    text = f"keep {keep}; do not promote {candidate.name}"
    if fix:
        text += (
            "; fix first: "
            + ", ".join(fix[:3])
            + (f" and {len(fix) - 3} more" if len(fix) > 3 else "")
        )
    return Decision(False, target, keep, fix, text)


def rollbacks(specs: Iterable[GateSpec], baseline: Run | None) -> Iterable[Rollback]:
    """Criteria to watch on a promoted candidate: the gates' thresholds, as triggers."""
    adapter = baseline.provenance.adapter if baseline is not None else None
    target = served(baseline) if baseline is not None else "the previous production model"
    seen: set[str] = set()
    for spec in specs:
        base = baseline.metric(spec.metric) if baseline is not None else None
        if spec.kind == "min":
            trigger = f"{spec.metric} below {num(spec.bound)}"
        elif spec.kind == "max":
            trigger = f"{spec.metric} above {num(spec.bound)}"
        elif base is None:
            continue
        else:
            allowed = allowance(spec, base)
            higher = spec.direction == "higher"
            limit = base - allowed if higher else base + allowed
            by_margin = spec.margin is not None and math.isclose(allowed, spec.margin)
            how = (
                f"more than {num(allowed)} {'below' if higher else 'above'}"
                if by_margin
                else f"more than {num((spec.tolerance or 0) * 100)}% "
                f"{'under' if higher else 'over'}"
            )
            trigger = (
                f"{spec.metric} {'below' if higher else 'above'} {num(limit)} "
                f"({how} the baseline's {num(base)})"
            )
        if trigger in seen:
            continue
        seen.add(trigger)
        yield Rollback(
            metric=spec.metric,
            trigger=trigger,
            adapter=adapter,
            text=f"roll back to {target} if {trigger} on the promoted model's next eval",
        )
