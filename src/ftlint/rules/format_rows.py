"""Format rules on the hard-case rows: FMT003 taxonomy, FMT004 truncation, FMT005
trailing text.

Each rule streams `hard_cases.valid.jsonl` through a visitor (constant memory) and uses
`format_common.view_row` to classify a row once for all of them. The file holds only the
top-k worst rows by MAE, so counts and shares are "of the failed rows in hard cases"
and are compared with the run's own failure count (parse_error_rate x eval_size).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from ftlint.analysis.taxonomy import DESCRIPTIONS, PRECEDENCE, FailureClass
from ftlint.hookspecs import hookimpl
from ftlint.model import Action, Category, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format_actions import (
    class_actions,
    eos_action,
    greedy_action,
    max_new_tokens_action,
    no_preamble_action,
    prompt_contract_action,
    stop_action,
)
from ftlint.rules.format_common import (
    BUDGET_PARAMS,
    FC,
    RATE_EPS,
    SAMPLES_PARAM,
    RowView,
    Sampler,
    TokenBudget,
    after_object,
    failure_count,
    failure_rate,
    g,
    ids,
    knob_evidence,
    knob_ints,
    pct,
    rate_text,
    view_row,
)


def _severity_by_rate(count: int, run: Run, error_rate: float) -> Severity:
    n = run.provenance.eval_size
    return Severity.ERROR if n and count / n >= error_rate - RATE_EPS else Severity.WARNING


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
    with a parse_error (or an empty or contract-violating completion) is classified
    from its parse_error and generated_text (no_json, unterminated, decode_error,
    trailing_text, markdown_fence, wrapper_object, missing_key, extra_key,
    type_mismatch, out_of_range, other); one finding per class present, with its count,
    its share of the failed rows in hard cases, sample ids and their evidence lines.

    Why it matters: a parse-error rate says how often the contract fails, not why; each
    class has a different fix (token budget, stop rule, prompt contract, constrained
    decoding, chat template). The hard-case file holds only the top-k worst rows, so
    the message says how many of the run's failures it covers.

    What the planner does: attaches the fix of each class: unterminated -> a computed
    max_new_tokens and EOS handling; trailing_text -> stop rule and "exactly one JSON
    object"; markdown_fence -> "no markdown" or accept fences; wrapper_object -> show the
    flat object; key/type/range classes -> constrained decoding with the target-key
    schema; no_json -> chat template and system prompt. A class with share >=
    error_share is an error when it alone exceeds `min_failure_rate` of the eval set
    (else a warning), one with share >= warning_share a warning, smaller ones info; all
    are info when the run's failure rate is within `min_failure_rate`. The token-budget
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

    def row(self, case: HardCase) -> None:
        view = view_row(case, self.run)
        self.budget.add(case, view)
        if view.failed:
            cls = view.cls or FC.OTHER
            self.counts[cls] += 1
            self.samples.add(cls, case)

    def finish(self) -> Iterator[Finding]:
        total = sum(self.counts.values())
        if not total:
            return
        run, ctx, p = self.run, self.ctx, self.ctx.params
        coverage, run_fail = _coverage(total, run)
        rate = failure_rate(run)
        quiet = rate is not None and rate <= float(p["min_failure_rate"]) + RATE_EPS
        proposal = None
        caps = knob_ints(run, ctx, "max_new_tokens")
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
        self.caps = knob_ints(run, ctx, "max_new_tokens")
        self.cap = min(self.caps.values()) if self.caps else None
        self.cpt = float(ctx.params["chars_per_token"])
        self.budget = TokenBudget()
        self.samples = Sampler(int(ctx.params["max_samples"]))
        self.short = 0

    def row(self, case: HardCase) -> None:
        view = view_row(case, self.run)
        text = case.generated_text or ""
        shape = view.shape
        if not view.failed or shape is None:
            self.budget.add(case, view)
            return
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
            evidence=[c.evidence for c in cases] + knob_evidence(run, ctx, "max_new_tokens"),
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
            severity=_severity_by_rate(b.truncated, run, float(p["error_rate"])),
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
        view = view_row(case, self.run)
        shape = view.shape
        if shape is None or not (shape.trailing_text or shape.fenced or view.fragile):
            return
        kind = _kind(case, view)
        if view.failed:
            if kind == "leading prose":
                return  # the writer's extractor tolerates leading prose
            self.kinds[kind] += 1
            self.samples.add("failed", case)
        else:
            self.fragile[kind] += 1
            self.samples.add("fragile", case)

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
            severity=_severity_by_rate(failed, run, float(ctx.params["error_rate"]))
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


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [
        ParseErrorTaxonomy,
        EosTruncation,
        TrailingText,
    ]
