"""Quality rules on metrics: thresholds, weak dimensions, regressions, constant-guess floor.

QLT001 mae-threshold, QLT002 high-error-dimension, QLT003 quality-regression and
QLT007 worse-than-constant live here, with the helpers the hard-case quality rules in
`quality_hardcases` share (QLT005, QLT006, QLT008). `ftlint_rules` contributes both
modules' rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from ftlint.analysis.stats import bootstrap_mean_diff, median
from ftlint.hookspecs import hookimpl
from ftlint.model import Action, Category, Evidence, Finding, HardCase, Metric, Run, Severity
from ftlint.rule import Param, Rule, RuleContext

DIM_PREFIX = "mae_raw_"
MAX_DIMS = 64  # without target_keys, vector keys beyond this many are ignored
MAX_EVIDENCE = 5


# -- shared helpers -----------------------------------------------------------------------


def num(value: Any) -> float | None:
    """A finite float from a JSON value, or None (bools, strings, NaN are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def g(value: float) -> str:
    """A number for a message: 4 significant digits, no trailing zeros."""
    return f"{value:.4g}"


def dimension_metrics(run: Run) -> dict[str, Metric]:
    """The per-dimension `mae_raw_<dim>` metrics, in target_keys order when known."""
    found = {
        k[len(DIM_PREFIX) :]: m
        for k, m in run.metrics.items()
        if k.startswith(DIM_PREFIX) and not k.endswith("_std")
    }
    keys = run.provenance.target_keys
    if keys:
        return {d: found[d] for d in keys if d in found}
    return found


def knob_change(ctx: RuleContext, run: Run, knob: str, new: str) -> str:
    """`ENV_NAME: current -> new` for every env variable the knob maps to."""
    names = ctx.env_names(knob)
    if not names:
        return f"{knob} -> {new}"
    return "; ".join(f"{n}: {run.env.get(n) or 'unset'} -> {new}" for n in names)


def train_examples(run: Run) -> int | None:
    value = num((run.final_metrics or {}).get("train_examples"))
    return int(value) if value is not None and value > 0 else None


_NUMERIC = frozenset({int, float})  # exact classes: a bool is not a number here


class DimStats:
    """Per-dimension sums over parsed hard-case rows (constant memory, cheap per row)."""

    __slots__ = (
        "abs_n",
        "abs_sum",
        "floor",
        "n",
        "neg",
        "pos",
        "se",
        "sp",
        "spp",
        "st",
        "stt",
        "worst",
    )

    def __init__(self) -> None:
        self.abs_n = self.n = self.pos = self.neg = 0
        self.abs_sum = self.sp = self.spp = self.st = self.stt = self.se = 0.0
        self.floor = -1.0  # smallest error among `worst` once it is full
        self.worst: list[tuple[float, int, Evidence]] = []

    def keep(self, err: float, ev: Evidence) -> None:
        """Keep the evidence of the rows with the largest errors (first seen wins ties)."""
        self.worst.append((err, -self.abs_n, ev))
        self.worst.sort(key=lambda w: (-w[0], -w[1]))
        del self.worst[MAX_EVIDENCE:]
        if len(self.worst) == MAX_EVIDENCE:
            self.floor = self.worst[-1][0]

    @property
    def abs_mean(self) -> float:
        return self.abs_sum / self.abs_n if self.abs_n else 0.0

    @property
    def pred_mean(self) -> float:
        return self.sp / self.n if self.n else 0.0

    @property
    def tgt_mean(self) -> float:
        return self.st / self.n if self.n else 0.0

    @property
    def pred_std(self) -> float:
        return math.sqrt(max(0.0, self.spp / self.n - self.pred_mean**2)) if self.n else 0.0

    @property
    def tgt_std(self) -> float:
        return math.sqrt(max(0.0, self.stt / self.n - self.tgt_mean**2)) if self.n else 0.0

    @property
    def bias(self) -> float:
        return self.se / self.n if self.n else 0.0

    def evidence(self) -> list[Evidence]:
        return [ev for _, _, ev in self.worst]


_EMPTY: dict[str, Any] = {}


class DimCollector:
    """Hard-case visitor: per-dimension errors of the rows that parsed.

    Rows with a `parse_error` are skipped: their predicted vector is the pipeline's
    mid-scale placeholder, not a model prediction. QLT002 and QLT008 need the same
    sums, so one collector per run is shared (`shared_collector`): the first rule to
    ask feeds it, the other reads it in `finish`, which the engine calls after the last
    row of the file.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.keys = run.provenance.target_keys
        self.dims: dict[str, DimStats] = {k: DimStats() for k in self.keys or ()}
        self.rows = 0
        self.unparsed = 0

    def row(self, case: HardCase) -> None:
        if case.parse_error is not None:
            self.unparsed += 1
            return
        pv = case.predicted_vector or _EMPTY
        tv = case.target_vector or _EMPTY
        ae = case.abs_error_raw or _EMPTY
        self.rows += 1
        dims = self.dims
        if not self.keys:
            for k in (*pv, *ae):
                if k not in dims and len(dims) < MAX_DIMS:
                    dims[k] = DimStats()
        for dim, s in dims.items():
            p, t, a = pv.get(dim), tv.get(dim), ae.get(dim)
            # inline finite-number checks: this loop runs for every dimension of every row
            both = p.__class__ in _NUMERIC and t.__class__ in _NUMERIC and p - p == t - t == 0
            if a.__class__ not in _NUMERIC or a - a != 0:
                if not both:
                    continue
                a = abs(p - t)
            s.abs_n += 1
            s.abs_sum += a
            if a > s.floor:
                s.keep(a, case.evidence)
            if both:
                s.n += 1
                s.sp += p
                s.spp += p * p
                s.st += t
                s.stt += t * t
                e = p - t
                s.se += e
                if e > 0:
                    s.pos += 1
                elif e < 0:
                    s.neg += 1

    def finish(self) -> Iterable[Finding]:
        return ()


class _Reader:
    """The second rule's view of a shared collector: rows are fed by the first."""

    def __init__(self, collector: DimCollector) -> None:
        self.collector = collector

    def row(self, case: HardCase) -> None:
        return None

    def finish(self) -> Iterable[Finding]:
        return ()


def shared_collector(run: Run, ctx: RuleContext) -> tuple[DimCollector, DimCollector | _Reader]:
    """The run's collector in this lint, and the visitor to hand the engine: the
    collector itself for the first rule that asks (it feeds), a reader for the others.
    The collector lives in the engine's `ctx.shared`, so it dies with the lint."""
    key = ("quality.dims", run.name)
    found = ctx.shared.get(key)
    if found is not None and found.run is run:
        return found, _Reader(found)
    collector = ctx.shared[key] = DimCollector(run)
    return collector, collector


# -- QLT001 -------------------------------------------------------------------------------


class MaeThreshold(Rule):
    """What it detects: a run whose `mae_raw` or `mae_norm` is above a configured
    maximum. Off unless `max_mae_raw` or `max_mae_norm` is set; `mae_norm` falls back to
    `mae_raw / target_scale` when the run does not report it.

    Why it matters: an absolute quality bar is what a product can promise; a candidate
    that beats its baseline can still be too inaccurate to ship.

    What the planner does: ranks the run by how far it is above the bar (the
    `excess_ratio` measurement) and keeps its promotion gate closed.
    """

    code = "QLT001"
    name = "mae-threshold"
    category = Category.QUALITY
    default_severity = Severity.ERROR
    opt_in = True
    params = {
        "max_mae_raw": Param(
            None,
            "largest acceptable mae_raw (0..scale units); null = off",
            type="number",
            nullable=True,
            minimum=0,
        ),
        "max_mae_norm": Param(
            None,
            "largest acceptable mae_norm (0..1); null = off",
            type="number",
            nullable=True,
            minimum=0,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        scale = run.provenance.target_scale
        raw = run.metric("mae_raw")
        norm, norm_key = run.metric("mae_norm"), "mae_norm"
        if norm is None and raw is not None and scale:
            norm, norm_key = raw / scale, "mae_raw"
        for key, value, limit in (
            ("mae_raw", raw, ctx.params["max_mae_raw"]),
            ("mae_norm", norm, ctx.params["max_mae_norm"]),
        ):
            if limit is None or value is None or value <= limit:
                continue
            ev = run.metric_evidence(norm_key if key == "mae_norm" else key)
            derived = " (mae_raw / target_scale)" if key == "mae_norm" and norm_key != key else ""
            yield ctx.finding(
                run,
                f"{key} {g(value)}{derived} is above the maximum {g(limit)}",
                anchor=key,
                evidence=[ev] if ev else [],
                measurements={
                    "metric": key,
                    "value": value,
                    "max": limit,
                    "excess_ratio": value / limit if limit else math.inf,
                },
            )


# -- QLT002 -------------------------------------------------------------------------------


class HighErrorDimension(Rule):
    """What it detects: target dimensions whose error stands out from the others. A
    dimension is flagged when its `mae_raw_<dim>` is at least `ratio` times the median
    of the other dimensions (and at least `min_gap_norm` x target_scale above it). The
    mean per-dimension error of the parsed hard cases (`abs_error_raw`; unparsed rows
    carry placeholder predictions and are left out) corroborates it, and replaces the
    metrics when a run has no per-dimension metrics.

    Why it matters: one weak dimension hides in the overall `mae_raw`; more epochs or a
    different learning rate move all dimensions, while the fix is usually data: too few
    or badly labelled training rows for that dimension.

    What the planner does: a tier-3 data action to add a concrete number of training
    rows targeting the flagged dimensions (`rows_per_dim` per dimension, or
    `train_share_per_dim` of `train_examples` when that is larger), and sets the
    `focus_dims` knob to the flagged dimensions.
    """

    code = "QLT002"
    process_group = "row-quality"  # shares ctx.shared with the other row-quality rules
    name = "high-error-dimension"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "ratio": Param(
            1.5, "flag a dimension at >= ratio x the median of the others", exclusive_minimum=1
        ),
        "min_gap_norm": Param(
            0.02,
            "a flagged dimension must also exceed that median by this x target_scale",
            minimum=0,
            maximum=1,
        ),
        "rows_per_dim": Param(
            200, "targeted training rows to add per flagged dimension", type="integer", minimum=1
        ),
        "train_share_per_dim": Param(
            0.1,
            "targeted rows per dimension as a share of train_examples, used when more than rows_per_dim; null = off",
            type="number",
            nullable=True,
            minimum=0,
            maximum=1,
        ),
        "min_hard_case_rows": Param(
            5, "parsed hard cases needed to use their errors", type="integer", minimum=1
        ),
    }

    def __init__(self) -> None:
        self.collected: dict[str, DimCollector] = {}

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> DimCollector | _Reader:
        self.collected[run.name], visitor = shared_collector(run, ctx)
        return visitor

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        p = ctx.params
        hard = self.collected.pop(run.name, None)
        hard_dims = {
            d: s
            for d, s in (hard.dims.items() if hard else ())
            if s.abs_n >= p["min_hard_case_rows"]
        }
        metrics = dimension_metrics(run)
        values = {d: m.value for d, m in metrics.items()}
        from_metrics = len(values) >= 2
        if not from_metrics:
            values = {d: s.abs_mean for d, s in hard_dims.items()}
        if len(values) < 2:
            return
        scale = run.provenance.target_scale
        flagged: list[tuple[str, float, float]] = []
        for dim, value in values.items():
            ref = median([v for d, v in values.items() if d != dim])
            gap_ok = scale is None or value - ref >= p["min_gap_norm"] * scale
            if value > 0 and (ref <= 0 or value / ref >= p["ratio"]) and gap_ok:
                flagged.append((dim, value, ref))
        if not flagged:
            return
        names = [d for d, _, _ in flagged]
        parts = []
        for dim, value, ref in flagged:
            s = hard_dims.get(dim)
            if from_metrics:
                what = f"mae_raw_{dim}"
            else:
                what = f"{dim} mean abs error over {s.abs_n if s else 0} parsed hard cases"
            text = f"{what} {g(value)} is {value / ref if ref > 0 else math.inf:.2f}x the "
            text += f"median {g(ref)} of the other {len(values) - 1} dimensions"
            if s is not None and from_metrics:
                others = median([o.abs_mean for d, o in hard_dims.items() if d != dim] or [0.0])
                agree = "agree" if s.abs_mean >= p["ratio"] * others else "do not single it out"
                text += (
                    f"; parsed hard cases {agree}: mean abs error {g(s.abs_mean)} vs "
                    f"{g(others)} over {s.abs_n} rows"
                )
            parts.append(text)
        per_dim = p["rows_per_dim"]
        n_train = train_examples(run)
        if n_train and p["train_share_per_dim"] is not None:
            per_dim = max(per_dim, math.ceil(p["train_share_per_dim"] * n_train))
        total = per_dim * len(names)
        evidence = [m.evidence for d, m in metrics.items() if d in names]
        for dim in names:
            if dim in hard_dims:
                evidence += hard_dims[dim].evidence()[:3]
        directions = []
        for dim in names:
            s = hard_dims.get(dim)
            if s is not None and s.n and abs(s.bias) > 0:
                word = "under" if s.bias < 0 else "over"
                directions.append(f"{dim} is {word}-predicted by {g(abs(s.bias))} on average")
        hint = f" In the parsed hard cases {', '.join(directions)}." if directions else ""
        listed = ",".join(names)
        rng = f"0..{g(scale)}" if scale else "its range"
        yield ctx.finding(
            run,
            "; ".join(parts) + f"; threshold {g(p['ratio'])}x",
            anchor="focus_dims:" + listed,
            evidence=evidence,
            measurements={
                "dims": names,
                "source": "metrics" if from_metrics else "hard_cases",
                "values": {d: v for d, v, _ in flagged},
                "median_others": {d: r for d, _, r in flagged},
                "ratios": {d: (v / r if r > 0 else math.inf) for d, v, r in flagged},
                "hard_case_mean_abs_error": {d: s.abs_mean for d, s in hard_dims.items()},
                "rows_to_add": total,
                "train_examples": n_train,
            },
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add {total} training rows targeting {', '.join(names)} "
                    f"({per_dim} per dimension): requests whose {'/'.join(names)} targets "
                    f"cover {rng}, weighted toward the values the model gets wrong.{hint}",
                    why="the error is concentrated in these dimensions, not spread evenly",
                    value=total,
                    expected=", ".join(
                        f"mae_raw_{d} from {g(v)} toward {g(r)}" for d, v, r in flagged
                    ),
                    rollback_trigger="mae_raw or another dimension's mae_raw_<dim> worse "
                    "than this run by more than the QLT003 tolerance",
                ),
                Action(
                    tier=3,
                    kind="env",
                    knob="focus_dims",
                    value=names,
                    text=knob_change(ctx, run, "focus_dims", listed),
                    why="weights or oversamples training rows on the weak dimensions",
                    expected=f"mae_raw_{names[0]} falls without other dimensions rising",
                ),
            ],
        )


