"""`contract_violation` for the common case, in one pass over the target keys.

Every failed row with a decoded object asks which rule of the output contract it breaks
(`ftlint.analysis.vector_contract.contract_violation`). That function walks the keys up to
five times through generators (~3 us a row); with target keys known, the answer follows
from one loop: no target key at all decides wrapper or missing, a missing one decides
missing, and the values decide type and range. Same answer on every input
(tests/analysis/test_completion_fast.py holds it to a frozen copy of the original);
without target keys it is the original.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ftlint.analysis.failure_class import FailureClass
from ftlint.analysis.vector_contract import (
    VectorContract,
    contract_violation,
    inner_target,
    is_number,
)

__all__ = ["violation"]

_FC = FailureClass
_isfinite = math.isfinite


def violation(obj: Mapping[str, Any], contract: VectorContract) -> FailureClass | None:
    """`contract_violation(obj, contract)`, faster for a dict and known target keys."""
    keys = contract.keys
    if not keys or obj.__class__ is not dict or not _unique(keys):
        return contract_violation(obj, contract)
    values = []
    for key in keys:
        if key in obj:
            values.append(obj[key])
        elif values:
            return _FC.MISSING_KEY  # some target key held, so no wrapper: one is missing
    if not values:  # no target key at top level: a wrapper, else every key is missing
        single_nest = len(obj) == 1 and isinstance(next(iter(obj.values())), dict)
        if "hidden_params" in obj or single_nest or inner_target(obj, keys) is not None:
            return _FC.WRAPPER_OBJECT
        return _FC.MISSING_KEY
    if len(values) < len(keys):
        return _FC.MISSING_KEY  # the first key(s) were absent, a later one held
    for value in values:
        cls = value.__class__
        if cls is not int and cls is not float and not is_number(value):
            return _FC.TYPE_MISMATCH
    limit = contract.limit
    for value in values:
        if isinstance(value, float) and not _isfinite(value):
            return _FC.OUT_OF_RANGE
        if value < 0 or value > limit:
            return _FC.OUT_OF_RANGE
    if len(obj) > len(keys):
        return _FC.EXTRA_KEY  # every (distinct) target key is held: any other is extra
    return None


def _unique(keys: tuple[Any, ...]) -> bool:
    """Whether the keys are distinct and hashable (`VectorContract.build` makes them so;
    a contract built by hand may not be, and then takes the original function)."""
    try:
        return _unique_cached(keys)
    except TypeError:
        return False


@lru_cache(maxsize=64)
def _unique_cached(keys: tuple[Any, ...]) -> bool:
    return len(set(keys)) == len(keys)
