"""Helpers of the format rule pack (FMT001-FMT008, QLT004); no rules live here.

The output contract is one JSON object with the run's `target_keys`, each an integer in
``0..target_scale``. The hard-case rules stream `hard_cases.valid.jsonl` through a
visitor (constant memory) and use `_views.view_row` to classify a row once for all of
them. The file holds only the top-k worst rows by MAE, so counts and shares are "of the
failed rows in hard cases" and are compared with the run's own failure count
(parse_error_rate x eval_size).

* `TokenBudget` turns observed completion lengths into a concrete `max_new_tokens`;
* the planner's actions live in `_actions`;
* `FailureTally`/`TalliedRule` count failure classes per run for the metric and pair
  rules (the engine streams hard cases before it calls `check_run` and `check_pair`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import compress
from typing import Any

from ftlint import mutable
from ftlint.analysis.taxonomy import (
    FailureClass,
)
from ftlint.model import Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._views import (
    RowView,
    block_views,
    is_choice,
    release_block,
    view_block,
    view_row,
)


def severity_by_rate(count: int, run: Run, error_rate: float) -> Severity:
    n = run.provenance.eval_size
    return Severity.ERROR if n and count / n >= error_rate - RATE_EPS else Severity.WARNING


#: Float noise allowed when comparing a rate with its threshold (1 - 0.98 != 0.02).
RATE_EPS = 1e-9


#: Eval modes that measure a reference, not an adapter that could be promoted.
REFERENCE_MODES = ("prompt_baseline", "large_baseline", "rule_baseline")


FC = FailureClass


# -- small formatting helpers ------------------------------------------------------------


def pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def rate_text(rate: float, n: int | None) -> str:
    """`0.8125 (65/80)` when the eval size is known, else `0.8125`."""
    if n:
        return f"{g(rate)} ({round(rate * n)}/{n})"
    return g(rate)


def sample_label(case: HardCase) -> str:
    return case.sample_id if case.sample_id is not None else f"rank {case.rank}"


def scale_text(scale: float | None) -> str:
    if scale is None:
        return "the target scale"
    return str(int(scale)) if float(scale).is_integer() else g(scale)


def failure_rate(run: Run) -> float | None:
    """The run's parse failure rate: parse_error_rate, else 1 - json_valid_rate."""
    rate = run.metric("parse_error_rate")
    if rate is None:
        valid = run.metric("json_valid_rate")
        rate = None if valid is None else 1.0 - valid
    return rate


def failure_count(run: Run) -> int | None:
    """How many eval rows failed to parse (rate x eval size), if both are known."""
    rate, n = failure_rate(run), run.provenance.eval_size
    return round(rate * n) if rate is not None and n else None


def is_reference(run: Run, ctx: RuleContext) -> bool:
    return run.provenance.mode in tuple(ctx.params.get("reference_modes", ()))


# -- knobs -------------------------------------------------------------------------------


# -- token budget ------------------------------------------------------------------------


def ceil_to(value: float, multiple: int) -> int:
    multiple = max(1, int(multiple))
    return int(math.ceil(value / multiple) * multiple)


@mutable
class Proposal:
    value: int
    needed_chars: int
    needed_tokens: int
    object_chars: int | None
    current: int | None


