"""Comparison and provenance rules: do the numbers measure what they claim, on what?
(PRV001 incomparable-pair, PRV002 small-sample, PRV003 fallback-contamination; PRV006
unfinished-run lives in `unfinished.py` and is contributed by this module's hook.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ftlint.analysis.stats import wilson_interval
from ftlint.hookspecs import hookimpl
from ftlint.model import (
    Action,
    Campaign,
    Category,
    Evidence,
    Finding,
    Run,
    Severity,
    Submission,
)
from ftlint.model import pointer as make_pointer
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training import env_value
from ftlint.rules.unfinished import UnfinishedRun

#: Provenance field -> its key in final_metrics.json (first source the loader trusts).
FM_KEYS = {
    "dataset_version": ("dataset_version",),
    "target_scale": ("target_scale", "eval/target_scale"),
    "objective": ("objective",),
    "eval_size": ("valid_examples",),
    "target_keys": ("target_keys",),
    "adapter": ("hub_model_id",),
}
#: Provenance field -> its key in an eval-result JSON.
ER_KEYS = {
    "dataset_version": ("dataset_version",),
    "eval_size": ("evaluated_count",),
    "target_scale": ("metrics/target_scale",),
    "mode": ("mode",),
}
#: Provenance field -> the env var of a (train, eval) submission that carries it.
SUB_ENV = {
    ("train", "dataset_version"): "FT_DATASET_VERSION",
    ("train", "target_scale"): "HF_FT_TARGET_SCALE",
    ("eval", "target_scale"): "EVAL_TARGET_SCALE",
    ("eval", "eval_path"): "EVAL_DATASET_PATH",
}
#: The fields a valid quality comparison needs equal, and the knob that sets each.
PAIR_FIELDS = {
    "dataset_version": "dataset_version",
    "eval_path": "eval_dataset_path",
    "eval_size": None,
    "target_scale": "target_scale",
    "target_keys": None,
    "objective": None,
}


def _lookup(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def field_evidence(run: Run, field: str) -> Evidence | None:
    """Where a run's provenance `field` was read, in the loader's order of trust:
    final_metrics.json, then the eval result, then the job records (training first)."""
    if isinstance(run.final_metrics, Mapping) and run.final_metrics_path:
        for key in FM_KEYS.get(field, ()):
            if _lookup(run.final_metrics, key) not in (None, ""):
                return Evidence(run.final_metrics_path, None, make_pointer(*key.split("/")))
    if isinstance(run.eval_result, Mapping) and run.eval_result_path:
        for key in ER_KEYS.get(field, ()):
            if _lookup(run.eval_result, key) not in (None, ""):
                return Evidence(run.eval_result_path, None, make_pointer(*key.split("/")))
    subs = sorted(run.submissions, key=lambda s: (s.kind != "train", s.evidence.line or 0))
    for sub in subs:
        if field == "eval_path" and sub.kind == "eval" and sub.dataset_path:
            at = "/dataset_path" if sub.raw.get("dataset_path") else "/command"
            return Evidence(sub.evidence.path, sub.evidence.line, at)
        name = SUB_ENV.get((sub.kind, field))
        if name and sub.env.get(name):
            return Evidence(sub.evidence.path, sub.evidence.line, "/command")
    return None


def _comparable(field: str, value: Any) -> Any:
    if field == "target_keys":
        return frozenset(value)
    if field in ("target_scale", "eval_size"):
        return float(value)
    return str(value).strip()


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class IncomparablePair(Rule):
    """What it detects: a baseline and candidate that were not measured the same way.
    They differ in dataset version, eval set (path or size), target scale (a 0..100 run
    against a 0..10 run), target keys or objective. A field unknown on one side is not a
    difference; when no field is known on both sides the pair is reported as
    unverifiable (info).

    Why it matters: every quality comparison of the pair is void: an MAE on 0..10 is ten
    times smaller than the same model's MAE on 0..100, and a different eval set or
    dataset version changes the difficulty. A regression or improvement measured this
    way is an artefact.

    What the planner does: blocks the quality gates of the pair and proposes
    re-evaluating the candidate with the baseline's setting of the differing field
    (the knob's env var set to the baseline's value where one exists).
    """

    code = "PRV001"
    name = "incomparable-pair"
    category = Category.PROVENANCE
    default_severity = Severity.ERROR

    def check_pair(self, baseline: Run, candidate: Run, ctx: RuleContext) -> Iterable[Finding]:
        known_both = 0
        for field, knob in PAIR_FIELDS.items():
            bv = getattr(baseline.provenance, field)
            cv = getattr(candidate.provenance, field)
            if bv is None or cv is None:
                continue
            known_both += 1
            if _comparable(field, bv) == _comparable(field, cv):
                continue
            evidence = [
                ev
                for ev in (field_evidence(baseline, field), field_evidence(candidate, field))
                if ev is not None
            ]
            note = ""
            if field == "target_scale":
                note = f" (metrics on 0..{_show(bv)} vs 0..{_show(cv)})"
            yield ctx.finding(
                candidate,
                f"{field} differs: {_show(bv)} in baseline {baseline.name} vs {_show(cv)} in "
                f"candidate {candidate.name}{note}; quality comparisons of the pair are void",
                anchor=field,
                evidence=evidence,
                measurements={
                    "field": field,
                    "baseline": _show(bv),
                    "candidate": _show(cv),
                    "baseline_run": baseline.name,
                },
                actions=[self._action(candidate, ctx, field, knob, bv)],
            )
        if known_both == 0:
            yield ctx.finding(
                candidate,
                f"cannot verify that {baseline.name} and {candidate.name} are comparable: "
                f"none of {', '.join(PAIR_FIELDS)} is known for both runs",
                anchor="unverifiable",
                evidence=[Evidence(p) for p in (*baseline.sources[:1], *candidate.sources[:1])],
                severity=Severity.INFO,
            )

    @staticmethod
    def _action(run: Run, ctx: RuleContext, field: str, knob: str | None, want: Any) -> Action:
        why = "a quality comparison needs both runs measured on the same eval setting"
        if knob is not None:
            names = ctx.env_names(knob)
            name, current = env_value(run, ctx, knob)
            shown = f"{current} -> {_show(want)}" if current is not None else f"= {_show(want)}"
            label = ", ".join(names) if len(names) > 1 and current is None else (name or knob)
            return Action(
                tier=3,
                kind="env",
                knob=knob,
                value=_show(want),
                text=f"{label}: {shown}",
                why=f"re-evaluate the candidate with the baseline's {field}: {why}",
                expected="PRV001 clean; the pair's quality gates become decidable",
            )
        return Action(
            tier=3,
            kind="process",
            value=_show(want),
            text=f"re-evaluate the candidate with the baseline's {field} ({_show(want)})",
            why=why,
            expected="PRV001 clean; the pair's quality gates become decidable",
        )


def wilson_half_width(p: float, n: int, confidence: float) -> float:
    """Half-width of the Wilson interval at an observed proportion `p` with `n` rows."""
    from statistics import NormalDist  # only when an interval is computed

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def rows_needed(p: float, target: float, confidence: float) -> int:
    """Smallest n whose Wilson half-width at proportion `p` is at most `target`."""
    lo, hi = 1, 2
    while wilson_half_width(p, hi, confidence) > target:
        lo, hi = hi, hi * 2
        if hi > 10**12:
            return hi
    while lo < hi:
        mid = (lo + hi) // 2
        if wilson_half_width(p, mid, confidence) > target:
            lo = mid + 1
        else:
            hi = mid
    return lo


class SmallSample(Rule):
    """What it detects: an eval set too small for the gate to use. The Wilson interval
    (at `confidence`) of `json_valid_rate` given the eval size (`valid_examples` in
    final metrics, `evaluated_count` in an eval result) has a half-width above
    `max_half_width`. The finding reports n, the interval and the rows needed.

    Why it matters: with 80 rows a json_valid_rate of 0.81 is anywhere between 0.71
    and 0.88; a non-inferiority margin of 0.01 cannot be decided on such numbers, so a
    gate either passes noise or blocks on it.

    What the planner does: lists a process action (tier 3): enlarge the eval set to the
    computed number of rows for the target half-width, before trusting any rate gate.
    """

    code = "PRV002"
    name = "small-sample"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "max_half_width": Param(
            0.05,
            "largest acceptable Wilson half-width of json_valid_rate",
            exclusive_minimum=0,
            maximum=0.5,
        ),
        "confidence": Param(
            0.95, "two-sided confidence of the interval", exclusive_minimum=0, maximum=0.999
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        rate = run.metric("json_valid_rate")
        n = run.provenance.eval_size
        if rate is None or n is None or n <= 0:
            return
        confidence, limit = ctx.params["confidence"], ctx.params["max_half_width"]
        k = min(n, max(0, round(rate * n)))
        interval = wilson_interval(k, n, confidence)
        if interval.half_width <= limit:
            return
        needed = rows_needed(rate, limit, confidence)
        evidence = [run.metric_evidence("json_valid_rate")]
        evidence.append(field_evidence(run, "eval_size"))
        yield ctx.finding(
            run,
            f"json_valid_rate {rate:g} ({k}/{n}) has a {confidence:.0%} Wilson interval "
            f"[{interval.low:.3f}, {interval.high:.3f}] (half-width {interval.half_width:.3f}), "
            f"wider than {limit:g}; about {needed} eval rows are needed",
            anchor="json_valid_rate",
            evidence=[e for e in evidence if e is not None],
            measurements={
                "n": n,
                "successes": k,
                "rate": rate,
                "low": interval.low,
                "high": interval.high,
                "half_width": interval.half_width,
                "rows_needed": needed,
            },
            actions=[
                Action(
                    tier=3,
                    kind="process",
                    value=needed,
                    text=f"enlarge the eval set from {n} to at least {needed} rows",
                    why=f"a half-width of {limit:g} on json_valid_rate needs about {needed} rows "
                    f"at a rate of {rate:g}",
                    expected=f"Wilson half-width <= {limit:g}; rate gates become decidable",
                )
            ],
        )


def _bool_value(current: str | None, value: bool) -> str:
    """Write a boolean in the style the run already uses (1/0 or true/false)."""
    if current is not None and current.strip() in ("0", "1"):
        return "1" if value else "0"
    return "true" if value else "false"


def _eval_submissions(run: Run, campaign: Campaign) -> list[Submission]:
    """The eval job records that produced this run's eval: its own, or for an eval-result
    run the successful records with the same mode and adapter id."""
    own = [s for s in run.submissions if s.kind == "eval" and s.exit_code in (None, 0)]
    if own or not isinstance(run.eval_result, Mapping):
        return own
    mode = run.eval_result.get("mode")
    adapter = run.eval_result.get("local_adapter_model_id") or None
    pool = [s for r in campaign.runs for s in r.submissions] + list(campaign.unjoined)
    found = [
        s
        for s in pool
        if s.kind == "eval"
        and s.exit_code in (None, 0)
        and s.mode == mode
        and s.adapter_model_id == adapter
    ]
    return sorted(found, key=lambda s: s.submitted_at or "", reverse=True)[:1]


class FallbackContamination(Rule):
    """What it detects: an eval that did not measure the model under test. Rows answered
    by a fallback model or route (`mistral_fallback_rate` above `max_fallback_rate`,
    `hf_direct_rate` below `min_hf_direct_rate`, in an eval result or final metrics), or
    an eval job whose adapter id (`local_adapter_model_id` / EVAL_LOCAL_ADAPTER_MODEL_ID)
    is not the adapter of the run it is filed under.

    Why it matters: the json_valid_rate and MAE then mix another model's answers into the
    candidate's; a fallback that rescues unparseable outputs hides exactly the format
    failures the candidate must be judged on.

    What the planner does: proposes tier-1 env changes for the eval job: disable the
    fallback (`fallback_enabled` off) and require the direct route (`require_hf_direct`
    on), or point the eval at the right adapter; the run's metrics stay provisional
    until a clean re-eval.
    """

    code = "PRV003"
    name = "fallback-contamination"
    category = Category.PROVENANCE
    default_severity = Severity.ERROR
    params = {
        "max_fallback_rate": Param(
            0.0, "largest acceptable mistral_fallback_rate", minimum=0, maximum=1
        ),
        "min_hf_direct_rate": Param(
            1.0, "smallest acceptable hf_direct_rate", minimum=0, maximum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        yield from self._rates(run, ctx)
        yield from self._adapter(run, ctx)

    def _rates(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        fallback = run.metric("mistral_fallback_rate")
        direct = run.metric("hf_direct_rate")
        parts: list[str] = []
        evidence: list[Evidence] = []
        if fallback is not None and fallback > ctx.params["max_fallback_rate"]:
            parts.append(
                f"mistral_fallback_rate {fallback:g} > {ctx.params['max_fallback_rate']:g}"
            )
            evidence.append(run.metrics["mistral_fallback_rate"].evidence)
        if direct is not None and direct < ctx.params["min_hf_direct_rate"]:
            parts.append(f"hf_direct_rate {direct:g} < {ctx.params['min_hf_direct_rate']:g}")
            evidence.append(run.metrics["hf_direct_rate"].evidence)
        if not parts:
            return
        n = run.provenance.eval_size
        share = fallback if fallback is not None else 1 - (direct or 0.0)
        rows = f" (about {round(share * n)} of {n} rows)" if n else ""
        subs = _eval_submissions(run, ctx.campaign)
        env = subs[0].env if subs else run.env
        evidence += [Evidence(s.evidence.path, s.evidence.line, "/command") for s in subs]
        what = "final eval"
        if isinstance(run.eval_result, Mapping):
            mode = run.eval_result.get("mode")
            adapter = run.eval_result.get("local_adapter_model_id")
            what = f"{mode or 'eval'} eval of {adapter or 'the base model'}"
        yield ctx.finding(
            run,
            f"{what}: {' and '.join(parts)}: rows were answered by a fallback model or "
            f"route{rows}; the eval did not measure the model under test",
            anchor="fallback",
            evidence=evidence,
            measurements={
                "mistral_fallback_rate": fallback,
                "hf_direct_rate": direct,
                "eval_size": n,
            },
            actions=self._actions(env, ctx),
        )

    def _actions(self, env: Mapping[str, str], ctx: RuleContext) -> list[Action]:
        out = []
        for knob, value, why in (
            ("fallback_enabled", False, "no row may be answered by another model"),
            ("require_hf_direct", True, "every row must come from the adapter under test"),
        ):
            names = ctx.env_names(knob)
            name = next((n for n in names if n in env), names[0] if names else knob)
            current = env.get(name) or None
            new = _bool_value(current, value)
            shown = f"{current} -> {new}" if current is not None else f"= {new}"
            out.append(
                Action(
                    tier=1,
                    kind="env",
                    knob=knob,
                    value=new,
                    text=f"{name}: {shown}",
                    why=why,
                    expected="mistral_fallback_rate 0 and hf_direct_rate 1 on the re-eval",
                    rollback_trigger="any eval row answered outside the adapter",
                )
            )
        return out

    def _adapter(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        expected = run.provenance.adapter
        if expected is None and isinstance(run.eval_result, Mapping):
            expected = run.eval_result.get("local_adapter_model_id") or None
        if expected is None:
            return
        for sub in run.submissions:
            if sub.kind != "eval" or sub.exit_code not in (None, 0):
                continue
            if sub.mode not in (None, "fine_tuned") and sub.adapter_model_id is None:
                continue  # a base-model baseline filed under the run: not an adapter eval
            if sub.adapter_model_id == expected:
                continue
            measured = sub.adapter_model_id or "no adapter (the base model)"
            yield ctx.finding(
                run,
                f"eval job measured {measured}, not the run's adapter {expected}; its "
                "metrics do not describe this run",
                anchor=f"adapter:{sub.adapter_model_id}",
                evidence=[Evidence(sub.evidence.path, sub.evidence.line, "/command")],
                measurements={"measured": sub.adapter_model_id, "expected": expected},
                actions=[
                    Action(
                        tier=1,
                        kind="env",
                        value=expected,
                        text=f"EVAL_LOCAL_ADAPTER_MODEL_ID: {sub.adapter_model_id or ''} -> "
                        f"{expected}",
                        why="the eval must load the adapter it reports on",
                        expected="the re-eval's adapter id matches the run",
                    )
                ],
            )


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [IncomparablePair, SmallSample, FallbackContamination, UnfinishedRun]
