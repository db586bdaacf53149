"""PRV008 duplicate-eval-rows: The same input repeated in an eval file: the effective
eval size is the distinct count."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext


def reference_key(case: HardCase) -> bytes | None:
    """A key of a row's reference (its target object, or its label in a choice-contract
    eval), None when it has none."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=12).digest()


def complete_rows(run: Run) -> bool:
    """The rows streamed are the whole eval (not the top-k hard cases)."""
    if run.hard_cases_path:
        return False
    return bool(run.row_files) and all(getattr(r, "complete", False) for r in run.row_files)


def input_key(text: str) -> bytes:
    """A compact key of an input: whitespace-normalised, hashed (constant memory per row
    whatever the prompt length)."""
    return hashlib.blake2b(
        " ".join(text.split()).encode("utf-8", "replace"), digest_size=12
    ).digest()


class DuplicateEvalRows(Rule):
    """What it detects: the same input repeated as different examples of a run's eval.
    The rows are those of any source (LLaMA-Factory predictions, W&B prediction tables,
    lm-eval samples, generic rows, hard cases); repeated means rows with different ids
    whose inputs are equal after collapsing whitespace. One example read twice (lm-eval
    writes a row per filter under one id) is not a duplicate. Fires when the repeated
    rows are at least `min_repeats` and at least `min_share` of the rows read. Rows of a
    JSON or a choice (closed label set) output contract reach it; free-text evals do not.

    Why it matters: every rate and interval is computed on n rows, but a repeated input
    carries no new evidence; the effective eval size is the distinct count, so the
    intervals are narrower than the data supports and a repeated failure counts twice.
    Repeats usually mean a merge or sampling bug that may also leak eval rows into the
    training data.

    What the planner does: a tier-3 dataset action: deduplicate the eval set (and check
    it against the training set), then recompute the metrics on the distinct rows.
    """

    code = "PRV008"
    name = "duplicate-eval-rows"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_repeats": Param(1, "fewest repeated rows reported", minimum=1),
        "min_share": Param(0.01, "smallest share of repeated rows reported", minimum=0, maximum=1),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _Repeats:
        return _Repeats(self, run, ctx)


class _Repeats:
    """Counts distinct examples and distinct inputs over the streamed rows."""

    def __init__(self, rule: DuplicateEvalRows, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        self.examples: set[tuple[str, str]] = set()
        self.first: dict[bytes, Evidence] = {}
        self.counts: dict[bytes, int] = {}
        self.repeat_evidence: dict[bytes, Evidence] = {}
        self.references: dict[bytes, bytes | None] = {}
        self.conflicting: set[bytes] = set()

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str) or not text.strip():
            return
        ident = case.sample_id if case.sample_id is not None else case.evidence.location()
        example = (case.evidence.path, ident)
        if example in self.examples:
            return  # the same example again (another filter or view of it)
        self.examples.add(example)
        key = input_key(text)
        ref = reference_key(case)
        if key not in self.first:
            self.first[key] = case.evidence
            self.counts[key] = 1
            self.references[key] = ref
            return
        self.counts[key] += 1
        known = self.references.get(key)
        if ref is not None and known is not None and ref != known:
            self.conflicting.add(key)
        self.repeat_evidence.setdefault(key, case.evidence)

    def finish(self) -> Iterable[Finding]:
        rows = len(self.examples)
        distinct = len(self.first)
        repeated = rows - distinct
        p = self.ctx.params
        if rows == 0 or repeated < p["min_repeats"] or repeated / rows < p["min_share"]:
            return []
        worst = max(self.repeat_evidence, key=self.counts.__getitem__)
        copies = self.counts[worst]
        inputs = sum(1 for c in self.counts.values() if c > 1)
        evidence = [self.first[worst], self.repeat_evidence[worst]]
        conflicts = len(self.conflicting)
        clash = f"; {conflicts} of them with different references" if conflicts else ""
        if complete_rows(self.run):
            effect = f"the effective eval size is {distinct}, not {rows}"
            of = f"{rows} eval rows"
        else:
            size = self.run.provenance.eval_size
            effect = "the effective eval size is smaller than " + (
                f"the reported {size}" if size else "the row count"
            )
            of = f"{rows} rows read (the hard cases, not the whole eval)"
        return [
            self.ctx.finding(
                self.run,
                f"{repeated} of {of} repeat an earlier input ({inputs} input(s) occur more "
                f"than once, the most frequent {copies} times{clash}): {effect}",
                anchor="duplicate-eval-rows",
                evidence=evidence,
                measurements={
                    "rows": rows,
                    "distinct_inputs": distinct,
                    "repeated_rows": repeated,
                    "repeated_inputs": inputs,
                    "max_copies": copies,
                    "conflicting_references": conflicts,
                    "complete": complete_rows(self.run),
                },
                actions=[
                    Action(
                        tier=3,
                        kind="dataset",
                        value=distinct,
                        text=f"deduplicate the eval set ({distinct} distinct inputs of {rows} "
                        "rows) and check it against the training set; recompute the metrics"
                        + (
                            f"; resolve the {conflicts} input(s) with different references "
                            "(label noise: one of them is wrong)"
                            if conflicts
                            else ""
                        ),
                        why=f"{repeated} repeated rows add no evidence and count their "
                        "failures twice",
                        expected=f"rates and intervals on the {distinct} distinct rows",
                    )
                ],
            )
        ]
