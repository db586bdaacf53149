"""Issue 14, eval-side rules: FMT009 strict-lenient-gap, PRV002 from any source,
PRV008 duplicate-eval-rows, PRV009 sampled-eval-decoding, PRV010 metric-target-mismatch,
QLT009 majority-class, QLT010 baseline-regression, OPS001 retried submissions.

Triggers and near misses in the formats where each failure occurs (lm-eval results and
samples, LLaMA-Factory predictions, HF results files, W&B summaries, hfjobs records),
built with the adapters' fixture generators and linted through `ftlint.api`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:  # tests/rules is a package or a rootdir on sys.path
    from tests.rules._issue14 import ge, gt, lint
except ImportError:  # pragma: no cover - depends on how pytest was started
    from _issue14 import ge, gt, lint  # type: ignore[no-redef]


# ----------------------------------------------------------------- FMT009 strict-lenient-gap


def lm_eval_gsm8k(root: Path, strict: float, flexible: float) -> Path:
    task = ge.Task(
        "gsm8k",
        {"exact_match,strict-match": strict, "exact_match,flexible-extract": flexible},
        generation=True,
    )
    return ge.results_json(root, [task])


def test_fmt009_lm_eval_strict_match_vs_flexible_extract(tmp_path: Path) -> None:
    lm_eval_gsm8k(tmp_path / "lme", 0.25, 0.5)
    (f,) = lint(tmp_path, "FMT009")
    assert f.message.startswith("exact_match_strict_match 0.25 is 0.25 below")
    assert "50% of the answers" in f.message
    assert [a.tier for a in f.actions] == [1, 1]


def test_fmt009_hf_eval_results_strict_vs_lenient(tmp_path: Path) -> None:
    root = gt.hf_run(tmp_path / "hf", results=False)
    gt.write_json(
        root / "eval_results.json", {"eval_answer_strict": 41.0, "eval_answer_lenient": 78.5}
    )
    (f,) = lint(tmp_path, "FMT009")
    assert f.measurements["strict_metric"] == "answer_strict"
    assert "37.5 below answer_lenient 78.5 (max gap 10)" in f.message


def test_fmt009_near_miss_small_gap(tmp_path: Path) -> None:
    lm_eval_gsm8k(tmp_path / "lme", 0.55, 0.6)
    root = gt.hf_run(tmp_path / "hf", results=False)
    gt.write_json(
        root / "eval_results.json", {"eval_answer_strict": 75.0, "eval_answer_lenient": 78.5}
    )
    assert lint(tmp_path, "FMT009") == []


# ----------------------------------------------------------------- PRV009 sampled-eval-decoding


def lm_eval_generation(root: Path, **gen: Any) -> Path:
    path = lm_eval_gsm8k(root, 0.5, 0.55)
    doc = json.loads(path.read_text("utf-8"))
    doc["configs"]["gsm8k"]["generation_kwargs"].update(gen)
    path.write_text(json.dumps(doc, indent=2), "utf-8")
    return path


def test_prv009_llamafactory_predictions_with_do_sample(tmp_path: Path) -> None:
    gt.lf_run(tmp_path / "lf", predictions=gt.predictions(4))  # LF_YAML: do_sample true, T 0.95
    (f,) = lint(tmp_path, "PRV009")
    assert "do_sample: True, temperature: 0.95" in f.message
    assert f.evidence[0].path == "lf/training_args.yaml"
    assert f.actions[0].kind == "decode" and f.actions[0].tier == 2


def test_prv009_lm_eval_generation_kwargs_temperature(tmp_path: Path) -> None:
    lm_eval_generation(tmp_path / "lme", do_sample=True, temperature=0.7)
    (f,) = lint(tmp_path, "PRV009")
    assert "do_sample: True, temperature: 0.7" in f.message


def test_prv009_near_miss_greedy_or_several_samples(tmp_path: Path) -> None:
    lm_eval_generation(tmp_path / "greedy")  # do_sample false, temperature 0
    lm_eval_generation(tmp_path / "topk1", do_sample=True, temperature=0.7, top_k=1)
    greedy = gt.LF_YAML.replace("do_sample: true", "do_sample: false")
    gt.lf_run(tmp_path / "lf", predictions=gt.predictions(4), yaml_text=greedy)
    gt.lf_run(tmp_path / "train-only")  # sampling config, but nothing was generated
    assert lint(tmp_path, "PRV009") == []


# ----------------------------------------------------------------- PRV010 metric-target-mismatch


def test_prv010_llamafactory_bleu_rouge_on_json_labels(tmp_path: Path) -> None:
    gt.lf_run(tmp_path / "lf", predictions=gt.predictions(6), predict_results=True)
    (f,) = lint(tmp_path, "PRV010")
    assert "its 6 references are JSON objects" in f.message and "bleu 41.5" in f.message


def test_prv010_hf_predict_results_with_declared_target_keys(tmp_path: Path) -> None:
    keys = ["energy", "warmth"]  # the v1 layout: target_keys in final_metrics.json
    doc = {"target_keys": keys, "target_scale": 100, "valid_examples": 80}
    doc["eval"] = {"bleu": 30.0, "rouge_l": 40.0}
    gt.write_json(tmp_path / "outputs" / "r" / "final_metrics.json", doc)
    (f,) = lint(tmp_path, "PRV010")
    assert "the target is a JSON object (energy" in f.message


def test_prv010_near_miss(tmp_path: Path) -> None:
    # structured target, but a task metric is logged next to the overlap scores
    root = gt.lf_run(tmp_path / "lf", predictions=gt.predictions(6), predict_results=True)
    doc = json.loads((root / "predict_results.json").read_text("utf-8"))
    doc["predict_accuracy"] = 0.8
    gt.write_json(root / "predict_results.json", doc, indent=4)
    # overlap only, but free-text references (a summarisation eval)
    rows = [
        {"prompt": f"Summarise {i}", "predict": "a text", "label": "a summary"} for i in range(6)
    ]
    gt.lf_run(tmp_path / "summ", predictions=rows, predict_results=True)
    assert lint(tmp_path, "PRV010") == []


# ----------------------------------------------------------------- QLT010 baseline-regression


def wandb_run(root: Path, summary: dict[str, Any], run_id: str = "abc123") -> Path:
    files = root / "wandb" / f"run-20240101_000000-{run_id}" / "files"
    gt.write_json(files / "wandb-summary.json", {**summary, "_step": 10, "_runtime": 60})
    (files / "config.yaml").write_text("learning_rate:\n  value: 0.0001\n", "utf-8")
    return files


def eval_result(root: Path, stamp: str, mode: str, version: str = "v3", **metrics: float) -> None:
    doc = {"dataset_version": version, "mode": mode, "evaluated_count": 400, "metrics": metrics}
    gt.write_json(root / "artifacts" / "eval" / "runs" / f"{stamp}_{mode}.json", doc)


def test_qlt010_wandb_logged_baseline_keys(tmp_path: Path) -> None:
    wandb_run(
        tmp_path,
        {
            "val/loss": 1.3,
            "baseline/val/loss": 1.1,
            "val_gen/gsm8k_strict": 0.3,
            "baseline/gsm8k_strict": 0.45,
            "eval/evaluated_count": 200,
        },
    )
    found = lint(tmp_path, "QLT010")
    messages = sorted(f.message for f in found)
    assert len(messages) == 2
    assert messages[0].startswith("worse than its logged baseline/eval_loss: eval_loss 1.3 vs")
    assert messages[1].startswith("worse than its logged baseline/gsm8k_strict: gsm8k_strict 0.3")


def test_qlt010_reference_mode_run_in_campaign(tmp_path: Path) -> None:
    eval_result(tmp_path, "20260101T000000Z", "prompt_baseline", json_valid_rate=0.97, mae_raw=9.0)
    eval_result(tmp_path, "20260101T010000Z", "fine_tuned", json_valid_rate=0.90, mae_raw=9.5)
    (f,) = lint(tmp_path, "QLT010")
    assert f.run == "20260101T010000Z_fine_tuned"
    assert "the prompt_baseline run 20260101T000000Z_prompt_baseline" in f.message
    assert set(f.measurements["metrics"]) == {"json_valid_rate", "mae_raw"}


def test_qlt010_near_miss_within_noise_or_other_eval(tmp_path: Path) -> None:
    wandb_run(
        tmp_path,
        {"val_gen/gsm8k_strict": 0.44, "baseline/gsm8k_strict": 0.45, "eval/evaluated_count": 200},
    )
    eval_result(tmp_path, "20260101T000000Z", "prompt_baseline", json_valid_rate=0.97)
    eval_result(tmp_path, "20260101T010000Z", "fine_tuned", "v4", json_valid_rate=0.90)
    eval_result(tmp_path, "20260101T020000Z", "fine_tuned", json_valid_rate=0.975, mae_raw=8.0)
    assert lint(tmp_path, "QLT010") == []


# ----------------------------------------------------------------- OPS001 retried submissions


def job(run: str, at: str, exit_code: int, **extra: Any) -> dict[str, Any]:
    env = f"--env HF_FT_RUN_NAME={run} --env HF_FT_EPOCHS=2"
    return {
        "submitted_at": at,
        "run_name": run,
        "command": f"hf jobs uv run --flavor a10g-small {env} scripts/train_sft.py",
        "exit_code": exit_code,
        "job_id": f"job-{run}-{at[11:13]}{at[14:16]}" if exit_code == 0 else None,
        "stdout_tail": "",
        "stderr_tail": "" if exit_code == 0 else "RuntimeError: CUDA out of memory",
        **extra,
    }


def jobs_log(root: Path, records: list[dict[str, Any]], name: str = "submissions.jsonl") -> None:
    gt.write_jsonl(root / "artifacts" / "hf_jobs" / name, records)


def test_ops001_failure_resolved_by_later_retry_is_info(tmp_path: Path) -> None:
    jobs_log(tmp_path, [job("r", "2026-11-01T10:00:00Z", 1), job("r", "2026-11-01T10:05:00Z", 0)])
    (f,) = lint(tmp_path, "OPS001")
    assert f.severity == "info"
    assert "resolved by a retry at 2026-11-01T10:05:00Z" in f.message
    assert f.evidence[1].location() == "artifacts/hf_jobs/submissions.jsonl:2"


def test_ops001_failure_without_a_later_success_stays_an_error(tmp_path: Path) -> None:
    jobs_log(
        tmp_path,
        [
            job("r", "2026-11-01T09:00:00Z", 0),  # an earlier success is not a retry
            job("r", "2026-11-01T10:00:00Z", 1),
            job("other", "2026-11-01T10:05:00Z", 0),  # another run's success neither
            job("r", "2026-11-01T10:06:00Z", 2),  # a later failure neither
        ],
    )
    found = lint(tmp_path, "OPS001")
    assert [f.severity for f in found] == ["error", "error"]
    assert all("the job never started" in f.message for f in found)


def test_ops001_eval_retry_must_be_the_same_mode(tmp_path: Path) -> None:
    jobs_log(tmp_path, [job("r", "2026-11-01T09:00:00Z", 0)])
    evals = [
        job("r", "2026-11-01T10:00:00Z", 1, mode="fine_tuned"),
        job("r", "2026-11-01T10:05:00Z", 0, mode="prompt_baseline"),
    ]
    jobs_log(tmp_path, evals, "eval_submissions.jsonl")
    (f,) = lint(tmp_path, "OPS001")
    assert f.severity == "error" and "(mode fine_tuned)" in f.message


# ----------------------------------------------------------------- PRV002 from any source


def test_prv002_hf_eval_samples_and_accuracy(tmp_path: Path) -> None:
    gt.hf_run(tmp_path / "hf")  # eval_results.json: eval_accuracy 0.8, eval_samples 50
    (f,) = lint(tmp_path, "PRV002")
    assert f.message.startswith("accuracy 0.8 (40/50) has a 95% Wilson interval")
    assert f.evidence[1].path.startswith("hf/") and f.evidence[1].path.endswith("results.json")


def test_prv002_lm_eval_effective_n_samples(tmp_path: Path) -> None:
    lm_eval_gsm8k(tmp_path / "lme", 0.25, 0.5)  # effective n-samples: 4
    (f,) = lint(tmp_path, "PRV002")
    assert f.message.startswith("exact_match_flexible_extract 0.5 (2/4)")


def test_prv002_near_miss_large_eval(tmp_path: Path) -> None:
    root = gt.hf_run(tmp_path / "hf", results=False)
    gt.write_json(root / "eval_results.json", {"eval_accuracy": 0.8, "eval_samples": 5000})
    assert lint(tmp_path, "PRV002") == []


# ----------------------------------------------------------------- PRV008 duplicate-eval-rows


def lm_eval_json_samples(
    root: Path,
    targets: Sequence[str],
    prompts: Sequence[str],
    outputs: Sequence[str] | None = None,
    em: float = 0.5,
) -> Path:
    """An lm-eval run whose targets are JSON objects (a structured-output task)."""
    task = ge.Task("extract", {"exact_match,none": em}, effective=len(targets), generation=True)
    ge.results_json(root, [task])
    lines = []
    for i, (target, prompt) in enumerate(zip(targets, prompts, strict=True)):
        line = ge.sample_line(task, i)
        out = outputs[i] if outputs is not None else target
        line.update(
            {
                "target": target,
                "arguments": [[prompt, {"until": ["\n\n"]}]],
                "resps": [[out]],
                "filtered_resps": [out],
                "exact_match": float(out == target),
            }
        )
        lines.append(line)
    return ge.write_jsonl(root / f"samples_extract_{ge.STAMP}.jsonl", lines)


def lf_predictions(
    prompts: Sequence[str], labels: Sequence[str], predicts: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    predicts = predicts if predicts is not None else labels
    return [
        {"prompt": p, "predict": o, "label": lab}
        for p, o, lab in zip(prompts, predicts, labels, strict=True)
    ]


def test_prv008_llamafactory_repeated_prompts(tmp_path: Path) -> None:
    prompts = [f"Human: question {i % 7}\nAssistant:" for i in range(10)]
    labels = [f'{{"answer": {i % 7}}}' for i in range(10)]
    gt.lf_run(tmp_path / "lf", predictions=lf_predictions(prompts, labels))
    (f,) = lint(tmp_path, "PRV008")
    assert f.message.startswith("3 of 10 eval rows repeat an earlier input")
    assert f.measurements["conflicting_references"] == 0
    assert "the effective eval size is 7, not 10" in f.message
    assert [e.location() for e in f.evidence] == [
        "lf/generated_predictions.jsonl:1",
        "lf/generated_predictions.jsonl:8",
    ]


def test_prv008_lm_eval_repeated_docs(tmp_path: Path) -> None:
    prompts = ["Extract: a", "Extract: b", "Extract:  a", "Extract: c"]  # whitespace differs
    targets = ['{"k": 1}', '{"k": 2}', '{"k": 1}', '{"k": 3}']
    lm_eval_json_samples(tmp_path / "lme", targets, prompts)
    (f,) = lint(tmp_path, "PRV008")
    assert f.measurements["distinct_inputs"] == 3 and f.measurements["rows"] == 4


def test_prv008_near_miss_distinct_inputs(tmp_path: Path) -> None:
    gt.lf_run(tmp_path / "lf", predictions=gt.predictions(10))
    # one example per filter under one doc id is the same example, not a duplicate
    task = ge.Task(
        "extract", {"exact_match,strict": 0.5, "exact_match,loose": 0.6}, generation=True
    )
    ge.results_json(tmp_path / "lme", [task])
    lines = []
    for flt in ("strict", "loose"):
        for i in range(4):
            line = ge.sample_line(task, i, flt)
            line.update({"target": f'{{"k": {i}}}', "filtered_resps": [f'{{"k": {i}}}']})
            lines.append(line)
    ge.write_jsonl(tmp_path / "lme" / f"samples_extract_{ge.STAMP}.jsonl", lines)
    assert lint(tmp_path, "PRV008") == []


# ----------------------------------------------------------------- QLT009 majority-class

SKEWED = ['{"label": "pos"}'] * 14 + ['{"label": "neg"}'] * 6


def test_qlt009_llamafactory_constant_answers_recounted(tmp_path: Path) -> None:
    prompts = [f"Human: review {i}\nAssistant:" for i in range(20)]
    preds = ['{"label": "pos"}'] * 20  # always the majority label
    gt.lf_run(tmp_path / "lf", predictions=lf_predictions(prompts, SKEWED, preds))
    (f,) = lint(tmp_path, "QLT009")
    assert f.message.startswith("accuracy (recounted from the rows) 0.7 (14/20) is no better")
    assert '"label": "pos"' in f.message and f.measurements["majority_share"] == 0.7


def test_qlt009_lm_eval_exact_match_at_majority_share(tmp_path: Path) -> None:
    prompts = [f"Classify {i}" for i in range(20)]
    outputs = ['{"label": "pos"}'] * 15 + ['{"label": "neg"}'] * 5
    lm_eval_json_samples(tmp_path / "lme", SKEWED, prompts, outputs, em=0.75)
    (f,) = lint(tmp_path, "QLT009")
    assert f.message.startswith("exact_match 0.75 (15/20) is no better")


def test_qlt009_near_miss_clearly_above_majority(tmp_path: Path) -> None:
    prompts = [f"Human: review {i}\nAssistant:" for i in range(40)]
    labels = SKEWED * 2
    gt.lf_run(tmp_path / "lf", predictions=lf_predictions(prompts, labels))  # all correct
    # an open label set (every reference distinct) is not a class problem
    gt.lf_run(tmp_path / "open", predictions=gt.predictions(30))
    assert lint(tmp_path, "QLT009") == []
