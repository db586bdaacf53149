"""The descriptive half of the plan: scoreboard, failure clusters and diagnosis sentences.

Pure functions of the candidate's findings and the runs; `ftlint.plan.builder.build_plan`
assembles them. Clusters are findings with sample-level evidence, ranked by severity
then size (`measurements["count"]`, else the number of evidence items); a finding of
the same category whose samples are mostly those of a chosen cluster is folded into
it as related. The diagnosis is 3 to 5 sentences with the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ftlint.gates.decide import Verdict, num, signed
from ftlint.model import Category, Finding, Run
from ftlint.plan.model import CATEGORY_ORDER, Cluster, Plan, ScoreRow
from ftlint.vocabulary import lower_is_better

SCORE_METRICS = ("json_valid_rate", "parse_error_rate", "mae_raw")
LABEL_KEYS = ("failure_class", "class", "template", "source_type", "dimension", "dim", "dims")
MAX_SAMPLES = 5
MAX_REFS = 5
MAX_TRACES = 3
TOP_CLUSTERS = 3


def scoreboard(baseline: Run | None, candidate: Run, blocked: bool) -> list[ScoreRow]:
    keys = list(SCORE_METRICS)
    present = set(candidate.metrics) | (set(baseline.metrics) if baseline else set())
    dims = sorted(k for k in present if k.startswith("mae_raw_"))
    order = [f"mae_raw_{d}" for d in (candidate.provenance.target_keys or ())]
    keys += [k for k in order if k in dims] + [k for k in dims if k not in order]
    rows = []
    for key in keys:
        b = baseline.metric(key) if baseline else None
        c = candidate.metric(key)
        delta = round(c - b, 10) if b is not None and c is not None else None
        change = ""
        if delta is not None:
            if math.isclose(delta, 0.0, abs_tol=1e-12):
                change = "same"
            else:
                better = delta < 0 if lower_is_better(key) else delta > 0
                change = "better" if better else "worse"
        rows.append(ScoreRow(key, b, c, delta, change, blocked and key.startswith("mae")))
    return rows


def _count(f: Finding) -> int:
    value = f.measurements.get("count")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    return len(f.evidence)


def _samples(f: Finding) -> list[str]:
    """The finding's sample ids: its measured list first, then its evidence, deduplicated."""
    listed = f.measurements.get("sample_ids")
    ids = [str(s) for s in listed if s is not None] if isinstance(listed, (list, tuple)) else []
    ids += [e.sample_id for e in f.evidence if e.sample_id]
    return list(dict.fromkeys(ids))


def _label(f: Finding) -> str:
    for key in LABEL_KEYS:
        value = f.measurements.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, (list, tuple)) and value:
            return ", ".join(str(v) for v in value)
    return ""


def clusters(scope: Sequence[Finding], blocked: bool) -> list[Cluster]:
    """The top clusters: findings with sample-level evidence, by severity then count.

    Format first: while a format gate fails (`blocked`), format clusters rank above
    every other, because quality clusters are provisional until outputs parse.

    A finding of the same category whose samples are mostly (>= half) those of a
    cluster already chosen describes the same failure from another angle (FMT004
    truncation vs FMT003 `unterminated`): it is folded into that cluster as related.
    """
    sampled = [f for f in scope if _samples(f)]
    sampled.sort(
        key=lambda f: (
            0 if blocked and f.category is Category.FORMAT else 1,
            -f.severity.rank,
            -_count(f),
            CATEGORY_ORDER.get(f.category, 9),
            f.rule,
            f.fingerprint,
        )
    )
    chosen: list[tuple[Finding, set[str], list[str]]] = []
    for f in sampled:
        ids = set(_samples(f))
        home = next(
            (c for c in chosen if c[0].category is f.category and len(ids & c[1]) * 2 >= len(ids)),
            None,
        )
        if home is not None:
            if f.rule not in home[2] and f.rule != home[0].rule:
                home[2].append(f.rule)
            continue
        if len(chosen) < TOP_CLUSTERS:
            chosen.append((f, ids, []))
    return [_cluster(f, related, blocked) for f, _, related in chosen]


