"""A decoded hard-case row typed as a `HardCase` (`_cases`): what every reader of
`hard_cases.valid.jsonl` shares (the line reader and the block readers of
`ftlint.sources.hardcases`, the plain-row decoder of `ftlint.sources.hardplain`), in a
module of its own so that neither imports the other."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

from ftlint import maker
from ftlint.model import Evidence, HardCase, Problem, TraceRow
from ftlint.sources.hardvalues import finite_mae, finite_vector, sums_finite
from ftlint.sources.validate import hard_case_ok, schema_problems

_STR = (str, type(None))
_OBJ = (dict, type(None))
_ID = (int, str, type(None))
_WEATHER = (str, dict, type(None))
_NUMBER = (int, float, type(None))
#: `HardCase(...)` and `Evidence(...)` of every field, positionally, at about half the
#: cost (`ftlint.maker`): the readers build one of each per row
new_case = maker(HardCase)
new_evidence = maker(Evidence)


def _cases(
    rel: str,
    run: str,
    items: Iterable[tuple[int, Any, Problem | None]],
    traces: Mapping[int, TraceRow],
    check: bool = True,
) -> Iterator[HardCase | Problem]:
    """The rows of (line, decoded row, reader problem) items typed as `HardCase`s, with a
    `Problem` for each bad line, in order: both readers (one line at a time, and a block
    decoded at once) type their rows here. `check=False`: the caller knows every vector
    value of these rows is a finite number or no number (`vectors_finite`)."""
    trace_at = traces.get
    ok = hard_case_ok
    for line, row, problem in items:
        if problem is not None:
            yield problem
            continue
        if type(row) is not dict:
            yield from schema_problems("hard_case", row, Evidence(rel, line), run)
            continue
        get = row.get
        try:  # every field present (the common row): one C call, not eleven `get`s
            rank, sample, request, source, target, predicted, errors, mae, error, text = _FIELDS(
                row
            )
        except KeyError:
            rank, sample = get("rank"), get("sample_index")
            request, source = get("request_text"), get("source_type")
            target, predicted, errors = (
                get("target_vector"),
                get("predicted_vector"),
                get("abs_error_raw"),
            )
            mae, error, text = get("mae_raw"), get("parse_error"), get("generated_text")
        if not (
            type(rank) is int
            and rank >= 1
            and type(sample) in _ID
            and type(request) in _STR
            and type(source) in _STR
            and type(target) in _OBJ
            and type(predicted) in _OBJ
            and type(errors) in _OBJ
            and type(mae) in _NUMBER
            and type(error) in _STR
            and type(text) in _STR
            and type(get("weather")) in _WEATHER
        ):
            if not ok(row):
                yield from schema_problems("hard_case", row, Evidence(rel, line), run)
                continue
            rank = int(rank)
        if sample is None:
            sample_id = None
        elif type(sample) is str:
            sample_id = sample
        else:
            sample_id = str(int(sample) if isinstance(sample, float) else sample)
        if check:
            if type(target) is dict and not sums_finite(target):
                target, bad = finite_vector("target_vector", target, rel, line, run)
                if bad is not None:
                    yield bad
            if type(predicted) is dict and not sums_finite(predicted):
                predicted, bad = finite_vector("predicted_vector", predicted, rel, line, run)
                if bad is not None:
                    yield bad
            if type(errors) is dict and not sums_finite(errors):
                errors, bad = finite_vector("abs_error_raw", errors, rel, line, run)
                if bad is not None:
                    yield bad
        if mae is not None and not (type(mae) is float and mae - mae == 0.0):
            mae, bad = finite_mae(mae, rel, line, run)
            if bad is not None:
                yield bad
        trace = trace_at(rank) if traces else None
        yield new_case(
            rank,
            sample_id,
            request,
            source,
            target if type(target) is dict else None,
            predicted if type(predicted) is dict else None,
            errors if type(errors) is dict else None,
            mae,
            error,
            text,
            new_evidence(rel, line, None, sample_id, trace.url if trace else None),
            row,
        )


#: The ten fields `_cases` types, in one C call (a `KeyError` when one is missing)
_FIELDS = itemgetter("rank", "sample_index", "request_text", "source_type", "target_vector",
                     "predicted_vector", "abs_error_raw", "mae_raw", "parse_error",
                     "generated_text")  # fmt: skip
