"""Tables that fit the terminal: one row per line, never a row wrapped into many.

A table wider than the terminal is made narrower in two steps: first whole columns are
dropped, least useful first (the caller's `drop_order`), and the footer says which;
then the widest remaining cells are shortened in the middle (`acme-ml/qwen…-candidate`),
where the start (the organisation) and the end (the variant) that tell runs apart
survive. `--format csv` or `json` always has every column in full.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

ELLIPSIS = "…"
MIN_CELL = 8
#: a column is dropped only when the table does not fit even with cells cut to this
SHORT_CELL = 22
GAP = "  "


def middle(text: str, width: int) -> str:
    """`text` shortened to `width` characters by cutting its middle."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + ELLIPSIS + (text[-tail:] if tail else "")


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + len(GAP) * (len(widths) - 1)


def fit(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    drop_order: Sequence[str] = (),
) -> tuple[list[str], list[list[str]], list[str]]:
    """(headers, rows, dropped column names) that fit `width` columns."""
    keep = list(range(len(headers)))
    dropped: list[str] = []
    widths = _widths(headers, rows)
    for name in drop_order:
        if _total([min(widths[i], max(SHORT_CELL, len(headers[i]))) for i in keep]) <= width:
            break
        if name in headers and len(keep) > 1:
            index = headers.index(name)
            if index in keep:
                keep.remove(index)
                dropped.append(name)
    cols = [widths[i] for i in keep]
    while _total(cols) > width:
        widest = max(range(len(cols)), key=lambda i: cols[i])
        if cols[widest] <= MIN_CELL:
            break  # as narrow as it gets; the terminal wraps what is left
        cols[widest] -= 1
    out_headers = [middle(headers[i], w) for i, w in zip(keep, cols, strict=True)]
    out_rows = [[middle(r[i], w) for i, w in zip(keep, cols, strict=True)] for r in rows]
    return out_headers, out_rows, dropped


def lines(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns, the last one unpadded."""
    widths = _widths(headers, rows)
    widths[-1] = 0
    out = [GAP.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    out += [GAP.join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return out


def _csv_cell(value: str) -> str:
    """Missing is empty; a cell a spreadsheet would run as a formula starts with a quote
    (CSV injection), unless it is a number."""
    if value == "-":
        return ""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return buffer.getvalue()
