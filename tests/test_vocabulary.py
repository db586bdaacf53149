"""One vocabulary decides what every source key means, for every stack alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftlint.vocabulary import as_number, lower_is_better, resolve


@pytest.mark.parametrize(
    ("key", "context", "canonical", "split"),
    [
        ("eval/evaluated_count", "eval", "eval_size", "eval"),  # custom W&B eval script
        ("eval/vector_mae", "eval", "mae_raw", "eval"),
        ("eval/json_valid_rate", "eval", "json_valid_rate", "eval"),
        ("eval_loss", "train", "eval_loss", "eval"),  # HF Trainer log_history
        ("loss", "train", "train_loss", "train"),  # a train log's bare loss
        ("valid_loss", "eval", "eval_loss", "eval"),  # OpenAI fine-tuning CSV
        ("validation_loss", "eval", "eval_loss", "eval"),  # OpenAI legacy CSV
        ("val/loss", "eval", "eval_loss", "eval"),  # hand-written loops
        ("train/loss", "eval", "train_loss", "train"),  # HF W&B integration
        ("eval_samples", "eval", "eval_size", "eval"),
        ("train_samples", "eval", "train_size", "train"),
        ("n-samples", "eval", "eval_size", "eval"),
        ("acc,none", "eval", "accuracy", "eval"),  # lm-eval
        ("exact_match,strict-match", "eval", "exact_match_strict_match", "eval"),
        ("exact_match,flexible-extract", "eval", "exact_match_flexible_extract", "eval"),
        ("eval_rewards/accuracies", "train", "reward_accuracy", "eval"),  # DPO
        ("predict_rouge-l", "eval", "rouge_l", "test"),
        ("predict_rouge-1", "eval", "rouge_1", "test"),
        ("eval/mae_raw_energy", "eval", "mae_raw_energy", "eval"),  # per-dimension
        ("eval/val_loss", "eval", "eval_loss", "eval"),  # nested namespaces (nanoGPT-style)
        ("eval/train_loss", "eval", "train_loss", "train"),
        ("eval/val_acc", "eval", "accuracy", "eval"),
        ("eval/val_ppl", "eval", "perplexity", "eval"),
        ("train/train_loss", "eval", "train_loss", "train"),
        ("valid_json_rate", "eval", "json_valid_rate", "eval"),  # a whole name is not cut
    ],
)
def test_keys_of_every_stack_resolve(key: str, context: str, canonical: str, split: str) -> None:
    res = resolve(key, context)
    assert (res.canonical, res.split) == (canonical, split)


def test_unknown_keys_keep_their_own_name_and_team_aliases_apply() -> None:
    res = resolve("eval/my_custom_score")
    assert (res.canonical, res.known) == ("my_custom_score", False)
    assert resolve("eval/my_custom_score", extra={"my_custom_score": "accuracy"}).canonical == (
        "accuracy"
    )


def test_direction_has_one_answer() -> None:
    for name in ("mae_raw", "eval_loss", "train_loss", "parse_error_rate", "perplexity"):
        assert lower_is_better(name), name
    for name in ("json_valid_rate", "accuracy", "exact_match", "reward_accuracy", "bleu"):
        assert not lower_is_better(name), name
    assert lower_is_better("accuracy", {"accuracy": False})


@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.text(), st.booleans(), st.none()))
def test_as_number_is_finite_or_none(value: object) -> None:
    number = as_number(value)
    assert number is None or (isinstance(number, float) and abs(number) != float("inf"))
    if isinstance(value, bool | str) or value is None:
        assert number is None


def test_huge_integers_are_not_numbers() -> None:
    assert as_number(10**400) is None
