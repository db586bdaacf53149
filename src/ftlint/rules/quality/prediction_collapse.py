"""QLT008 prediction-collapse: Near-constant or one-sided predictions for a dimension, over the
parsed hard cases; for a closed label set, a class never predicted or one class dominating.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ftlint.analysis.stats import binom_sf
from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._views import choice_row, has_choice, release_block
from ftlint.rules.quality._common import ROLLBACK, shared_collector

#: distinct labels counted per run (a choice contract has at most 20; more: stop counting)
MAX_LABELS = 64
#: rows cited per class
CITED = 3

# -- QLT008 -------------------------------------------------------------------------------


class PredictionCollapse(Rule):
    """What it detects: near-constant or one-sided predictions for a dimension, over
    the parsed hard cases. Collapse: the standard deviation of the predicted values is
    below `std_fraction` x target_scale while the targets vary more than that. Bias:
    the mean signed error (predicted - target) exceeds `bias_fraction` x target_scale
    in magnitude and at least `sign_share` of the rows err on that side. Both need
    `min_rows` rows. Rows with a `parse_error` are excluded: the pipeline scores them
    with a mid-scale placeholder vector, which would fake a collapse. Hard cases are
    the worst rows, so a bias here may be stronger than on the whole eval set; the
    message gives the row count and a sign-test p-value.

    For classification-style outputs (the eval rows of a choice contract: a closed
    label set such as positive/negative/neutral), with at least `min_class_rows` rows
    whose answer names a label: a class with at least `min_class_refs` references that
    is never predicted, when never answering it is unlikely by chance ((1 - its
    reference share)^n <= `alpha`); and a class whose share of the predictions exceeds
    its share of the references by at least `dominant_excess`, significantly (one-sided
    exact binomial test at `alpha`). Invalid answers are left out of the predictions
    (FMT003 counts them); a run-on answer counts as the label it starts with.

    Why it matters: a dimension the model predicts as a constant (or always too low)
    was not learnt from the input: typically missing, constant or skewed labels in the
    training data for that dimension. A classifier that never answers a class or
    answers one class for most inputs has learnt the label prior, not the task: its
    accuracy tracks the majority share (QLT009) and the missing class has zero recall.

    What the planner does: a tier-3 data action per dimension: add training rows that
    cover the range the model misses and check that dimension's label distribution;
    per class: targeted training rows for the classes never predicted, and rebalancing
    (downsample the dominant class or upsample the others) for a dominant one.
    """

    code = "QLT008"
    process_group = "row-quality"  # shares ctx.shared with the other row-quality rules
    name = "prediction-collapse"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "std_fraction": Param(
            0.02, "collapse when prediction std < this x target_scale", minimum=0, maximum=1
        ),
        "bias_fraction": Param(
            0.1, "bias when |mean predicted - target| > this x scale", minimum=0, maximum=1
        ),
        "sign_share": Param(0.8, "share of rows erring on the bias side", minimum=0.5, maximum=1),
        "min_rows": Param(8, "parsed hard cases needed", type="integer", minimum=2),
        "min_class_rows": Param(
            20, "choice rows with a label answer needed to judge classes", minimum=2
        ),
        "min_class_refs": Param(
            3, "references a class needs before 'never predicted' is judged", minimum=1
        ),
        "dominant_excess": Param(
            0.25,
            "prediction share minus reference share from which a class dominates",
            exclusive_minimum=0,
            maximum=1,
        ),
        "alpha": Param(
            0.01, "significance of a missing or dominant class", exclusive_minimum=0, maximum=0.5
        ),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _CollapseVisitor:
        return _CollapseVisitor(run, ctx)


class _CollapseVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.collector, self.feeder = shared_collector(run, ctx)
        self.classes = _Classes()

    def row(self, case: HardCase) -> None:
        labels = choice_row(case)
        if labels is not None:
            self.classes.add(case, *labels)
            return
        self.feeder.row(case)

    block_done = staticmethod(release_block)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): without a choice
        row, the whole block to the shared collector in one call."""
        if has_choice(cases):
            for case in cases:
                self.row(case)
            return
        self.feeder.row_batch(cases)

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`): the collector's sums
        too when this visitor feeds it."""
        feeds = self.feeder is self.collector
        return self.classes, self.collector.export_state() if feeds else None

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        classes, dims = state
        if not self.classes.mergeable(classes):
            return False
        feeds = dims is not None and self.feeder is self.collector
        if feeds and not self.collector.merge_state(dims):
            return False
        self.classes.merge(classes)
        return True

    def finish(self) -> Iterator[Finding]:
        yield from _class_findings(self.classes, self.run, self.ctx)
        p, scale = self.ctx.params, self.run.provenance.target_scale
        if not scale:
            return
        for dim, s in self.collector.dims.items():
            if s.n < p["min_rows"]:
                continue
            base = {
                "dim": dim,
                "count": s.n,
                "unparsed_excluded": self.collector.unparsed,
                "pred_mean": s.pred_mean,
                "pred_std": s.pred_std,
                "target_mean": s.tgt_mean,
                "target_std": s.tgt_std,
                "bias": s.bias,
            }
            floor = p["std_fraction"] * scale
            if s.pred_std < floor <= s.tgt_std:
                yield self._finding(
                    dim,
                    "collapse",
                    s,
                    f"{dim} predictions are near-constant over {s.n} parsed hard cases: std "
                    f"{g(s.pred_std)} around {g(s.pred_mean)} (< {g(floor)} = "
                    f"{g(p['std_fraction'])} x scale {g(scale)}) while the targets vary "
                    f"(std {g(s.tgt_std)})",
                    {**base, "threshold": floor},
                    f"{dim} spanning 0..{g(scale)} and check that its training labels are not "
                    "constant or missing",
                )
            limit = p["bias_fraction"] * scale
            side = s.neg if s.bias < 0 else s.pos
            if abs(s.bias) > limit and side >= p["sign_share"] * s.n:
                word = "under" if s.bias < 0 else "over"
                pvalue = min(1.0, 2 * binom_sf(side, s.n, 0.5))
                yield self._finding(
                    dim,
                    "bias",
                    s,
                    f"{dim} is {word}-predicted in {side} of {s.n} parsed hard cases: mean "
                    f"error {s.bias:+.4g} (predicted {g(s.pred_mean)} vs target "
                    f"{g(s.tgt_mean)}; |bias| > {g(limit)} = {g(p['bias_fraction'])} x scale "
                    f"{g(scale)}; sign test p={pvalue:.2g})",
                    {**base, "threshold": limit, "same_side": side, "p_value": pvalue},
                    f"{'high' if s.bias < 0 else 'low'} {dim} targets (the model answers "
                    f"{g(s.pred_mean)} on average where {g(s.tgt_mean)} is right) and check "
                    f"the training labels of {dim} for a skew",
                )

    def _finding(
        self, dim: str, kind: str, s: Any, message: str, m: dict[str, Any], rows: str
    ) -> Finding:
        return self.ctx.finding(
            self.run,
            message,
            anchor=f"{kind}:{dim}",
            evidence=s.evidence(),
            measurements={"kind": kind, **m},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add training rows with {rows}",
                    why=f"the model does not track {dim} from the input",
                    expected=f"{kind} of {dim} gone; mae_raw_{dim} falls",
                    rollback_trigger=ROLLBACK,
                )
            ],
        )


# -- classes of a choice contract ---------------------------------------------------------


class _Classes:
    """Reference and prediction counts per label of a choice eval (bounded labels)."""

    def __init__(self) -> None:
        self.refs: Counter[str] = Counter()
        self.preds: Counter[str] = Counter()
        self.by_ref: dict[str, list[Evidence]] = {}
        self.wrong_as: dict[str, list[Evidence]] = {}
        self.answered = 0
        self.overflow = False

    def mergeable(self, later: _Classes) -> bool:
        """A later range's classes merge exactly unless a bound was reached on the way."""
        if self.overflow:
            return True  # nothing more is counted
        fresh = sum(1 for ref in later.refs if ref not in self.refs)
        return not later.overflow and len(self.refs) + fresh <= MAX_LABELS

    def merge(self, later: _Classes) -> None:
        if self.overflow:
            return
        self.refs.update(later.refs)
        self.preds.update(later.preds)
        for mine, theirs in ((self.by_ref, later.by_ref), (self.wrong_as, later.wrong_as)):
            for key, cited in theirs.items():
                kept = mine.setdefault(key, [])
                kept += cited[: max(0, CITED - len(kept))]
        self.answered += later.answered

    def add(self, case: HardCase, ref: str | None, answer: str | None) -> None:
        if ref is None or self.overflow:
            return
        if ref not in self.refs and len(self.refs) >= MAX_LABELS:
            self.overflow = True  # not a closed label set after all: judge nothing
            return
        self.refs[ref] += 1
        cited = self.by_ref.setdefault(ref, [])
        if len(cited) < CITED:
            cited.append(case.evidence)
        if answer is None or case.parse_error not in (None, "run_on"):
            return
        self.answered += 1
        self.preds[answer] += 1
        if answer != ref:
            wrong = self.wrong_as.setdefault(answer, [])
            if len(wrong) < CITED:
                wrong.append(case.evidence)


def _class_findings(c: _Classes, run: Run, ctx: RuleContext) -> Iterator[Finding]:
    p = ctx.params
    n, total = c.answered, sum(c.refs.values())
    if c.overflow or n < p["min_class_rows"] or len(c.refs) < 2:
        return
    alpha = float(p["alpha"])
    base = {"answered": n, "rows": total, "classes": len(c.refs)}
    missing = []
    for label, refs in sorted(c.refs.items()):
        share = refs / total
        if c.preds[label] == 0 and refs >= p["min_class_refs"] and (1 - share) ** n <= alpha:
            missing.append((label, refs, share))
    if missing:
        names = ", ".join(label for label, _, _ in missing)
        shown = "; ".join(
            f"{lab}: {r}/{total} references ({share:.0%})" for lab, r, share in missing
        )
        chance = max((1 - share) ** n for _, _, share in missing)
        yield ctx.finding(
            run,
            f"class(es) never predicted in {n} answered eval rows: {shown} (chance of never "
            f"answering it at its reference share <= {chance:.2g}, alpha {alpha:g})",
            anchor="class-missing:" + names,
            evidence=[ev for label, _, _ in missing for ev in c.by_ref.get(label, [])][:6],
            measurements={
                "kind": "class-missing",
                **base,
                "missing": [label for label, _, _ in missing],
                "reference_counts": {label: r for label, r, _ in missing},
                "p_value": chance,
            },
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add targeted training rows of the class(es) {names} (varied "
                    "inputs, correct labels) and check their share of the training labels",
                    why=f"the model never answers {names} although the eval holds "
                    f"{sum(r for _, r, _ in missing)} such references",
                    expected=f"recall of {names} above zero; per-class recall reported",
                    rollback_trigger="accuracy on the other classes falls by more than the "
                    "QLT003 tolerance",
                )
            ],
        )
    for label, k in c.preds.most_common():
        pred_share, ref_share = k / n, c.refs[label] / total
        if pred_share - ref_share < float(p["dominant_excess"]) - 1e-9:
            continue
        p_value = binom_sf(k, n, ref_share)
        if p_value > alpha:
            continue
        yield ctx.finding(
            run,
            f"class {label} dominates the predictions: {k} of {n} answered eval rows "
            f"({pred_share:.0%}) against {c.refs[label]}/{total} references ({ref_share:.0%}); "
            f"one-sided binomial p={p_value:.2g}",
            anchor=f"class-dominant:{label}",
            evidence=c.wrong_as.get(label, [])[:CITED] or c.by_ref.get(label, [])[:CITED],
            measurements={
                "kind": "class-dominant",
                **base,
                "class": label,
                "predicted": k,
                "predicted_share": round(pred_share, 4),
                "reference_share": round(ref_share, 4),
                "p_value": p_value,
            },
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Rebalance the training labels: downsample {label} or upsample the "
                    "other classes, and add rows of the classes it is confused with",
                    why=f"{label} is answered for {pred_share:.0%} of inputs but is "
                    f"{ref_share:.0%} of the references: the model learnt the prior",
                    expected=f"{label} predicted near its reference share; per-class recall "
                    "up for the others",
                    rollback_trigger="accuracy falls by more than the QLT003 tolerance",
                )
            ],
        )
