"""QLT004 contaminated-quality-metric: Quality metrics that mix placeholder predictions of
unparsed outputs.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from operator import countOf, not_
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import RANGE_LOG_CAP, Param, Rule, RuleContext
from ftlint.rules.format._common import (
    RATE_EPS,
    SAMPLES_PARAM,
    Sampler,
    failure_count,
    failure_rate,
    ids,
)
from ftlint.rules.format._views import RowView, release_block, view_block, view_row
from ftlint.rules.quality._dimblock import seq_sum
from ftlint.rules.quality._placeholder import _constant, _one_constant

# -- QLT004 ------------------------------------------------------------------------------


#: Distinct constant vectors tracked (a placeholder is one value; more is noise).
_MAX_CONSTANTS = 64


QUALITY_KEYS = ("mae_raw", "mse_raw", "mae_norm", "mse_norm", "r2_score")


class ContaminatedQualityMetric(Rule):
    """What it detects: quality metrics that mix placeholder predictions of unparsed
    outputs. Failed hard cases scored with one constant vector (every dimension at
    target_scale/2, say), or json_valid_rate 0 while quality metrics are reported.

    Why it matters: the pipeline scores an unparsed output with a mid-scale placeholder,
    so mae_raw blends value errors with format failures; a run with fewer parse errors
    can look worse or better for the wrong reason, and with nothing parsed the quality
    numbers (often 0) mean nothing.

    What the planner does: marks the quality numbers as not interpretable and reports
    MAE over parsed rows apart from failed rows (hard-case means, and the exact MAE
    over all parsed rows when the hard cases hold every failure, else a range); tier 1
    process: report and gate quality on parsed rows only, after the format gates. The
    finding is info when placeholders shift mae_raw by less than `warning_shift`
    (relative), or, without that exact split, when the failure rate is small.
    """

    code = "QLT004"
    name = "contaminated-quality-metric"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "min_placeholders": Param(1, "placeholder rows that trigger the rule", minimum=1),
        "warning_shift": Param(
            0.05,
            "relative shift of mae_raw by placeholders (vs MAE over parsed rows) below "
            "which the contamination is info; used when that MAE is known exactly",
            minimum=0,
        ),
        "warning_failure_rate": Param(
            0.02,
            "run parse_error_rate below which the contamination is info, when the MAE "
            "over parsed rows is not known exactly",
            minimum=0,
            maximum=1,
        ),
        "max_samples": SAMPLES_PARAM,
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        valid = run.metric("json_valid_rate")
        if valid is None or valid > RATE_EPS:
            return
        reported = [k for k in QUALITY_KEYS if run.metric(k) is not None]
        if not reported:
            return
        shown = ", ".join(f"{k} {g(run.metric(k) or 0.0)}" for k in reported)
        evidence = [run.metric_evidence("json_valid_rate")] + [
            run.metric_evidence(k) for k in reported
        ]
        yield ctx.finding(
            run,
            f"json_valid_rate 0 with quality metrics reported ({shown}): no output parsed, "
            "so the quality numbers are placeholders and not interpretable",
            anchor="json_valid_rate_zero",
            evidence=[e for e in evidence if e is not None],
            measurements={"json_valid_rate": valid, **{k: run.metric(k) for k in reported}},
            actions=[_parsed_only_action()],
            severity=Severity.ERROR,
        )

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _PlaceholderVisitor:
        return _PlaceholderVisitor(run, ctx)


class _PlaceholderVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.constants: Counter[float] = Counter()
        self.samples = Sampler(int(ctx.params["max_samples"]))
        self.failed = self.parsed = 0
        self.failed_sum = self.parsed_sum = 0.0
        self.failed_n = self.parsed_n = 0
        self.min_mae: float | None = None
        self.rows = 0
        self.log: tuple[array[float], array[float]] | None = None  # `begin_range`

    def begin_range(self) -> None:
        """In a worker of `--jobs` (`ftlint.rule.MergeableVisitor`): keep the addends of
        the parsed and failed MAE sums, so the driver adds them in file order (floats)."""
        self.log = (array("d"), array("d"))
        self.logged = 0

    def _count_logged(self) -> None:
        self.logged += 1
        if self.logged >= RANGE_LOG_CAP:
            self.log = None  # bounded: the driver reads this range for it

    def export_state(self) -> tuple[Any, ...]:
        return (self.rows, self.constants, self.samples.cases, self.failed, self.parsed,
                self.failed_n, self.parsed_n, self.min_mae, self.log)  # fmt: skip

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        rows, constants, cases, failed, parsed, failed_n, parsed_n, low, log = state
        if log is None or len(constants) >= _MAX_CONSTANTS:
            return False  # the later range dropped values past the bound
        self.rows += rows
        self.failed += failed
        self.parsed += parsed
        for x in log[0]:
            self.parsed_sum += x
        for x in log[1]:
            self.failed_sum += x
        self.parsed_n += parsed_n
        self.failed_n += failed_n
        if low is not None:
            self.min_mae = low if self.min_mae is None else min(self.min_mae, low)
        admitted = {}
        for value, count in constants.items():
            if value in self.constants or len(self.constants) < _MAX_CONSTANTS:
                self.constants[value] += count
                admitted[value] = cases.get(value, [])
        self.samples.merge(admitted)
        return True

    block_done = staticmethod(release_block)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`), from the block's
        shared views (a choice row's view is the same as `view_row`'s)."""
        views, _ = view_block(cases, self.run)
        if self._float_block(cases, views):  # (logging a worker's range too)
            self.rows += len(cases)
            return
        if self.log is not None:
            one = self._viewed
            for case, view in zip(cases, views, strict=True):
                one(case, view)
            return
        # `_viewed` of each row with no range log, its sums in locals (added in row order)
        self.rows += len(cases)
        low, isfinite = self.min_mae, math.isfinite
        parsed_sum, parsed_n = self.parsed_sum, self.parsed_n
        failed, failed_sum, failed_n = self.failed, self.failed_sum, self.failed_n
        constants, sample = self.constants, self.samples.add
        try:
            for case, view in zip(cases, views, strict=True):
                mae = case.mae_raw
                if mae is not None:
                    if isfinite(mae):
                        low = mae if low is None else min(low, mae)
                    else:
                        mae = None
                if not view.failed:
                    if mae is not None:
                        parsed_sum += mae
                        parsed_n += 1
                    continue
                failed += 1
                if mae is not None:
                    failed_sum += mae
                    failed_n += 1
                value = _constant(case.predicted_vector)
                if value is not None and (value in constants or len(constants) < _MAX_CONSTANTS):
                    constants[value] += 1
                    sample(value, case)
        finally:
            self.min_mae, self.parsed_sum, self.parsed_n = low, parsed_sum, parsed_n
            self.failed, self.failed_sum, self.failed_n = failed, failed_sum, failed_n

    def _float_block(self, cases: list[HardCase], views: list[RowView]) -> bool:
        """`row_batch`'s loop for a block whose every `mae_raw` is a finite float (the
        reader's rows), in C-level passes: the parsed rows' and the failed rows' MAEs
        each added left to right from the stored sum (`seq_sum`: the loop's additions,
        the same float bit for bit), the lowest MAE the first least one (as the loop's
        `min` keeps it), and only the failed rows visited for their constant vector.
        False, with nothing changed, for any other block: the loop takes it. One sum
        of the MAEs shows they are all finite (a NaN or an infinity stays in it; a
        sum that overflows only sends the block to the loop)."""
        maes = [case.mae_raw for case in cases]
        if not maes or countOf(map(type, maes), float) != len(maes):
            return False
        total = seq_sum(maes, 0.0)
        if total - total != 0.0:
            return False
        fails = [view.failed for view in views]
        least = min(maes)
        self.min_mae = least if self.min_mae is None else min(self.min_mae, least)
        if not any(fails):
            self.parsed_sum = seq_sum(maes, self.parsed_sum)
            self.parsed_n += len(maes)
            self._log(maes, ())
            return True
        parsed = list(compress(maes, map(not_, fails)))
        self.parsed_sum = seq_sum(parsed, self.parsed_sum)
        self.parsed_n += len(parsed)
        failed = list(compress(maes, fails))
        self._log(parsed, failed)
        self.failed_sum = seq_sum(failed, self.failed_sum)
        self.failed += len(failed)
        self.failed_n += len(failed)
        self._count_constants(list(compress(cases, fails)))
        return True

    def _count_constants(self, cases: list[HardCase]) -> None:
        """Count the constant predicted vectors of failed rows, and sample them, as the
        row loop does (`_constant` of each, in row order). A block whose every vector is
        the same finite float repeated (the pipeline's placeholder, every failed row's
        in a run that has one) is counted at once (`_one_constant`): the counter and the
        sampler then get the first row's value `len(cases)` times, which adds what the
        loop adds (the same key, admitted or not for every row alike) and keeps what it
        keeps (a sampler keeps each key's first `limit` rows)."""
        constants, samples = self.constants, self.samples
        value = _one_constant([case.predicted_vector for case in cases])
        if value is not None:
            if value in constants or len(constants) < _MAX_CONSTANTS:
                constants[value] += len(cases)
                for case in cases[: samples.limit]:
                    samples.add(value, case)
            return
        sample = samples.add
        for case in cases:
            value = _constant(case.predicted_vector)
            if value is not None and (value in constants or len(constants) < _MAX_CONSTANTS):
                constants[value] += 1
                sample(value, case)

    def _log(self, parsed: list[float], failed: Sequence[float]) -> None:
        """`_viewed`'s log of a block's finite MAEs, in a worker's range: each list in
        row order; past the cap the log is dropped (a merge then declines, as when
        `_viewed` drops it within the block)."""
        log = self.log
        if log is None:
            return
        log[0].extend(parsed)
        log[1].extend(failed)
        self.logged += len(parsed) + len(failed)
        if self.logged >= RANGE_LOG_CAP:
            self.log = None  # bounded: the driver reads this range for it

    def row(self, case: HardCase) -> None:
        self._viewed(case, view_row(case, self.run))

    def _viewed(self, case: HardCase, view: RowView) -> None:
        self.rows += 1
        mae = case.mae_raw if case.mae_raw is not None and math.isfinite(case.mae_raw) else None
        if mae is not None:
            self.min_mae = mae if self.min_mae is None else min(self.min_mae, mae)
        if not view.failed:
            if mae is not None:
                self.parsed_sum += mae
                self.parsed_n += 1
                if self.log is not None:
                    self.log[0].append(mae)
                    self._count_logged()
            return
        self.failed += 1
        if mae is not None:
            self.failed_sum += mae
            self.failed_n += 1
            if self.log is not None:
                self.log[1].append(mae)
                self._count_logged()
        value = _constant(case.predicted_vector)
        if value is not None and (value in self.constants or len(self.constants) < _MAX_CONSTANTS):
            self.constants[value] += 1
            self.samples.add(value, case)

    def finish(self) -> Iterator[Finding]:
        run, ctx, p = self.run, self.ctx, self.ctx.params
        if not self.constants:
            return
        valid = run.metric("json_valid_rate")
        if valid is not None and valid <= RATE_EPS:
            return  # check_run reports the all-failed case
        value, count = min(self.constants.items(), key=lambda kv: (-kv[1], kv[0]))
        if count < int(p["min_placeholders"]):
            return
        scale = run.provenance.target_scale
        mid = " = target_scale/2" if scale and abs(value - scale / 2) < 1e-9 else ""
        meas: dict[str, Any] = {"placeholder_rows": count, "placeholder_value": value}
        mae = run.metric("mae_raw")
        head = f"mae_raw {g(mae)} mixes" if mae is not None else "quality metrics mix"
        parts = [
            f"{head} {count} placeholder prediction(s) of unparsed outputs (every dimension "
            f"{g(value)}{mid})"
        ]
        parts.extend(self._parsed_overall(mae, meas))
        means = []
        if self.parsed_n:
            means.append(f"parsed rows {g(self.parsed_sum / self.parsed_n)} (n={self.parsed_n})")
            meas["mae_parsed_hard_cases"] = round(self.parsed_sum / self.parsed_n, 6)
        if self.failed_n:
            means.append(f"failed rows {g(self.failed_sum / self.failed_n)} (n={self.failed_n})")
            meas["mae_failed_hard_cases"] = round(self.failed_sum / self.failed_n, 6)
        if means:
            parts.append(f"mean mae_raw over the top-{self.rows} hard cases: " + ", ".join(means))
        low = self._minor(meas)
        if not low:
            parts.append("the quality numbers are not interpretable as value errors")
        cases = self.samples.get(value)
        ev: list[Evidence] = [c.evidence for c in cases]
        mae_ev = run.metric_evidence("mae_raw")
        if mae_ev is not None:
            ev.insert(0, mae_ev)
        meas["sample_ids"] = ids(cases)
        yield ctx.finding(
            run,
            "; ".join(parts),
            anchor="placeholder",
            evidence=ev,
            measurements=meas,
            actions=[_parsed_only_action(meas.get("mae_parsed_all"))],
            severity=Severity.INFO if low else None,
        )

    def _minor(self, meas: dict[str, Any]) -> bool:
        """Info-level contamination: a small relative shift of mae_raw when it is known,
        else a failure rate below `warning_failure_rate`."""
        p = self.ctx.params
        parsed, shift = meas.get("mae_parsed_all"), meas.get("placeholder_shift")
        if parsed and shift is not None:
            return abs(shift) / parsed < float(p["warning_shift"]) - RATE_EPS
        rate = failure_rate(self.run)
        return rate is not None and rate < float(p["warning_failure_rate"]) - RATE_EPS

    def _parsed_overall(self, mae: float | None, meas: dict[str, Any]) -> list[str]:
        """MAE over every parsed row of the eval, from mae_raw and the failed hard cases."""
        n, fails = self.run.provenance.eval_size, failure_count(self.run)
        if mae is None or not n or fails is None or fails >= n or self.failed_n != self.failed:
            return []
        if self.failed_n > fails:
            return []  # more failed hard cases than the run reports: no consistent split
        total = mae * n - self.failed_sum
        parsed = n - fails
        if self.failed_n >= fails:
            exact = total / parsed
            meas["mae_parsed_all"] = round(exact, 6)
            meas["placeholder_shift"] = round(mae - exact, 6)
            return [
                f"MAE over the {parsed} parsed rows is {g(exact)} ({mae - exact:+.4g} from "
                f"placeholders; exact: the hard cases hold all {fails} failures)"
            ]
        missing = fails - self.failed_n
        low = (total - missing * (self.min_mae or 0.0)) / parsed
        high = total / parsed
        meas["mae_parsed_all_range"] = [round(low, 6), round(high, 6)]
        return [
            f"MAE over the {parsed} parsed rows is between {g(low)} and {g(high)} ({missing} "
            "failures lie outside the hard cases)"
        ]


def _parsed_only_action(parsed_mae: float | None = None) -> Action:
    shown = f" (here {g(parsed_mae)})" if parsed_mae is not None else ""
    return Action(
        tier=1,
        kind="process",
        text=f"Report mae_raw over parsed rows{shown} next to json_valid_rate and the "
        "placeholder count, and compare or gate quality only on it, after the format gates",
        why="placeholder predictions of unparsed outputs are scored as if they were answers",
        expected="quality comparisons reflect value errors, not format failures",
    )
