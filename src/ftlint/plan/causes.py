"""The leading action for an explained regression: restore (or correct) the changed knob.

The baseline's value is the evidence: it worked, and the baseline's own findings say how
well ("the baseline used 96 and 0 of its rows were cut off"). For a token cap the rules'
computed budget is a floor: the value is the larger of the two, so the plan never
proposes less than a value known to work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ftlint.model import Category, Finding, Run, Severity
from ftlint.plan.attribution import LATE_TRAINING, PROMPT_CLASSES, Cause, class_units, verb
from ftlint.plan.model import PlannedAction, format_value
from ftlint.plan.settings_diff import number, short


def _names(cause: Cause, candidate: Run, knobs: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    mapped = tuple(knobs.get(cause.change.knob, ()))
    settings = {**candidate.settings, **candidate.env}
    known = tuple(n for n in mapped if n in settings) or cause.change.names
    return known or mapped or (cause.change.knob,)


def _value(cause: Cause, proposals: Sequence[PlannedAction]) -> tuple[Any, float | None]:
    base = cause.change.baseline
    if cause.family != "truncation":
        b = number(base)
        if b is not None and base is not None and b.is_integer() and "." not in base:
            return int(b), None
        return base, None
    floor = budget_floor(proposals)
    b = number(base) or 0.0
    best = max(b, floor or 0.0)
    return (int(best) if best.is_integer() else best), floor


def _baseline_rows(
    baseline: Run | None, findings: Sequence[Finding], classes: Sequence[str]
) -> str:
    """How the baseline fared on the failure classes the change causes."""
    if baseline is None:
        return ""
    has_rows = bool(baseline.hard_cases_path or baseline.row_files)
    mine = [f for f in findings if f.run == baseline.name and set(class_units(f)) & set(classes)]
    rows = sum(max((class_units(f).get(c, 0) for f in mine), default=0) for c in classes)
    if not mine and not has_rows:
        return ""
    return f"{rows} of its rows"


def _late(baseline: Run | None, findings: Sequence[Finding]) -> str:
    if baseline is None:
        return ""
    mine = [f for f in findings if f.run == baseline.name and f.rule in LATE_TRAINING]
    if mine:
        return f"the baseline has {len(mine)} late-training finding(s) of its own"
    if baseline.series or baseline.curves:
        return "its eval curve shows no late regression"
    return ""


def cause_action(
    cause: Cause, proposals: Sequence[PlannedAction], context: Mapping[str, Any]
) -> PlannedAction:
    """The revert/correct action of one cause, absorbing the `proposals` on its knob."""
    candidate: Run = context["candidate"]
    baseline: Run | None = context.get("baseline")
    knobs: Mapping[str, Sequence[str]] = context.get("knobs", {})
    findings: Sequence[Finding] = context.get("findings", ())
    ch = cause.change
    value, floor = _value(cause, proposals)
    shown = format_value(value)
    names = _names(cause, candidate, knobs)
    settings = {**{k: format_value(v) for k, v in candidate.settings.items()}, **candidate.env}
    text = "; ".join(f"{n}: {short(settings.get(n))} -> {short(shown)}" for n in names)
    base_shown = short(ch.baseline)
    why = f"the candidate {verb(ch)} {ch.knob} ({base_shown} -> "
    why += f"{short(ch.candidate)}); {cause.detail}"
    family = cause.family
    if family == "truncation":
        text += f" (restore the baseline's {base_shown}"
        if floor is not None:
            text += f"; the computed budget {format_value(floor)} is a floor"
        text += ")"
        seen = _baseline_rows(baseline, findings, ("unterminated",))
        why += f"; the baseline used {base_shown}" + (f" and {seen} were cut off" if seen else "")
        rate = baseline.metric("json_valid_rate") if baseline is not None else None
        expected = (
            f"the {cause.rows} cut-off row(s) close their object; json_valid_rate back "
            f"toward the baseline's {format_value(rate) if rate is not None else 'rate'}"
        )
    elif family == "training":
        text += " (revert to the baseline's value)"
        late = _late(baseline, findings)
        why += f"; the baseline trained with {base_shown}" + (f" and {late}" if late else "")
        expected = "the late-training decline disappears; the best eval step is the last again"
    elif family == "comparability":
        text += " (evaluate the candidate on the baseline's setting, or re-evaluate both)"
        why += f"; the baseline was evaluated with {base_shown}"
        expected = "one eval setting for both runs, so regression findings and gates mean something"
    else:
        text += " (revert the prompt/template change)"
        seen = _baseline_rows(baseline, findings, PROMPT_CLASSES)
        why += f"; the baseline used {base_shown}" + (
            f" and {seen} failed this way" if seen else ""
        )
        expected = f"the {cause.rows} wrapped or prose row(s) parse again"
    worst = worst_severity(cause.explains)
    category = min(
        (f.category for f in cause.explains),
        key=lambda c: {Category.FORMAT: 0, Category.PROVENANCE: 1}.get(c, 2),
        default=Category.FORMAT,
    )
    rules = tuple(dict.fromkeys((*[f.rule for f in cause.explains], *_rules(proposals))))
    note = ""
    others = sorted({format_value(p.value) for p in proposals} - {shown})
    if others:
        note = f"absorbs the rules' proposal(s) {', '.join(others)} on {ch.knob}"
    return PlannedAction(
        tier=1,
        kind="env",
        knob=ch.knob,
        value=value,
        text=text,
        why=why,
        expected=expected,
        rollback_trigger="the same failures remain with the baseline's value: the change was "
        "not the cause; go to the next action",
        rules=rules or ("PLAN",),
        severity=worst.value,
        category=category.value,
        note=note,
        caused_by=ch.to_dict(),
    )


def _rules(actions: Sequence[PlannedAction]) -> list[str]:
    return [r for a in actions for r in a.rules]


def budget_floor(proposals: Sequence[PlannedAction]) -> float | None:
    """The largest computed value among the absorbed proposals (a token budget)."""
    nums = [v for a in proposals if (v := number(format_value(a.value))) is not None]
    return max(nums) if nums else None


def worst_severity(findings: Sequence[Finding]) -> Severity:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.WARNING)
