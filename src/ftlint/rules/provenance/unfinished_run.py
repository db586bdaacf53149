"""PRV006 unfinished-run: A run that crashed or was cut short."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping

from ftlint.model import Category, Evidence, Finding, Problem, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.vocabulary import as_number

MAX_EVIDENCE = 5


class UnfinishedRun(Rule):
    """What it detects: a run that crashed or was cut short. Its iteration series stops
    before `min_fraction` of the expected final step (estimated from the job's env:
    train examples / (batch size x grad accum) x epochs, aligned to the eval interval;
    else from the trainer's runtime, steps per second and epoch against HF_FT_EPOCHS),
    the trainer stopped at an epoch short of HF_FT_EPOCHS, the W&B run log has a
    non-zero exit code, no exit record, an empty summary or a cut-off log, a successful training job
    left a series but no final metrics, a non-zero exit code is recorded, or (when
    nothing else tells) the series or hard-case file ends in a half-written line. The
    step arithmetic assumes one device; lower `min_fraction` for multi-GPU jobs.

    Why it matters: the metrics of an unfinished run describe a checkpoint nobody chose;
    comparing them with a finished baseline mixes training progress with the recipe
    change, and a half-written file hides the evaluations that were lost.

    What the planner does: marks the run's conclusions as provisional and lists
    re-running (or re-copying the complete artifacts) as a process prerequisite;
    it proposes no tuning change from an unfinished run.
    """

    code = "PRV006"
    name = "unfinished-run"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_fraction": Param(
            0.9,
            "flag a series or epoch count below this fraction of the plan",
            exclusive_minimum=0,
            maximum=1,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        truncated = self._truncated(run, ctx)
        yield from self._exit_code(run, ctx)
        yield from self._wandb(run, ctx)
        yield from self._no_final_metrics(run, ctx)
        yield from self._epochs(run, ctx)
        short = list(self._short_series(run, ctx, truncated))
        yield from short
        if not short:
            for problem in truncated:
                yield ctx.finding(
                    run,
                    f"{problem.evidence.path} ends in a half-written line: the writer was "
                    "still running or died",
                    anchor=f"truncated:{problem.evidence.path}",
                    evidence=[problem.evidence],
                )

    @staticmethod
    def _truncated(run: Run, ctx: RuleContext) -> list[Problem]:
        problems = [*run.problems, *ctx.stream_problems.get(run.name, ())]
        return [
            p
            for p in problems
            if p.kind == "malformed" and p.evidence.line and "half-written" in p.message
        ]

    def _exit_code(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        for doc, path in (
            (run.final_metrics, run.final_metrics_path),
            (run.eval_result, run.eval_result_path),
        ):
            if not isinstance(doc, Mapping) or not path:
                continue
            code = doc.get("exit_code")
            if isinstance(code, int) and not isinstance(code, bool) and code != 0:
                yield ctx.finding(
                    run,
                    f"the run recorded exit code {code}: it crashed or was killed",
                    anchor="exit_code",
                    evidence=[Evidence(path, None, "/exit_code")],
                    measurements={"exit_code": code},
                    severity=Severity.ERROR,
                )

    def _wandb(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        """The W&B run log says the run did not finish (exit code, no exit record, cut off)."""
        if run.finished is not False or run.finish_evidence is None:
            return
        last = run.wandb_history[-1].step if run.wandb_history else None
        crashed = run.exit_code not in (None, 0)
        yield ctx.finding(
            run,
            f"the W&B run did not finish: {run.finish_note}"
            + (f" (last logged step {last})" if last is not None else ""),
            anchor="wandb-finish",
            evidence=[run.finish_evidence],
            measurements={"exit_code": run.exit_code, "last_step": last},
            severity=Severity.ERROR if crashed else None,
        )

    def _no_final_metrics(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        if run.final_metrics_path is not None or not (run.series or run.series_path):
            return  # no outputs at all is an orphan submission (OPS002)
        ok = [s for s in run.submissions if s.kind == "train" and s.exit_code == 0]
        if not ok:
            return
        sub = ok[-1]
        last = run.series[-1].step if run.series else None
        where = f"; its series stops at step {last}" if last is not None else ""
        evidence = [Evidence(sub.evidence.path, sub.evidence.line)]
        if run.series:
            evidence.append(run.series[-1].evidence)
        job = f"training job {sub.job_id}" if sub.job_id else "the training job"
        yield ctx.finding(
            run,
            f"{job} was submitted successfully but left no "
            f"final_metrics.json{where}: the run crashed or is still running",
            anchor="no-final-metrics",
            evidence=evidence,
            measurements={"last_step": last},
            severity=Severity.ERROR,
        )

    def _epochs(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        done = run.train_metrics.get("epoch")
        _, planned_raw = ctx.env_value(run, "epochs")
        planned = as_number(planned_raw, text=True)
        if done is None or not planned:
            return
        if done.value >= planned * ctx.params["min_fraction"]:
            return
        evidence = [done.evidence]
        source = ctx.env_evidence(run, "epochs")
        if source is not None:
            evidence.append(source)
        yield ctx.finding(
            run,
            f"training stopped at epoch {done.value:g} of {planned:g} planned "
            f"({done.value / planned:.0%}, below {ctx.params['min_fraction']:.0%})",
            anchor="epochs",
            evidence=evidence,
            measurements={"epoch": done.value, "planned_epochs": planned},
        )

    def _short_series(
        self, run: Run, ctx: RuleContext, truncated: list[Problem]
    ) -> Iterator[Finding]:
        if not run.series:
            return
        plan = expected_final_step(run, ctx)
        if plan is None:
            return
        expected, basis, evidence = plan
        last = run.series[-1]
        if last.step >= expected * ctx.params["min_fraction"]:
            return
        series_file = last.evidence.path
        cut = [p for p in truncated if p.evidence.path == series_file]
        tail = "; the last line is half-written" if cut else ""
        yield ctx.finding(
            run,
            f"iteration series stops at step {last.step} ({len(run.series)} evaluations), "
            f"expected about step {expected} ({basis}){tail}",
            anchor="series",
            evidence=[last.evidence, *(p.evidence for p in cut), *evidence][:MAX_EVIDENCE],
            measurements={
                "last_step": last.step,
                "expected_final_step": expected,
                "evaluations": len(run.series),
                "fraction": last.step / expected,
            },
        )


def expected_final_step(run: Run, ctx: RuleContext) -> tuple[int, str, list[Evidence]] | None:
    """The step of the last planned evaluation, how it was computed, and its evidence."""
    values: dict[str, float | None] = {}
    evidence: list[Evidence] = []
    for knob in ("epochs", "batch_size", "grad_accum", "eval_steps"):
        _, raw = ctx.env_value(run, knob)
        values[knob] = as_number(raw, text=True)
    epochs = values["epochs"]
    fm = run.final_metrics if isinstance(run.final_metrics, Mapping) else {}
    examples = as_number(fm.get("train_examples"), text=True)
    batch, accum = values["batch_size"], values["grad_accum"] or 1.0
    total: int | None = None
    basis = ""
    if epochs and examples and batch:
        per_epoch = max(1, math.ceil(examples / batch) // int(accum))
        total = math.ceil(epochs * per_epoch)
        basis = (
            f"{examples:g} train examples / (batch {batch:g} x grad_accum {accum:g}) "
            f"x {epochs:g} epochs = {total} steps"
        )
        source = ctx.env_evidence(run, "epochs")
        if source is not None:
            evidence.append(source)
        if run.final_metrics_path:
            evidence.append(Evidence(run.final_metrics_path, None, "/train_examples"))
    else:
        runtime = run.train_metrics.get("train_runtime")
        rate = run.train_metrics.get("train_steps_per_second")
        done = run.train_metrics.get("epoch")
        if runtime is None or rate is None:
            return None
        steps = runtime.value * rate.value
        total = round(steps)
        basis = f"train_runtime x train_steps_per_second = {steps:.0f} steps"
        if epochs and done is not None and 0 < done.value < epochs:
            total = round(steps * epochs / done.value)
            basis += f" in {done.value:g} of {epochs:g} epochs"
        evidence.append(runtime.evidence)
    if total is None or total <= 0:
        return None
    every = values["eval_steps"]
    if every and every >= 1 and total >= every:
        planned = int(total // every)
        total = int(planned * every)
        basis += f", an evaluation every {every:g} steps: {planned} planned"
    return total, basis, evidence
