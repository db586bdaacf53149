"""Plans for runs of other stacks: the revert and the next-run changes use the stack's
own setting names (LLaMA-Factory YAML keys, TrainingArguments), not --env variables."""

from __future__ import annotations

from ftlint.config.settings import DEFAULT_KNOBS
from ftlint.model import Campaign, Category, Evidence, Finding, Metric, Provenance, Run, Severity
from ftlint.plan.builder import build_plan

EV = Evidence("saves/sft/generated_predictions.jsonl", line=1)


def lf_run(name: str, template: str, lr: float, valid: float) -> Run:
    return Run(
        name=name,
        stack="llamafactory",
        adapters=("llamafactory",),
        provenance=Provenance(eval_size=60),
        settings={"template": template, "learning_rate": lr, "max_new_tokens": 512},
        metrics={"json_valid_rate": Metric(valid, EV)},
    )


def trailing(count: int) -> Finding:
    return Finding(
        rule="FMT003",
        name="parse-error-taxonomy",
        severity=Severity.ERROR,
        category=Category.FORMAT,
        run="cand",
        message=f"trailing_text: {count} of {count} failed rows",
        evidence=tuple(
            Evidence(EV.path, line=i + 1, sample_id=str(i)) for i in range(min(count, 5))
        ),
        measurements={"class": "trailing_text", "count": count, "run_failures": count},
        fingerprint="fmt003-trailing",
    )


def test_a_template_change_is_reverted_under_the_yaml_key() -> None:
    camp = Campaign(
        root="/ws",
        runs=(lf_run("base", "qwen", 2e-5, 0.98), lf_run("cand", "default", 2e-5, 0.7)),
        baseline="base",
        candidate="cand",
    )
    plan = build_plan(camp, [trailing(18)], DEFAULT_KNOBS, None)
    first = plan.actions[0]
    assert first.knob == "chat_template" and first.value == "qwen"
    assert first.text.startswith("template: default -> qwen")
    assert first.caused_by is not None and first.caused_by["names"] == ["template"]
    (override,) = [o for o in plan.overrides if o.knob == "chat_template"]
    assert (override.name, override.current, override.value, override.status) == (
        "template",
        "default",
        "qwen",
        "apply",
    )
    assert not any(o.name and o.name.startswith("HF_") for o in plan.overrides)
    assert plan.diagnosis[0].startswith(
        "Prompt format: the candidate changed chat_template (qwen -> default)"
    )
