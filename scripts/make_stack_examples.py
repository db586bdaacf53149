"""Write `examples-stacks/`: a small campaign from four stacks, each with a real failure.

    python scripts/make_stack_examples.py [--out examples-stacks]

- `hf-sft-overfit/`: an HF Trainer output folder (`trainer_state.json` with a checkpoint
  copy, `all_results.json`, PEFT `adapter_config.json`): eval loss bottoms out at step
  300 and rises while the train loss keeps falling (overfitting).
- `llamafactory-sft/`: a LLaMA-Factory run whose `generated_predictions.jsonl` holds the
  whole eval set: JSON labels, and completions that run on past the object (no EOS);
  decoded with sampling (`do_sample: true`, temperature 0.95) per its training YAML.
- `openai-ft/`: an OpenAI fine-tuning job (`step_metrics.csv` and the job object) trained
  without a validation file.
- `wandb/`: a W&B eval pair logged by a custom eval script (`eval/json_valid_rate`,
  `eval/evaluated_count`, `eval/vector_mae`, string metadata such as `eval/model_id`),
  in the layout the SDK writes.

Deterministic: same bytes on every run (no clock, no randomness beyond a fixed seed).
Formats follow ARTIFACTS.md; nothing is copied from any other repository.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("sentiment", "topic", "urgency")


def _json(path: Path, data: Any, indent: int | None = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=indent, sort_keys=indent is not None, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")


def hf_overfit(out: Path) -> None:
    """Train loss falls all the way; eval loss is best at step 300, then rises."""
    history: list[dict[str, Any]] = []
    steps_per_epoch = 200
    for step in range(20, 1001, 20):
        epoch = round(step / steps_per_epoch, 4)
        loss = round(1.9 * math.exp(-step / 260) + 0.05, 4)
        history.append(
            {
                "epoch": epoch,
                "grad_norm": round(0.8 + 0.3 * math.sin(step / 50), 4),
                "learning_rate": round(2e-4 * (1 - step / 1000), 8),
                "loss": loss,
                "mean_token_accuracy": round(min(0.99, 0.6 + 0.4 * (1 - loss / 2)), 4),
                "step": step,
            }
        )
        if step % 100 == 0:
            eval_loss = round(
                1.05
                + 0.0000025 * (step - 300) ** 2
                + (0.12 if step > 300 else 0) * (step - 300) / 700,
                4,
            )
            history.append(
                {
                    "epoch": epoch,
                    "eval_loss": eval_loss,
                    "eval_runtime": 12.5,
                    "eval_samples_per_second": 16.0,
                    "eval_steps_per_second": 2.0,
                    "step": step,
                }
            )
    history.append(
        {
            "epoch": 5.0,
            "step": 1000,
            "total_flos": 1.2e16,
            "train_loss": 0.41,
            "train_runtime": 1830.2,
            "train_samples_per_second": 8.7,
            "train_steps_per_second": 0.55,
        }
    )
    state = {
        "best_global_step": 300,
        "best_metric": min(h["eval_loss"] for h in history if "eval_loss" in h),
        "best_model_checkpoint": "outputs/hf-sft-overfit/checkpoint-300",
        "epoch": 5.0,
        "eval_steps": 100,
        "global_step": 1000,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": history,
        "logging_steps": 20,
        "max_steps": 1000,
        "num_input_tokens_seen": 0,
        "num_train_epochs": 5,
        "save_steps": 300,
        "stateful_callbacks": {},
        "total_flos": 1.2e16,
        "train_batch_size": 8,
        "trial_name": None,
        "trial_params": None,
    }
    _json(out / "trainer_state.json", state)
    cut = [h for h in history if h["step"] <= 300 and "train_loss" not in h]
    _json(
        out / "checkpoint-300" / "trainer_state.json",
        {**state, "global_step": 300, "epoch": 1.5, "log_history": cut},
    )
    last_eval = [h for h in history if "eval_loss" in h][-1]
    _json(
        out / "all_results.json",
        {
            "epoch": 5.0,
            "eval_loss": last_eval["eval_loss"],
            "eval_runtime": 12.5,
            "eval_samples": 200,
            "eval_samples_per_second": 16.0,
            "train_loss": 0.41,
            "train_runtime": 1830.2,
            "train_samples": 1600,
        },
    )
    _json(
        out / "adapter_config.json",
        {
            "base_model_name_or_path": "Qwen/Qwen2.5-0.5B-Instruct",
            "lora_alpha": 32,
            "lora_dropout": 0.0,
            "peft_type": "LORA",
            "r": 16,
            "target_modules": ["q_proj", "v_proj"],
            "task_type": "CAUSAL_LM",
        },
    )
    _json(
        out / "training_args.json",
        {
            "learning_rate": 2e-4,
            "num_train_epochs": 5,
            "per_device_train_batch_size": 8,
            "eval_strategy": "steps",
            "eval_steps": 100,
            "output_dir": "outputs/hf-sft-overfit",
            "run_name": "outputs/hf-sft-overfit",
        },
    )


def llamafactory(out: Path) -> None:
    """A JSON-labelled eval set; a third of the completions run on past the object."""
    rng = random.Random(7)
    rows = []
    for i in range(60):
        label = {k: rng.randint(0, 4) for k in KEYS}
        pred = dict(label)
        if i % 7 == 0:
            pred["urgency"] = (pred["urgency"] + 1) % 5
        text = json.dumps(pred)
        if i % 3 == 0:  # no EOS: the model keeps going to the length cap
            text += "\n\nExplanation: the message mentions a deadline, so urgency is high. " * 3
        rows.append(
            {
                "prompt": f"Classify ticket #{i}: return sentiment, topic and urgency as JSON.",
                "predict": text,
                "label": json.dumps(label),
            }
        )
    _jsonl(out / "generated_predictions.jsonl", rows)
    log = []
    for step in range(10, 301, 10):
        line = {
            "current_steps": step,
            "total_steps": 300,
            "loss": round(1.4 * math.exp(-step / 120) + 0.2, 4),
            "lr": round(5e-5 * (1 - step / 300), 9),
            "epoch": round(step / 100, 2),
            "percentage": round(100 * step / 300, 2),
            "elapsed_time": f"0:{step // 10:02d}:00",
            "remaining_time": f"0:{(300 - step) // 10:02d}:00",
        }
        log.append(line)
        if step % 100 == 0:
            log.append(
                {
                    "current_steps": step,
                    "total_steps": 300,
                    "eval_loss": round(0.62 - step / 3000, 4),
                    "epoch": line["epoch"],
                }
            )
    _jsonl(out / "trainer_log.jsonl", log)
    (out / "training_args.yaml").write_text(
        "model_name_or_path: Qwen/Qwen2.5-0.5B-Instruct\n"
        "stage: sft\n"
        "do_train: true\n"
        "finetuning_type: lora\n"
        "lora_rank: 8\n"
        "dataset: tickets_train\n"
        "eval_dataset: tickets_eval\n"
        "template: qwen\n"
        "cutoff_len: 1024\n"
        "learning_rate: 5.0e-05\n"
        "num_train_epochs: 3.0\n"
        "per_device_train_batch_size: 4\n"
        "max_new_tokens: 512\n"
        "do_sample: true\n"
        "temperature: 0.95\n"
        "top_p: 0.7\n"
        "output_dir: saves/qwen-0.5b/lora/tickets\n",
        encoding="utf-8",
    )
    _json(
        out / "predict_results.json",
        {
            "predict_bleu-4": 61.2,
            "predict_model_preparation_time": 0.004,
            "predict_rouge-1": 70.4,
            "predict_rouge-2": 58.9,
            "predict_rouge-l": 66.1,
            "predict_runtime": 41.3,
            "predict_samples_per_second": 1.45,
            "predict_steps_per_second": 0.18,
        },
    )


def openai_job(out: Path) -> None:
    """Trained without a validation file: no valid_* values at any step."""
    out.mkdir(parents=True, exist_ok=True)
    lines = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
    for step in range(1, 31):
        loss = 2.2 * math.exp(-step / 9) + 0.08
        acc = min(0.995, 0.55 + 0.45 * (1 - loss / 2.3))
        lines.append(f"{step},{loss:.5f},{acc:.5f},,")
    (out / "step_metrics.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _json(
        out / "ftjob-abc123.json",
        {
            "created_at": 1733011200,
            "fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:acme::Ab12Cd34",
            "finished_at": 1733014800,
            "hyperparameters": {"batch_size": 4, "learning_rate_multiplier": 1.8, "n_epochs": 3},
            "id": "ftjob-abc123",
            "model": "gpt-4o-mini-2024-07-18",
            "object": "fine_tuning.job",
            "result_files": ["file-res123"],
            "status": "succeeded",
            "trained_tokens": 512000,
            "training_file": "file-train123",
            "validation_file": None,
        },
    )


def wandb_pair(out: Path) -> None:
    """Two eval runs logged with a custom script's key names and string metadata."""
    for run_id, stamp, name, valid, mae in (
        ("evb4se01", "20251002_101500", "eval-baseline", 0.90, 0.61),
        ("evc4nd02", "20251003_101500", "eval-candidate", 0.89, 0.58),
    ):
        files = out / f"run-{stamp}-{run_id}" / "files"
        _json(
            files / "wandb-summary.json",
            {
                "_runtime": 95.2,
                "_step": 0,
                "_timestamp": 1759400000,
                "_wandb": {"runtime": 95},
                "eval/evaluated_count": 100,
                "eval/json_valid_rate": valid,
                "eval/model_id": f"acme/tickets-{name}",
                "eval/model_source": "hub",
                "eval/parse_error_rate": round(1 - valid, 4),
                "eval/vector_mae": mae,
            },
            indent=None,
        )
        (files / "config.yaml").write_text(
            "_wandb:\n  value:\n    cli_version: 0.19.1\n    python_version: 3.11.7\n"
            f"eval_model:\n  value: acme/tickets-{name}\n"
            "temperature:\n  value: 0\n"
            "max_new_tokens:\n  value: 256\n"
            "dataset_version:\n  value: tickets-v2\n",
            encoding="utf-8",
        )
        _json(
            files / "wandb-metadata.json",
            {
                "program": "eval_tickets.py",
                "python": "3.11.7",
                "startedAt": f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T10:15:00.000000Z",
                "args": ["--model", f"acme/tickets-{name}"],
            },
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples-stacks")
    args = parser.parse_args(argv)
    out: Path = args.out
    hf_overfit(out / "hf-sft-overfit")
    llamafactory(out / "llamafactory-sft")
    openai_job(out / "openai-ft")
    wandb_pair(out / "wandb")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