class TokenBudget:
    """Observed completion lengths -> a `max_new_tokens` proposal (constant memory).

    The longest complete (parsed) completion and every truncated one are measured in
    characters; a truncated completion needs at least its own length plus one, and
    at least the offset where its object opened plus the longest complete object seen
    (the object it was writing). Characters become tokens at `chars_per_token`.
    """

    def __init__(self) -> None:
        self.complete_chars = 0
        self.object_chars = 0
        self.truncated = 0
        self.trunc_min_chars = 0
        self.trunc_max_chars = 0
        self.trunc_max_start = -1
        self.prose_first = 0

    def add(self, case: HardCase, view: RowView) -> None:
        """Measure a parsed row, or a truncated one (rows cut by the writer are skipped)."""
        if view.writer_cut:
            return
        if not view.failed:
            self.complete_chars = max(self.complete_chars, view.text_chars)
            self.object_chars = max(self.object_chars, view.object_chars or 0)
        elif view.truncated:
            text = case.generated_text or ""
            self.add_truncated(text, text.find("{"))

    def merge(self, later: TokenBudget) -> None:
        """Fold in a budget measured over a later range of rows (`--jobs`)."""
        self.complete_chars = max(self.complete_chars, later.complete_chars)
        self.object_chars = max(self.object_chars, later.object_chars)
        if later.truncated:
            self.trunc_min_chars = (
                min(self.trunc_min_chars, later.trunc_min_chars)
                if self.truncated
                else later.trunc_min_chars
            )
        self.trunc_max_chars = max(self.trunc_max_chars, later.trunc_max_chars)
        self.trunc_max_start = max(self.trunc_max_start, later.trunc_max_start)
        self.truncated += later.truncated
        self.prose_first += later.prose_first

    def add_truncated(self, text: str, start: int) -> None:
        """A completion cut at the cap whose object opened at `start` (len(text): never)."""
        size = len(text)
        self.trunc_min_chars = min(self.trunc_min_chars, size) if self.truncated else size
        self.trunc_max_chars = max(self.trunc_max_chars, size)
        self.trunc_max_start = max(self.trunc_max_start, start)
        self.truncated += 1
        if start > 0 and text[:start].strip():
            self.prose_first += 1

    def contract_chars(self, run: Run) -> int | None:
        """Longest complete object seen, else the widest object the contract allows."""
        if self.object_chars:
            return self.object_chars
        keys, scale = run.provenance.target_keys, run.provenance.target_scale
        if not keys:
            return None
        return len(json.dumps({k: int(scale or 100) for k in keys}))

    def far_below_cap(self, cap: int | None, params: Mapping[str, Any]) -> bool:
        """Every truncated completion is shorter than `eos_fraction` of the cap (in
        estimated tokens): the cap did not cut them, EOS or a stop criterion did."""
        if cap is None or not self.truncated:
            return False
        tokens = self.trunc_max_chars / float(params["chars_per_token"])
        return tokens < float(params["eos_fraction"]) * cap

    def propose(self, run: Run, params: Mapping[str, Any], current: int | None) -> Proposal:
        cpt = float(params["chars_per_token"])
        obj = self.contract_chars(run)
        needed = self.complete_chars
        if self.truncated:
            needed = max(needed, self.trunc_max_chars + 1)
            if obj is not None and self.trunc_max_start >= 0:
                needed = max(needed, self.trunc_max_start + obj)
        tokens = max(1, math.ceil(needed / cpt))
        multiple = int(params["token_multiple"])
        value = ceil_to(math.ceil(float(params["token_headroom"]) * tokens), multiple)
        if current is not None:
            value = max(value, ceil_to(current + multiple, multiple))
        return Proposal(value, needed, tokens, obj, current)


BUDGET_PARAMS = {
    "chars_per_token": Param(
        3.0,
        "characters per token used to turn completion lengths into tokens (about 3 for "
        "JSON digits and keys; raise it for prose-heavy outputs)",
        exclusive_minimum=0,
    ),
    "token_headroom": Param(
        1.25, "factor applied to the estimated tokens of the longest needed completion", minimum=1
    ),
    "token_multiple": Param(16, "round the proposed max_new_tokens up to this multiple", minimum=1),
    "eos_fraction": Param(
        0.6,
        "a truncated completion shorter than this fraction of the cap (in estimated "
        "tokens) points at EOS/stop handling, not the cap",
        minimum=0,
        maximum=1,
    ),
}


# -- per-run failure tally (for the metric and pair rules) -------------------------------


