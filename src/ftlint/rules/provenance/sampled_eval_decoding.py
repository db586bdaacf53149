"""PRV009 sampled-eval-decoding: An eval that generated with sampling on and one sample
per row, so its score is one draw of a random variable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, Run, Severity
from ftlint.rule import Rule, RuleContext
from ftlint.vocabulary import as_number

#: settings that ask for several samples per row (self-consistency, pass@k): then
#: sampling is the method, not noise
SAMPLES_KEYS = ("num_return_sequences", "n", "repeats", "num_samples", "n_samples")
#: canonical metrics only a generating eval produces
GENERATION_METRICS = ("bleu", "rouge", "exact_match", "json_valid_rate", "parse_error_rate")


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            return as_number(float(value))
        except ValueError:
            return None
    return as_number(value)


def decoding_groups(settings: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, Any]]]:
    """Decoding settings by scope: `""` for the run, `<task>` for lm-eval's per-task
    `generation_kwargs` (`gsm8k/do_sample`); each field -> (setting name, value)."""
    wanted = ("do_sample", "temperature", "top_k", *SAMPLES_KEYS)
    groups: dict[str, dict[str, tuple[str, Any]]] = {}
    for key, value in settings.items():
        scope, _, field = key.rpartition("/")
        if field in wanted:
            groups.setdefault(scope, {})[field] = (key, value)
    return groups


def generated(run: Run) -> bool:
    """The run's eval generated text: it has eval rows, is an eval run, or logged a
    metric only generation produces. A training config alone says nothing."""
    if run.row_files or run.kind == "eval" or run.hard_cases_path:
        return True
    for name in run.metrics:
        base = name.rpartition("/")[2]
        if base.startswith(GENERATION_METRICS):
            return True
    return False


class SampledEvalDecoding(Rule):
    """What it detects: an eval that generated with sampling on and one sample per row.
    Sampling on: `do_sample: true`, or a temperature above 0 without `do_sample: false`
    (in the run's settings: a LLaMA-Factory YAML, lm-eval's per-task
    `generation_kwargs`, a W&B config). One sample per row: no `num_return_sequences`,
    `n` or `repeats` above 1. Only runs whose eval generated text (eval rows, an eval
    run, generation metrics) are judged; a `temperature` of 0 or `top_k: 1` is greedy.

    Why it matters: with sampling, each row's answer is one random draw; the score moves
    from run to run by chance (often by several points on a few hundred rows), so a
    comparison or a gate measures the seed as much as the adapter, and format failures
    appear and vanish at random.

    What the planner does: a tier-2 decode action: greedy decoding (`do_sample: false`,
    temperature 0) for every gated eval; when sampling is the point, several samples per
    row and the mean with its interval.
    """

    code = "PRV009"
    name = "sampled-eval-decoding"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        if not generated(run):
            return
        for scope, fields in sorted(decoding_groups(run.settings).items()):
            yield from self._check(run, ctx, scope, fields)

    def _check(
        self, run: Run, ctx: RuleContext, scope: str, fields: dict[str, tuple[str, Any]]
    ) -> Iterator[Finding]:
        do_sample = _bool(fields["do_sample"][1]) if "do_sample" in fields else None
        temperature = _number(fields["temperature"][1]) if "temperature" in fields else None
        top_k = _number(fields["top_k"][1]) if "top_k" in fields else None
        if do_sample is False or temperature == 0 or top_k == 1:
            return
        if do_sample is None and (temperature is None or temperature <= 0):
            return
        for key in SAMPLES_KEYS:
            count = _number(fields[key][1]) if key in fields else None
            if count is not None and count > 1:
                return
        shown = [
            f"{fields[k][0]}: {fields[k][1]}" for k in ("do_sample", "temperature") if k in fields
        ]
        where = f" ({scope})" if scope else ""
        evidence = [
            ev
            for k in ("do_sample", "temperature")
            if k in fields and (ev := run.settings_evidence.get(fields[k][0])) is not None
        ]
        names = {k: fields[k][0] if k in fields else k for k in ("do_sample", "temperature")}
        yield ctx.finding(
            run,
            f"eval generation{where} samples ({', '.join(shown)}) with one sample per row: "
            "its scores are one random draw, so run-to-run differences can be chance",
            anchor=scope or "decoding",
            evidence=_unique(evidence),
            measurements={
                "scope": scope,
                "do_sample": do_sample,
                "temperature": temperature,
            },
            actions=[
                Action(
                    tier=2,
                    kind="decode",
                    text=f"{names['do_sample']}: false and {names['temperature']}: 0 (greedy) "
                    "for every gated eval",
                    why="greedy decoding makes the eval repeatable; a gate then measures "
                    "the adapter, not the seed",
                    expected="the same adapter scores the same on a re-run",
                ),
                Action(
                    tier=2,
                    kind="process",
                    text="if sampling is intended, draw several samples per row and report "
                    "the mean with its interval",
                    why="one sample per row cannot separate the adapter from chance",
                    expected="a score whose run-to-run spread is known",
                ),
            ],
        )


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    out: list[Evidence] = []
    for ev in evidence:
        if ev not in out:
            out.append(ev)
    return out
