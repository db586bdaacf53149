"""A run's provenance picked from its sources, disagreements kept as `Conflict`s.

Sources in priority order: final_metrics.json, the eval result, job submissions (train
first), then the W&B config; the first value of each field wins, and every other value
that differs is kept with its evidence, never silently overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ftlint.model import Conflict, Evidence, Provenance
from ftlint.model import pointer as make_pointer
from ftlint.sources.hfjobs.draft import Draft

#: W&B config keys that state provenance (lowest priority after outputs and job records)
WANDB_PROVENANCE = (
    ("FT_DATASET_VERSION", "dataset_version"),
    ("dataset_version", "dataset_version"),
    ("HF_FT_TARGET_SCALE", "target_scale"),
    ("target_scale", "target_scale"),
    ("HF_BASE_MODEL_ID", "base_model"),
    ("HF_FT_OUTPUT_MODEL_ID", "adapter"),
)


def provenance_of(
    d: Draft, fm: dict[str, Any], er: dict[str, Any]
) -> tuple[Provenance, list[Conflict]]:
    """Pick each provenance field from its sources; keep disagreements as Conflicts."""
    cands: dict[str, list[tuple[Any, Evidence]]] = defaultdict(list)
    fm_path = d.data.get("final_metrics_path")
    er_path = d.data.get("eval_result_path")

    def add(field_name: str, value: Any, ev: Evidence) -> None:
        if value is None or value == "" or isinstance(value, (dict, bool)):
            return
        cands[field_name].append((value, ev))

    if fm_path:
        for key, fname in (
            ("dataset_version", "dataset_version"),
            ("target_scale", "target_scale"),
            ("objective", "objective"),
            ("valid_examples", "eval_size"),
            ("hub_model_id", "adapter"),
        ):
            add(fname, fm.get(key), Evidence(fm_path, None, make_pointer(key)))
        keys = fm.get("target_keys")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            add("target_keys", tuple(keys), Evidence(fm_path, None, "/target_keys"))
        eval_block = fm.get("eval") if isinstance(fm.get("eval"), dict) else {}
        add(
            "target_scale",
            eval_block.get("target_scale"),
            Evidence(fm_path, None, "/eval/target_scale"),
        )
    if er_path:
        for key, fname in (
            ("dataset_version", "dataset_version"),
            ("evaluated_count", "eval_size"),
            ("mode", "mode"),
            ("local_adapter_model_id", "adapter"),
            ("local_base_model_id", "base_model"),
            ("dataset_path", "eval_path"),
        ):
            add(fname, er.get(key), Evidence(er_path, None, make_pointer(key)))
        metrics = er.get("metrics") if isinstance(er.get("metrics"), dict) else {}
        add(
            "target_scale",
            metrics.get("target_scale"),
            Evidence(er_path, None, "/metrics/target_scale"),
        )
    for sub in sorted(d.submissions, key=lambda s: (s.kind != "train", s.evidence.line or 0)):
        ev = Evidence(sub.evidence.path, sub.evidence.line, "/command")
        env = sub.env
        if sub.kind == "train":
            add("base_model", sub.base_model_id, ev)
            add("adapter", sub.output_model_id, ev)
            add("dataset_version", env.get("FT_DATASET_VERSION"), ev)
            add("target_scale", env.get("HF_FT_TARGET_SCALE"), ev)
        else:
            add("base_model", sub.base_model_id, ev)
            add("mode", sub.mode, ev)
            add("eval_path", sub.dataset_path, ev)
            add("target_scale", env.get("EVAL_TARGET_SCALE"), ev)
    if d.wandb is not None:
        cfg, cfg_ev = d.wandb.config, d.wandb.config_evidence
        for key, fname in WANDB_PROVENANCE:
            if key in cfg:
                add(fname, cfg[key], cfg_ev[key])
        size = d.wandb.metrics.get("eval_size")  # evaluated_count, eval_samples, ...
        if size is not None and size.value == int(size.value):
            add("eval_size", int(size.value), size.evidence)
    chosen: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for fname, values in sorted(cands.items()):
        normal = {_normalise(v) for v, _ in values}
        chosen[fname] = values[0][0]
        if len(normal) > 1:
            conflicts.append(Conflict(fname, tuple(values)))
    return (
        Provenance(
            base_model=_opt_str(chosen.get("base_model")),
            adapter=_opt_str(chosen.get("adapter")),
            dataset_version=_opt_str(chosen.get("dataset_version")),
            eval_path=_opt_str(chosen.get("eval_path")),
            eval_size=_opt_int(chosen.get("eval_size")),
            target_scale=_opt_float(chosen.get("target_scale")),
            target_keys=chosen.get("target_keys"),
            objective=_opt_str(chosen.get("objective")),
            mode=_opt_str(chosen.get("mode")),
        ),
        conflicts,
    )


def _normalise(value: Any) -> Any:
    number = _opt_float(value)
    return number if number is not None else str(value)


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _opt_int(value: Any) -> int | None:
    number = _opt_float(value)
    return int(number) if number is not None and number.is_integer() else None


def _opt_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
