"""Rate gates on a contested eval size: decided with every size the sources give.

A rate's interval depends on its sample size. When two sources disagree on a run's eval
size (final_metrics.json's valid_examples 80, the W&B summary's evaluated_count 1000),
the size the loader kept first must not decide alone: the gate is decided with the
smallest and the largest size of each run, and keeps its verdict only when every size
gives the same one; otherwise it is INCONCLUSIVE, naming the conflict. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ftlint.gates.policy import GateSpec
from ftlint.gates.results import GateResult, RowResults, Verdict
from ftlint.model import Conflict, Run

Decide = Callable[
    [GateSpec, Run | None, Run, tuple[RowResults, RowResults] | None, bool], GateResult
]


def size_conflict(run: Run) -> tuple[tuple[int, ...], str] | None:
    """(the distinct eval sizes the sources give, a sentence naming them) or None."""
    for conflict in run.conflicts:
        if conflict.field.rsplit(".", 1)[-1] != "eval_size":
            continue
        sizes = sorted({n for n in map(_size, (v for v, _ in conflict.values)) if n})
        if len(sizes) > 1:
            return tuple(sizes), f"{run.name}: {_text(conflict)}"
    return None


def _size(value: object) -> int | None:
    """A positive whole eval size from a number or a numeric string, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, (int, float, str)) else None
    except ValueError:
        return None
    if number is None or not math.isfinite(number) or number < 1 or number != int(number):
        return None
    return int(number)


def _show(value: object) -> str:
    size = _size(value)
    return str(size) if size is not None else repr(value)[:40]


def _text(conflict: Conflict) -> str:
    shown = ", ".join(f"{_show(v)} in {ev.location()}" for v, ev in conflict.values)
    return f"sources disagree on the eval size ({conflict.field}): {shown}"


def sized(decide: Decide) -> Decide:
    """`decide`, over every eval size the sources give for a rate gate's runs."""

    def run(
        spec: GateSpec,
        baseline: Run | None,
        candidate: Run,
        pair: tuple[RowResults, RowResults] | None,
        void: bool,
    ) -> GateResult:
        plain = decide(spec, baseline, candidate, pair, void)
        if not spec.is_rate or plain.method == "none":
            return plain
        absolute = spec.kind in ("min", "max")
        found = [size_conflict(candidate)]
        if baseline is not None and not absolute:
            found.append(size_conflict(baseline))
        if not any(found):
            return plain
        cand_sizes = _ends(found[0], candidate)
        base_sizes = _ends(found[1], baseline) if len(found) > 1 else (None,)
        verdicts = {
            decide(spec, _sized(baseline, b), _sized(candidate, c) or candidate, pair, void).verdict
            for c in cand_sizes
            for b in base_sizes
        }
        why = "; ".join(item[1] for item in found if item)
        if verdicts == {plain.verdict}:
            return replace(plain, detail=f"{plain.detail} ({why}; the verdict holds for each)")
        measurements = dict(plain.measurements)
        measurements["contested"] = [why]
        return replace(
            plain,
            verdict=Verdict.INCONCLUSIVE,
            detail=f"contested evidence: {why}; the verdict depends on which size is true "
            f"(as reported: {plain.detail})",
            measurements=measurements,
        )

    return run


def _ends(found: tuple[tuple[int, ...], str] | None, run: Run | None) -> tuple[int | None, ...]:
    if found is None or run is None:
        return (None,)
    sizes = found[0]
    return (sizes[0], sizes[-1])


def _sized(run: Run | None, size: int | None) -> Run | None:
    if run is None or size is None:
        return run
    return replace(run, provenance=replace(run.provenance, eval_size=size))
