"""The v2 view of runs read by the original loaders (HF Jobs layout, W&B folders).

Those loaders fill the v1 fields (`series`, `wandb_history`, `env`, `exit_code`); this
module derives the fields every stack's runs share, so rules and reports read one
model whatever the source: canonical curves, settings as the stack names them, status,
display label and the adapters that fed the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ftlint.model import Evidence, Point, SeriesPoint
from ftlint.vocabulary import as_number, ignored, resolve


def curves_from_series(*series: Iterable[SeriesPoint]) -> dict[str, tuple[Point, ...]]:
    """Canonical curves from v1 series points (`iter_eval_metrics.jsonl`, W&B history):
    the first source that has a curve keeps it (the iteration file before W&B)."""
    out: dict[str, dict[float, Point]] = {}
    names: dict[str, str | None] = {}  # key -> curve name (None: ignored), once per key
    for points in series:
        mine: dict[str, dict[float, Point]] = {}
        for point in points:
            for key, value in point.metrics.items():
                number = as_number(value)
                if number is None:
                    continue
                if key in names:
                    name = names[key]
                else:
                    name = names[key] = None if ignored(key) else _curve_name(key)
                if name is None:
                    continue
                mine.setdefault(name, {})[float(point.step)] = Point(
                    point.step, number, point.evidence
                )
        for name, by_step in mine.items():
            out.setdefault(name, by_step)
    return {
        name: tuple(by_step[s] for s in sorted(by_step)) for name, by_step in sorted(out.items())
    }


def _curve_name(key: str) -> str:
    res = resolve(key)
    if res.name == "loss":
        return f"{res.split}_loss"
    if res.name in ("learning_rate", "grad_norm", "epoch", "step"):
        return res.name
    return res.canonical


def status_of(
    exit_code: int | None, finished: bool | None, has_results: bool, submissions: Iterable[Any]
) -> str:
    """finished | crashed | killed | running | unknown, from what the v1 sources say."""
    if finished is True or exit_code == 0:
        return "finished"
    if exit_code is not None:
        return "crashed"
    if finished is False:
        return "killed"  # a W&B run with no exit record: killed (or still running)
    if has_results:
        return "finished"
    codes = [s.exit_code for s in submissions if getattr(s, "exit_code", None) is not None]
    if codes and codes[-1] != 0:
        return "crashed"
    return "unknown"


def settings_of(
    env: Mapping[str, str],
    env_sources: Mapping[str, Evidence],
    wandb_config: Mapping[str, Any] | None,
    wandb_evidence: Mapping[str, Evidence] | None,
) -> tuple[dict[str, Any], dict[str, Evidence]]:
    """The run's settings as its stack names them: `--env` pairs first, then W&B config
    values (TrainingArguments when the HF integration logged them)."""
    settings: dict[str, Any] = dict(env)
    evidence: dict[str, Evidence] = dict(env_sources)
    for key, value in (wandb_config or {}).items():
        if key.startswith("_") or key in settings:
            continue
        settings[key] = value
        if wandb_evidence and key in wandb_evidence:
            evidence[key] = wandb_evidence[key]
    return settings, evidence


def table_rows(tables: Iterable[Any], eval_size: int | None) -> tuple[Any, ...]:
    """The W&B prediction tables of a run as eval-row files (tables of outputs only)."""
    from ftlint.sources.wandb_tables import row_file_for

    return tuple(rf for t in tables if (rf := row_file_for(t, eval_size)) is not None)
