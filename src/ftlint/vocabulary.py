"""One vocabulary: what every source key means, for every stack alike.

A source adapter reports values under the keys its stack wrote (`eval/evaluated_count`,
`eval_loss`, `valid_mean_token_accuracy`, `acc,none`). `resolve` splits off the
namespace (which becomes the split: train, eval, test), maps aliases to a canonical
metric and returns its spec: direction (higher or lower is better), range, kind. Keys
no alias knows stay under their own (namespace-free) name, so any of them can still be
gated on; `rules.yaml` `metrics:` adds a team's aliases and directions.

Canonical names keep ftlint's established metric names (`json_valid_rate`,
`parse_error_rate`, `mae_raw`, `mse_raw`) so gates and messages stay stable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ftlint import frozen

#: kinds of canonical metrics
KINDS = ("rate", "mean", "loss", "count", "latency", "cost", "score", "metadata")


@frozen
class MetricSpec:
    """What a canonical metric is: direction, range and kind."""

    name: str
    higher_is_better: bool | None  # None: neither (counts, metadata)
    kind: str
    low: float | None = None
    high: float | None = None
    description: str = ""

    def in_range(self, value: float) -> bool:
        if self.low is not None and value < self.low:
            return False
        return not (self.high is not None and value > self.high)


def _rate(name: str, higher: bool = True, desc: str = "") -> MetricSpec:
    return MetricSpec(name, higher, "rate", 0.0, 1.0, desc)


SPECS: dict[str, MetricSpec] = {
    s.name: s
    for s in (
        _rate("json_valid_rate", desc="share of outputs that parse as the contract's JSON"),
        _rate("parse_error_rate", higher=False, desc="share of outputs that do not parse"),
        _rate("accuracy"),
        _rate("exact_match"),
        _rate("token_accuracy", desc="mean token accuracy (teacher-forced)"),
        _rate("sequence_accuracy"),
        _rate("reward_accuracy", desc="DPO/ORPO: share of pairs with chosen > rejected reward"),
        _rate("f1"),
        _rate("precision"),
        _rate("recall"),
        _rate("fallback_rate", higher=False, desc="rows answered by a fallback model"),
        MetricSpec("mae_raw", False, "mean", 0.0, None, "mean absolute error"),
        MetricSpec("mse_raw", False, "mean", 0.0, None, "mean squared error"),
        MetricSpec("rmse", False, "mean", 0.0, None),
        MetricSpec("mae_norm", False, "mean", 0.0, None, "MAE on the normalised scale"),
        MetricSpec("r2_score", True, "score", None, 1.0),
        MetricSpec("loss", False, "loss", None, None, "loss of the split it belongs to"),
        MetricSpec("perplexity", False, "loss", 0.0, None),
        MetricSpec("bleu", True, "score", 0.0, 100.0, "text overlap (BLEU)"),
        MetricSpec("rouge", True, "score", 0.0, 100.0, "text overlap (ROUGE)"),
        MetricSpec("rouge_1", True, "score", 0.0, 100.0, "text overlap (ROUGE-1)"),
        MetricSpec("rouge_2", True, "score", 0.0, 100.0, "text overlap (ROUGE-2)"),
        MetricSpec("rouge_l", True, "score", 0.0, 100.0, "text overlap (ROUGE-L)"),
        MetricSpec("reward_margin", True, "score"),
        MetricSpec("eval_size", None, "count", 0.0, None, "rows the eval measured"),
        MetricSpec("train_size", None, "count", 0.0, None),
        MetricSpec("learning_rate", None, "score", 0.0, None),
        MetricSpec("grad_norm", None, "score", 0.0, None),
        MetricSpec("epoch", None, "count", 0.0, None),
        MetricSpec("step", None, "count", 0.0, None),
        MetricSpec("runtime", False, "latency", 0.0, None, "seconds"),
        MetricSpec("samples_per_second", True, "latency", 0.0, None),
        MetricSpec("latency_p50", False, "latency", 0.0, None),
        MetricSpec("latency_p95", False, "latency", 0.0, None),
        MetricSpec("cost", False, "cost", 0.0, None),
    )
}

#: namespaces split off first, longest first; the value is the split they mean
NAMESPACES: tuple[tuple[str, str], ...] = (
    ("iter_eval/", "eval"),
    ("classification/", "eval"),  # OpenAI legacy classification metrics (validation set)
    ("validation/", "eval"),
    ("validation_", "eval"),
    ("full_valid_", "eval"),
    ("valid/", "eval"),
    ("valid_", "eval"),
    ("eval/", "eval"),
    ("eval_", "eval"),
    ("val_gen/", "eval"),
    ("val/", "eval"),
    ("val_", "eval"),
    ("test/", "test"),
    ("test_", "test"),
    ("predict_", "test"),
    ("train/", "train"),
    ("train_", "train"),
    ("training_", "train"),
)

#: alias (namespace-free, lower case) -> canonical name
ALIASES: dict[str, str] = {
    "vector_mae": "mae_raw",
    "mae": "mae_raw",
    "mean_absolute_error": "mae_raw",
    "mse": "mse_raw",
    "vector_mse": "mse_raw",
    "mean_squared_error": "mse_raw",
    "r2": "r2_score",
    "acc": "accuracy",
    "accuracy": "accuracy",
    "exact_match": "exact_match",
    "em": "exact_match",
    "mean_token_accuracy": "token_accuracy",
    "token_accuracy": "token_accuracy",
    "sequence_accuracy": "sequence_accuracy",
    "rewards/accuracies": "reward_accuracy",
    "rewards/margins": "reward_margin",
    "evaluated_count": "eval_size",
    "eval_samples": "eval_size",
    "samples": "eval_size",
    "n_samples": "eval_size",
    "n-samples": "eval_size",
    "num_examples": "eval_size",
    "examples": "eval_size",
    "valid_examples": "eval_size",
    "lr": "learning_rate",
    "learning_rate": "learning_rate",
    "grad_norm": "grad_norm",
    "global_step": "step",
    "current_steps": "step",
    "bleu-4": "bleu",
    "bleu_4": "bleu",
    "sacrebleu": "bleu",
    "rouge-l": "rouge_l",
    "rouge_l": "rouge_l",
    "rougel": "rouge_l",
    "rouge-1": "rouge_1",
    "rouge1": "rouge_1",
    "rouge-2": "rouge_2",
    "rouge2": "rouge_2",
    "latency_p50_ms": "latency_p50",
    "latency_p95_ms": "latency_p95",
    "mistral_fallback_rate": "fallback_rate",
    "f1_score": "f1",
    "valid_json_rate": "json_valid_rate",
    "json_valid": "json_valid_rate",
    "ppl": "perplexity",
}

#: internal or bookkeeping keys that are never metrics
IGNORED = re.compile(r"^_|/_|^(total_flos|percentage|elapsed_time|remaining_time)$")
#: lm-eval `"acc,none"`: the filter after the comma; `none` is dropped, any other filter
#: (`strict-match`, `flexible-extract`) stays part of the name, so strict and lenient
#: twins remain two metrics
_FILTER = re.compile(r",([^/]*)$")


@frozen
class Resolved:
    """What one source key means: canonical name (or the key's own name), split."""

    key: str
    name: str
    split: str  # train | eval | test
    spec: MetricSpec | None
    known: bool  # False: no alias matched; kept under its own name

    @property
    def canonical(self) -> str:
        """The name a run's metrics are stored under: `train_loss`, `eval_loss` for
        losses (both live side by side), else the metric name for its split."""
        if self.name == "loss":
            return f"{self.split}_loss"
        if self.split == "train" and not self.name.startswith("train_"):
            return f"train_{self.name}"
        return self.name


@lru_cache(maxsize=4096)
def _resolve(key: str, context: str, extra: tuple[tuple[str, str], ...]) -> Resolved:
    found = _FILTER.search(key.strip())
    variant = found.group(1).strip().lower() if found else ""
    base = _resolve_base(_FILTER.sub("", key.strip()), key, context, extra)
    if base.split == "train" and base.name == "eval_size":
        base = Resolved(key, "train_size", "train", SPECS["train_size"], True)
    if variant and variant != "none":
        suffix = re.sub(r"[^a-z0-9]+", "_", variant).strip("_")
        return Resolved(key, f"{base.name}_{suffix}", base.split, base.spec, base.known)
    return base


def _resolve_base(raw: str, key: str, context: str, extra: tuple[tuple[str, str], ...]) -> Resolved:
    low = raw.lower()
    split = "train" if context == "train" else "eval"
    rest = low
    aliases = dict(extra)
    # namespaces nest (`eval/val_loss`, `eval/train_acc`, `train/train_loss`): the
    # innermost decides the split; a name known as a whole is never cut further
    for _ in range(2):
        if rest in aliases or rest in ALIASES or rest in SPECS:
            break
        for prefix, ns_split in NAMESPACES:
            if rest.startswith(prefix) and len(rest) > len(prefix):
                rest = rest[len(prefix) :]
                split = ns_split
                break
        else:
            break
    if low in aliases:  # a team alias on the whole key wins
        name = aliases[low]
        return Resolved(key, name, split, SPECS.get(name), True)
    name = aliases.get(rest) or ALIASES.get(rest)
    if name is None and rest in SPECS:
        name = rest
    if name is None and rest in ("loss", "losses"):
        name = "loss"
    if name is None and rest.startswith(("mae_raw_", "mse_raw_", "abs_error_raw_")):
        return Resolved(key, rest, split, SPECS["mae_raw"], True)  # per-dimension errors
    if name is None:
        return Resolved(key, rest, split, None, False)
    return Resolved(key, name, split, SPECS.get(name), True)


def resolve(key: str, context: str = "eval", extra: Mapping[str, str] | None = None) -> Resolved:
    """Resolve a source key. `context` is `train` for training logs (where an
    un-namespaced `loss` is the train loss) or `eval`. `extra`: rules.yaml aliases."""
    return _resolve(key, context, tuple(sorted((extra or {}).items())))


def ignored(key: str) -> bool:
    """Internal keys (`_step`, `_wandb`, `train/_runtime`) and bookkeeping."""
    return bool(IGNORED.search(key))


def as_number(value: Any, *, text: bool = False) -> float | None:
    """A finite float from a JSON value, else None (bools, NaN, inf, huge ints).

    Strings are not numbers unless `text` is set: settings such as `--env LR=2e-4` are
    strings by nature, metric values that are strings are metadata.
    """
    if type(value) is float:  # the common case, first
        return value if math.isfinite(value) else None
    if text and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def is_metric_value(value: Any) -> bool:
    """Numbers are metrics; strings, lists, dicts, None and bools are metadata."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: name shapes of metrics that go down when the model improves (errors, losses, latency, cost)
_LOWER_PREFIXES = ("mae", "mse", "rmse", "loss", "perplexity", "parse_error", "vector_mae")
_LOWER_SUFFIXES = ("_loss", "_error", "error_rate", "fallback_rate")
#: name shapes of metrics that go up (rates of success, scores, accuracies)
_HIGHER_SUFFIXES = ("_rate", "_score", "accuracy", "_match")


def direction(name: str, extra: Mapping[str, bool] | None = None) -> str | None:
    """ "higher" or "lower" is better for a metric (canonical name or source key), or None.

    The one answer for rules, planner and gates. `extra` maps names to
    `higher_is_better` from rules.yaml `metrics:`; then the canonical spec decides; an
    unknown name falls back to its shape (errors, losses, latency go down; rates and
    scores go up). None means the name says nothing (a gate then needs `direction:`).
    """
    if extra and name in extra:
        return "higher" if extra[name] else "lower"
    res = resolve(name)
    spec = SPECS.get(res.name) or (SPECS.get("loss") if res.name.endswith("_loss") else None)
    if spec is not None:  # counts and metadata (eval_size, learning_rate) have none
        better = spec.higher_is_better
        return None if better is None else ("higher" if better else "lower")
    for low in dict.fromkeys((res.name, name)):
        if (
            low.startswith(_LOWER_PREFIXES)
            or low.endswith(_LOWER_SUFFIXES)
            or "error" in low
            or "latency" in low
            or "cost" in low
        ):
            return "lower"
    if name.endswith(_HIGHER_SUFFIXES) or res.name.endswith(_HIGHER_SUFFIXES):
        return "higher"
    return None


def lower_is_better(name: str, extra: Mapping[str, bool] | None = None) -> bool:
    """Direction of a metric by name (see `direction`); an unknown name counts as higher."""
    return direction(name, extra) == "lower"


def spec_for(name: str) -> MetricSpec | None:
    """The spec of a canonical metric name (`eval_loss` and `train_loss` are losses)."""
    if name.endswith("_loss"):
        return SPECS["loss"]
    if name.startswith("train_") and name[6:] in SPECS:
        return SPECS[name[6:]]
    return SPECS.get(name)
