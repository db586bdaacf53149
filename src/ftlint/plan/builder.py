"""Findings -> the next-run Plan: diagnosis, scoreboard, clusters, tiered actions, overrides.

Pure: it reads a campaign, the findings and the gate report, and returns a frozen
`Plan` that every output format renders without computing anything. The rules:

* Scope: unsuppressed findings of the candidate (pair findings are the candidate's)
  and campaign-wide ones; findings of other runs are only counted.
* Format first: while a format gate fails, or the candidate has an error finding of
  category format, tier-4 (hyperparameter) actions are DEFERRED and quality
  conclusions (quality findings, clusters, gates and scoreboard rows) PROVISIONAL.
* Knob conflicts: when several actions propose different values for one knob, the
  winner is decided by, in order: the lower tier; the more severe finding; the more
  conservative value (the smaller relative change from the candidate's current value;
  when that is unknown, the smaller number; non-numeric values have no order here);
  the rule code (then the value, so the result never depends on input order). Losers
  stay in the plan marked superseded, naming the winner and the deciding criterion.
* Overrides: each winning knob value becomes one line per env variable the knob maps
  to (rules.yaml `knobs:`), with the candidate's current value when known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ftlint.gates.decide import GateReport, Verdict
from ftlint.model import Campaign, Category, Finding, Run
from ftlint.plan.attribution import Cause, attribute, root_sentence, unexplained_sentence
from ftlint.plan.model import (
    KnobConflict,
    Override,
    Plan,
    PlannedAction,
    Proposal,
    format_value,
)
from ftlint.plan.ranking import Item, rank
from ftlint.plan.settings_diff import SettingChange, diff_settings, knob_of, number
from ftlint.plan.summary import clusters, diagnosis, scoreboard


def _same(current: str | None, proposed: str) -> bool:
    if current is None:
        return False
    a, b = number(current), number(proposed)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
    return current.strip() == proposed.strip()


# --------------------------------------------------------------------------- build


def build_plan(
    campaign: Campaign,
    findings: Sequence[Finding],
    knobs: Mapping[str, Sequence[str]],
    gates: GateReport | None,
    *,
    tool_version: str = "",
    workspace: str = ".",
) -> Plan:
    """Rank the findings of the campaign's candidate into the next run's plan."""
    candidate = campaign.get(campaign.candidate)
    if candidate is None:
        raise ValueError("build_plan needs a campaign with a candidate run")
    baseline = campaign.get(campaign.baseline)
    active = [f for f in findings if not f.suppressed]
    scope = [f for f in active if f.run in (candidate.name, None)]
    reasons = _block_reasons(scope, gates)
    blocked = bool(reasons)
    changes = diff_settings(baseline, candidate, knobs) if baseline is not None else []
    causes = attribute(changes, scope, candidate.provenance.eval_size)
    context = {"baseline": baseline, "findings": active}
    actions, conflicts = _actions(scope, blocked, candidate, knobs, causes, context)
    found = clusters(scope, blocked)
    counts = {s: sum(1 for f in scope if f.severity.value == s) for s in ("error", "warning")}
    counts["info"] = sum(1 for f in scope if f.severity.value == "info")
    plan = Plan(
        tool_version=tool_version,
        workspace=workspace,
        baseline=baseline.name if baseline else None,
        candidate=candidate.name,
        selection_note=campaign.selection_note,
        eval_sizes={
            "baseline": baseline.provenance.eval_size if baseline else None,
            "candidate": candidate.provenance.eval_size,
        },
        blocked=blocked,
        block_reasons=tuple(reasons),
        diagnosis=(),
        scoreboard=tuple(scoreboard(baseline, candidate, blocked)),
        clusters=tuple(found),
        actions=tuple(actions),
        overrides=tuple(_overrides(actions, knobs, candidate)),
        conflicts=tuple(conflicts),
        gates=gates,
        counts=counts,
        other_findings=len(active) - len(scope),
        setting_changes=tuple(_change_dict(c, causes) for c in changes),
    )
    return replace(plan, diagnosis=tuple(_diagnosis(plan, scope, causes, changes)))


def _change_dict(change: SettingChange, causes: Sequence[Cause]) -> dict[str, Any]:
    cause = next((c for c in causes if c.change == change), None)
    explains = [f.fingerprint for f in cause.explains] if cause else []
    return {**change.to_dict(), "family": change.family, "explains": explains}


def _diagnosis(
    plan: Plan, scope: Sequence[Finding], causes: Sequence[Cause], changed: Sequence[SettingChange]
) -> list[str]:
    """The root cause in one sentence first, then the details (at most 5 sentences).

    With an explained setting change, its sentence replaces the "dominant failure"
    sentence: it names the same failure and says why it happened. Without one, the
    dominant failure class is the root cause, and the sentence says no change explains it.
    """
    details = diagnosis(plan, scope)
    root = root_sentence(causes[0]) if causes else unexplained_sentence(scope, bool(changed))
    if root is None:
        return details
    rest = [s for s in details if not s.startswith("The dominant failure is")]
    return [root, *rest][:5]


def _block_reasons(scope: Sequence[Finding], gates: GateReport | None) -> list[str]:
    out = []
    if gates is not None:
        out += [
            f"format gate {r.label} {r.verdict.value}"
            for r in gates.results
            if r.category == "format" and r.verdict is Verdict.FAIL
        ]
    out += [
        f"{f.rule} {f.name} error"
        for f in scope
        if f.category is Category.FORMAT and f.severity.value == "error"
    ]
    return list(dict.fromkeys(out))


def _actions(
    scope: Sequence[Finding],
    blocked: bool,
    candidate: Run,
    knobs: Mapping[str, Sequence[str]],
    causes: Sequence[Cause] = (),
    context: Mapping[str, Any] | None = None,
) -> tuple[list[PlannedAction], list[KnobConflict]]:
    merged: dict[tuple[Any, ...], Item] = {}
    for f in scope:
        for a in f.actions:
            key = (a.tier, a.kind, a.knob, format_value(a.value), a.text)
            seen = merged.get(key)
            if seen is not None:
                if f.rule not in seen.action.rules:
                    seen.action = _replace(seen.action, rules=(*seen.action.rules, f.rule))
                seen.findings.append(f)
                continue
            merged[key] = Item(
                PlannedAction(
                    tier=a.tier,
                    kind=a.kind,
                    knob=a.knob,
                    value=a.value,
                    text=a.text,
                    why=a.why,
                    expected=a.expected,
                    rollback_trigger=a.rollback_trigger,
                    rules=(f.rule,),
                    severity=f.severity.value,
                    category=f.category.value,
                    provisional=blocked and f.category is Category.QUALITY,
                ),
                [f],
            )
    ctx = {"candidate": candidate, "knobs": knobs, **(context or {})}
    actions = rank(list(merged.values()), causes, scope, ctx)
    actions, conflicts = _resolve(actions, candidate, knobs)
    if blocked:
        actions = [
            _replace(a, status="deferred", note="deferred until the format gates pass")
            if a.tier == 4 and a.status == "planned"
            else a
            for a in actions
        ]
    return actions, conflicts


def _replace(a: PlannedAction, **changes: Any) -> PlannedAction:
    return replace(a, **changes)


def _resolve(
    actions: list[PlannedAction], candidate: Run, knobs: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[PlannedAction], list[KnobConflict]]:
    groups: dict[str, list[PlannedAction]] = {}
    for a in actions:
        if a.knob and a.value is not None:
            groups.setdefault(a.knob, []).append(a)
    conflicts = []
    losers: dict[int, str] = {}
    for knob, group in sorted(groups.items()):
        values = {format_value(a.value) for a in group}
        if len(values) < 2:
            continue
        names, settings = setting_names(candidate, knob, knobs or {})
        current = next((settings[n] for n in names if n in settings), None)
        ranked = sorted(group, key=lambda a: _conflict_key(a, current))
        winner = ranked[0]
        win_value = format_value(winner.value)
        lost = [a for a in ranked if format_value(a.value) != win_value]
        reasons = tuple(_reason(winner, a, current) for a in lost)
        for a, why in zip(lost, reasons, strict=True):
            losers[id(a)] = f"superseded by {winner.rules[0]}'s {knob} = {win_value} ({why})"
        conflicts.append(
            KnobConflict(
                knob=knob,
                winner=_proposal(winner),
                losers=tuple(_proposal(a) for a in lost),
                reasons=reasons,
            )
        )
    out = [
        _replace(a, status="superseded", note=losers[id(a)]) if id(a) in losers else a
        for a in actions
    ]
    return out, conflicts


def _proposal(a: PlannedAction) -> Proposal:
    return Proposal(
        knob=a.knob or "",
        value=format_value(a.value),
        rule=a.rules[0],
        tier=a.tier,
        severity=a.severity,
        text=a.text,
    )


def _distance(value: str, current: str | None) -> tuple[int, float]:
    """How far a proposal moves the knob: smaller is more conservative.

    Numeric value and current value: the size of the relative change (log ratio).
    Numeric value, current unknown: the value itself (smaller is safer). Otherwise no
    order (the rule code decides). Rounded so equal changes tie exactly.
    """
    v, c = number(value), number(current)
    if v is not None and c is not None:
        if v > 0 and c > 0:
            return (0, round(abs(math.log(v / c)), 9))
        return (0, round(abs(v - c), 9))
    if v is not None:
        return (1, v)
    return (2, 0.0)


def _conflict_key(a: PlannedAction, current: str | None) -> tuple[Any, ...]:
    sev = {"error": 0, "warning": 1, "info": 2}[a.severity]
    value = format_value(a.value)
    return (a.tier, sev, _distance(value, current), a.rules[0], value, a.text)


def _reason(winner: PlannedAction, loser: PlannedAction, current: str | None) -> str:
    if winner.tier != loser.tier:
        return f"lower tier wins: tier {winner.tier} before tier {loser.tier}"
    if winner.severity != loser.severity:
        return f"more severe finding wins: {winner.severity} over {loser.severity}"
    wd = _distance(format_value(winner.value), current)
    ld = _distance(format_value(loser.value), current)
    if wd != ld:
        if wd[0] == 0 and current is not None:
            return f"more conservative value wins: closer to the current {current}"
        return "more conservative value wins: the smaller value"
    return f"rule code order: {winner.rules[0]} before {loser.rules[0]}"


def setting_names(
    candidate: Run, knob: str, knobs: Mapping[str, Sequence[str]]
) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """The names a knob is set by in the candidate's stack, and its current settings.

    A job command's run (`--env` pairs): the env variables of rules.yaml `knobs:`. Any
    other stack (TrainingArguments, LLaMA-Factory YAML, OpenAI hyperparameters, a W&B
    config): the setting names the run recorded for the knob, else the knob's own name
    (`learning_rate`, `max_new_tokens` are the stacks' names too).
    """
    if candidate.env or candidate.stack in ("", "env"):
        return tuple(knobs.get(knob, ())), dict(candidate.env)
    current = {str(k): format_value(v) for k, v in candidate.settings.items()}
    names = tuple(n for n in sorted(current) if knob_of(n, knobs) == knob)
    return names or (knob,), current


def _overrides(
    actions: Sequence[PlannedAction], knobs: Mapping[str, Sequence[str]], candidate: Run
) -> list[Override]:
    out: list[Override] = []
    done: set[str] = set()
    for a in actions:
        if not a.knob or a.value is None or a.status == "superseded" or a.knob in done:
            continue
        done.add(a.knob)
        value = format_value(a.value)
        names, current_of = setting_names(candidate, a.knob, knobs)
        if not names and a.caused_by:
            # a revert of a setting no knob map lists (HF_FT_CHAT_TEMPLATE): its own name
            names = tuple(n for n in a.caused_by.get("names", ()) if n in current_of)
        if not names:
            out.append(Override(None, a.knob, None, value, a.rules[0], a.tier, "unmapped"))
            continue
        for name in names:
            current = current_of.get(name)
            if _same(current, value):
                status = "unchanged"
            else:
                status = "deferred" if a.status == "deferred" else "apply"
            out.append(Override(name, a.knob, current, value, a.rules[0], a.tier, status))
    return out