class FailedRows:
    """`row_filter` of the visitors that only count failed rows: the rows whose
    `view_row` failed (never a choice row). Equal for one run, so the engine tests a
    row once for all of them (FMT001, FMT002 and FMT007 each tally the same rows)."""

    __slots__ = ("run",)

    def __init__(self, run: Run) -> None:
        self.run = run

    def __call__(self, case: HardCase) -> bool:
        return view_row(case, self.run).failed

    def select(self, cases: list[HardCase]) -> list[HardCase]:
        """The rows of a block this filter accepts, from the block's shared views (kept
        with their views in `_SELECTED`: the visitors fed these rows read them there)."""
        views, _ = view_block(cases, self.run)
        failed = [view.failed for view in views]
        kept = list(compress(cases, failed))
        _SELECTED[0], _SELECTED[1], _SELECTED[2] = kept, self.run, list(compress(views, failed))
        return kept

    def __eq__(self, other: object) -> bool:
        return type(other) is FailedRows and other.run is self.run

    def __hash__(self) -> int:
        return id(self.run)


#: The last (rows kept, run, their views) of `FailedRows.select` (held, so the list's
#: identity is not reused): the engine feeds that list to the filter's visitors next.
_SELECTED: list[Any] = [None, None, None]


def release_selected() -> None:
    """Forget the rows `FailedRows.select` kept and the block's shared views (`block_done`
    of the visitors that read them: see `ftlint.rule.BatchVisitor`)."""
    _SELECTED[0] = _SELECTED[1] = _SELECTED[2] = None
    release_block()


class FailureTally:
    """Counts failure classes of one run's hard cases; `finish` stores them, yields nothing."""

    def __init__(self, store: dict[str, Counter[FailureClass]], run: Run) -> None:
        self.store, self.run = store, run
        self.counts: Counter[FailureClass] = Counter()
        self.row_filter = FailedRows(run)  # `row` counts nothing else

    block_done = staticmethod(release_selected)  # (`ftlint.rule.BatchVisitor`)

    def row(self, case: HardCase) -> None:
        if is_choice(case):
            return  # a label, not a JSON failure (FMT003 counts choice failures)
        view = view_row(case, self.run)
        if view.failed and view.cls is not None:
            self.counts[view.cls] += 1

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): the views of the
        rows `FailedRows.select` just kept, else the block's shared views."""
        memo = _SELECTED
        if cases is memo[0] and self.run is memo[1]:
            views = memo[2]
        else:
            views = block_views(self, cases, self.run)
            if views is None:
                return
        counts = self.counts
        for view in views:
            if view.failed and view.cls is not None:
                counts[view.cls] += 1

    def finish(self) -> Iterator[Finding]:
        self.store[self.run.name] = self.counts
        return iter(())

    def export_state(self) -> Counter[FailureClass]:
        return self.counts

    def merge_state(self, state: Counter[FailureClass]) -> bool:
        self.counts.update(state)  # new classes after the known ones, in their order
        return True


class TalliedRule(Rule):
    """A rule that wants the failure classes of each run's hard cases in check_run/pair."""

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> FailureTally:
        store: dict[str, Counter[FailureClass]] = self.__dict__.setdefault("_tallies", {})
        return FailureTally(store, run)

    def tally(self, run: Run) -> Counter[FailureClass] | None:
        return self.__dict__.get("_tallies", {}).get(run.name)


# -- sampling for the row rules ----------------------------------------------------------

SAMPLES_PARAM = Param(5, "sample ids and evidence lines cited per finding", minimum=1)


def ids(cases: list[HardCase]) -> list[str]:
    return [sample_label(c) for c in cases]


class Sampler:
    """Keeps the first `limit` cases of each key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cases: dict[Any, list[HardCase]] = {}

    def add(self, key: Any, case: HardCase) -> None:
        kept = self.cases.setdefault(key, [])
        if len(kept) < self.limit:
            kept.append(case)

    def get(self, key: Any) -> list[HardCase]:
        return self.cases.get(key, [])

    def merge(self, later: Mapping[Any, list[HardCase]]) -> None:
        """Fold in the `cases` a Sampler kept over a later range of rows (`--jobs`): the
        first `limit` of each key in file order, keys in order of first appearance."""
        for key, cases in later.items():
            kept = self.cases.setdefault(key, [])
            kept += cases[: max(0, self.limit - len(kept))]
