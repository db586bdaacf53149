"""`ftlint plan` and `ftlint gate` as plain text (ANSI colors only on a terminal).

Rendering only: every number and verdict comes from the Plan / GateReport. Untrusted
strings (finding messages, sample ids, paths, action texts) go through `clean`, so
control characters cannot drive the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ftlint.gates.decide import GateReport, GateResult
from ftlint.plan.model import (
    TIER_NAMES,
    Cluster,
    Override,
    Plan,
    PlannedAction,
    ScoreRow,
    overrides_title,
)
from ftlint.plan.settings_diff import short
from ftlint.report.text import clean

_STYLE = {
    "PASS": "32",
    "FAIL": "1;31",
    "INCONCLUSIVE": "33",
    "DEFERRED": "33",
    "PROVISIONAL": "33",
    "head": "1",
}


class _Out:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, key: str) -> str:
        if not self.color or key not in _STYLE:
            return text
        return f"\x1b[{_STYLE[key]}m{text}\x1b[0m"

    def add(self, line: str = "") -> None:
        self.lines.append(line.rstrip())

    def head(self, text: str) -> None:
        if self.lines and self.lines[-1]:
            self.add()
        self.add(self.style(text, "head"))

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def fixed(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.4f}" if sign else f"{value:.4f}"


def render_plan_text(
    plan: Plan, *, color: bool = False, quiet: bool = False, campaign: Any = None
) -> str:
    """The plan for a terminal. With `campaign`, the scoreboard ends with a sparkline
    of the candidate's and the baseline's key curve."""
    out = _Out(color)
    title = f"ftlint plan: candidate {clean(plan.candidate)}"
    if plan.baseline:
        title += f" vs baseline {clean(plan.baseline)}"
    out.add(out.style(title, "head"))
    if plan.selection_note and not quiet:
        out.add(clean(plan.selection_note))
    out.head("1. Diagnosis")
    for sentence in plan.diagnosis:
        out.add(f"   {clean(sentence)}")
    _scoreboard(out, plan)
    if campaign is not None:
        _sparklines(out, plan, campaign)
    _clusters(out, plan.clusters)
    _actions(out, plan)
    _overrides(out, plan)
    out.head("6. Promotion gates and rollback criteria")
    if plan.gates is None:
        out.add("   (not evaluated)")
    else:
        gate_lines(out, plan.gates, indent="   ")
    if not quiet and plan.other_findings:
        out.add()
        out.add(
            f"{plan.other_findings} finding(s) on other runs are not part of this plan "
            "(see `ftlint check`)."
        )
    return out.text()


def _scoreboard(out: _Out, plan: Plan) -> None:
    sizes = plan.eval_sizes
    out.head(
        "2. Scoreboard (eval rows: baseline "
        f"{sizes.get('baseline') or '-'}, candidate {sizes.get('candidate') or '-'})"
    )
    width = max([len("metric"), *(len(r.metric) for r in plan.scoreboard)])
    out.add(f"   {'metric'.ljust(width)}  {'baseline':>9}  {'candidate':>9}  {'delta':>9}")
    for row in plan.scoreboard:
        out.add(f"   {_score_line(out, row, width)}")


def _sparklines(out: _Out, plan: Plan, campaign: Any) -> None:
    from ftlint.report.sparkline import run_sparkline

    for role, name in (("candidate", plan.candidate), ("baseline", plan.baseline)):
        run = campaign.get(name) if name else None
        line = run_sparkline(run) if run is not None else ""
        if line:
            out.add(f"   {role} {clean(name)}: {line}")


def _score_line(out: _Out, row: ScoreRow, width: int) -> str:
    line = (
        f"{row.metric.ljust(width)}  {fixed(row.baseline):>9}  {fixed(row.candidate):>9}  "
        f"{fixed(row.delta, sign=True):>9}  {row.change}"
    )
    if row.provisional:
        line += "  " + out.style("PROVISIONAL", "PROVISIONAL")
    return line


def _clusters(out: _Out, clusters: Sequence[Cluster]) -> None:
    out.head("3. Top failure clusters")
    if not clusters:
        out.add("   (none: no finding carries sample-level evidence)")
    for i, c in enumerate(clusters, 1):
        mark = "  " + out.style("PROVISIONAL", "PROVISIONAL") if c.provisional else ""
        out.add(
            f"   {i}) {clean(c.title)}  [{c.severity}, {c.count} "
            f"sample{'s' if c.count != 1 else ''}]{mark}"
        )
        out.add(f"      finding:    {clean(c.message)}")
        out.add(f"      samples:    {clean(', '.join(c.sample_ids)) or '-'}")
        out.add(f"      root cause: {clean(c.root_cause)}")
        tier = f" (tier {c.fix_tier})" if c.fix_tier else ""
        out.add(f"      fix{tier}: {clean(c.fix) or '-'}")
        more = f" (+{c.more_evidence} more)" if c.more_evidence else ""
        out.add(f"      evidence:   {clean(', '.join(c.evidence))}{more}")
        if c.traces:
            out.add(f"      traces:     {clean(', '.join(c.traces))}")
        if c.related:
            out.add(f"      also seen:  {', '.join(c.related)} (same samples)")


def _actions(out: _Out, plan: Plan) -> None:
    out.head("4. Actions (format first: tier 1 -> 4)")
    live = [a for a in plan.actions if a.status != "superseded"]
    if not live:
        out.add("   (no actions proposed)")
    for tier in (1, 2, 3, 4):
        items = [a for a in live if a.tier == tier]
        if not items:
            continue
        head = f"   Tier {tier}: {TIER_NAMES[tier]}"
        if any(a.status == "deferred" for a in items):
            head += "  " + out.style("DEFERRED until the format gates pass", "DEFERRED")
        out.add(head)
        for a in items:
            _action(out, a)
    lost = [a for a in plan.actions if a.status == "superseded"]
    if lost:
        out.add("   Superseded proposals (knob conflicts):")
        for a in lost:
            out.add(f"     - [{', '.join(a.rules)}] {clean(a.text)}: {clean(a.note)}")


def _action(out: _Out, a: PlannedAction) -> None:
    flags = ""
    if a.status == "deferred":
        flags += out.style("DEFERRED", "DEFERRED") + " "
    if a.provisional:
        flags += out.style("PROVISIONAL", "PROVISIONAL") + " "
    out.add(f"     - {flags}{clean(a.text)}  [{', '.join(a.rules)}, {a.kind}]")
    if a.caused_by:
        out.add(f"       caused by:   {clean(change_text(a.caused_by))}")
        if a.note:
            out.add(f"       note:        {clean(a.note)}")
    impact = impact_text(a)
    if impact:
        out.add(f"       fixes:       {clean(impact)}")
    if a.why:
        out.add(f"       why:         {clean(a.why)}")
    if a.expected:
        out.add(f"       expected:    {clean(a.expected)}")
    if a.rollback_trigger:
        out.add(f"       rollback if: {clean(a.rollback_trigger)}")


def change_text(change: Mapping[str, Any]) -> str:
    """`learning_rate 0.00002 -> 0.00005 (HF_FT_LR)`: the setting change an action reverts."""
    names = ", ".join(str(n) for n in change.get("names") or ())
    base = short(change.get("baseline"))
    cand = short(change.get("candidate"))
    return f"{change.get('knob')} {base} -> {cand}" + (f" ({names})" if names else "")


def impact_text(a: PlannedAction) -> str:
    """What an action is expected to fix: rows and the clusters it covers."""
    rows = a.expected_rows_fixed
    head = f"up to {rows} failed row{'s' if rows != 1 else ''}" if rows is not None else ""
    covers = ", ".join(a.covers)
    if covers:
        kind = "generic, covers" if not a.specific else "covers"
        head = f"{head} ({kind} {covers})" if head else f"{kind} {covers}"
    elif not a.specific and a.kind in ("decode", "prompt"):
        head = "generic: proposed for the failure rate as a whole, no cluster of its own"
    return head


def override_line(o: Override) -> str:
    current = clean(o.current) if o.current is not None else "unset"
    return f"{o.name}: {current} -> {clean(o.value)}   ({o.knob}, {o.rule}, tier {o.tier})"


def _overrides(out: _Out, plan: Plan) -> None:
    out.head(f"5. Next-run {overrides_title(plan.overrides)}")
    groups = {
        s: [o for o in plan.overrides if o.status == s]
        for s in ("apply", "deferred", "unchanged", "unmapped")
    }
    if not groups["apply"]:
        out.add("   (no env changes for the next run)")
    for o in groups["apply"]:
        out.add(f"   {override_line(o)}")
    if groups["deferred"]:
        out.add("   " + out.style("Deferred until the format gates pass:", "DEFERRED"))
        for o in groups["deferred"]:
            out.add(f"     {override_line(o)}")
    for o in groups["unchanged"]:
        out.add(f"   already set: {o.name}={clean(o.value)} ({o.knob}, {o.rule})")
    for o in groups["unmapped"]:
        out.add(
            f"   no env variable for knob {o.knob} (= {clean(o.value)}, {o.rule}): "
            "map it under knobs: in rules.yaml"
        )
    for c in plan.conflicts:
        for loser, why in zip(c.losers, c.reasons, strict=True):
            out.add(
                f"   conflict on {c.knob}: {c.winner.rule} {clean(c.winner.value)} wins over "
                f"{loser.rule} {clean(loser.value)} ({why})"
            )


def gate_lines(out: _Out, report: GateReport, *, indent: str = "") -> None:
    width = len("INCONCLUSIVE")
    last = None
    for r in report.results:
        if r.category != last:
            last = r.category
            head = r.category.upper()
            if r.category == "quality" and report.format_blocked:
                head += "  " + out.style("PROVISIONAL: a format gate failed", "PROVISIONAL")
            out.add(f"{indent}{head}")
        out.add(f"{indent}  {_verdict(out, r, width)}  {clean(r.label)}: {clean(r.threshold)}")
        out.add(f"{indent}  {' ' * width}  {clean(r.detail)}")
    if report.not_applicable:
        out.add(f"{indent}NOT APPLICABLE")
    for na in report.not_applicable:
        out.add(f"{indent}  {'n/a':<{width}}  {clean(na.gate_id)}: {clean(na.reason)}")
    out.add(
        f"{indent}Overall: {_word(out, report.overall.value)} {report.summary[len(report.overall.value) :].strip()}"
    )
    if report.decision is not None:
        out.add(f"{indent}Decision: {clean(report.decision.text)}")
    if report.rollback:
        out.add(f"{indent}Rollback criteria:")
        for rb in report.rollback:
            out.add(f"{indent}  - {clean(rb.text)}")
    for note in report.notes:
        out.add(f"{indent}Note: {clean(note)}")


def _word(out: _Out, word: str) -> str:
    return out.style(word, word)


def _verdict(out: _Out, r: GateResult, width: int) -> str:
    return _word(out, r.verdict.value) + " " * (width - len(r.verdict.value))


def render_gate_text(
    report: GateReport, *, selection_note: str = "", color: bool = False, quiet: bool = False
) -> str:
    out = _Out(color)
    if quiet:
        out.add(f"{_word(out, report.overall.value)} {clean(report.candidate or '')}")
        return out.text()
    title = f"ftlint gate: candidate {clean(report.candidate or '-')}"
    if report.baseline:
        title += f" vs baseline {clean(report.baseline)}"
    out.add(out.style(title, "head"))
    if selection_note:
        out.add(clean(selection_note))
    out.add(
        f"Gates: {report.policy_source}; INCONCLUSIVE {report.inconclusive_policy}s; "
        f"absolute minimums: {report.absolute_policy}"
    )
    out.add()
    gate_lines(out, report)
    return out.text()
