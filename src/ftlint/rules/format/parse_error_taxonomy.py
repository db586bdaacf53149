"""FMT003 parse-error-taxonomy: The failure classes of the failed hard cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from ftlint.analysis.taxonomy import DESCRIPTIONS, PRECEDENCE, FailureClass
from ftlint.model import Category, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._actions import class_actions
from ftlint.rules.format._choice import ChoiceTally
from ftlint.rules.format._common import (
    BUDGET_PARAMS,
    FC,
    RATE_EPS,
    SAMPLES_PARAM,
    Sampler,
    TokenBudget,
    failure_count,
    failure_rate,
    ids,
    pct,
    rate_text,
)
from ftlint.rules.format._views import block_digest, is_choice, release_block, view_row


def _coverage(total: int, run: Run) -> tuple[str, int | None]:
    """How the failed hard cases relate to the run's own failure count."""
    run_fail = failure_count(run)
    if run_fail is None:
        return "the run's total failure count is unknown", None
    rate = failure_rate(run) or 0.0
    if total <= run_fail:
        return (
            f"hard cases hold {total} of the run's {run_fail} failures "
            f"(parse_error_rate {rate_text(rate, run.provenance.eval_size)})",
            run_fail,
        )
    return f"hard cases hold {total} failed rows while the run reports {run_fail}", run_fail


# -- FMT003 ------------------------------------------------------------------------------


