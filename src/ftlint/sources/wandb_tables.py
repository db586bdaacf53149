"""W&B prediction tables as eval rows (`files/media/table/**/*.table.json`).

A table logged with per-row predictions (columns such as id/prompt/request,
output/prediction/completion, target/label/expected, a per-row score) is a file of eval
rows like any other: the W&B folder loader lists the table, `row_file_for` decides
whether its columns hold outputs, and `iter_rows` streams its rows as `EvalRow`s. A
table of failures or the top-k worst rows is marked incomplete; one whose row count
equals the run's eval size holds every row.

The W&B table format is `{"columns": [...], "data": [[...], ...]}`; the file is read
whole (tables are written whole by the SDK) under the size cap of `read_json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from ftlint.model import EvalRow, Evidence, Problem
from ftlint.sources.base import RowFile, RunRecord
from ftlint.sources.io import Workspace, read_json

NAME = "wandb_table"
ID_COLUMNS = ("id", "sample_id", "sample_index", "row_id", "example_id", "doc_id", "idx", "index")
INPUT_COLUMNS = ("prompt", "request", "request_text", "input", "question", "instruction", "query")
OUTPUT_COLUMNS = (
    "output",
    "prediction",
    "predicted",
    "completion",
    "generated_text",
    "generation",
    "response",
    "predict",
    "answer",
)
REFERENCE_COLUMNS = ("target", "label", "expected", "reference", "gold", "ground_truth", "truth")
GROUP_COLUMNS = ("source_type", "category", "group", "task", "split")
ERROR_COLUMNS = ("parse_error", "error")


def _pick(columns: Sequence[str], names: Sequence[str]) -> int | None:
    low = [str(c).strip().lower() for c in columns]
    for name in names:
        if name in low:
            return low.index(name)
    return None


def has_outputs(columns: Sequence[str]) -> bool:
    """A predictions table: it has an output column."""
    return _pick(columns, OUTPUT_COLUMNS) is not None


def row_file_for(table: Any, eval_size: int | None) -> RowFile | None:
    """The `RowFile` of a W&B table that holds model outputs, else None."""
    if not has_outputs(table.columns):
        return None
    complete = not table.failures and eval_size is not None and table.rows == eval_size
    return RowFile(table.evidence.path, NAME, complete, part=table.key)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _score(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and value == value and abs(value) != float("inf"):
        return float(value)
    return None


class WandbTableSource:
    """Reads the rows of W&B prediction tables; runs come from the W&B folder loader."""

    name: ClassVar[str] = NAME

    def discover(self, ws: Workspace, config: Any) -> Iterable[RunRecord]:
        return ()

    def iter_rows(self, ws: Workspace, rows: RowFile, config: Any) -> Iterator[EvalRow | Problem]:
        data, problems = read_json(ws, ws.root / rows.path)
        yield from problems
        if data is None:
            return
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            yield Problem("invalid", "not a W&B table (no columns list)", Evidence(rows.path))
            return
        columns = [str(c) for c in data["columns"]]
        body = data.get("data")
        if not isinstance(body, list):
            yield Problem(
                "invalid", "W&B table has no data list", Evidence(rows.path, None, "/data")
            )
            return
        at = {
            "id": _pick(columns, ID_COLUMNS),
            "input": _pick(columns, INPUT_COLUMNS),
            "output": _pick(columns, OUTPUT_COLUMNS),
            "reference": _pick(columns, REFERENCE_COLUMNS),
            "group": _pick(columns, GROUP_COLUMNS),
            "error": _pick(columns, ERROR_COLUMNS),
        }
        used = {i for i in at.values() if i is not None}
        for index, row in enumerate(body):
            ev = Evidence(rows.path, None, f"/data/{index}")
            if not isinstance(row, list) or len(row) != len(columns):
                yield Problem(
                    "malformed", f"table row {index} does not match the {len(columns)} columns", ev
                )
                continue

            def cell(name: str, row: list[Any] = row) -> Any:
                i = at[name]
                return row[i] if i is not None else None

            scores = {
                columns[i]: s
                for i in range(len(columns))
                if i not in used and (s := _score(row[i])) is not None
            }
            ident = cell("id")
            error = cell("error")
            yield EvalRow(
                id=str(ident) if ident is not None else str(index),
                input=_text(cell("input")),
                output=_text(cell("output")),
                reference=cell("reference"),
                evidence=Evidence(
                    rows.path, None, ev.pointer, str(ident) if ident is not None else None
                ),
                scores=scores,
                group=_text(cell("group")),
                error=error if isinstance(error, str) and error else None,
            )


SOURCE = WandbTableSource()
