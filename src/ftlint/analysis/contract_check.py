"""`contract_violation` for the common case, in one pass over the target keys.

Every failed row with a decoded object asks which rule of the output contract it breaks
(`ftlint.analysis.vector_contract.contract_violation`). That function walks the keys up to
five times through generators (~2.5 us a row); with target keys known, set comparisons
in C decide wrapper or missing, and one loop over plain int and float values decides
range and extra keys (~0.5 us). Same answer on every input
(tests/analysis/test_completion_fast.py holds it to a frozen copy of the original); any
other case (no target keys, a value of another type) is the original.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ftlint.analysis.failure_class import FailureClass
from ftlint.analysis.vector_contract import (
    VectorContract,
    contract_violation,
    inner_target,
)

__all__ = ["violation"]

_FC = FailureClass
_isfinite = math.isfinite


def violation(obj: Mapping[str, Any], contract: VectorContract) -> FailureClass | None:
    """`contract_violation(obj, contract)`, faster for a dict, known target keys and
    values that are plain ints and floats (anything else takes the original)."""
    keys = contract.keys
    if not keys or obj.__class__ is not dict:
        return contract_violation(obj, contract)
    keyset = _keyset(contract)
    if keyset is None:
        return contract_violation(obj, contract)
    held = obj.keys()
    if not held >= keyset:
        if held.isdisjoint(keyset):  # no target key at top level: a wrapper, else missing
            single_nest = len(obj) == 1 and isinstance(next(iter(obj.values())), dict)
            if "hidden_params" in obj or single_nest or inner_target(obj, keys) is not None:
                return _FC.WRAPPER_OBJECT
        return _FC.MISSING_KEY  # a target key held, so no wrapper: one is missing
    limit = contract.limit
    out = False
    for key in keys:  # every value a number, then none out of range (the original's order)
        value = obj[key]
        cls = value.__class__
        if cls is int:
            if value < 0 or value > limit:
                out = True
        elif cls is float:
            if not _isfinite(value) or value < 0 or value > limit:
                out = True
        else:  # a bool, a string, a subclass: the original decides (no side effects here)
            return contract_violation(obj, contract)
    if out:
        return _FC.OUT_OF_RANGE
    if len(obj) > len(keys):
        return _FC.EXTRA_KEY  # every (distinct) target key is held: any other is extra
    return None


def _keyset(contract: VectorContract) -> frozenset[str] | None:
    """The contract's keys as a set, or None when they are not distinct and hashable
    (`VectorContract.build` makes them so; a contract built by hand may not be, and then
    takes the original function). Memoised for the contract asked about last (every row
    of a run asks about the same one), as one pair so threads never mix two."""
    last = _LAST[0]
    if last[0] is contract:
        return last[1]
    try:
        keyset: frozenset[str] | None = frozenset(contract.keys)
    except TypeError:
        keyset = None
    if keyset is not None and len(keyset) != len(contract.keys):
        keyset = None
    _LAST[0] = (contract, keyset)
    return keyset


_LAST: list[tuple[Any, frozenset[str] | None]] = [(None, None)]
