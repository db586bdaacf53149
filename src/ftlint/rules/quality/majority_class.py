"""QLT009 majority-class: Accuracy no better than always answering the most frequent
reference, judged with the sample size."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ftlint.analysis.stats import binom_sf
from ftlint.model import Action, Category, Evidence, Finding, HardCase, Metric, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._views import choice_row

MAX_SHOWN = 60


def first_rate(run: Run, names: Iterable[str]) -> tuple[str, Metric] | None:
    """The run's first metric among `names` (or a filtered variant such as
    `exact_match_strict_match`) with a value in [0, 1]."""
    for wanted in names:
        keys = sorted(
            (
                k
                for k in run.metrics
                if (k == wanted or k.startswith(wanted + "_")) and "stderr" not in k
            ),
            key=lambda k: (k != wanted, k),
        )
        for key in keys:
            if 0.0 <= run.metrics[key].value <= 1.0:
                return key, run.metrics[key]
    return None


def complete_rows(run: Run) -> bool:
    """The streamed rows are the whole eval (never the top-k hard cases)."""
    if run.hard_cases_path:
        return False
    return bool(run.row_files) and all(getattr(r, "complete", False) for r in run.row_files)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


class MajorityClass(Rule):
    """What it detects: accuracy (or exact match) no better than always answering the
    most frequent reference. The reference distribution is counted over the run's
    complete eval rows (a closed set: at most `max_classes` distinct references, at
    least `min_rows` rows); the accuracy is the run's own metric (`metrics`), else
    recounted from the rows (parsed output equal to the reference). It fires when a
    one-sided exact binomial test cannot tell the accuracy from the majority share at
    `alpha`: k correct of n is not significantly more than n x share.

    Why it matters: on a skewed label set a model that always answers the majority
    label scores its share; an accuracy at that level is no evidence that the model
    learned the task, however high it looks, and a gate on it passes a constant.

    What the planner does: tier-3 data and prompt actions before any tuning: balance or
    stratify the training data, show the label set in the prompt, and report per-class
    recall next to accuracy.

    The rows of a JSON output contract (references that are objects) and of a choice
    contract (plain-text labels such as positive/negative/neutral) are both counted: a
    choice row is correct when its answer is exactly its label (a run-on or invalid
    answer is wrong, as an exact-match scorer counts it).
    """

    code = "QLT009"
    name = "majority-class"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "metrics": Param(
            ["accuracy", "exact_match"],
            "accuracy metrics judged, the first the run has",
            items={"type": "string"},
        ),
        "alpha": Param(
            0.05,
            "significance of 'better than the majority share'",
            exclusive_minimum=0,
            maximum=0.5,
        ),
        "min_rows": Param(20, "fewest complete eval rows to judge", minimum=1),
        "max_classes": Param(20, "most distinct references of a closed label set", minimum=2),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _Labels | None:
        return _Labels(self, run, ctx) if complete_rows(run) else None


class _Labels:
    """Counts references (bounded by max_classes) and exact matches over the rows."""

    def __init__(self, rule: MajorityClass, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        self.counts: Counter[str] = Counter()
        self.first: dict[str, Evidence] = {}
        self.seen: set[tuple[str, str]] = set()
        self.rows = 0
        self.correct = 0
        self.open_set = False

    def row(self, case: HardCase) -> None:
        labels = choice_row(case)
        if labels is not None:
            ref, answer = labels
            target: Any = ref
            predicted = answer if case.parse_error is None else None
        else:
            target, predicted = case.target_vector, case.predicted_vector
        if self.open_set or target is None:
            return
        ident = case.sample_id if case.sample_id is not None else case.evidence.location()
        if (case.evidence.path, ident) in self.seen:
            return  # the same example under another filter
        self.seen.add((case.evidence.path, ident))
        key = _key(target)
        if key not in self.counts and len(self.counts) >= self.ctx.params["max_classes"]:
            self.open_set = True  # not a closed label set: say nothing
            return
        self.counts[key] += 1
        self.first.setdefault(key, case.evidence)
        self.rows += 1
        if predicted is not None and _key(predicted) == key:
            self.correct += 1

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        if self.open_set:
            return (True,)
        return False, self.counts, self.first, self.seen, self.rows, self.correct

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        if self.open_set:
            return True  # nothing more is counted
        if state[0]:
            return False  # where the later range gave up depends on what came before
        _, counts, first, seen, rows, correct = state
        fresh = sum(1 for key in counts if key not in self.counts)
        if (
            not self.seen.isdisjoint(seen)
            or len(self.counts) + fresh > self.ctx.params["max_classes"]
        ):
            return False
        self.counts.update(counts)
        for key, ev in first.items():
            self.first.setdefault(key, ev)
        self.seen |= seen
        self.rows += rows
        self.correct += correct
        return True

    def finish(self) -> Iterable[Finding]:
        p = self.ctx.params
        n = self.rows
        if self.open_set or n < p["min_rows"] or len(self.counts) < 2:
            return []
        label, top = self.counts.most_common(1)[0]
        share = top / n
        found = first_rate(self.run, p["metrics"])
        if found is not None:
            name, metric = found
            acc, evidence = metric.value, [metric.evidence]
        else:
            name, acc, evidence = "accuracy (recounted from the rows)", self.correct / n, []
        k = min(n, max(0, round(acc * n)))
        p_value = binom_sf(k, n, share)
        if p_value <= p["alpha"]:
            return []
        shown = label if len(label) <= MAX_SHOWN else label[: MAX_SHOWN - 3] + "..."
        return [
            self.ctx.finding(
                self.run,
                f"{name} {g(acc)} ({k}/{n}) is no better than always answering the most "
                f"frequent reference {shown} ({top}/{n} = {share:.3g}; one-sided binomial "
                f"p = {p_value:.2g}, alpha {p['alpha']:g})",
                anchor="majority-class",
                evidence=[*evidence, self.first[label]],
                measurements={
                    "metric": name,
                    "accuracy": acc,
                    "n": n,
                    "majority_share": share,
                    "majority_count": top,
                    "classes": len(self.counts),
                    "p_value": p_value,
                },
                actions=[
                    Action(
                        tier=3,
                        kind="dataset",
                        text="balance or stratify the training data across the "
                        f"{len(self.counts)} references (the most frequent is {share:.0%} "
                        "of the eval)",
                        why="a model that answers the majority label scores its share",
                        expected="per-class recall above chance for every class",
                    ),
                    Action(
                        tier=2,
                        kind="prompt",
                        text="list the allowed answers in the prompt and report per-class "
                        "recall next to accuracy",
                        why=f"{name} at the majority share says nothing about the task",
                        expected=f"{name} significantly above {share:.3g}",
                    ),
                ],
            )
        ]
