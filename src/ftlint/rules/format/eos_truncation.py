"""FMT004 eos-truncation: Completions cut off before the JSON object closed."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ftlint.model import Action, Category, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._actions import eos_action, max_new_tokens_action, no_preamble_action
from ftlint.rules.format._common import (
    BUDGET_PARAMS,
    SAMPLES_PARAM,
    Sampler,
    TokenBudget,
    ids,
    severity_by_rate,
)
from ftlint.rules.format._views import RowView, block_digest, is_choice, release_block, view_row

# -- FMT004 ------------------------------------------------------------------------------


class EosTruncation(Rule):
    """What it detects: completions cut off before the JSON object closed. A completion
    is truncated when an object opened and never closed (and none closed before it), or
    when prose with no object stops mid-word near the max_new_tokens cap. Texts of 600+
    characters were cut by the eval writer, not the model, and are reported apart.

    Why it matters: a cut object is a lost row however good the values were; the fix
    is a token budget computed from the data, or EOS/pad-token handling when the cut
    happens far below the cap (the model or the stop criteria ended it early).

    What the planner does: tier 1: `max_new_tokens` (HF_FT_GENERATION_MAX_NEW_TOKENS,
    EVAL_LOCAL_MAX_NEW_TOKENS) set to ceil(token_headroom x the estimated tokens of the
    longest needed completion) rounded up to token_multiple, at least current +
    token_multiple: the longest complete completion, and for each truncated one the
    offset of its object plus the longest complete object (chars / chars_per_token);
    tier 2: drop the prose preamble when truncated completions start with prose, and
    check EOS and pad-token handling (tier 1 when lengths are far below the cap).
    """

    code = "FMT004"
    name = "eos-truncation"
    category = Category.FORMAT
    default_severity = Severity.WARNING
    params = {
        **BUDGET_PARAMS,
        "near_cap_ratio": Param(
            0.85,
            "prose with no object that ends mid-word at or above this fraction of the cap "
            "counts as cut at the cap",
            minimum=0,
        ),
        "error_rate": Param(
            0.02, "truncated rows / eval size from which the finding is an error", minimum=0
        ),
        "max_samples": SAMPLES_PARAM,
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _TruncationVisitor:
        return _TruncationVisitor(run, ctx)


class _TruncationVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.caps = ctx.knob_ints(run, "max_new_tokens")
        self.cap = min(self.caps.values()) if self.caps else None
        self.cpt = float(ctx.params["chars_per_token"])
        self.budget = TokenBudget()
        self.samples = Sampler(int(ctx.params["max_samples"]))
        self.short = 0

    def row(self, case: HardCase) -> None:
        if is_choice(case):
            return  # a label is not an object cut at the cap (FMT003 reports run_on)
        view = view_row(case, self.run)
        if not view.failed or view.shape is None:
            self.budget.add(case, view)
            return
        self._failed(case, view)

    block_done = staticmethod(release_block)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`), from the block's
        shared views: its parsed flat objects at once (`BlockDigest.flat_max`)."""
        digest = block_digest(self, cases, self.run)
        if digest is None:
            return
        budget = self.budget
        size = digest.flat_max  # `add` of every parsed flat object (a max: order-free)
        if size > budget.complete_chars:
            budget.complete_chars = size
        if size > budget.object_chars:
            budget.object_chars = size
        add, views = budget.add, digest.views
        for at in digest.others:
            case, view = cases[at], views[at]
            if not view.failed or view.shape is None:
                add(case, view)
            else:
                self._failed(case, view)

    def _failed(self, case: HardCase, view: RowView) -> None:
        """A failed row with a shape: cut by the writer, truncated, or neither."""
        text = case.generated_text or ""
        shape = view.shape
        assert shape is not None
        no_object = shape.object_count == 0
        if view.writer_cut:
            if no_object:
                self.samples.add("writer_cut", case)
            return
        if view.truncated:
            self.budget.add(case, view)
        elif no_object and not shape.has_open_brace and self._prose_at_cap(text):
            self.budget.add_truncated(text, len(text))
        else:
            return
        self.samples.add("truncated", case)
        if self.cap and len(text) / self.cpt < float(self.ctx.params["eos_fraction"]) * self.cap:
            self.short += 1

    def _prose_at_cap(self, text: str) -> bool:
        body = text.rstrip()
        if not self.cap or not body or not body[-1].isalnum():
            return False
        return len(body) / self.cpt >= float(self.ctx.params["near_cap_ratio"]) * self.cap

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.budget, self.samples.cases, self.short

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        budget, cases, short = state
        self.budget.merge(budget)
        self.samples.merge(cases)
        self.short += short
        return True

    def finish(self) -> Iterator[Finding]:
        run, ctx, p, b = self.run, self.ctx, self.ctx.params, self.budget
        cut = self.samples.get("writer_cut")
        if not b.truncated:
            if cut:
                yield self._writer_cut_only(cut)
            return
        current = max(self.caps.values()) if self.caps else None
        proposal = b.propose(run, p, current)
        lo, hi = math.ceil(b.trunc_min_chars / self.cpt), math.ceil(b.trunc_max_chars / self.cpt)
        cap_text = (
            ", ".join(f"{k}={v}" for k, v in self.caps.items()) if self.caps else "cap unknown"
        )
        why = f"{b.truncated} completion(s) end inside an open JSON object"
        all_short = b.far_below_cap(self.cap, p)
        actions: list[Action] = []
        if not all_short:
            actions.append(max_new_tokens_action(run, ctx, proposal, b.truncated))
        parts = [
            f"{b.truncated} completion(s) stop before the JSON object closes, after "
            f"{b.trunc_min_chars}-{b.trunc_max_chars} characters (~{lo}-{hi} tokens at "
            f"{g(self.cpt)} chars/token; {cap_text})"
        ]
        if all_short:
            parts.append(
                f"all are far below the cap (< {g(float(p['eos_fraction']))} x {self.cap}): "
                "the cap is not the cause, check EOS/pad-token handling and stop criteria"
            )
        else:
            parts.append(f"propose max_new_tokens {proposal.value}")
            if self.short:
                parts.append(f"{self.short} end far below the cap: check EOS handling for those")
        if b.prose_first:
            obj_tokens = ""
            if proposal.object_chars:
                alone = math.ceil(proposal.object_chars / self.cpt)
                obj_tokens = f" while the object alone takes about {alone} tokens"
            parts.append(f"{b.prose_first} start with prose before the object{obj_tokens}")
            actions.append(no_preamble_action(run, b.prose_first))
        actions.append(eos_action(why, tier=1 if all_short else 2))
        if cut:
            parts.append(f"{len(cut)} more end at the writer's 600-character cut (not judged)")
        cases = self.samples.get("truncated")
        sample_ids = ids(cases)
        yield ctx.finding(
            run,
            "; ".join(parts) + f"; samples {', '.join(sample_ids)}",
            anchor="truncation",
            evidence=[c.evidence for c in cases] + ctx.knob_evidence(run, "max_new_tokens"),
            measurements={
                "truncated": b.truncated,
                "far_below_cap": self.short,
                "prose_first": b.prose_first,
                "writer_cut": len(cut),
                "current_max_new_tokens": self.caps or None,
                "proposed_max_new_tokens": None if all_short else proposal.value,
                "needed_chars": proposal.needed_chars,
                "needed_tokens": proposal.needed_tokens,
                "truncated_tokens_min": lo,
                "truncated_tokens_max": hi,
                "longest_object_chars": proposal.object_chars,
                "chars_per_token": self.cpt,
                "sample_ids": sample_ids,
            },
            actions=actions,
            severity=severity_by_rate(b.truncated, run, float(p["error_rate"])),
        )

    def _writer_cut_only(self, cut: list[HardCase]) -> Finding:
        return self.ctx.finding(
            self.run,
            f"{len(cut)} failed completion(s) with no closed object end at the writer's "
            "600-character cut, so whether the model hit its token cap cannot be told; "
            f"samples {', '.join(ids(cut))}",
            anchor="writer-cut",
            evidence=[c.evidence for c in cut],
            measurements={"writer_cut": len(cut), "sample_ids": ids(cut)},
            actions=[
                Action(
                    tier=1,
                    kind="process",
                    text="Open the cited Weave traces (full completions) or raise the "
                    "writer's generated_text limit to see where these completions end",
                    why="the hard-case writer keeps only 600 characters",
                )
            ],
            severity=Severity.INFO,
        )
