"""Order the plan's actions by what they are expected to fix, one action per root cause.

Rules propose actions independently, so the same fix arrives from several rules and a
generic remedy ("enable constrained decoding") arrives next to the specific one that
explains the failures. This module:

1. turns every explained setting change (`ftlint.plan.attribution.Cause`) into the
   leading action: restore the baseline's value (for a token cap, the larger of the
   baseline's value and the computed budget: a budget is a floor, never a reason to go
   below a value known to work). Proposals on the same knob are absorbed into it;
2. folds pointer actions ("Fix the largest failure class first: X") into the action
   that fixes class X, so a root cause appears once and lists every finding it
   addresses;
3. gives each action the findings it addresses (fingerprints), the failure clusters it
   covers and the rows it is expected to fix: per failure class the largest row count
   any addressing finding reports (FMT003 `unterminated` and FMT004 count the same
   rows), summed over classes;
   (a process action measures, reports or decides: it fixes no rows itself);
4. sorts within a tier: setting reverts first, then a specific action that addresses
   the dominant cluster, then by expected rows, then specific before generic, then by
   cost (env/decode before prompt, process, dataset) and certainty (severity).

An action is generic unless exactly one failure cluster proposes it: a remedy proposed
only by findings without sample evidence (a rate below a threshold) does not know why
rows failed, and one proposed for several classes is nobody's specific fix. (A finding
without samples may also propose a specific fix: constrained decoding is the fix of
`decode_error` rows and the answer of FMT001 to a low rate alike.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from typing import Any

from ftlint import mutable
from ftlint.model import Category, Finding
from ftlint.plan.attribution import Cause, class_units
from ftlint.plan.causes import cause_action
from ftlint.plan.model import CATEGORY_ORDER, PlannedAction

POINTER = re.compile(r"^Fix the largest failure class first: (\w+) ")
COST = {"env": 0, "decode": 1, "prompt": 2, "process": 3, "dataset": 4}
SEVERITY = {"error": 0, "warning": 1, "info": 2}


@mutable
class Item:
    """A merged action while ranking: the action and the findings that propose it."""

    action: PlannedAction
    findings: list[Finding] = field(default_factory=list)
    cause: Cause | None = None
    #: position among the causes (`attribute` orders them: comparability first)
    order: int = 0
    #: decided before pointer actions are folded in (a pointer's metric-level findings
    #: are addressed by the fix, they do not make it generic)
    generic: bool | None = None


def units(f: Finding) -> dict[str, int]:
    """The failure clusters a finding's rows belong to, with their rows: its failure
    classes, else the finding itself when it has sample evidence; {} for a
    metric-level finding."""
    if f.category is Category.FORMAT and (by_class := class_units(f)):
        return by_class
    if f.evidence and any(e.sample_id for e in f.evidence):
        value = f.measurements.get("count")
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        return {f"{f.rule} {f.name}": int(value) if ok else len(f.evidence)}
    return {}


def _rows(findings: Sequence[Finding]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        for u, n in units(f).items():
            out[u] = max(out.get(u, 0), n)
    return out


def dominant_unit(scope: Sequence[Finding]) -> str | None:
    """The largest failure cluster: format clusters first (the output must parse)."""
    rows = _rows(scope)
    fmt = {u for f in scope if f.category is Category.FORMAT for u in units(f)}
    pool = {u: n for u, n in rows.items() if u in fmt} or rows
    if not pool:
        return None
    return sorted(pool.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def rank(
    items: list[Item],
    causes: Sequence[Cause],
    scope: Sequence[Finding],
    context: Mapping[str, Any],
) -> list[PlannedAction]:
    """Absorb, annotate and sort the merged actions (see the module docstring)."""
    lead: list[Item] = []
    for cause in causes:
        same = [i for i in items if i.action.knob == cause.change.knob]
        items = [i for i in items if i not in same]
        action = cause_action(cause, [i.action for i in same], context)
        found = list(cause.explains) + [f for i in same for f in i.findings]
        lead.append(Item(action, _unique(found), cause, len(lead)))
    items = lead + items
    items = _fold_pointers(items)
    dominant = dominant_unit(scope)
    return [_annotate(i, dominant) for i in sorted(items, key=lambda i: _key(i, dominant))]


def _unique(findings: Sequence[Finding]) -> list[Finding]:
    """Findings are not hashable (their measurements are dicts): dedupe by identity."""
    seen: set[int] = set()
    return [f for f in findings if not (id(f) in seen or seen.add(id(f)))]


def _fold_pointers(items: list[Item]) -> list[Item]:
    out = list(items)
    for item in items:
        m = POINTER.match(item.action.text)
        if m is None or item.cause is not None:
            continue
        cls = m.group(1)
        home = next(
            (
                i
                for i in sorted(out, key=lambda i: (i.cause is None, i.action.tier, _cost(i)))
                if i is not item
                and any(cls in class_units(f) for f in i.findings)
                and not _generic(i)
            ),
            None,
        )
        if home is None:
            continue
        out.remove(item)
        home.generic = _generic(home)
        home.findings[:] = _unique([*home.findings, *item.findings])
        home.action = replace(
            home.action, rules=tuple(dict.fromkeys((*home.action.rules, *item.action.rules)))
        )
    return out


def _generic(item: Item) -> bool:
    if item.cause is not None:
        return False
    if item.generic is not None:
        return item.generic
    return len(_rows(item.findings)) != 1


def _cost(item: Item) -> int:
    return COST.get(item.action.kind, 5)


def _expected(item: Item) -> int | None:
    if item.cause is not None and item.cause.family in ("training", "comparability"):
        return item.cause.rows
    if item.action.kind == "process":
        return None  # it measures, reports or decides; it changes no output
    rows = _rows(item.findings)
    return sum(rows.values()) if rows else None


def _key(item: Item, dominant: str | None) -> tuple[Any, ...]:
    a = item.action
    generic = _generic(item)
    on_dominant = dominant is not None and dominant in _rows(item.findings) and not generic
    return (
        a.tier,
        item.order if item.cause is not None else 1_000,
        0 if on_dominant else 1,
        -(_expected(item) or 0),
        1 if generic else 0,
        _cost(item),
        SEVERITY[a.severity],
        CATEGORY_ORDER.get(Category(a.category), 9),
        a.rules[0],
        a.text,
    )


def _annotate(item: Item, dominant: str | None) -> PlannedAction:
    covers = sorted(_rows(item.findings), key=lambda u: (u != dominant, u))
    worst = min(item.findings, key=lambda f: -f.severity.rank, default=None)
    severity = item.action.severity
    if worst is not None and SEVERITY[worst.severity.value] < SEVERITY[severity]:
        severity = worst.severity.value
    return replace(
        item.action,
        severity=severity,
        addresses=tuple(dict.fromkeys(f.fingerprint for f in item.findings if f.fingerprint)),
        expected_rows_fixed=_expected(item),
        covers=tuple(covers),
        specific=not _generic(item),
    )
