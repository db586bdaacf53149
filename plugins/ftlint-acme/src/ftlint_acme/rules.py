"""ACME's team policy, as two ftlint rules.

ACME001 `min-eval-size` (opt-in): an eval set smaller than the team's minimum.
ACME002 `sampled-eval`: an eval decoded with a temperature above the team's maximum,
read from the env variable(s) of the plugin's own planner knob `acme_temperature`.

Rules never open files: they read the `Run` that ftlint loaded, cite evidence that
points at the exact place (file + JSON pointer, or file:line), and take every
threshold from `ctx.params`, so a team tunes them in rules.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from ftlint.model import Action, Category, Evidence, Finding, Run, Severity, pointer
from ftlint.rule import Param, Rule, RuleContext

TEMPERATURE_KNOB = "acme_temperature"
#: this plugin's planner knobs and their default env variables (see plugin.ftlint_knobs)
KNOBS: Mapping[str, tuple[str, ...]] = {TEMPERATURE_KNOB: ("EVAL_TEMPERATURE",)}


def _num(value: float) -> str:
    """200.0 -> "200", 0.25 -> "0.25"."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class MinEvalSize(Rule):
    """What it detects: A run evaluated on fewer rows than ACME's minimum eval set size.
    The size is `valid_examples` in final_metrics.json or `evaluated_count` in an eval
    result.

    Why it matters: On 80 rows one output that flips from parsed to unparsed moves
    json_valid_rate by 1.25 points, so differences between runs are mostly noise. ACME
    compares and promotes only runs measured on at least `min_rows` rows.

    What the planner does: Asks for the eval set to be regenerated with at least
    `min_rows` rows (a data action) before any tuning decision is based on this run.
    Off unless selected or configured: `rules: {ACME001: {min_rows: 200}}`.
    """

    code = "ACME001"
    name = "min-eval-size"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    opt_in = True
    runs_independent = True  # no state on the instance: --jobs may run check_run elsewhere
    params = {"min_rows": Param(200, "smallest eval set ACME accepts, in rows", minimum=1)}

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        size = run.provenance.eval_size
        minimum = ctx.params["min_rows"]
        if size is None or size >= minimum:
            return
        yield ctx.finding(
            run,
            f"eval set has {size} rows, below ACME's minimum of {_num(minimum)}",
            anchor="eval_size",
            evidence=_eval_size_evidence(run),
            measurements={"eval_size": size, "min_rows": minimum},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"regenerate the eval set with at least {_num(minimum)} rows (now {size})",
                    why=f"on {size} rows one flipped output moves a rate by "
                    f"{100 / size:.2g} points",
                    expected="narrower intervals: comparisons between runs become decidable",
                    rollback_trigger="none: a larger eval set only removes noise",
                )
            ],
        )


def _eval_size_evidence(run: Run) -> list[Evidence]:
    """Where the eval size was read: final_metrics.json or the eval result."""
    for path, doc, key in (
        (run.final_metrics_path, run.final_metrics, "valid_examples"),
        (run.eval_result_path, run.eval_result, "evaluated_count"),
    ):
        if path and isinstance(doc, Mapping) and doc.get(key) is not None:
            return [Evidence(path, pointer=pointer(key))]
    return []


class EvalTemperature(Rule):
    """What it detects: An eval that sampled instead of decoding greedily. The env
    variable of the `acme_temperature` knob (EVAL_TEMPERATURE unless rules.yaml remaps
    it) is above `max_temperature`, or is not a number.

    Why it matters: With sampling, two evals of the same adapter give different
    json_valid_rate and mae_raw, so a baseline/candidate difference can be pure decoding
    noise. ACME evaluates at temperature 0 so every comparison is repeatable.

    What the planner does: Proposes setting the knob back to `max_temperature` for the
    next eval (a tier-2 decode action, e.g. `EVAL_TEMPERATURE: 0.7 -> 0`).
    """

    code = "ACME002"
    name = "sampled-eval"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    runs_independent = True  # no state on the instance: --jobs may run check_run elsewhere
    params = {
        "max_temperature": Param(
            0.0, "highest eval temperature ACME accepts (0 = greedy)", minimum=0
        )
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        limit = ctx.params["max_temperature"]
        names = ctx.env_names(TEMPERATURE_KNOB) or KNOBS[TEMPERATURE_KNOB]
        for name in names:
            raw = run.env.get(name)
            if raw is None:
                continue
            source = run.env_sources.get(name)
            evidence = [source] if source is not None else []
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                yield ctx.finding(
                    run,
                    f"{name}={raw!r} is not a number, so the eval temperature is unknown",
                    anchor=f"{name}:invalid",
                    evidence=evidence,
                    actions=[self._action(name, raw, limit)],
                )
            elif value > limit:
                yield ctx.finding(
                    run,
                    f"{name} {raw} is above ACME's maximum eval temperature {_num(limit)}: "
                    "outputs are sampled, so metrics vary between evals of the same adapter",
                    anchor=name,
                    evidence=evidence,
                    measurements={"temperature": value, "max_temperature": limit},
                    actions=[self._action(name, raw, limit)],
                )

    @staticmethod
    def _action(name: str, raw: str, limit: float) -> Action:
        return Action(
            tier=2,
            kind="decode",
            knob=TEMPERATURE_KNOB,
            value=limit,
            text=f"{name}: {raw} -> {_num(limit)}",
            why="greedy decoding makes the eval repeatable",
            expected="json_valid_rate and mae_raw stop varying between evals of one adapter",
            rollback_trigger=f"json_valid_rate falls after {name} is set to {_num(limit)}",
        )
