"""QLT005 source-type-concentration: Hard cases over-represented in one `source_type`."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from ftlint import mutable
from ftlint.analysis.stats import binom_sf
from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.model import pointer as make_pointer
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality._common import MAX_EVIDENCE, ROLLBACK, log_addend, merge_tally
from ftlint.vocabulary import as_number

# -- QLT005 -------------------------------------------------------------------------------


_MIX_ITEM = re.compile(r"^\s*([^:=,;]+?)\s*[:=]\s*([-+0-9.eE]+)\s*$")


def parse_mix(value: Any) -> dict[str, float] | None:
    """`"request_text:0.6,rule_prompt:0.4"` or `{"request_text": 0.6, ...}` as shares
    summing to 1 (percentages are normalised too); None when it cannot be read."""
    pairs: list[tuple[str, float | None]] = []
    if isinstance(value, Mapping):
        pairs = [(str(k), as_number(v)) for k, v in value.items()]
    elif isinstance(value, str):
        for part in filter(str.strip, re.split(r"[,;]", value)):
            m = _MIX_ITEM.match(part)
            try:
                pairs.append((m.group(1), as_number(float(m.group(2)))) if m else ("", None))
            except ValueError:
                return None
    if not pairs or any(not k or v is None or v < 0 for k, v in pairs):
        return None
    total = sum(v for _, v in pairs if v is not None)
    return {k: v / total for k, v in pairs if v is not None} if total > 0 else None


def propose_mix(
    mix: Mapping[str, float], hard: Mapping[str, float], step: float, floor: float
) -> dict[str, float]:
    """Move each share `step` of the way toward its hard-case share, keep every type at
    `floor` or more, and round to 2 decimals (the largest share absorbs the rounding)."""
    moved = {t: max(0.0, s + step * (hard.get(t, 0.0) - s)) for t, s in mix.items()}
    total = sum(moved.values()) or 1.0
    moved = {t: v / total for t, v in moved.items()}
    low: set[str] = set()
    while True:  # pin shares under the floor, rescale the rest; at most len(mix) rounds
        low |= {t for t, v in moved.items() if v < floor}
        rest = sum(v for t, v in moved.items() if t not in low)
        room = max(0.0, 1.0 - floor * len(low))
        moved = {t: floor if t in low else v * room / rest for t, v in moved.items()}
        if all(v >= floor - 1e-12 for v in moved.values()) or not rest:
            break
    out = {t: round(v, 2) for t, v in moved.items()}
    top = max(out, key=lambda t: (out[t], t))
    out[top] = round(out[top] + 1.0 - sum(out.values()), 2)
    return out


def format_mix(mix: Mapping[str, float]) -> str:
    return ",".join(f"{t}:{v:g}" for t, v in mix.items())


_MAX_TYPES = 1000  # source types past this many are not counted


@mutable
class _TypeCount:
    count: int = 0
    unparsed: int = 0
    err_sum: float = 0.0
    err_n: int = 0
    evidence: list[Evidence] = field(default_factory=list)


class SourceTypeConcentration(Rule):
    """What it detects: hard cases over-represented in one `source_type`. A type's
    share of the hard cases is compared with its share of the eval set, read from
    `source_type_mix` in final_metrics.json (or the run's `FT_SOURCE_TYPE_MIX`), and
    flagged at `ratio` x that share with at least `min_count` rows; the message adds an
    exact binomial p-value. Without a known mix, a type is flagged when its hard cases'
    mean row MAE is `ratio` x that of the other types' hard cases.

    Why it matters: when one kind of input (e.g. templated rule prompts) fills the
    worst rows, the training mix under-serves it; tuning hyperparameters will not fix
    a data imbalance.

    What the planner does: a tier-3 data action that rebalances the `source_type_mix`
    knob with a concrete mix: each share moves `mix_step` of the way toward its share
    of the hard cases (at least `min_share`), rounded to two decimals.
    """

    code = "QLT005"
    process_group = "row-quality"
    name = "source-type-concentration"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "ratio": Param(
            1.5, "flag a type at >= ratio x its expected share (or mean error)", exclusive_minimum=1
        ),
        "min_count": Param(5, "hard cases of the type needed", type="integer", minimum=1),
        "mix_step": Param(
            0.5,
            "how far the proposed mix moves toward the hard-case shares",
            exclusive_minimum=0,
            maximum=1,
        ),
        "min_share": Param(
            0.05, "smallest share the proposed mix gives a type", minimum=0, maximum=0.5
        ),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _SourceTypeVisitor:
        return _SourceTypeVisitor(run, ctx)


class _SourceTypeVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.types: dict[str, _TypeCount] = {}
        self.log: dict[str, array[float]] | None = None  # `begin_range`: err_sum addends

    def begin_range(self) -> None:
        """In a worker of `--jobs` (`ftlint.rule.MergeableVisitor`): keep each type's MAE
        addends, so the driver adds them to its sums in file order (floats)."""
        self.log, self.logged = {}, 0

    def export_state(self) -> tuple[Any, ...]:
        return self.types, self.log

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        types, log = state
        if log is None or len(types) >= _MAX_TYPES:
            return False  # the later range dropped rows of types past the bound
        for name, later in types.items():
            mine = self.types.get(name)
            if mine is None:
                if len(self.types) < _MAX_TYPES:
                    self.types[name] = later  # its sums started from 0.0, as here
                continue
            merge_tally(mine, later, log.get(name, ()), "evidence")
        return True

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): a row of a type
        already counted, with a finite float MAE (the common row), inline, its MAE
        logged as `row` logs it in a worker's range (`begin_range`); any other row
        through `row`."""
        types, row, log = self.types, self.row, self.log
        for case in cases:
            t = types.get(case.source_type) if case.source_type.__class__ is str else None
            mae = case.mae_raw
            if t is None or mae.__class__ is not float or mae - mae != 0:
                row(case)
                log = self.log  # (`row` drops it at the cap)
                continue
            t.count += 1
            t.unparsed += case.parse_error is not None
            t.err_sum += mae
            t.err_n += 1
            if log is not None:  # (a worker's range: as `row` logs it)
                log_addend(self, case.source_type, mae)
                log = self.log
            if len(t.evidence) < MAX_EVIDENCE:
                t.evidence.append(case.evidence)

    def row(self, case: HardCase) -> None:
        if not isinstance(case.source_type, str) or not case.source_type:
            return
        t = self.types.get(case.source_type)
        if t is None:
            if len(self.types) >= _MAX_TYPES:
                return
            t = self.types[case.source_type] = _TypeCount()
        t.count += 1
        t.unparsed += case.parse_error is not None
        if case.mae_raw is not None and (mae := as_number(case.mae_raw)) is not None:
            t.err_sum += mae
            t.err_n += 1
            if self.log is not None:
                log_addend(self, case.source_type, mae)
        if len(t.evidence) < MAX_EVIDENCE:
            t.evidence.append(case.evidence)

    def _mix(self) -> tuple[dict[str, float] | None, list[Evidence], str]:
        """The eval-set mix, its evidence and its text as written."""
        run = self.run
        raw = (run.final_metrics or {}).get("source_type_mix")
        mix = parse_mix(raw)
        if mix is not None and run.final_metrics_path:
            ev = Evidence(run.final_metrics_path, None, make_pointer("source_type_mix"))
            text = raw if isinstance(raw, str) else ",".join(f"{k}:{v}" for k, v in raw.items())
            return mix, [ev], text
        for name in self.ctx.env_names("source_type_mix"):
            mix = parse_mix(run.env.get(name))
            if mix is not None:
                ev = run.env_sources.get(name)
                return mix, [ev] if ev else [], run.env[name]
        return None, [], ""

    def finish(self) -> Iterator[Finding]:
        p = self.ctx.params
        mix, mix_ev, raw = self._mix()
        if mix is not None:
            known = {t: c for t, c in self.types.items() if t in mix}
            total = sum(c.count for c in known.values())
            if not total:
                return
            hard = {t: known[t].count / total if t in known else 0.0 for t in mix}
            for t, c in sorted(known.items()):
                share, expected = hard[t], mix[t]
                ratio = share / expected if expected > 0 else float("inf")
                if c.count < p["min_count"] or ratio < p["ratio"]:
                    continue
                pvalue = binom_sf(c.count, total, expected) if expected > 0 else 0.0
                proposed = propose_mix(mix, hard, p["mix_step"], p["min_share"])
                yield self._finding(
                    t,
                    c,
                    f"{t} is {c.count} of {total} hard cases ({share:.0%}) but {expected:.0%} "
                    f"of the eval set (source_type_mix): {ratio:.2f}x over-represented "
                    f"(binomial p={pvalue:.2g}); {c.unparsed} of the {c.count} unparsed",
                    mix_ev,
                    {
                        "share": share,
                        "expected_share": expected,
                        "ratio": ratio,
                        "p_value": pvalue,
                        "hard_cases": total,
                    },
                    self._rebalance(raw, proposed, t, expected),
                )
            return
        means = {t: c.err_sum / c.err_n for t, c in self.types.items() if c.err_n}
        for t, c in sorted(self.types.items()):
            others = [o for o in self.types.values() if o is not c and o.err_n]
            if t not in means or not others or c.count < p["min_count"]:
                continue
            ref = sum(o.err_sum for o in others) / sum(o.err_n for o in others)
            ratio = means[t] / ref if ref > 0 else float("inf")
            if ratio < p["ratio"]:
                continue
            yield self._finding(
                t,
                c,
                f"{t} hard cases have mean row MAE {g(means[t])}, {ratio:.2f}x the "
                f"{g(ref)} of the other source types ({c.count} rows; eval-set mix unknown)",
                [],
                {"mean_mae": means[t], "others_mean_mae": ref, "ratio": ratio},
                Action(
                    tier=3,
                    kind="dataset",
                    knob="source_type_mix",
                    text=f"Raise the share of {t} rows in the training mix and record "
                    "source_type_mix in final_metrics.json so the next run can be compared",
                    why=f"{t} inputs are the hardest for the model",
                    expected=f"{t} mean hard-case MAE falls toward {g(ref)}",
                    rollback_trigger=ROLLBACK,
                ),
            )

    def _rebalance(
        self, current: str, proposed: dict[str, float], t: str, expected: float
    ) -> Action:
        new = format_mix(proposed)
        names = self.ctx.env_names("source_type_mix")
        text = (
            "; ".join(f"{n}: {self.run.env.get(n) or current or 'unset'} -> {new}" for n in names)
            if names
            else self.ctx.knob_change(self.run, "source_type_mix", new)
        )
        return Action(
            tier=3,
            kind="dataset",
            knob="source_type_mix",
            value=new,
            text=text,
            why=f"{t} rows are over-represented among the hard cases",
            expected=f"{t}'s share of the hard cases falls toward its {expected:.0%} eval share",
            rollback_trigger=ROLLBACK,
        )

    def _finding(
        self,
        t: str,
        c: _TypeCount,
        message: str,
        ev: list[Evidence],
        m: dict[str, Any],
        action: Action,
    ) -> Finding:
        m = {"source_type": t, "count": c.count, "unparsed": c.unparsed, **m}
        if c.unparsed * 2 >= c.count:
            m["root_cause"] = f"most {t} hard cases are outputs that failed to parse"
        else:
            m["root_cause"] = f"{t} inputs are under-served by the training data"
        return self.ctx.finding(
            self.run,
            message,
            anchor=f"source_type:{t}",
            evidence=[*ev, *c.evidence],
            measurements=m,
            actions=[action],
        )
