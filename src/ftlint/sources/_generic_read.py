"""Row reading for the `generic` adapter: one iterator over JSON, JSONL and CSV files
that yields each row with its evidence (JSONL/CSV line, JSON pointer), or a Problem."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..model import Evidence, Problem
from ..model import pointer as make_pointer
from ._tabular import CsvRow, first_line, iter_csv, open_regular, parse_number
from .io import Workspace, iter_jsonl, read_capped, read_json

#: keys under which a JSON object holds its list of rows
ROW_KEYS = ("results", "rows", "data", "samples", "examples", "predictions")
#: a JSON file larger than this is not opened just to print a hint
PEEK_JSON_BYTES = 16 << 20

Record = tuple[Mapping[str, Any], Evidence]


def iter_records(ws: Workspace, path: Path, max_line_bytes: int) -> Iterator[Record | Problem]:
    """Rows of one file by its suffix (`.jsonl`, `.csv`, else JSON)."""
    rel = ws.rel(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        for item in iter_jsonl(ws, path, max_line_bytes=max_line_bytes):
            if item.problem is not None:
                yield item.problem
            elif isinstance(item.value, Mapping):
                yield item.value, Evidence(rel, item.line)
            else:
                yield Problem(
                    "invalid", "row is not a JSON object; skipped", Evidence(rel, item.line)
                )
    elif suffix == ".csv":
        header: tuple[str, ...] | None = None
        for row in iter_csv(ws, path, max_line_bytes=max_line_bytes):
            if isinstance(row, Problem):
                yield row
            elif header is None:
                header = row.cells
            else:
                yield _csv_dict(header, row), Evidence(rel, row.line)
    else:
        yield from _json_rows(ws, path, rel)


def _csv_dict(header: tuple[str, ...], row: CsvRow) -> dict[str, Any]:
    return {h: c for h, c in zip(header, row.cells, strict=True) if h}


def _json_rows(ws: Workspace, path: Path, rel: str) -> Iterator[Record | Problem]:
    data, problems = read_json(ws, path)
    yield from problems
    if data is None:
        return
    rows, at = find_rows(data)
    if rows is None:
        keys = "/".join(ROW_KEYS[:3])
        yield Problem(
            "invalid", f"expected a list of rows or an object with `{keys}`: a list", Evidence(rel)
        )
        return
    for i, row in enumerate(rows):
        ev = Evidence(rel, pointer=make_pointer(*at, i))
        if isinstance(row, Mapping):
            yield row, ev
        else:
            yield Problem("invalid", "row is not a JSON object; skipped", ev)


def find_rows(data: Any) -> tuple[list[Any] | None, tuple[str, ...]]:
    if isinstance(data, list):
        return data, ()
    if isinstance(data, Mapping):
        for key in ROW_KEYS:
            if isinstance(data.get(key), list):
                return data[key], (key,)
    return None, ()


def get_field(row: Any, name: str | None) -> Any:
    """`name` as a key, else as a dotted path (`output.text`, `choices.0.text`)."""
    if name is None or not isinstance(row, Mapping):
        return None
    if name in row:
        return row[name]
    value: Any = row
    for part in name.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def as_score(value: Any) -> float | None:
    """A per-row score as a finite number: bools are 1/0, CSV text is parsed."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false"):
            return 1.0 if low == "true" else 0.0
        number = parse_number(low) if low else None
        return number if number is not None and math.isfinite(number) else None
    return None


def peek_fields(path: Path, max_line_bytes: int) -> list[str]:
    """Field names of the first row of a JSONL/CSV/JSON file, reading as little as
    possible; [] when it cannot be read (FIFOs, directories, bad bytes included)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        head = first_line(path, max_line_bytes)
        return [c.strip().strip('"') for c in head.split(",")] if head else []
    if suffix not in (".json", ".jsonl", ".ndjson"):
        return []
    handle = open_regular(path)
    if handle is None:
        return []
    with handle:
        if suffix != ".json":
            for _ in range(50):
                raw = handle.readline(max_line_bytes + 1)
                if not raw or len(raw) > max_line_bytes:
                    return []
                if raw.strip():
                    value = json.loads(raw)
                    return [str(k) for k in value] if isinstance(value, Mapping) else []
            return []
        raw = read_capped(handle, PEEK_JSON_BYTES)
        if len(raw) > PEEK_JSON_BYTES:
            return []
    rows, _ = find_rows(json.loads(raw))
    first = rows[0] if rows else None
    return [str(k) for k in first] if isinstance(first, Mapping) else []