class ParseErrorTaxonomy(Rule):
    """What it detects: the failure classes of the failed hard cases. Every hard case
    with a parse_error (or an empty or contract-violating completion: not a wrapper the
    writer parsed, since the HF Jobs writer reads `hidden_params`) is classified
    from its parse_error and generated_text (no_json, unterminated, decode_error,
    trailing_text, markdown_fence, wrapper_object, missing_key, extra_key,
    type_mismatch, out_of_range, other); one finding per class present, with its count,
    its share of the failed rows in hard cases, sample ids and their evidence lines.
    The eval rows of a closed label set (a choice contract, configured or inferred from
    the references) have two classes of their own: `invalid_choice`, an answer outside
    the label set (another word, a case or punctuation variant, an empty output), and
    `run_on`, a valid label followed by further text (the model did not stop; the
    message says how many reach the max_new_tokens cap). An object followed by text is
    `trailing_text`, never `run_on`, so nothing is reported twice.

    Why it matters: a parse-error rate says how often the contract fails, not why; each
    class has a different fix (token budget, stop rule, prompt contract, constrained
    decoding, chat template). The hard-case file holds only the top-k worst rows, so
    the message says how many of the run's failures it covers.

    What the planner does: attaches the fix of each class: unterminated -> a computed
    max_new_tokens and EOS handling; trailing_text -> stop rule and "exactly one JSON
    object"; markdown_fence -> "no markdown" or accept fences; wrapper_object -> show the
    flat object; key/type/range classes -> constrained decoding with the target-key
    schema; no_json -> chat template and system prompt; invalid_choice -> decoding
    constrained to the labels and the label set in the prompt; run_on -> a stop rule
    after the label, EOS handling, the label set in the prompt. A class with share >=
    error_share is an error when it alone exceeds `min_failure_rate` of the eval set
    (else a warning), one with share >= warning_share a warning, smaller ones info; all
    are info when the run's failure rate is within `min_failure_rate`. Choice rows are
    the whole eval, so their rate is failed rows / eval rows, and a choice class is an
    error only when its count is significantly over `min_failure_rate` (one-sided
    binomial, 5%): one stray answer in a small eval is a warning. The token-budget
    params mean the same as FMT004's; keep them equal so both propose one value.
    """

    code = "FMT003"
    name = "parse-error-taxonomy"
    category = Category.FORMAT
    default_severity = Severity.WARNING
    params = {
        "error_share": Param(
            0.5, "share of failed hard cases from which a class is an error", minimum=0, maximum=1
        ),
        "warning_share": Param(
            0.2, "share from which a class is a warning (below: info)", minimum=0, maximum=1
        ),
        "min_failure_rate": Param(
            0.02,
            "run parse_error_rate at or below which every class is info",
            minimum=0,
            maximum=1,
        ),
        "max_samples": SAMPLES_PARAM,
        **BUDGET_PARAMS,
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _TaxonomyVisitor:
        return _TaxonomyVisitor(run, ctx)


class _TaxonomyVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.counts: Counter[FailureClass] = Counter()
        self.samples = Sampler(int(ctx.params["max_samples"]))
        self.budget = TokenBudget()
        self.choice = ChoiceTally(run, ctx)

    def row(self, case: HardCase) -> None:
        if is_choice(case):
            self.choice.row(case)
            return
        view = view_row(case, self.run)
        self.budget.add(case, view)
        if view.failed:
            cls = view.cls or FC.OTHER
            self.counts[cls] += 1
            self.samples.add(cls, case)

    block_done = staticmethod(release_block)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`), from the block's
        shared views: its parsed flat objects at once (`BlockDigest.flat_max`)."""
        digest = block_digest(self, cases, self.run)
        if digest is None:
            return
        budget, counts, sample = self.budget, self.counts, self.samples.add
        kept, limit = self.samples.cases, self.samples.limit
        # `add_truncated`'s fields, kept here for the block (a call and four attribute
        # writes a truncated row, the commonest failed one, cost ~0.35 us)
        cut_rows, cut_min = budget.truncated, budget.trunc_min_chars
        cut_max, cut_start, prose = budget.trunc_max_chars, budget.trunc_max_start, 0
        size = digest.flat_max  # `add` of every parsed flat object (a max: order-free)
        if size > budget.complete_chars:
            budget.complete_chars = size
        if size > budget.object_chars:
            budget.object_chars = size
        views = digest.views
        for at in digest.others:
            case, view = cases[at], views[at]
            if view.failed:
                shape = view.shape  # `add` measures a failed row only when `truncated`:
                if (
                    not view.writer_cut
                    and shape is not None
                    and shape.unterminated
                    and shape.object_count == 0
                ):
                    text = case.generated_text or ""  # (`add_truncated`, inlined)
                    size, start = len(text), text.find("{")
                    if not cut_rows or size < cut_min:
                        cut_min = size
                    if size > cut_max:
                        cut_max = size
                    if start > cut_start:
                        cut_start = start
                    cut_rows += 1
                    if start > 0 and text[:start].strip():
                        prose += 1
                cls = view.cls or FC.OTHER
                counts[cls] += 1
                samples = kept.get(cls)  # `sample`, inlined for a class seen before
                if samples is None:
                    sample(cls, case)
                elif len(samples) < limit:
                    samples.append(case)
            elif not view.writer_cut:  # `add` of a parsed row, inlined
                size = view.text_chars
                if size > budget.complete_chars:
                    budget.complete_chars = size
                shape = view.shape
                if shape is not None:  # (`object_chars`: the first object's span)
                    span = shape.first_object_span
                    size = span[1] - span[0] if span is not None else 0
                if size > budget.object_chars:  # (a flat object: `text_chars or None`)
                    budget.object_chars = size
        if cut_rows != budget.truncated:
            budget.truncated, budget.trunc_min_chars = cut_rows, cut_min
            budget.trunc_max_chars, budget.trunc_max_start = cut_max, cut_start
            budget.prose_first += prose

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.counts, self.samples.cases, self.budget, self.choice.export_state()

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        counts, cases, budget, choice = state
        self.counts.update(counts)
        self.samples.merge(cases)
        self.budget.merge(budget)
        return self.choice.merge_state(choice)

    def finish(self) -> Iterator[Finding]:
        yield from self.choice.finish()
        yield from self._json_classes()

    def _json_classes(self) -> Iterator[Finding]:
        total = sum(self.counts.values())
        if not total:
            return
        run, ctx, p = self.run, self.ctx, self.ctx.params
        coverage, run_fail = _coverage(total, run)
        rate = failure_rate(run)
        quiet = rate is not None and rate <= float(p["min_failure_rate"]) + RATE_EPS
        proposal = None
        caps = ctx.knob_ints(run, "max_new_tokens")
        cap = min(caps.values()) if caps else None
        if self.budget.truncated and not self.budget.far_below_cap(cap, p):
            proposal = self.budget.propose(run, p, max(caps.values()) if caps else None)
        order = {c: i for i, c in enumerate(PRECEDENCE)}
        n_eval = run.provenance.eval_size
        for cls, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], order[kv[0]])):
            share = n / total
            # an error only when the class alone exceeds the run's format budget
            alone_over = not n_eval or n / n_eval > float(p["min_failure_rate"]) + RATE_EPS
            if quiet or share < float(p["warning_share"]) - RATE_EPS:
                severity = Severity.INFO
            elif share >= float(p["error_share"]) - RATE_EPS and alone_over:
                severity = Severity.ERROR
            else:
                severity = Severity.WARNING
            cases = self.samples.get(cls)
            sample_ids = ids(cases)
            yield ctx.finding(
                run,
                f"{cls.value}: {n} of {total} failed rows in hard cases ({pct(share)}); "
                f"{coverage}; samples {', '.join(sample_ids)}: {DESCRIPTIONS[cls]}",
                anchor=cls.value,
                evidence=[c.evidence for c in cases],
                measurements={
                    "class": cls.value,
                    "count": n,
                    "share": round(share, 4),
                    "sample_ids": sample_ids,
                    "failed_in_hard_cases": total,
                    "run_failures": run_fail,
                },
                actions=class_actions(cls, run, ctx, proposal, n, self.budget.prose_first),
                severity=severity,
            )
