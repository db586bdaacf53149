"""PRV001 incomparable-pair: A baseline and candidate that were not measured the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftlint.model import (
    Action,
    Category,
    Evidence,
    Finding,
    Run,
    Severity,
)
from ftlint.rule import Rule, RuleContext
from ftlint.rules.provenance._common import field_evidence

#: The fields a valid quality comparison needs equal, and the knob that sets each.
PAIR_FIELDS = {
    "dataset_version": "dataset_version",
    "eval_path": "eval_dataset_path",
    "eval_size": None,
    "target_scale": "target_scale",
    "target_keys": None,
    "objective": None,
}


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
            name, current = ctx.env_value(run, knob)
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
