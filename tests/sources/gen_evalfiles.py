"""Fixture generator for the `openai_ft`, `lm_eval` and `generic` adapter tests.

Writes files in the shapes ARTIFACTS.md sections 5, 6 and 8 describe (checked against
public files of each format; see the test modules' docstrings). Values are synthetic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CURRENT_HEADER = ("step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy")
FULL_VALID = ("full_valid_loss", "full_valid_mean_token_accuracy")
LEGACY_HEADER = (
    "step",
    "elapsed_tokens",
    "elapsed_examples",
    "training_loss",
    "training_sequence_accuracy",
    "training_token_accuracy",
    "validation_loss",
    "validation_sequence_accuracy",
    "validation_token_accuracy",
)
STAMP = "2024-05-13T12-40-10.456789"


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.5f}" if isinstance(value, float) else str(value)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(_fmt(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def current_csv(
    path: Path,
    steps: int = 6,
    *,
    valid_every: int = 2,
    full_valid: bool = True,
    validation: bool = True,
) -> Path:
    """Current API result file: validation every `valid_every` steps (empty cells
    between), `full_valid_*` on the last step only."""
    header = CURRENT_HEADER + (FULL_VALID if full_valid else ())
    rows = []
    for step in range(1, steps + 1):
        loss = 2.0 / step
        measured = validation and step % valid_every == 0
        row: list[Any] = [
            step,
            loss,
            0.5 + step / 100,
            loss * 1.1 if measured else None,
            0.4 + step / 100 if measured else None,
        ]
        if full_valid:
            last = step == steps and validation
            row += [0.9 if last else None, 0.77 if last else None]
        rows.append(row)
    return write_csv(path, header, rows)


def legacy_csv(path: Path, steps: int = 5, *, classification: bool = False) -> Path:
    header = LEGACY_HEADER + (
        ("classification/accuracy", "classification/f1.0") if classification else ()
    )
    rows = []
    for step in range(1, steps + 1):
        measured = step % 2 == 1
        row: list[Any] = [
            step,
            step * 150,
            step,
            0.1 / step,
            0.0,
            0.5,
            0.3 if measured else None,
            0.0 if measured else None,
            0.6 if measured else None,
        ]
        if classification:
            row += [0.8 if measured else None, 0.75 if measured else None]
        rows.append(row)
    return write_csv(path, header, rows)


def job_object(
    path: Path,
    *,
    status: str = "succeeded",
    job_id: str = "ftjob-abc123",
    result_files: Sequence[str] = ("file-res1",),
    method: bool = False,
    **extra: Any,
) -> Path:
    """The fine-tuning job object as the API returns it (GET /fine_tuning/jobs/{id})."""
    doc: dict[str, Any] = {
        "object": "fine_tuning.job",
        "id": job_id,
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 1721764800,
        "finished_at": 1721768400 if status == "succeeded" else None,
        "fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:acme::x1y2"
        if status == "succeeded"
        else None,
        "organization_id": "org-123",
        "result_files": list(result_files),
        "status": status,
        "validation_file": "file-valid",
        "training_file": "file-train",
        "trained_tokens": 12345,
        "error": {"message": "training diverged", "code": "x"} if status == "failed" else None,
        "seed": 42,
    }
    hp = {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 1.8}
    if method:
        doc["method"] = {"type": "supervised", "supervised": {"hyperparameters": hp}}
    else:
        doc["hyperparameters"] = hp
    doc.update(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


# ----------------------------------------------------------------- lm-eval


@dataclass(frozen=True)
class Task:
    name: str
    metrics: dict[str, float]  # "metric,filter" -> value
    effective: int = 4
    original: int = 100
    generation: bool = False


GSM8K = Task(
    "gsm8k",
    {"exact_match,strict-match": 0.25, "exact_match,flexible-extract": 0.5},
    generation=True,
)
ARC = Task("arc_easy", {"acc,none": 0.75, "acc_norm,none": 0.7})


def results_json(
    folder: Path,
    tasks: Sequence[Task],
    *,
    stamp: str | None = STAMP,
    model_args: Any = "pretrained=org/base-7b,peft=outputs/run1,dtype=bfloat16",
    groups: dict[str, list[str]] | None = None,
    model_name: str | None = "org/base-7b",
) -> Path:
    results: dict[str, Any] = {}
    for t in tasks:
        entry: dict[str, Any] = {"alias": t.name}
        for key, value in t.metrics.items():
            metric, _, flt = key.partition(",")
            entry[key] = value
            entry[f"{metric}_stderr,{flt}"] = "N/A" if t.effective < 2 else 0.01
        results[t.name] = entry
    configs: dict[str, Any] = {}
    for t in tasks:
        cfg: dict[str, Any] = {"task": t.name, "dataset_path": f"ds/{t.name}", "num_fewshot": 0}
        if t.generation:
            cfg["output_type"] = "generate_until"
            cfg["generation_kwargs"] = {
                "until": ["Question:", "</s>"],
                "do_sample": False,
                "temperature": 0.0,
                "max_gen_toks": 256,
            }
        else:
            cfg["output_type"] = "multiple_choice"
        configs[t.name] = cfg
    doc: dict[str, Any] = {
        "results": results,
        "group_subtasks": groups or {t.name: [] for t in tasks},
        "configs": configs,
        "versions": {t.name: 3.0 for t in tasks},
        "n-shot": {t.name: 0 for t in tasks},
        "higher_is_better": {t.name: {k.partition(",")[0]: True for k in t.metrics} for t in tasks},
        "n-samples": {t.name: {"original": t.original, "effective": t.effective} for t in tasks},
        "config": {
            "model": "hf",
            "model_args": model_args,
            "batch_size": 8,
            "limit": 4.0,
            "gen_kwargs": None,
        },
        "git_hash": "abc1234",
        "date": 1715600000.0,
        "lm_eval_version": "0.4.3",
    }
    if model_name is not None:
        doc["model_name"] = model_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"results_{stamp}.json" if stamp else "results.json")
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def sample_line(task: Task, doc_id: int, flt: str = "none", *, dict_args: bool = False) -> dict:
    """One `samples_<task>_<ts>.jsonl` line: generate_until rows carry a prompt and text
    responses; multiple-choice rows carry loglikelihood pairs."""
    question = f"What is {doc_id} + {doc_id}?"
    if task.generation:
        prompt = f"Question: {question}\nAnswer:"
        text = f"The answer is {doc_id * 2}. #### {doc_id * 2}"
        filtered = str(doc_id * 2) if flt == "strict-match" else text
        args: Any = [[prompt, {"until": ["Question:"], "do_sample": False}]]
        resps: Any = [[text]]
        fresps: Any = [filtered]
    else:
        prompt = f"Question: {question}\nAnswer:"
        args = [[prompt, " yes"], [prompt, " no"]]
        resps = [[[-1.0, False]], [[-2.5, False]]]
        fresps = [[-1.0, False], [-2.5, False]]
    if dict_args:
        args = {"gen_args_0": {"arg_0": prompt, "arg_1": {"until": ["Question:"]}}}
    metric_names = sorted({k.partition(",")[0] for k in task.metrics})
    line: dict[str, Any] = {
        "doc_id": doc_id,
        "doc": {"question": question, "answer": str(doc_id * 2)},
        "target": str(doc_id * 2),
        "arguments": args,
        "resps": resps,
        "filtered_resps": fresps,
        "filter": flt,
        "metrics": metric_names,
        "doc_hash": f"d{doc_id}",
        "prompt_hash": f"p{doc_id}",
        "target_hash": f"t{doc_id}",
    }
    for m in metric_names:
        line[m] = 1.0 if doc_id % 2 == 0 else 0.0
    return line


def samples_jsonl(
    folder: Path, task: Task, *, stamp: str | None = STAMP, dict_args: bool = False
) -> Path:
    filters = sorted({k.partition(",")[2] for k in task.metrics})
    lines = [
        sample_line(task, i, f, dict_args=dict_args) for i in range(task.effective) for f in filters
    ]
    folder.mkdir(parents=True, exist_ok=True)
    name = f"samples_{task.name}_{stamp}.jsonl" if stamp else f"samples_{task.name}.jsonl"
    path = folder / name
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


# ----------------------------------------------------------------- generic


def eval_rows(n: int = 4, *, model: str | None = None) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "id": f"ex{i}",
            "prompt": f"Classify: item {i}",
            "prediction": "positive" if i % 2 == 0 else "negative",
            "label": "positive",
            "correct": i % 2 == 0,
            "score": i / 10,
            "category": "a" if i < 2 else "b",
        }
        if model is not None:
            row["model"] = model
        rows.append(row)
    return rows


def write_jsonl(path: Path, rows: Sequence[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_json(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def write_rows_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    header = list(rows[0])
    return write_csv(path, header, [[r[h] for h in header] for r in rows])


@dataclass(frozen=True)
class StubConfig:
    """The attributes the adapters read from `ftlint.config.Config` (the config package
    is being restructured; the adapters only use these)."""

    inputs: dict[str, tuple[str, ...]]
    max_line_bytes: int = 16 * 1024 * 1024
    source_settings: dict[str, Any] | None = None
    path: Path | None = None


def config(**kw: Any) -> StubConfig:
    kw.setdefault("inputs", {})
    kw.setdefault("source_settings", {})
    return StubConfig(**kw)
