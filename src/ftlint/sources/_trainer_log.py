"""Readers for the HF Trainer files of a run folder, shared by `hf_trainer` and
`llamafactory`: `trainer_state.json` (and its `checkpoint-*/` copies), the
`*_results.json` summaries, `training_args.json`, training-args YAMLs and PEFT's
`adapter_config.json`.

Checkpoint copies repeat the history up to their step, so only the latest state (the
top-level one, else the highest checkpoint) feeds the run; the others are read only to
cite a disagreement at a shared step. `training_args.bin` is a pickle and never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ftlint import frozen
from ftlint.model import Evidence, Problem, pointer
from ftlint.sources._trainer_files import (
    Parts,
    add_args,
    check_file,
    load_json,
    number,
    same,
    step_of,
    yaml_args,
)
from ftlint.sources.io import Workspace

RESULT_FILES = (
    "all_results.json",
    "train_results.json",
    "eval_results.json",
    "predict_results.json",
)
#: top-level trainer_state keys that are the run's knobs
STATE_SETTINGS = (
    "num_train_epochs",
    "max_steps",
    "train_batch_size",
    "logging_steps",
    "eval_steps",
    "save_steps",
)
#: top-level trainer_state keys that are final values or metadata
STATE_VALUES = (
    "global_step",
    "epoch",
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "num_input_tokens_seen",
)
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
#: log_history keys that mark the end-of-training summary entry
SUMMARY_KEYS = ("train_runtime", "train_loss")


def checkpoint_step(path: Path) -> int | None:
    """The step in a `checkpoint-<step>` folder name, else None."""
    match = _CHECKPOINT.fullmatch(path.name)
    return int(match.group(1)) if match else None


def run_dir_of(path: Path) -> Path:
    """The run folder of a file: its folder, or the output_dir above a checkpoint."""
    parent = path.parent
    return parent.parent if checkpoint_step(parent) is not None else parent


@frozen
class StateInfo:
    """What the status and kind decisions need from the latest trainer_state."""

    path: str
    global_step: int | None
    max_steps: int | None
    summary: Evidence | None  # the final-summary entry: training ended normally
    train_logs: bool
    eval_logs: bool


def read_state(
    ws: Workspace, run_dir: Path, parts: Parts, skip: Callable[[str], bool]
) -> StateInfo | None:
    """Read the latest trainer_state of `run_dir` into `parts`; compare checkpoint
    copies with it. `skip(key)` drops series keys another file already gave."""
    top = run_dir / "trainer_state.json"
    ckpts = sorted(
        (
            p
            for p in run_dir.glob("checkpoint-*/trainer_state.json")
            if checkpoint_step(p.parent) is not None
        ),
        key=lambda p: checkpoint_step(p.parent) or 0,
        reverse=True,
    )
    candidates = ([top] if top.exists() or top.is_symlink() else []) + ckpts
    latest: tuple[Path, dict[str, Any]] | None = None
    others: list[Path] = []
    for path in candidates:
        if latest is not None:
            others.append(path)
            continue
        data = _load_state(ws, path, parts)
        if data is not None:
            latest = (path, data)
    if latest is None:
        return None
    path, data = latest
    info = _apply_state(ws, path, data, parts, skip)
    shared = _history_map(data)
    for other in others:
        _compare(ws, other, shared, info, parts)
    return info


def _load_state(ws: Workspace, path: Path, parts: Parts) -> dict[str, Any] | None:
    rel = ws.rel(path)
    bad = check_file(ws, path, parts.run)
    if bad is not None:
        parts.problems.append(bad)
        return None
    parts.read(rel)
    data, problems = load_json(ws, path, parts.run)
    parts.problems.extend(problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        msg = f"expected a JSON object, got {type(data).__name__}"
        parts.problems.append(Problem("invalid", msg, Evidence(rel, 1), parts.run))
        return None
    return data


def _apply_state(
    ws: Workspace, path: Path, data: dict[str, Any], parts: Parts, skip: Callable[[str], bool]
) -> StateInfo:
    rel = ws.rel(path)
    for key in STATE_SETTINGS:
        if data.get(key) is not None:
            parts.settings.add(key, data[key], Evidence(rel, pointer=pointer(key)))
    for key in STATE_VALUES:
        if data.get(key) is not None:
            parts.values.add(key, data[key], Evidence(rel, pointer=pointer(key)))
    _early_stopping(rel, data.get("stateful_callbacks"), parts)
    summary: Evidence | None = None
    train_logs = eval_logs = False
    history = data.get("log_history")
    if history is None:
        parts.problems.append(
            Problem("missing", "no log_history", Evidence(rel, pointer="/log_history"), parts.run)
        )
    elif not isinstance(history, list):
        msg = f"log_history is {type(history).__name__}, expected a list"
        parts.problems.append(
            Problem("invalid", msg, Evidence(rel, pointer="/log_history"), parts.run)
        )
    elif not history:
        msg = "log_history is empty: nothing was logged"
        parts.problems.append(
            Problem("empty", msg, Evidence(rel, pointer="/log_history"), parts.run)
        )
    else:
        bad: list[int] = []
        for i, entry in enumerate(history):
            if not isinstance(entry, dict):
                bad.append(i)
                continue
            if any(k in entry for k in SUMMARY_KEYS) and "loss" not in entry:
                summary = Evidence(rel, pointer=pointer("log_history", i))
                for key, value in entry.items():
                    if key != "step":
                        parts.values.add(
                            key, value, Evidence(rel, pointer=pointer("log_history", i, key))
                        )
                continue
            step = step_of(entry.get("step"))
            if step is None:
                bad.append(i)
                continue
            for key, value in entry.items():
                num = number(value)
                if key == "step" or num is None or skip(key):
                    continue
                ev = Evidence(rel, pointer=pointer("log_history", i, key))
                parts.series.add(key, step, num, ev)
                eval_logs = eval_logs or key.startswith(("eval_", "test_"))
                train_logs = train_logs or not key.startswith(("eval_", "test_", "epoch"))
        if bad:
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            msg = f"log_history entry {bad[0]} is not an object with a numeric step{more}; skipped"
            ev = Evidence(rel, pointer=pointer("log_history", bad[0]))
            parts.problems.append(Problem("invalid", msg, ev, parts.run))
    return StateInfo(
        rel,
        _int(data.get("global_step")),
        _int(data.get("max_steps")),
        summary,
        train_logs or summary is not None,
        eval_logs,
    )


def _early_stopping(rel: str, callbacks: Any, parts: Parts) -> None:
    block = callbacks.get("EarlyStoppingCallback") if isinstance(callbacks, dict) else None
    args = block.get("args") if isinstance(block, dict) else None
    if not isinstance(args, dict):
        return
    for key in ("early_stopping_patience", "early_stopping_threshold"):
        if key in args:
            at = pointer("stateful_callbacks", "EarlyStoppingCallback", "args", key)
            parts.settings.add(key, args[key], Evidence(rel, pointer=at))


def _history_map(data: dict[str, Any]) -> dict[tuple[float, str], Any]:
    out: dict[tuple[float, str], Any] = {}
    history = data.get("log_history")
    for entry in history if isinstance(history, list) else ():
        if isinstance(entry, dict) and (step := step_of(entry.get("step"))) is not None:
            for key, value in entry.items():
                if number(value) is not None and key != "step":
                    out[(step, key)] = value
    return out


def _compare(
    ws: Workspace, path: Path, latest: dict[tuple[float, str], Any], info: StateInfo, parts: Parts
) -> None:
    """A checkpoint copy is cited only when it disagrees with the latest state."""
    data = _load_state(ws, path, parts)
    if data is None:
        return
    rel = ws.rel(path)
    step = _int(data.get("global_step"))
    if step is not None and info.global_step is not None and step > info.global_step:
        msg = f"checkpoint is at step {step}, past {info.path} (step {info.global_step}): a stale state?"
        parts.problems.append(
            Problem("inconsistent", msg, Evidence(rel, pointer="/global_step"), parts.run)
        )
    history = data.get("log_history")
    for i, entry in enumerate(history if isinstance(history, list) else ()):
        if not isinstance(entry, dict) or (at := step_of(entry.get("step"))) is None:
            continue
        for key, value in entry.items():
            there = latest.get((at, key), value)
            if key != "step" and number(value) is not None and not same(there, value):
                msg = f"history disagrees with {info.path} at step {at:g}: {key} = {value!r} here, {there!r} there"
                ev = Evidence(rel, pointer=pointer("log_history", i, key))
                parts.problems.append(Problem("inconsistent", msg, ev, parts.run))
                return


def read_results(ws: Workspace, run_dir: Path, parts: Parts) -> list[str]:
    """The `*_results.json` summaries present, as final values; returns their names."""
    found = []
    for name in RESULT_FILES:
        path = run_dir / name
        if not (path.exists() or path.is_symlink()):
            continue
        data = _load_state(ws, path, parts)
        if data is None:
            continue
        rel = ws.rel(path)
        if not data:
            parts.problems.append(Problem("empty", "holds no values", Evidence(rel, 1), parts.run))
            continue
        found.append(name)
        for key, value in data.items():
            parts.values.add(key, value, Evidence(rel, pointer=pointer(key)))
    return found


def read_args(ws: Workspace, run_dir: Path, parts: Parts) -> bool:
    """Training args next to the state: `training_args.json`, `training_args.yaml` and
    any YAML marked as LLaMA-Factory args; PEFT's `adapter_config.json`. Returns
    whether any args file was read."""
    found = False
    json_args = run_dir / "training_args.json"
    if json_args.exists() or json_args.is_symlink():
        data = _load_state(ws, json_args, parts)
        if data is not None:
            rel = ws.rel(json_args)
            add_args(parts, data, lambda key: Evidence(rel, pointer=pointer(key)))
            found = True
    for path in _yaml_files(run_dir):
        required = path.name == "training_args.yaml"
        data, lines, problems = yaml_args(ws, path, parts.run, required=required)
        parts.problems.extend(problems)
        if data is None:
            continue
        rel = ws.rel(path)
        parts.read(rel)
        add_args(parts, data, lambda key, rel=rel, lines=lines: Evidence(rel, lines.get(key)))
        found = True
    _adapter_config(ws, run_dir, parts)
    return found


def _yaml_files(run_dir: Path) -> Iterable[Path]:
    names = sorted(p for p in run_dir.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    # what LLaMA-Factory itself wrote first: its values win over a hand-written copy
    return sorted(names, key=lambda p: p.name != "training_args.yaml")


def _adapter_config(ws: Workspace, run_dir: Path, parts: Parts) -> None:
    path = run_dir / "adapter_config.json"
    if not (path.exists() or path.is_symlink()):
        return
    data = _load_state(ws, path, parts)
    if data is None:
        return
    rel = ws.rel(path)
    base = data.get("base_model_name_or_path")
    if isinstance(base, str) and base.strip():
        parts.provenance_add("base_model", base, Evidence(rel, pointer="/base_model_name_or_path"))
    for key in ("peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "task_type"):
        if data.get(key) is not None:
            parts.settings.add(key, data[key], Evidence(rel, pointer=pointer(key)))


def _int(value: Any) -> int | None:
    step = step_of(value)
    return int(step) if step is not None else None
