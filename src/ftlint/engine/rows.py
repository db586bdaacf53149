"""Eval rows from any source, fed to the row rules in the engine's one streaming pass.

The format and row-quality rules were written for hard cases; here every `EvalRow` of a
JSON-contract eval (LLaMA-Factory predictions, W&B prediction tables, lm-eval samples,
generic rows) becomes the same `HardCase` view, with its parse-error label computed
against the output contract, so FMT validity, taxonomy, EOS truncation, trailing text
and degenerate-output checks run whatever the source. Rows of a choice or free-text
eval are not JSON failures: they are not fed to those rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from ftlint.analysis.contract import SAMPLE, Contract, as_object, infer_contract, json_parse_error
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
        raw={},
    )


def stream_rows(
    ws: Workspace, run: Run, sources: Mapping[str, Any], config: Any
) -> Iterator[HardCase | Problem]:
    """Every eval row of the run's row files as hard cases (JSON contract only), and
    every problem the sources report on the way. A missing adapter is a problem."""
    contract = contract_of(ws, run, sources, config)
    if contract.kind != "json":
        return
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
            yield hard_case_view(item, contract, rank)


def _ev(rows: Any) -> Any:
    from ftlint.model import Evidence

    return Evidence(rows.path)
