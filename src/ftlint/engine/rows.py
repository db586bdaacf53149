"""Eval rows from any source, fed to the row rules in the engine's one streaming pass.

The format and row-quality rules were written for hard cases; here every `EvalRow` of a
JSON-contract or choice-contract eval (LLaMA-Factory predictions, W&B prediction tables,
lm-eval samples, generic rows) becomes the same `HardCase` view, with its parse-error
label computed against the output contract, so FMT validity, taxonomy, EOS truncation,
trailing text and degenerate-output checks run whatever the source. Rows of a free-text
eval are never fed (a free-text answer is never a format failure).

How a rule knows the contract: every view says it in `HardCase.raw` (the engine calls
`hard_case_visitor` before it infers the contract, and the row rules may run in
another process, so a per-row mark is the one channel that needs no engine change):

* JSON contract: `raw == {"contract": "json"}` (one shared read-only mapping); the
  reference is `target_vector`, the parsed output `predicted_vector`;
* choice contract: `raw == {"contract": "choice", "label": <reference label or None>,
  "answer": <label read from the output or None>, "choices": <the contract's labels>}`
  (`choices` is one tuple shared by every row); `target_vector` and `predicted_vector`
  are None and `parse_error` is None (a valid label), `"run_on"` (a label followed by
  further text; `answer` is that label) or `"invalid_choice"` (no label; `answer` None).
  See `ftlint.analysis.contract.choice_answer` for the precise rule.

The JSON-format rules (FMT001/2/4/5/8, QLT004) skip choice rows (`is_choice` in
`ftlint.rules.format._views`); FMT003 classifies them, QLT008 looks for class
collapse, QLT009 for majority-class accuracy, PRV008 for repeated inputs. Hard cases
(`hard_cases.valid.jsonl`) are JSON-contract rows whose `raw` is the file's own line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from types import MappingProxyType
from typing import Any

from ftlint.analysis.contract import (
    SAMPLE,
    Contract,
    as_object,
    choice_answer,
    infer_contract,
    json_parse_error,
)
from ftlint.model import EvalRow, HardCase, Problem, Run
from ftlint.sources.io import Workspace


def contract_of(ws: Workspace, run: Run, sources: Mapping[str, Any], config: Any) -> Contract:
    """Infer the run's output contract from the first rows' references."""
    refs: list[Any] = []
    for rows in run.row_files:
        source = sources.get(rows.adapter)
        if source is None:
            continue
        items = source.iter_rows(ws, rows, config)
        refs += [r.reference for r in islice(items, SAMPLE) if isinstance(r, EvalRow)]
        if len(refs) >= SAMPLE:
            break
    return infer_contract(refs)


def hard_case_view(row: EvalRow, contract: Contract, rank: int) -> HardCase:
    """The `HardCase` the row rules read, for a JSON-contract row."""
    error = row.error if row.error else json_parse_error(row.output, contract.keys)
    parsed = row.parsed if isinstance(row.parsed, Mapping) else None
    if parsed is None and error is None:
        parsed = as_object(row.output)
    mae = row.scores.get("mae_raw") if row.scores else None
    return HardCase(
        rank=row.rank if row.rank is not None else rank,
        sample_id=row.id,
        request_text=row.input,
        source_type=row.group,
        target_vector=as_object(row.reference),
        predicted_vector=parsed,
        abs_error_raw=None,
        mae_raw=mae,
        parse_error=error,
        generated_text=row.output,
        evidence=row.evidence,
        raw=JSON_RAW,
    )


#: the `raw` of every JSON-contract row view (read-only: shared by all of them)
JSON_RAW: Mapping[str, Any] = MappingProxyType({"contract": "json"})


def choice_view(row: EvalRow, contract: Contract, rank: int) -> HardCase:
    """The `HardCase` the row rules read, for a choice-contract row (labels in `raw`)."""
    answer, error = choice_answer(row.output, contract)
    ref = row.reference.strip() if isinstance(row.reference, str) else None
    mae = row.scores.get("mae_raw") if row.scores else None
    return HardCase(
        rank=row.rank if row.rank is not None else rank,
        sample_id=row.id,
        request_text=row.input,
        source_type=row.group,
        target_vector=None,
        predicted_vector=None,
        abs_error_raw=None,
        mae_raw=mae,
        parse_error=error,
        generated_text=row.output,
        evidence=row.evidence,
        raw={
            "contract": "choice",
            "label": ref or None,
            "answer": answer,
            "choices": contract.choices,
        },
    )


def stream_rows(
    ws: Workspace, run: Run, sources: Mapping[str, Any], config: Any
) -> Iterator[HardCase | Problem]:
    """Every eval row of the run's row files as hard cases (JSON and choice contracts),
    and every problem the sources report on the way. A missing adapter is a problem."""
    contract = contract_of(ws, run, sources, config)
    if contract.kind not in ("json", "choice"):
        return
    view = hard_case_view if contract.kind == "json" else choice_view
    rank = 0
    for rows in run.row_files:
        source = sources.get(rows.adapter)
        if source is None:
            yield Problem("missing", f"no adapter {rows.adapter!r} to read it", _ev(rows), run.name)
            continue
        for item in source.iter_rows(ws, rows, config):
            if isinstance(item, Problem):
                yield item
                continue
            rank += 1
            yield view(item, contract, rank)


def _ev(rows: Any) -> Any:
    from ftlint.model import Evidence

    return Evidence(rows.path)
