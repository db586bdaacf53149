"""The settings diff: knobs across stacks, one-sided names, secrets, numeric equality."""

from __future__ import annotations

from ftlint.config.settings import DEFAULT_KNOBS
from ftlint.model import Run
from ftlint.plan.settings_diff import diff_settings, knob_of, short


def run(name: str, env: dict[str, str] | None = None, **settings: object) -> Run:
    return Run(name=name, env=env or {}, settings={**(env or {}), **settings})


def changes(base: Run, cand: Run) -> dict[str, tuple[str | None, str | None]]:
    return {c.knob: (c.baseline, c.candidate) for c in diff_settings(base, cand, DEFAULT_KNOBS)}


def test_knobs_from_the_config_map_stack_names_and_name_endings() -> None:
    assert knob_of("HF_FT_LR", DEFAULT_KNOBS) == "learning_rate"
    assert knob_of("num_train_epochs", DEFAULT_KNOBS) == "epochs"
    assert knob_of("template", DEFAULT_KNOBS) == "chat_template"  # LLaMA-Factory
    assert knob_of("learning_rate_multiplier", DEFAULT_KNOBS) == "learning_rate"  # OpenAI
    assert knob_of("MY_EVAL_MAX_NEW_TOKENS", DEFAULT_KNOBS) == "max_new_tokens"
    assert knob_of("seed", DEFAULT_KNOBS) is None


def test_equal_numbers_in_other_spellings_are_no_change() -> None:
    base = run("a", {"HF_FT_LR": "0.00005"})
    cand = run("b", {"HF_FT_LR": "5e-05"})
    assert changes(base, cand) == {}


def test_a_shared_name_decides_and_a_config_only_one_run_has_is_not_a_change() -> None:
    base = run("a", {"HF_FT_LR": "0.00002"})
    cand = run("b", {"HF_FT_LR": "0.00002"}, learning_rate=5e-05, bf16=True)  # W&B config
    assert changes(base, cand) == {}


def test_an_env_pair_set_in_one_command_only_is_a_change() -> None:
    base = run("a", {"HF_FT_LR": "0.00002"})
    cand = run("b", {"HF_FT_LR": "0.00002", "HF_FT_INIT_ADAPTER_MODEL_ID": "acme/a"})
    assert changes(base, cand) == {"init_adapter": (None, "acme/a")}


def test_stack_settings_diff_under_the_knob() -> None:
    base = Run(name="a", settings={"learning_rate": 2e-05, "template": "qwen"})
    cand = Run(name="b", settings={"learning_rate": 1e-04, "template": "default"})
    assert changes(base, cand) == {
        "chat_template": ("qwen", "default"),
        "learning_rate": ("2e-05", "0.0001"),
    }


def test_secrets_and_run_identities_are_left_out() -> None:
    base = run("sft-a", {"HF_TOKEN": "hf_aaa", "HF_FT_RUN_NAME": "sft-a", "WANDB_API_KEY": "1"})
    cand = run("sft-b", {"HF_TOKEN": "hf_bbb", "HF_FT_RUN_NAME": "sft-b", "WANDB_API_KEY": "2"})
    assert changes(base, cand) == {}
    lowered = run("sft-b", {"HF_FT_GENERATION_MAX_NEW_TOKENS": "48"})
    assert changes(run("sft-a", {"HF_FT_GENERATION_MAX_NEW_TOKENS": "96"}), lowered) == {
        "max_new_tokens": ("96", "48")
    }


def test_long_values_are_cut_for_sentences_only() -> None:
    prompt = "You are a helpful assistant. " * 20
    assert short(prompt).endswith("...") and len(short(prompt)) == 60
    assert short(None) == "unset" and short("v3") == "v3"
    base = run("a", {"HF_FT_SYSTEM_PROMPT": "Reply with JSON."})
    cand = run("b", {"HF_FT_SYSTEM_PROMPT": prompt})
    (change,) = diff_settings(base, cand, DEFAULT_KNOBS)
    assert change.knob == "system_prompt" and change.candidate == prompt  # the whole value
