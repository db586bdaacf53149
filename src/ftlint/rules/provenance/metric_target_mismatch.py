"""PRV010 metric-target-mismatch: Text-overlap metrics (BLEU, ROUGE) are the only
quality metric of an eval whose target is structured, numeric or a closed choice."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.vocabulary import spec_for

OVERLAP = frozenset({"bleu", "rouge", "rouge_1", "rouge_2", "rouge_l", "rouge_lsum"})
#: numbers every stack logs next to its metrics that say nothing about quality
BOOKKEEPING = (
    "stderr",
    "n-shot",
    "n-samples",
    "versions",
    "date",
    "runtime",
    "per_second",
    "epoch",
    "step",
    "flos",
    "tokens",
    "num_",
    "eval_size",
    "gen_len",
    "best_metric",
)
QUALITY_KINDS = frozenset({"rate", "mean", "score"})


def base_name(name: str) -> str:
    """`gsm8k/bleu_none` -> `bleu`: task prefix and lm-eval filter suffix dropped."""
    base = name.rpartition("/")[2]
    for suffix in ("_none", "_remove_whitespace"):
        base = base.removesuffix(suffix)
    return base


def overlap_only(run: Run) -> list[str]:
    """The run's text-overlap metrics when they are its only quality metrics, else [].
    A metric no alias knows counts as a quality metric (it may be the task's own)."""
    overlap, other = [], []
    for name in run.metrics:
        base = base_name(name)
        if base in OVERLAP:
            overlap.append(name)
            continue
        if name.endswith("_loss") or any(b in name for b in BOOKKEEPING):
            continue
        spec = spec_for(base)
        if spec is None or spec.kind in QUALITY_KINDS:
            other.append(name)
    return [] if other else sorted(overlap)


class MetricTargetMismatch(Rule):
    """What it detects: text overlap (BLEU, ROUGE) as the only quality metric of an
    eval whose target is structured. Structured: the references are JSON objects (the
    eval rows of any source carry a JSON output contract, at least `min_rows` of them)
    or the run declares target keys. Any other quality metric (accuracy, exact match,
    MAE, a metric of the team's own) silences it.

    Why it matters: BLEU and ROUGE count shared n-grams; on `{"label": "positive"}` vs
    `{"label": "negative"}` they score most of the tokens as right, on numbers they
    reward the right digits in the wrong place. A model can gain overlap while its
    answers get worse, so a gate on them promotes the wrong adapter.

    What the planner does: a tier-3 process action: score with the task's own metric
    (exact match per key, accuracy on the label, MAE on numbers, JSON validity) and gate
    on it; overlap scores stay as context only.
    """

    code = "PRV010"
    name = "metric-target-mismatch"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_rows": Param(
            5, "fewest JSON-contract eval rows that show a structured target", minimum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        if run.row_files or run.hard_cases_path or not run.provenance.target_keys:
            return  # rows decide (visitor); without rows only declared target keys do
        metrics = overlap_only(run)
        if metrics:
            keys = ", ".join(run.provenance.target_keys)
            yield self._finding(run, ctx, metrics, f"the target is a JSON object ({keys})", [])

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _Rows | None:
        metrics = overlap_only(run)
        return _Rows(self, run, ctx, metrics) if metrics else None

    def _finding(
        self,
        run: Run,
        ctx: RuleContext,
        metrics: list[str],
        target: str,
        rows: list[Evidence],
    ) -> Finding:
        shown = ", ".join(f"{m} {g(run.metrics[m].value)}" for m in metrics)
        return ctx.finding(
            run,
            f"text-overlap metrics are the only quality metrics ({shown}) but {target}: "
            "overlap rewards shared tokens, not correct answers",
            anchor="metric-target-mismatch",
            evidence=[*(run.metrics[m].evidence for m in metrics[:3]), *rows],
            measurements={"overlap_metrics": metrics, "target": target},
            actions=[
                Action(
                    tier=3,
                    kind="process",
                    text="score the eval with the task's own metric (exact match per JSON "
                    "key, accuracy on labels, MAE on numbers, JSON validity) and gate on it",
                    why="BLEU/ROUGE can rise while the answers get worse",
                    expected="a gate that moves only when the answers do",
                )
            ],
        )


class _Rows:
    """Counts the JSON-contract rows fed to the rule (the engine feeds only those)."""

    def __init__(
        self, rule: MetricTargetMismatch, run: Run, ctx: RuleContext, metrics: list[str]
    ) -> None:
        self.rule, self.run, self.ctx, self.metrics = rule, run, ctx, metrics
        self.count = 0
        self.first: Evidence | None = None

    def row(self, case: HardCase) -> None:
        if case.target_vector is None:
            return
        self.count += 1
        if self.first is None:
            self.first = case.evidence

    def export_state(self) -> tuple[int, Evidence | None]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.count, self.first

    def merge_state(self, state: tuple[int, Evidence | None]) -> bool:
        self.count += state[0]
        if self.first is None:
            self.first = state[1]
        return True

    def finish(self) -> Iterable[Finding]:
        if self.count < self.ctx.params["min_rows"]:
            return []
        target = f"its {self.count} references are JSON objects"
        rows = [self.first] if self.first is not None else []
        return [self.rule._finding(self.run, self.ctx, self.metrics, target, rows)]
