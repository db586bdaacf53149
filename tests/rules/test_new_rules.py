"""Issue 14, training curves of any stack: TRN002 on the eval loss, TRN004
no-validation, TRN005 memorisation, TRN006 preference-at-chance.

Every rule has a trigger and a near miss, in two stacks' formats where the failure
occurs in both (HF Trainer `trainer_state.json`, OpenAI result CSVs, LLaMA-Factory),
built with the adapters' fixture generators and linted through `ftlint.api`, so a rule
is tested on what the adapters really make of a stack's files, never on hand-built runs.
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


def test_actions_name_the_stacks_own_setting_when_its_value_is_unknown(tmp_path: Path) -> None:
    oai_csv(tmp_path / "job", falling(10, 2.0, 0.3), every_other(OVERFIT_EVAL))
    (f,) = lint(tmp_path, "TRN002")
    lr = next(a for a in f.actions if a.knob == "learning_rate")
    assert lr.text.startswith("learning_rate_multiplier: set to 0.6x")  # never HF_FT_LR


def test_trn004_near_miss_unfinished_run(tmp_path: Path) -> None:
    # killed after 30 steps, before its first eval step: not a missing validation split
    gt.hf_run(tmp_path / "hf", upto=30, max_steps=100, summary=False, results=False)
    state = json.loads((tmp_path / "hf" / "trainer_state.json").read_text("utf-8"))
    state["log_history"] = [e for e in state["log_history"] if "eval_loss" not in e]
    gt.write_json(tmp_path / "hf" / "trainer_state.json", state)
    assert lint(tmp_path, "TRN004") == []
