"""Issue 14: rules for the failure modes of real runs (TRN002 on eval loss, TRN004-006,
FMT009, QLT009, QLT010, PRV002 from any source, PRV008-010, OPS001 retries).

Every rule has a trigger and a near miss, in two stacks' formats where the failure
occurs in both, built with the adapters' fixture generators (tests/sources/gen_*.py)
and linted through `ftlint.api`, so a rule is tested on what the adapters really make
of a stack's files, never on hand-built `Run`s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:  # tests/ is a package (tests.sources) or a rootdir on sys.path (sources)
    from tests.sources import gen_evalfiles as ge
    from tests.sources import gen_trainer as gt
except ImportError:  # pragma: no cover - depends on how pytest was started
    from sources import gen_evalfiles as ge  # type: ignore[no-redef]
    from sources import gen_trainer as gt  # type: ignore[no-redef]

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import api
from ftlint.config.settings import Config
from ftlint.model import Campaign, Evidence, Finding, HardCase, Metric, Point, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.sources.base import RowFile

# ----------------------------------------------------------------- helpers


def lint(root: Path, code: str) -> list[Finding]:
    session = api.setup(config=Config(), use_entry_points=False, select=[code])
    campaign = api.load_campaign(session, root)
    found = api.lint(session, campaign, select=[code]).findings
    crashed = [f for f in found if f.rule == "FTL001"]
    assert not crashed, crashed
    return [f for f in found if f.rule == code]


def hf_state(
    root: Path,
    train: Sequence[float],
    evals: Sequence[float] = (),
    *,
    every: int = 10,
    eval_every: int = 2,
    epochs: Sequence[float] | None = None,
    dpo: bool = False,
    extra_eval: dict[str, Any] | None = None,
    results: dict[str, Any] | None = None,
) -> Path:
    """An HF Trainer output_dir whose log_history has these train losses (one log every
    `every` steps) and eval losses (one every `eval_every` train logs)."""
    history: list[dict[str, Any]] = []
    steps = len(train) * every
    e = iter(evals)
    for i, loss in enumerate(train, start=1):
        step = i * every
        epoch = epochs[i - 1] if epochs is not None else round(3 * step / steps, 4)
        history.append(gt.train_entry(step, loss=loss, epoch=epoch, dpo=dpo))
        if i % eval_every == 0:
            value = next(e, None)
            if value is not None:
                entry = gt.eval_entry(step, loss=value, epoch=epoch, dpo=dpo)
                entry.update(extra_eval or {})
                history.append(entry)
    history.append(gt.summary_entry(steps, 3.0))
    state = gt.trainer_state(upto=steps, max_steps=steps, summary=True, dpo=dpo)
    state["log_history"] = history
    gt.write_json(root / "trainer_state.json", state)
    gt.write_json(
        root / "training_args.json",
        {"learning_rate": 5e-5, "num_train_epochs": 3.0, "lora_dropout": 0.0},
    )
    if results is not None:
        gt.write_json(root / "all_results.json", results, indent=4)
    return root


def oai_csv(
    root: Path,
    train: Sequence[float],
    valid: Sequence[float | None] = (),
    *,
    train_acc: Sequence[float] | None = None,
    n_epochs: int = 3,
) -> Path:
    """An OpenAI fine-tuning job folder: result CSV (current columns) + job object."""
    rows = []
    for i, loss in enumerate(train):
        v = valid[i] if i < len(valid) else None
        acc = train_acc[i] if train_acc is not None else 0.5 + i / 100
        rows.append([i + 1, loss, acc, v, None if v is None else 0.6])
    ge.write_csv(root / "step_metrics.csv", ge.CURRENT_HEADER, rows)
    ge.job_object(root / "job.json", hyperparameters={"n_epochs": n_epochs})
    return root


def every_other(values: Sequence[float]) -> list[float | None]:
    """Validation on every second step (empty cells between), as OpenAI writes it."""
    out: list[float | None] = []
    for v in values:
        out += [None, v]
    return out


def falling(n: int, start: float = 2.0, end: float = 0.5) -> list[float]:
    return [start + (end - start) * i / (n - 1) for i in range(n)]


# ----------------------------------------------------------------- TRN004 no-validation


def test_trn004_hf_state_without_eval_logs(tmp_path: Path) -> None:
    hf_state(tmp_path / "run", falling(10))
    (f,) = lint(tmp_path, "TRN004")
    assert f.run == "run" and "no eval loss" in f.message
    assert f.evidence[0].path == "run/trainer_state.json"
    assert {a.kind for a in f.actions} == {"dataset", "process"}


def test_trn004_openai_csv_without_valid_values(tmp_path: Path) -> None:
    oai_csv(tmp_path / "job", falling(8))
    (f,) = lint(tmp_path, "TRN004")
    assert f.measurements["train_points"] == 8


def test_trn004_near_miss_eval_logged(tmp_path: Path) -> None:
    hf_state(tmp_path / "hf", falling(10), [1.5, 1.4, 1.3, 1.2, 1.1])
    oai_csv(tmp_path / "job", falling(8), every_other([1.5, 1.4, 1.3, 1.2]))
    assert lint(tmp_path, "TRN004") == []


def test_trn004_near_miss_no_training_curve(tmp_path: Path) -> None:
    ge.results_json(tmp_path / "lme", [ge.ARC])  # an eval-only run
    assert lint(tmp_path, "TRN004") == []


# ----------------------------------------------------------------- TRN005 memorisation

MEMORISED = [1.5, 0.8, 0.3, 0.1, 0.04, 0.02, 0.01, 0.008, 0.006, 0.005]


def test_trn005_hf_train_loss_near_zero_eval_rising(tmp_path: Path) -> None:
    hf_state(tmp_path / "run", MEMORISED, [1.2, 1.0, 1.02, 1.1, 1.25])
    (f,) = lint(tmp_path, "TRN005")
    assert "train loss 0.0055" in f.message and "eval loss is rising" in f.message
    assert f.measurements["eval_loss_last"] == 1.25
    knobs = [a.knob for a in f.actions]
    assert knobs[:2] == ["epochs", "lora_dropout"]
    assert f.actions[0].text == "num_train_epochs: 3 -> 2"  # best eval at step 40 of 100
    assert f.actions[1].text == "lora_dropout: 0.0 -> 0.1"


def test_trn005_openai_token_accuracy_one_eval_flat(tmp_path: Path) -> None:
    acc = [0.6, 0.8, 0.9, 0.95, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0]
    oai_csv(tmp_path / "job", [0.9] * 10, every_other([1.1, 1.05, 1.06, 1.05, 1.06]), train_acc=acc)
    (f,) = lint(tmp_path, "TRN005")
    assert "train_accuracy 1" in f.message and "flat" in f.message
    assert f.actions[0].text == "n_epochs: 3 -> 2"


def test_trn005_hf_epoch_staircase(tmp_path: Path) -> None:
    train, epochs = [], []
    for epoch in range(3):
        for i in range(10):
            train.append(1.5 - 0.5 * epoch - 0.005 * i)
            epochs.append(round(epoch + (i + 1) / 10 - 0.05, 4))
    hf_state(tmp_path / "run", train, [1.3, 1.2, 1.25, 1.3, 1.3, 1.31], epochs=epochs, eval_every=5)
    (f,) = lint(tmp_path, "TRN005")
    assert "drops in steps at 2 epoch boundaries" in f.message
    assert f.measurements["epoch_stairs"] == 2


def test_trn005_near_miss_eval_still_improving(tmp_path: Path) -> None:
    hf_state(tmp_path / "hf", MEMORISED, [1.2, 1.0, 0.9, 0.8, 0.7])
    acc = [1.0] * 10
    oai_csv(tmp_path / "job", [0.9] * 10, every_other([1.1, 1.0, 0.9, 0.8, 0.7]), train_acc=acc)
    assert lint(tmp_path, "TRN005") == []


def test_trn005_near_miss_train_not_memorised(tmp_path: Path) -> None:
    hf_state(tmp_path / "hf", falling(10, 2.0, 0.9), [1.2, 1.0, 1.02, 1.1, 1.25])
    oai_csv(tmp_path / "job", falling(10, 2.0, 0.9), every_other([1.1, 1.05, 1.06, 1.05, 1.06]))
    assert lint(tmp_path, "TRN005") == []


def test_trn005_silent_without_eval_curve(tmp_path: Path) -> None:
    hf_state(tmp_path / "hf", MEMORISED)
    assert lint(tmp_path, "TRN005") == []


# ----------------------------------------------------------------- TRN006 preference-at-chance

AT_CHANCE = {"eval_rewards/accuracies": 0.5, "eval_rewards/margins": 0.001}


def dpo_run(root: Path, eval_loss: float, acc: float) -> Path:
    extra = {"eval_rewards/accuracies": acc, "eval_rewards/margins": 0.001}
    return hf_state(
        root,
        falling(10, 0.70, 0.69),
        [0.70, 0.695, 0.694, 0.693, eval_loss],
        dpo=True,
        extra_eval=extra,
    )


def test_trn006_hf_dpo_state_at_chance(tmp_path: Path) -> None:
    dpo_run(tmp_path / "dpo", 0.6931, 0.51)
    (f,) = lint(tmp_path, "TRN006")
    assert "eval reward accuracy 0.51" in f.message and "eval loss 0.6931" in f.message
    assert f.actions[0].kind == "dataset" and f.actions[1].text == "learning_rate: 5e-05 -> 0.0001"


def test_trn006_beta_far_from_the_usual_range_is_reset(tmp_path: Path) -> None:
    root = dpo_run(tmp_path / "dpo", 0.6931, 0.5)
    args = {"learning_rate": 5e-7, "num_train_epochs": 1.0, "beta": 5.0}
    gt.write_json(root / "training_args.json", args)
    (f,) = lint(tmp_path, "TRN006")
    assert [a.text for a in f.actions[1:]] == ["learning_rate: 5e-07 -> 1e-06", "beta: 5.0 -> 0.1"]


def test_trn006_llamafactory_dpo_results_at_chance(tmp_path: Path) -> None:
    root = gt.lf_run(tmp_path / "lf", state=False)
    gt.write_json(
        root / "all_results.json",
        {"epoch": 3.0, "eval_loss": 0.6925, "eval_rewards/accuracies": 0.47, "eval_samples": 400},
        indent=4,
    )
    (f,) = lint(tmp_path, "TRN006")
    assert f.evidence[0].path == "lf/all_results.json"


def test_trn006_near_miss_preference_learned(tmp_path: Path) -> None:
    dpo_run(tmp_path / "dpo", 0.45, 0.78)
    root = gt.lf_run(tmp_path / "lf", state=False)
    gt.write_json(root / "all_results.json", {"eval_loss": 0.69, "eval_rewards/accuracies": 0.71})
    assert lint(tmp_path, "TRN006") == []


def test_trn006_silent_on_sft_runs(tmp_path: Path) -> None:
    hf_state(tmp_path / "sft", falling(10), [0.70, 0.695, 0.694, 0.693, 0.6931])
    assert lint(tmp_path, "TRN006") == []


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


# ----------------------------------------------------------------- TRN002 on eval loss

OVERFIT_EVAL = [1.5, 1.2, 1.0, 1.1, 1.3]


def test_trn002_hf_state_eval_loss_overfitting(tmp_path: Path) -> None:
    hf_state(tmp_path / "run", falling(10, 2.0, 0.3), OVERFIT_EVAL)
    (f,) = [x for x in lint(tmp_path, "TRN002") if x.measurements["metric"] == "eval_loss"]
    assert f.message.startswith("eval_loss got worse late in training: best 1 at step 60")
    assert "train loss kept falling" in f.message and "overfitting" in f.message
    assert f.actions[0].text == "num_train_epochs: 3 -> 2"
    assert f.actions[2].text == "learning_rate: 5e-05 -> 3e-05"


def test_trn002_openai_valid_loss_overfitting(tmp_path: Path) -> None:
    oai_csv(tmp_path / "job", falling(10, 2.0, 0.3), every_other(OVERFIT_EVAL))
    (f,) = lint(tmp_path, "TRN002")
    assert f.measurements["best_step"] == 6 and f.measurements["overfitting"] is True
    assert f.actions[0].text == "n_epochs: 3 -> 2"


def test_trn002_near_miss_eval_loss_still_falling_or_diverging(tmp_path: Path) -> None:
    hf_state(tmp_path / "hf", falling(10, 2.0, 0.3), [1.5, 1.2, 1.0, 0.98, 0.97])
    oai_csv(tmp_path / "job", falling(10, 2.0, 0.3), every_other([1.5, 1.2, 1.0, 1.02, 1.03]))
    # eval and train loss both rising: divergence is TRN001's, not overfitting
    hf_state(tmp_path / "div", falling(10, 1.0, 3.0), OVERFIT_EVAL)
    assert lint(tmp_path, "TRN002") == []


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


def test_actions_name_the_stacks_own_setting_when_its_value_is_unknown(tmp_path: Path) -> None:
    oai_csv(tmp_path / "job", falling(10, 2.0, 0.3), every_other(OVERFIT_EVAL))
    (f,) = lint(tmp_path, "TRN002")
    lr = next(a for a in f.actions if a.knob == "learning_rate")
    assert lr.text.startswith("learning_rate_multiplier: set to 0.6x")  # never HF_FT_LR


# ----------------------------------------------------------------- robustness


CURVE_RULES = (
    "TRN002",
    "TRN004",
    "TRN005",
    "TRN006",
    "FMT009",
    "PRV002",
    "PRV009",
    "PRV010",
    "QLT010",
)
_finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_curve = st.lists(st.tuples(st.integers(0, 10_000), _finite), max_size=12)
_names = st.sampled_from(
    [
        "accuracy",
        "exact_match_strict_match",
        "exact_match_flexible_extract",
        "bleu",
        "rouge_l",
        "baseline/accuracy",
        "baseline/eval_loss",
        "eval_loss",
        "x_strict",
        "x_lenient",
        "reward_accuracy",
        "json_valid_rate",
        "exact_match",
        "exact_match_normalized",
    ]
)
_settings = st.dictionaries(
    st.sampled_from(
        [
            "do_sample",
            "temperature",
            "t/do_sample",
            "t/temperature",
            "top_k",
            "n",
            "num_train_epochs",
            "n_epochs",
            "learning_rate",
            "lora_dropout",
        ]
    ),
    st.one_of(st.booleans(), _finite, st.text(max_size=5), st.none()),
    max_size=6,
)


def _points(pairs: list[tuple[int, float]]) -> tuple[Point, ...]:
    ev = Evidence("x.json")
    return tuple(Point(float(s), v, ev) for s, v in sorted(pairs))


@settings(max_examples=60, deadline=None)
@given(
    curves=st.dictionaries(
        st.sampled_from(
            [
                "train_loss",
                "eval_loss",
                "epoch",
                "reward_accuracy",
                "train_token_accuracy",
                "train_accuracy",
                "accuracy",
            ]
        ),
        _curve,
        max_size=6,
    ),
    metrics=st.dictionaries(_names, _finite, max_size=6),
    run_settings=_settings,
    size=st.one_of(st.none(), st.integers(-3, 10_000)),
    stack=st.sampled_from(["", "env", "hf_trainer", "openai", "llamafactory", "lm_eval"]),
)
def test_curve_and_metric_rules_never_raise(curves, metrics, run_settings, size, stack) -> None:
    ev = Evidence("x.json")
    run = Run(
        name="r",
        curves={k: _points(v) for k, v in curves.items()},
        metrics={k: Metric(v, ev, k) for k, v in metrics.items()},
        settings=run_settings,
        stack=stack,
        provenance=Provenance(eval_size=size),
    )
    campaign = Campaign(root=".", runs=(run,))
    session = _session()
    for cls in session.rules:
        if cls.code not in CURVE_RULES:
            continue
        rule = cls()
        ctx = RuleContext(rule, cls.param_defaults(), None, {}, campaign)
        out = list(rule.check_run(run, ctx) or ())
        out += list(rule.check_campaign(campaign, ctx) or ())
        assert all(isinstance(f, Finding) and "nan" not in f.message.lower() for f in out)


_SESSION: list[Any] = []


def _session() -> Any:
    if not _SESSION:
        _SESSION.append(api.setup(config=Config(), use_entry_points=False))
    return _SESSION[0]


_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), _finite, st.text(max_size=4)),
    lambda inner: st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
_case = st.builds(
    lambda text, sid, target, pred, line: HardCase(
        rank=None,
        sample_id=sid,
        request_text=text,
        source_type=None,
        target_vector=target,
        predicted_vector=pred,
        abs_error_raw=None,
        mae_raw=None,
        parse_error=None,
        generated_text=None,
        evidence=Evidence("rows.jsonl", line),
        raw={},
    ),
    st.one_of(st.none(), st.text(max_size=6)),
    st.one_of(st.none(), st.sampled_from(["1", "2", "3"])),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _json_value, max_size=2)),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _json_value, max_size=2)),
    st.integers(1, 50),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_case, max_size=40), metrics=st.dictionaries(_names, _finite, max_size=4))
def test_row_rules_never_raise(rows, metrics) -> None:
    ev = Evidence("rows.jsonl")
    run = Run(
        name="r",
        metrics={k: Metric(v, ev, k) for k, v in metrics.items()},
        row_files=(RowFile("rows.jsonl", "generic", True),),
    )
    campaign = Campaign(root=".", runs=(run,))
    for cls in _session().rules:
        if cls.code not in ("PRV008", "PRV010", "QLT009"):
            continue
        rule = cls()
        params = {**cls.param_defaults(), "min_rows": 1}
        ctx = RuleContext(rule, params, None, {}, campaign)
        visitor = rule.hard_case_visitor(run, ctx)
        if visitor is None:
            continue
        for row in rows:
            visitor.row(row)
        assert all(isinstance(f, Finding) for f in visitor.finish())


def test_trn004_near_miss_unfinished_run(tmp_path: Path) -> None:
    # killed after 30 steps, before its first eval step: not a missing validation split
    gt.hf_run(tmp_path / "hf", upto=30, max_steps=100, summary=False, results=False)
    state = json.loads((tmp_path / "hf" / "trainer_state.json").read_text("utf-8"))
    state["log_history"] = [e for e in state["log_history"] if "eval_loss" not in e]
    gt.write_json(tmp_path / "hf" / "trainer_state.json", state)
    assert lint(tmp_path, "TRN004") == []