# -- QLT003 -------------------------------------------------------------------------------


class _PairRows:
    """Per-sample errors of one run's hard cases, kept for QLT003's paired bootstrap."""

    def __init__(self, store: dict[str, dict[str, dict[str, float]] | str], run: Run, cap: int):
        self.store, self.run, self.cap = store, run, cap
        self.rows: dict[str, dict[str, float]] = {}
        self.overflow = False

    def row(self, case: HardCase) -> None:
        if self.overflow or case.sample_id is None or case.sample_id in self.rows:
            return
        values = {
            DIM_PREFIX + d: v
            for d, e in (case.abs_error_raw or {}).items()
            if (v := num(e)) is not None
        }
        mae = num(case.mae_raw)
        if mae is None and values:
            mae = sum(values.values()) / len(values)
        if mae is not None:
            values["mae_raw"] = mae
        if not values:
            return
        if len(self.rows) >= self.cap:
            self.overflow, self.rows = True, {}
            return
        self.rows[case.sample_id] = values

    def finish(self) -> Iterable[Finding]:
        self.store[self.run.name] = (
            f"{self.run.name} has more than {self.cap} hard-case rows (max_paired_rows)"
            if self.overflow
            else self.rows
        )
        return ()


class QualityRegression(Rule):
    """What it detects: a candidate whose MAE got worse than the baseline's. Checked
    for `mae_raw` and every `mae_raw_<dim>`, each against `relative_tolerance`. When
    both runs' hard cases hold per-row errors for the same samples (at least
    `min_paired_rows`), the message adds a seeded paired bootstrap interval of the
    per-row difference over those samples; hard cases are each run's worst rows, so
    unless they cover the whole eval set the interval describes the shared hard rows,
    not the eval set. Otherwise the message says the comparison is a point estimate.
    Runs on different target scales are skipped: PRV001 reports them as incomparable.

    Why it matters: a fine-tune that fixes the output format can still predict worse
    values; a per-dimension regression hides inside a flat overall MAE.

    What the planner does: lists each regressed metric with its change and interval; a
    regression whose interval excludes zero is an error and ranks above one the data
    cannot resolve. It proposes no change itself: the dimension rules (QLT002, QLT008)
    name the data fix, and the promotion gate judges `mae_raw`.
    """

    code = "QLT003"
    process_group = "row-quality"
    name = "quality-regression"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "relative_tolerance": Param(
            0.02, "allowed relative increase over the baseline", minimum=0, maximum=10
        ),
        "min_paired_rows": Param(
            5, "shared hard-case samples needed for the bootstrap", type="integer", minimum=2
        ),
        "max_paired_rows": Param(
            5000,
            "a run with more hard-case rows than this is compared by point estimate only",
            type="integer",
            minimum=2,
        ),
        "n_resamples": Param(
            2000, "bootstrap resamples", type="integer", minimum=100, maximum=100000
        ),
        "confidence": Param(
            0.95, "two-sided bootstrap coverage", exclusive_minimum=0, maximum=0.999
        ),
        "seed": Param(0, "bootstrap random seed", type="integer", minimum=0),
    }

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, float]] | str] = {}

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _PairRows | None:
        if run.name not in (ctx.campaign.baseline, ctx.campaign.candidate):
            return None
        return _PairRows(self.rows, run, ctx.params["max_paired_rows"])

    def check_pair(self, baseline: Run, candidate: Run, ctx: RuleContext) -> Iterator[Finding]:
        sb, sc = baseline.provenance.target_scale, candidate.provenance.target_scale
        if sb is not None and sc is not None and sb != sc:
            return  # incomparable: PRV001's finding
        paired, why_not = self._paired(baseline, candidate, ctx)
        keys = ["mae_raw"] + [DIM_PREFIX + d for d in dimension_metrics(candidate)]
        for key in keys:
            yield from self._compare(key, baseline, candidate, paired, why_not, ctx)

    def _paired(
        self, baseline: Run, candidate: Run, ctx: RuleContext
    ) -> tuple[list[tuple[dict[str, float], dict[str, float]]], str]:
        b, c = self.rows.get(baseline.name), self.rows.get(candidate.name)
        for run, rows in ((baseline, b), (candidate, c)):
            if isinstance(rows, str):
                return [], rows
            if not rows:
                return [], f"no per-row errors in the hard cases of {run.name}"
        if not isinstance(b, dict) or not isinstance(c, dict):
            return [], "no per-row errors"
        for field in ("dataset_version", "eval_path"):
            vb, vc = getattr(baseline.provenance, field), getattr(candidate.provenance, field)
            if vb is not None and vc is not None and vb != vc:
                return [], f"sample ids are not comparable ({field} {vb} vs {vc})"
        shared = sorted(set(b) & set(c))
        if len(shared) < ctx.params["min_paired_rows"]:
            return [], (
                f"only {len(shared)} samples shared by both runs' hard cases "
                f"(< {ctx.params['min_paired_rows']})"
            )
        return [(b[s], c[s]) for s in shared], ""

    def _compare(
        self,
        key: str,
        baseline: Run,
        candidate: Run,
        paired: list[tuple[dict[str, float], dict[str, float]]],
        why_not: str,
        ctx: RuleContext,
    ) -> Iterator[Finding]:
        p = ctx.params
        b, c = baseline.metric(key), candidate.metric(key)
        if b is None or c is None:
            return
        delta = c - b
        if delta <= 0 or delta <= p["relative_tolerance"] * abs(b):
            return
        rel = delta / b if b > 0 else math.inf
        pct = f"{rel:+.1%}" if math.isfinite(rel) else "from 0"
        m: dict[str, Any] = {
            "metric": key,
            "baseline": b,
            "candidate": c,
            "delta": delta,
            "relative_delta": rel,
            "tolerance": p["relative_tolerance"],
            "method": "point_estimate",
        }
        pairs = [(x[key], y[key]) for x, y in paired if key in x and key in y]
        severity = None
        if len(pairs) >= p["min_paired_rows"]:
            ci = bootstrap_mean_diff(
                [x for x, _ in pairs],
                [y for _, y in pairs],
                paired=True,
                n_resamples=p["n_resamples"],
                confidence=p["confidence"],
                seed=p["seed"],
            )
            size = candidate.provenance.eval_size
            scope = (
                "the whole eval set"
                if size and len(pairs) >= size
                else f"{len(pairs)} samples in both runs' hard cases (worst rows only)"
            )
            stat = (
                f"paired bootstrap over {scope}: {ci.point:+.4g}, "
                f"{p['confidence']:.0%} CI [{ci.low:+.4g}, {ci.high:+.4g}]"
            )
            m.update(
                method="paired_bootstrap",
                n_paired=len(pairs),
                paired_mean_diff=ci.point,
                ci_low=ci.low,
                ci_high=ci.high,
                confidence=p["confidence"],
            )
            severity = Severity.ERROR if ci.low > 0 else None
        else:
            reason = why_not or f"only {len(pairs)} shared rows report {key}"
            stat = f"point estimate only: {reason}"
        evidence = [e for e in (candidate.metric_evidence(key), baseline.metric_evidence(key)) if e]
        yield ctx.finding(
            candidate,
            f"{key} {g(c)} vs baseline {baseline.name} {g(b)}: {delta:+.4g} ({pct}), beyond "
            f"the {p['relative_tolerance']:.0%} tolerance; {stat}",
            anchor=key,
            evidence=evidence,
            measurements=m,
            severity=severity,
        )


