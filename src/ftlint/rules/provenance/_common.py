"""Helpers of the provenance rules: where a run's comparison fields come from
(PRV001, PRV002, PRV003) and how load problems become findings (PRV004, PRV005).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ftlint.model import (
    Evidence,
    Finding,
    Problem,
    Run,
    Severity,
)
from ftlint.model import pointer as make_pointer
from ftlint.rule import RuleContext

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


MAX_EVIDENCE = 5


def _grouped(problems: Sequence[Problem]) -> Iterator[tuple[str, list[Problem]]]:
    """Line problems grouped per (file, kind) so a bad 1 GB file is one finding, not 10^6."""
    groups: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    singles: list[Problem] = []
    for p in problems:
        if p.evidence.line:
            groups[(p.evidence.path, p.kind)].append(p)
        else:
            singles.append(p)
    for p in singles:
        yield p.evidence.pointer or p.kind, [p]
    for (path, kind), items in sorted(groups.items()):
        yield f"{kind}:{path}", items


def problem_findings(
    ctx: RuleContext, run: str | None, problems: Sequence[Problem], kinds: set[str]
) -> Iterator[Finding]:
    chosen = [p for p in problems if p.kind in kinds]
    for anchor, items in _grouped(chosen):
        first = items[0]
        if len(items) == 1:
            message = first.message
        else:
            message = (
                f"{first.evidence.path}: {len(items)} bad lines ({first.kind}); "
                f"first at line {first.evidence.line}: {first.message}"
            )
        severity = _severity_for(first)
        yield ctx.finding(
            run,
            message,
            anchor=anchor,
            evidence=[p.evidence for p in items[:MAX_EVIDENCE]],
            measurements={"count": len(items), "kind": first.kind},
            severity=severity,
        )


def _severity_for(problem: Problem) -> Severity | None:
    """Bad lines in a JSONL file lose rows (warning); bad metric values void numbers (error)."""
    if problem.kind in ("malformed", "empty") and problem.evidence.line is not None:
        return Severity.WARNING
    if problem.kind in ("empty", "ambiguous"):  # nothing is wrong in the file: it is unplaced
        return Severity.WARNING
    return None


def all_problems(run: Run, ctx: RuleContext) -> list[Problem]:
    return [*run.problems, *ctx.stream_problems.get(run.name, ())]
