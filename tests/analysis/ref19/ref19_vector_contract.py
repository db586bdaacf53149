# ruff: noqa
# Frozen copy (9618580) of src/ftlint/analysis/vector_contract.py: the reference the #19 fast paths must equal.
"""The output contract the taxonomy checks a decoded object against: target keys and scale.

A fine-tuned model must emit one JSON object whose keys are the task's `target_keys`,
each a number in ``0..target_scale``. `contract_for` normalises what callers pass
(memoised: every row of a run asks the same), and `contract_violation` names the first
rule of the contract an object breaks, in the taxonomy's precedence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Final, TypeGuard

from ftlint import frozen
from ftlint.analysis.failure_class import FailureClass

__all__ = ["VectorContract", "contract_for", "contract_violation", "inner_target", "is_number"]

#: Upper bound used when ``target_scale`` is unknown: the largest scale in use.
_FALLBACK_SCALE: Final = 100.0


@frozen
class VectorContract:
    """The output contract: target keys (in order) and the value range."""

    keys: tuple[str, ...]
    limit: float
    scale_known: bool

    @classmethod
    def build(cls, target_keys: object, target_scale: object) -> VectorContract:
        """Normalise caller input: drop non-string keys, reject non-positive/NaN scales."""
        if isinstance(target_keys, str):
            target_keys = (target_keys,)
        keys: tuple[str, ...] = ()
        if isinstance(target_keys, Sequence | frozenset | set):
            keys = tuple(dict.fromkeys(k for k in target_keys if isinstance(k, str)))
        limit = _FALLBACK_SCALE
        scale_ok = False
        if is_number(target_scale):
            try:
                scale = float(target_scale)
            except OverflowError:
                scale = math.inf
            scale_ok = math.isfinite(scale) and scale > 0
            limit = scale if scale_ok else limit
        return cls(keys, limit, scale_ok)

    def values_to_check(self, obj: Mapping[str, Any]) -> list[Any]:
        """The values that must be numbers: target values present, or all if keys unknown."""
        if self.keys:
            return [obj[k] for k in self.keys if k in obj]
        return list(obj.values())

    def out_of_range(self, value: Any) -> bool:
        """A number that is not finite, negative, or above the scale."""
        if isinstance(value, float) and not math.isfinite(value):
            return True
        return bool(value < 0 or value > self.limit)


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number (bool excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def inner_target(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The nested dict (up to three levels down) that best looks like the target vector.

    Scored by target keys held when keys are known, else by numeric values held; ``None``
    when no nested dict scores above zero.
    """
    best: dict[str, Any] | None = None
    best_score = 0
    frontier: list[Mapping[str, Any]] = [obj]
    for _ in range(3):
        deeper: list[Mapping[str, Any]] = []
        for parent in frontier:
            for value in parent.values():
                if not isinstance(value, dict):
                    continue
                if keys:
                    score = sum(1 for k in keys if k in value)
                else:
                    score = sum(1 for v in value.values() if is_number(v))
                if score > best_score:
                    best, best_score = value, score
                deeper.append(value)
        frontier = deeper
    return best


def _is_wrapper(obj: Mapping[str, Any], contract: VectorContract) -> bool:
    """Target values nested instead of flat (``hidden_params``, single key, ...)."""
    single_nest = len(obj) == 1 and isinstance(next(iter(obj.values())), dict)
    if contract.keys:
        if any(k in obj for k in contract.keys):
            return False
        return "hidden_params" in obj or single_nest or inner_target(obj, contract.keys) is not None
    if "hidden_params" in obj or single_nest:
        return True
    no_top_numbers = not any(is_number(v) for v in obj.values())
    return no_top_numbers and inner_target(obj, ()) is not None


def contract_violation(obj: Mapping[str, Any], contract: VectorContract) -> FailureClass | None:
    """First contract violation of a decoded object, in `PRECEDENCE` order."""
    if _is_wrapper(obj, contract):
        return FailureClass.WRAPPER_OBJECT
    if not obj or any(k not in obj for k in contract.keys):
        return FailureClass.MISSING_KEY
    values = contract.values_to_check(obj)
    if not all(is_number(v) for v in values):
        return FailureClass.TYPE_MISMATCH
    if any(contract.out_of_range(v) for v in values):
        return FailureClass.OUT_OF_RANGE
    if contract.keys and any(k not in contract.keys for k in obj):
        return FailureClass.EXTRA_KEY
    return None


def contract_for(target_keys: object, target_scale: object) -> VectorContract:
    """`VectorContract.build`, memoised for hashable input (every row of a run asks the same)."""
    try:
        return _contract_cached(target_keys, target_scale)
    except TypeError:  # a list of keys, say: unhashable
        return VectorContract.build(target_keys, target_scale)


@lru_cache(maxsize=64, typed=True)  # typed: True and 1 are different scales
def _contract_cached(target_keys: object, target_scale: object) -> VectorContract:
    return VectorContract.build(target_keys, target_scale)