def _cluster(f: Finding, related: Sequence[str], blocked: bool) -> Cluster:
    label = _label(f)
    by_tier = sorted(f.actions, key=lambda a: a.tier)
    cause = f.measurements.get("root_cause")
    if not isinstance(cause, str) or not cause:
        cause = next((a.why for a in by_tier if a.why), f.message)
    refs = list(dict.fromkeys(e.location() for e in f.evidence))
    traces = list(dict.fromkeys(e.url for e in f.evidence if e.url))
    return Cluster(
        title=f"{f.rule} {f.name}" + (f": {label}" if label else ""),
        rule=f.rule,
        severity=f.severity.value,
        category=f.category.value,
        count=_count(f),
        sample_ids=tuple(_samples(f)[:MAX_SAMPLES]),
        root_cause=cause,
        fix=by_tier[0].text if by_tier else "",
        fix_tier=by_tier[0].tier if by_tier else None,
        evidence=tuple(refs[:MAX_REFS]),
        traces=tuple(traces[:MAX_TRACES]),
        more_evidence=max(0, len(refs) - MAX_REFS),
        message=f.message,
        provisional=blocked and f.category is Category.QUALITY,
        related=tuple(related),
    )


# --------------------------------------------------------------------------- diagnosis


def _dominant(scope: Sequence[Finding]) -> Finding | None:
    """The most severe finding of the most basic category (format before quality ...)."""
    if not scope:
        return None
    return min(
        scope,
        key=lambda f: (
            -f.severity.rank,
            CATEGORY_ORDER.get(f.category, 9),
            bool(_samples(f)),  # the metric-level symptom first; clusters name the cause
            -_count(f),
            f.rule,
            f.fingerprint,
        ),
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def diagnosis(plan: Plan, scope: Sequence[Finding]) -> list[str]:
    n = plan.eval_sizes
    sizes = f"{num(n['candidate']) if n['candidate'] else 'an unknown number of'}"
    counts = plan.counts
    tally = (
        f"{len(scope)} finding{'s' if len(scope) != 1 else ''} apply to it "
        f"({counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, "
        f"{counts.get('info', 0)} info)"
    )
    if plan.baseline:
        base_n = num(n["baseline"]) if n["baseline"] else "unknown"
        first = (
            f"Candidate {plan.candidate} was compared with baseline {plan.baseline} on "
            f"{sizes} vs {base_n} eval rows; {tally}"
        )
    else:
        first = f"Candidate {plan.candidate} was analysed without a baseline ({sizes} eval rows); {tally}"
    out = [_sentence(first)]
    top = _dominant(scope)
    if top is None:
        out.append("No rule found a problem with the candidate.")
    else:
        out.append(
            _sentence(
                f"The dominant failure is {top.rule} {top.name} ({top.category.value}): "
                f"{top.message}"
            )
        )
    out.append(_format_sentence(plan, scope))
    if plan.clusters:
        c = plan.clusters[0]
        out.append(
            _sentence(
                f"The largest failure cluster is {c.title} with {c.count} "
                f"sample{'s' if c.count != 1 else ''}; likely root cause: {c.root_cause}"
            )
        )
    if plan.gates is not None:
        out.append(_sentence(f"Promotion verdict: {plan.gates.summary}"))
    return out[:5]


def _format_sentence(plan: Plan, scope: Sequence[Finding]) -> str:
    errors = sorted(
        {f.rule for f in scope if f.category is Category.FORMAT and f.severity.value == "error"}
    )
    rows = {r.metric: r for r in plan.scoreboard}
    jv = rows.get("json_valid_rate")
    numbers = ""
    if jv is not None and jv.candidate is not None:
        numbers = f"json_valid_rate {num(jv.candidate)}"
        if jv.baseline is not None and jv.delta is not None:
            numbers += f" vs {num(jv.baseline)} ({signed(jv.delta)})"
    if plan.blocked:
        parts = []
        gates = [
            r.label
            for r in (plan.gates.results if plan.gates else ())
            if r.category == "format" and r.verdict is Verdict.FAIL
        ]
        if gates:
            parts.append(
                f"{len(gates)} format gate{'s' if len(gates) != 1 else ''} fail "
                f"({', '.join(gates)})"
            )
        if errors:
            shown = ", ".join(errors[:3])
            if len(errors) > 3:
                shown += f" and {len(errors) - 3} more"
            parts.append(f"{shown} report format errors")
        lead = "Output format blocks promotion: " + " and ".join(parts)
        lead += f"; {numbers}" if numbers else ""
        return (
            f"{lead}; tier-4 hyperparameter actions are deferred and quality conclusions "
            "are provisional until the format gates pass."
        )
    if numbers:
        return f"The output format holds ({numbers}), so quality conclusions stand."
    return "No format metrics are available, so format reliability is unverified."
