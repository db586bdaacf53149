"""Per-row results for paired gates, from eval rows of any source (pure, no I/O).

When both runs have complete eval rows that join by id, the gates pair them: the exact
McNemar test on the rows one run got right and the other wrong, and a paired bootstrap
of per-row errors. Unpaired tests on the same data throw that pairing away and need
more rows to decide. `row_results` turns the rows an adapter streams (`EvalRow`s) into
the gates' `RowResults`: parsed or not, the row's MAE when the source scored one, and
whether a closed answer was correct (a 0/1 score the source wrote, else the output equal
to the reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ftlint.gates.results import RowResults
from ftlint.model import EvalRow, Problem

#: per-row 0/1 scores that say a closed answer was right, as sources name them
CORRECT_KEYS = ("correct", "is_correct", "acc", "accuracy", "exact_match", "em")


def correctness(row: EvalRow) -> bool | None:
    """Whether the row's answer was right: a 0/1 score, else output == reference."""
    for key in CORRECT_KEYS:
        value = row.scores.get(key) if row.scores else None
        if value in (0.0, 1.0):
            return bool(value)
    if isinstance(row.reference, str) and isinstance(row.output, str):
        return row.output.strip() == row.reference.strip()
    return None


def row_results(
    run: str,
    items: Iterable[EvalRow | Problem],
    eval_size: int | None,
    complete: bool,
    json_contract: bool = False,
) -> RowResults:
    """The gates' view of one run's eval rows; `complete`: the file holds every row;
    `json_contract`: the rows answer a JSON output contract (then a row without a
    parse error is a valid output and validity can be recounted)."""
    outcomes: dict[str, tuple[bool, float | None]] = {}
    correct: dict[str, bool] = {}
    count = bad = 0
    for item in items:
        if isinstance(item, Problem):
            bad += 1
            continue
        count += 1
        if item.id is None:
            continue
        mae = item.scores.get("mae_raw") if item.scores else None
        outcomes[item.id] = (item.error is None, mae)
        right = correctness(item)
        if right is not None:
            correct[item.id] = right
    reason = _reason(complete, bad, count, len(outcomes), eval_size)
    kept = outcomes if not reason else {}
    return RowResults(run, count, not reason, kept, reason, correct, json_contract)


def _reason(complete: bool, bad: int, count: int, ids: int, eval_size: int | None) -> str:
    if not complete:
        return "the eval rows are top-k only"
    if bad:
        return f"{bad} unreadable eval row(s)"
    if eval_size and count != eval_size:
        return f"{count} eval rows for an eval size of {eval_size}"
    if ids < count:
        return "eval rows without a unique id"
    return ""


def correct_pair(
    baseline: RowResults | None,
    candidate: RowResults | None,
    base_rate: float | None = None,
    cand_rate: float | None = None,
) -> tuple[Mapping[str, bool], Mapping[str, bool]] | None:
    """Both runs' per-row correctness over the same ids, or None when they do not pair.

    With the reported rates given, rows whose share of right answers is not the rate
    the run reports (a lenient filter, another scorer) do not pair: the test would
    judge something other than the gated metric.
    """
    if baseline is None or candidate is None:
        return None
    if not (baseline.complete and candidate.complete):
        return None
    b, c = baseline.correct, candidate.correct
    if not b or set(b) != set(c) or set(b) != set(baseline.outcomes):
        return None
    for rows, rate in ((b, base_rate), (c, cand_rate)):
        right = sum(1 for ok in rows.values() if ok)
        if rate is not None and abs(right - rate * len(rows)) > 0.5:
            return None
    return b, c


def discordant(pair: tuple[Mapping[str, Any], Mapping[str, Any]]) -> tuple[int, int]:
    """(rows the baseline got right and the candidate wrong, the other way round)."""
    b, c = pair
    worse = sum(1 for k, ok in b.items() if ok and not c[k])
    better = sum(1 for k, ok in b.items() if not ok and c[k])
    return worse, better
