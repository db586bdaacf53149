"""FMT005 trailing-text: Text around a JSON object."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ftlint.model import Category, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._actions import (
    eos_action,
    greedy_action,
    prompt_contract_action,
    stop_action,
)
from ftlint.rules.format._common import SAMPLES_PARAM, Sampler, ids, severity_by_rate
from ftlint.rules.format._views import (
    RowView,
    after_object,
    block_views,
    is_choice,
    release_block,
    view_row,
)

# -- FMT005 ------------------------------------------------------------------------------


class TrailingText(Rule):
    """What it detects: text around a JSON object: prose or a second object after it, or
    a markdown fence. Counts failed rows, and apart from them the
    rows that parsed although prose or a fence surrounds the object (fragile: they
    parse only because the extractor is lenient).

    Why it matters: the model does not stop after the object, so whether a row parses
    depends on the extractor and on where the cap cuts; repeated objects mean EOS is
    never produced after the answer, which also wastes tokens and latency.

    What the planner does: tier 2 decode: stop after the first complete object and
    check that EOS is produced (and not masked in training labels); tier 2 prompt:
    "exactly one JSON object, nothing else"; tier 2 decode: greedy decoding
    (temperature 0) for a diagnostic eval. Fragile rows alone are info.
    """

    code = "FMT005"
    name = "trailing-text"
    category = Category.FORMAT
    default_severity = Severity.WARNING
    params = {
        "error_rate": Param(
            0.02, "failed rows / eval size from which the finding is an error", minimum=0
        ),
        "max_samples": SAMPLES_PARAM,
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _TrailingVisitor:
        return _TrailingVisitor(run, ctx)


class _TrailingVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.kinds: Counter[str] = Counter()
        self.fragile: Counter[str] = Counter()
        self.samples = Sampler(int(ctx.params["max_samples"]))

    def row(self, case: HardCase) -> None:
        if is_choice(case):
            return  # a label then text is FMT003's run_on, not text around an object
        view = view_row(case, self.run)
        shape = view.shape
        if shape is None or not (shape.trailing_text or shape.fenced or view.fragile):
            return
        self._around(case, view)

    block_done = staticmethod(release_block)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`), from the block's
        shared views."""
        views = block_views(self, cases, self.run)
        if views is None:
            return
        for case, view in zip(cases, views, strict=True):
            shape = view.shape
            if shape is not None and (shape.trailing_text or shape.fenced or view.fragile):
                self._around(case, view)

    def _around(self, case: HardCase, view: RowView) -> None:
        """A row with text around its object (or fenced): counted by kind."""
        kind = _kind(case, view)
        if view.failed:
            if kind == "leading prose":
                return  # the writer's extractor tolerates leading prose
            self.kinds[kind] += 1
            self.samples.add("failed", case)
        else:
            self.fragile[kind] += 1
            self.samples.add("fragile", case)

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.kinds, self.fragile, self.samples.cases

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        kinds, fragile, cases = state
        self.kinds.update(kinds)
        self.fragile.update(fragile)
        self.samples.merge(cases)
        return True

    def finish(self) -> Iterator[Finding]:
        failed, fragile = sum(self.kinds.values()), sum(self.fragile.values())
        if not failed and not fragile:
            return
        run, ctx = self.run, self.ctx
        parts = []
        if failed:
            parts.append(
                f"{failed} failed completion(s) have text around the object: {_kinds(self.kinds)}"
            )
        if fragile:
            parts.append(f"{fragile} parsed completion(s) are fragile: {_kinds(self.fragile)}")
        cases = self.samples.get("failed") + self.samples.get("fragile")
        sample_ids = ids(cases)
        why = "; ".join(parts)
        actions = [stop_action(why), prompt_contract_action(run, why), greedy_action(why)]
        if self.kinds["repeated object"] or self.fragile["repeated object"]:
            actions.insert(
                1, eos_action("repeated objects: the model does not emit EOS after the object")
            )
        yield ctx.finding(
            run,
            f"{why}; samples {', '.join(sample_ids)}",
            anchor="trailing-text",
            evidence=[c.evidence for c in cases],
            measurements={
                "failed": failed,
                "fragile": fragile,
                "failed_kinds": dict(sorted(self.kinds.items())),
                "fragile_kinds": dict(sorted(self.fragile.items())),
                "sample_ids": sample_ids,
            },
            actions=actions,
            severity=severity_by_rate(failed, run, float(ctx.params["error_rate"]))
            if failed
            else Severity.INFO,
        )


def _kind(case: HardCase, view: RowView) -> str:
    shape = view.shape
    assert shape is not None
    if shape.trailing_text and shape.first_object_span is not None:
        rest = after_object(case.generated_text or "", shape)
        return "repeated object" if rest.startswith("{") else "prose after"
    if shape.fenced:
        return "markdown fence"
    return "leading prose"


def _kinds(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
