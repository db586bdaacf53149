"""Fixture generator: HF Trainer / TRL and LLaMA-Factory run folders, written from the
field lists in ARTIFACTS.md sections 3 and 4 (no file here is copied from anywhere).

The shapes follow what the real writers produce: `trainer_state.json` pretty-printed
with sorted keys, one dict per `log_history` entry (train logs, eval logs, then the
final summary entry), checkpoint copies holding the history up to their step;
`*_results.json` flat dicts; `trainer_log.jsonl` one progress dict per line keyed by
`current_steps` with string times; `generated_predictions.jsonl` one
`{"prompt", "predict", "label"}` per line; `training_args.yaml` flat `key: value` lines.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def train_entry(
    step: int, *, loss: float, lr: float = 5e-5, epoch: float = 0.0, dpo: bool = False
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "epoch": epoch,
        "grad_norm": 1.0 + step / 100,
        "learning_rate": lr,
        "loss": loss,
        "step": step,
    }
    if dpo:
        entry.update(
            {
                "rewards/accuracies": 0.5 + step / 1000,
                "rewards/chosen": 0.1,
                "rewards/rejected": -0.1,
                "rewards/margins": 0.2,
                "logps/chosen": -120.5,
                "logps/rejected": -130.25,
                "logits/chosen": -1.5,
            }
        )
    else:
        entry["mean_token_accuracy"] = 0.6 + step / 1000
    return entry


def eval_entry(step: int, *, loss: float, epoch: float = 0.0, dpo: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "epoch": epoch,
        "eval_loss": loss,
        "eval_runtime": 1.25,
        "eval_samples_per_second": 80.0,
        "eval_steps_per_second": 10.0,
        "step": step,
    }
    if dpo:
        entry["eval_rewards/accuracies"] = 0.5
        entry["eval_rewards/margins"] = 0.01
    else:
        entry["eval_accuracy"] = 0.7 + step / 1000
    return entry


def summary_entry(step: int, epoch: float) -> dict[str, Any]:
    return {
        "epoch": epoch,
        "step": step,
        "total_flos": 1.25e15,
        "train_loss": 0.75,
        "train_runtime": 321.5,
        "train_samples_per_second": 12.5,
        "train_steps_per_second": 0.5,
    }


def trainer_state(
    *,
    upto: int,
    max_steps: int,
    logging_steps: int = 10,
    eval_steps: int | None = 20,
    summary: bool = True,
    dpo: bool = False,
    best: bool = True,
    old: bool = False,
) -> dict[str, Any]:
    """A state after `upto` steps; `summary` adds the final entry; `old` drops the keys
    older Trainer versions lacked (logging/eval/save steps, best_global_step, grad_norm)."""
    history: list[dict[str, Any]] = []
    for step in range(logging_steps, upto + 1, logging_steps):
        epoch = round(3 * step / max_steps, 4)
        history.append(train_entry(step, loss=2.0 - step / max_steps, epoch=epoch, dpo=dpo))
        if eval_steps and step % eval_steps == 0:
            history.append(
                eval_entry(step, loss=1.9 - step / (2 * max_steps), epoch=epoch, dpo=dpo)
            )
    if summary:
        history.append(summary_entry(upto, 3.0))
    state: dict[str, Any] = {
        "best_global_step": eval_steps if best and eval_steps else None,
        "best_metric": 0.75 if best else None,
        "best_model_checkpoint": f"/content/out/checkpoint-{eval_steps}"
        if best and eval_steps
        else None,
        "epoch": round(3 * upto / max_steps, 4),
        "eval_steps": eval_steps,
        "global_step": upto,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": history,
        "logging_steps": logging_steps,
        "max_steps": max_steps,
        "num_input_tokens_seen": 1000 * upto,
        "num_train_epochs": 3,
        "save_steps": 20,
        "stateful_callbacks": {
            "EarlyStoppingCallback": {
                "args": {"early_stopping_patience": 3, "early_stopping_threshold": 0.0}
            },
            "TrainerControl": {"args": {"should_training_stop": summary}, "attributes": {}},
        },
        "total_flos": 1.25e15,
        "train_batch_size": 8,
        "trial_name": None,
        "trial_params": None,
    }
    if old:
        for key in (
            "logging_steps",
            "eval_steps",
            "save_steps",
            "best_global_step",
            "stateful_callbacks",
        ):
            state.pop(key)
        for entry in history:
            entry.pop("grad_norm", None)
    return state


def write_json(path: Path, data: Any, indent: int | None = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent, sort_keys=indent is not None) + "\n", "utf-8")
    return path


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def hf_run(
    root: Path,
    *,
    upto: int = 100,
    max_steps: int = 100,
    summary: bool = True,
    checkpoints: tuple[int, ...] = (),
    top_state: bool = True,
    results: bool = True,
    dpo: bool = False,
    adapter: bool = True,
    training_args: bool = True,
    old: bool = False,
) -> Path:
    """An HF Trainer output_dir."""
    root.mkdir(parents=True, exist_ok=True)
    if top_state:
        write_json(
            root / "trainer_state.json",
            trainer_state(upto=upto, max_steps=max_steps, summary=summary, dpo=dpo, old=old),
        )
    for step in checkpoints:
        state = trainer_state(upto=step, max_steps=max_steps, summary=False, dpo=dpo, old=old)
        write_json(root / f"checkpoint-{step}" / "trainer_state.json", state)
    if results:
        train = {
            "epoch": 3.0,
            "total_flos": 1.25e15,
            "train_loss": 0.75,
            "train_runtime": 321.5,
            "train_samples": 800,
        }
        evals = {
            "epoch": 3.0,
            "eval_loss": 1.4,
            "eval_accuracy": 0.8,
            "eval_samples": 50,
            "perplexity": math.exp(1.4),
        }
        write_json(root / "train_results.json", train, indent=4)
        write_json(root / "eval_results.json", evals, indent=4)
        write_json(root / "all_results.json", {**train, **evals}, indent=4)
    if adapter:
        write_json(
            root / "adapter_config.json",
            {
                "base_model_name_or_path": "org/base-7b",
                "peft_type": "LORA",
                "r": 16,
                "lora_alpha": 32,
                "lora_dropout": 0.05,
                "target_modules": ["q_proj", "v_proj"],
                "task_type": "CAUSAL_LM",
            },
        )
    if training_args:
        args = {
            "output_dir": "/content/out",
            "run_name": "sft-lr5e-5",
            "learning_rate": 5e-5,
            "num_train_epochs": 3.0,
            "per_device_train_batch_size": 8,
            "logging_steps": 10,
            "eval_steps": 20,
            "hub_token": "<HUB_TOKEN>",
        }
        write_json(root / "training_args.json", args)
    (root / "training_args.bin").write_bytes(b"\x80\x04not-a-pickle-we-ever-load")
    return root


LF_YAML = """\
model_name_or_path: org/base-7b
stage: sft
do_train: true
finetuning_type: lora
lora_rank: 8
lora_alpha: 16
dataset: alpaca_demo,identity
eval_dataset: held_out
template: default
cutoff_len: 1024
learning_rate: 5.0e-05
num_train_epochs: 3.0
per_device_train_batch_size: 2
gradient_accumulation_steps: 8
max_new_tokens: 512
temperature: 0.95
top_p: 0.7
do_sample: true
output_dir: saves/base-7b/lora/train_2024-01-01-00-00-00
"""


def log_line(
    step: int,
    total: int,
    *,
    lr_key: str = "learning_rate",
    loss: float | None = None,
    eval_loss: float | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {"current_steps": step, "total_steps": total}
    if loss is not None:
        line.update(
            {"loss": loss, lr_key: 1e-5 * step / total, "epoch": round(3 * step / total, 4)}
        )
    if eval_loss is not None:
        line.update({"eval_loss": eval_loss, "epoch": round(3 * step / total, 4)})
    line.update(
        {
            "percentage": round(100 * step / total, 2),
            "elapsed_time": "0:01:00",
            "remaining_time": "0:00:30",
            "throughput": "0.00",
            "total_tokens": 0,
        }
    )
    return line


def lf_run(
    root: Path,
    *,
    upto: int = 50,
    total: int = 50,
    lr_key: str = "learning_rate",
    repeat: tuple[int, float] | None = None,
    state: bool = True,
    yaml_text: str | None = LF_YAML,
    predictions: list[dict[str, Any]] | None = None,
    predict_results: bool = False,
) -> Path:
    """A LLaMA-Factory folder: trainer_log.jsonl (+ trainer_state.json as the HF Trainer
    writes it), training_args.yaml, and optionally predictions and predict results."""
    root.mkdir(parents=True, exist_ok=True)
    lines = []
    for step in range(5, upto + 1, 5):
        lines.append(log_line(step, total, lr_key=lr_key, loss=2.0 - step / total))
        if step % 25 == 0:
            lines.append(log_line(step, total, eval_loss=1.8 - step / total))
    if repeat is not None:
        step, loss = repeat
        lines.append(log_line(step, total, lr_key=lr_key, loss=loss))
    write_jsonl(root / "trainer_log.jsonl", lines)
    if state:
        write_json(
            root / "trainer_state.json",
            trainer_state(
                upto=upto, max_steps=total, logging_steps=5, eval_steps=25, summary=upto >= total
            ),
        )
    if yaml_text is not None:
        (root / "training_args.yaml").write_text(yaml_text, "utf-8")
    if predictions is not None:
        write_jsonl(root / "generated_predictions.jsonl", predictions)
    if predict_results:
        write_json(
            root / "predict_results.json",
            {
                "predict_bleu-4": 41.5,
                "predict_rouge-1": 50.1,
                "predict_rouge-l": 45.2,
                "predict_runtime": 12.5,
                "predict_samples_per_second": 4.0,
            },
            indent=4,
        )
    return root


def predictions(n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "prompt": f"Human: question {i}\nAssistant:",
            "predict": f'{{"answer": {i}}}',
            "label": f'{{"answer": {i}}}',
        }
        for i in range(n)
    ]


BILLION_LAUGHS = """\
model_name_or_path: org/base
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
