"""The settings diff of a pair: every knob the candidate set differently from the baseline.

Settings come from every stack a run was read from: `run.env` (the `--env` pairs of a
job command) and `run.settings` (TrainingArguments, LLaMA-Factory YAML keys, OpenAI
hyperparameters, W&B config, as the stack names them). Names map to the planner's knobs
through rules.yaml `knobs:` (env names), then a table of the stacks' own names, then
name endings; a name no knob covers is compared under its own name. `FAMILY` says what
a changed knob can explain (`ftlint.plan.attribution`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ftlint import frozen
from ftlint.model import Run
from ftlint.plan.model import format_value
from ftlint.vocabulary import as_number

#: setting names (lower case, any stack) -> the planner's knob
STACK_KNOBS: dict[str, str] = {
    "max_new_tokens": "max_new_tokens",
    "max_tokens": "max_new_tokens",
    "generation_max_new_tokens": "max_new_tokens",
    "learning_rate": "learning_rate",
    "lr": "learning_rate",
    "learning_rate_multiplier": "learning_rate",
    "num_train_epochs": "epochs",
    "n_epochs": "epochs",
    "epochs": "epochs",
    "dataset_version": "dataset_version",
    "eval_dataset": "eval_dataset_path",
    "eval_dataset_path": "eval_dataset_path",
    "target_scale": "target_scale",
    "template": "chat_template",
    "chat_template": "chat_template",
    "system_prompt": "system_prompt",
    "system": "system_prompt",
    "prompt_template": "prompt_template",
    "prompt_version": "prompt_template",
}
#: name endings (lower case) of env variables -> knob, for names no knob map lists
SUFFIX_KNOBS: tuple[tuple[str, str], ...] = (
    ("max_new_tokens", "max_new_tokens"),
    ("learning_rate", "learning_rate"),
    ("_lr", "learning_rate"),
    ("epochs", "epochs"),
    ("dataset_version", "dataset_version"),
    ("chat_template", "chat_template"),
    ("system_prompt", "system_prompt"),
    ("prompt_template", "prompt_template"),
    ("prompt_version", "prompt_template"),
)
FAMILY = {
    "max_new_tokens": "truncation",
    "learning_rate": "training",
    "epochs": "training",
    "dataset_version": "comparability",
    "eval_dataset_path": "comparability",
    "target_scale": "comparability",
    "chat_template": "prompt",
    "system_prompt": "prompt",
    "prompt_template": "prompt",
}


@frozen
class SettingChange:
    """One knob the candidate set differently from the baseline (all its names)."""

    knob: str
    names: tuple[str, ...]
    baseline: str | None
    candidate: str | None

    @property
    def family(self) -> str | None:
        return FAMILY.get(self.knob)

    def to_dict(self) -> dict[str, Any]:
        return {
            "knob": self.knob,
            "names": list(self.names),
            "baseline": self.baseline,
            "candidate": self.candidate,
        }


def settings_of(run: Run) -> dict[str, str]:
    """Every setting of a run as text: `run.settings` (stack names), then `run.env`."""
    out = {str(k): format_value(v) for k, v in run.settings.items() if v is not None}
    out.update({str(k): str(v) for k, v in run.env.items()})
    return out


def knob_of(name: str, knobs: Mapping[str, Sequence[str]]) -> str | None:
    for knob, names in sorted(knobs.items()):
        if name in names:
            return knob
    low = name.lower()
    if low in STACK_KNOBS:
        return STACK_KNOBS[low]
    return next((knob for end, knob in SUFFIX_KNOBS if low.endswith(end)), None)


#: names that hold credentials, not knobs (`HF_TOKEN`, `WANDB_API_KEY`); max_new_tokens is a knob
SECRET_NAME = re.compile(r"(^|[_.-])(token|key|apikey)$|secret|passw", re.IGNORECASE)


def _same_value(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    x, y = number(a), number(b)
    if x is not None and y is not None:
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0)
    return a.strip() == b.strip()


def _identity(name: str, value: str | None, run: Run) -> bool:
    """A per-run name (run name, output model id, output dir): it always differs."""
    return bool(value) and run.name in str(value)


def _recorded_by_both(name: str, baseline: Run, candidate: Run) -> bool:
    """Whether both runs record settings where `name` lives: a job command's `--env`
    pair unset in the other run's command is a change; a W&B config key of a run the
    other has no config for is not."""
    for run, other in ((baseline, candidate), (candidate, baseline)):
        if name in run.env and not other.env:
            return False
        own = name in run.settings and name not in run.env
        if own and not any(k not in other.env for k in other.settings):
            return False
    return True


def diff_settings(
    baseline: Run, candidate: Run, knobs: Mapping[str, Sequence[str]]
) -> list[SettingChange]:
    """The knobs whose values differ between the runs.

    Several names can set one knob (`HF_FT_LR` in the job command, `learning_rate` in
    the W&B config): names both runs recorded decide; a name only one run recorded is
    compared only when no name is shared and the other run records that kind of setting
    at all. Secrets and per-run identities (values that
    contain the run's name) are left out; names no knob covers are compared under their
    own name, so a change is never lost.
    """
    base, cand = settings_of(baseline), settings_of(candidate)
    grouped: dict[str, list[str]] = {}
    for name in sorted(set(base) | set(cand)):
        if SECRET_NAME.search(name):
            continue
        if _identity(name, cand.get(name), candidate) or _identity(name, base.get(name), baseline):
            continue
        grouped.setdefault(knob_of(name, knobs) or name, []).append(name)
    out = []
    for knob, names in sorted(grouped.items()):
        shared = [n for n in names if base.get(n) and cand.get(n)]
        if shared:
            changed = [n for n in shared if not _same_value(base[n], cand[n])]
            if not changed:
                continue
            first = changed[0]
            out.append(SettingChange(knob, tuple(changed), base[first], cand[first]))
            continue
        names = [n for n in names if _recorded_by_both(n, baseline, candidate)]
        b = next((base[n] for n in names if base.get(n)), None)
        c = next((cand[n] for n in names if cand.get(n)), None)
        if not _same_value(b, c):
            out.append(SettingChange(knob, tuple(names), b, c))
    return out


def number(text: str | None) -> float | None:
    """A setting's value as a finite number (settings are text: `--env LR=2e-4`)."""
    return as_number(text, text=True)


def short(value: str | None, limit: int = 60) -> str:
    """A setting value for a sentence: `unset`, or cut to `limit` characters (a system
    prompt can be pages long; the override keeps the whole value)."""
    if value is None:
        return "unset"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