# -- QLT007 -------------------------------------------------------------------------------


class WorseThanConstant(Rule):
    """What it detects: a model no better than a constant guess. Either `r2_score` is
    below `max_r2` (0: worse than predicting each dimension's eval-set mean), or
    `mae_raw` is at least the MAE of always predicting mid-scale. Without per-row
    targets that MAE is estimated as `constant_mae_factor` x target_scale: 0.25 is the
    expected |y - scale/2| of targets spread uniformly over 0..scale (targets that
    cluster near mid-scale make the true constant MAE smaller, so lower the factor when
    you know your label distribution).

    Why it matters: such a model has learnt nothing usable about the input; comparing it
    with a baseline or tuning its hyperparameters is wasted effort, and its "quality"
    numbers may be mostly placeholder predictions.

    What the planner does: ranks the run by `r2_score` or `mae_ratio` and keeps it out
    of promotion; the fix is data or a working output format, not a hyperparameter.
    """

    code = "QLT007"
    name = "worse-than-constant"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "max_r2": Param(0.0, "flag r2_score below this", maximum=1),
        "constant_mae_factor": Param(
            0.25,
            "constant-guess MAE as a share of target_scale (uniform targets: 0.25)",
            exclusive_minimum=0,
            maximum=1,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        p = ctx.params
        scale = run.provenance.target_scale
        raw = run.metric("mae_raw")
        factor = p["constant_mae_factor"]
        constant = factor * scale if scale else None
        r2 = run.metric("r2_score")
        if r2 is not None and r2 < p["max_r2"]:
            extra = ""
            if raw is not None and constant is not None:
                extra = f" (mae_raw {g(raw)}; mid-scale constant guess about {g(constant)})"
            ev = run.metric_evidence("r2_score")
            yield ctx.finding(
                run,
                f"r2_score {g(r2)} < {g(p['max_r2'])}: predictions explain less variance "
                f"than predicting each dimension's mean{extra}",
                anchor="r2_score",
                evidence=[ev] if ev else [],
                measurements={
                    "r2_score": r2,
                    "max_r2": p["max_r2"],
                    "mae_raw": raw,
                    "constant_mae": constant,
                },
            )
        value, key, limit = raw, "mae_raw", constant
        if raw is None or constant is None:
            value, key, limit = run.metric("mae_norm"), "mae_norm", factor
        if value is None or limit is None or value < limit:
            return
        scale_ev = run.metric_evidence("target_scale")
        yield ctx.finding(
            run,
            f"{key} {g(value)} >= {g(limit)}, the estimated MAE of always predicting "
            f"mid-scale ({g(factor)} x target_scale{' ' + g(scale) if scale else ''}, "
            "uniform targets)",
            anchor=key,
            evidence=[e for e in (run.metric_evidence(key), scale_ev) if e],
            measurements={
                key: value,
                "constant_mae": limit,
                "mae_ratio": value / limit,
                "constant_mae_factor": factor,
            },
        )


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    from ftlint.rules.quality_hardcases import RULES as HARD_CASE_RULES

    return [
        MaeThreshold,
        HighErrorDimension,
        QualityRegression,
        WorseThanConstant,
        *HARD_CASE_RULES,
    ]
