"""`ftlint runs` and `ftlint rules`: tables of runs and of rules (text or JSON)."""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ftlint.errors import FtlintError
from ftlint.model import Campaign, Run
from ftlint.redact import redact
from ftlint.report.jsonfmt import finite
from ftlint.report.sparkline import run_sparkline
from ftlint.report.text import clean
from ftlint.rule import Rule
from ftlint.untrusted import clip, safe_tree

KEY_METRICS = ("json_valid_rate", "parse_error_rate", "mae_raw")


#: the longest cell `ftlint runs` prints (text and CSV); JSON clips at the message limit
CELL_LIMIT = 500


def run_row(run: Run) -> dict[str, Any]:
    p = run.provenance
    return {
        "name": run.name,
        "kind": run.kind,
        "sources": list(run.sources),
        "base_model": p.base_model,
        "adapter": p.adapter,
        "dataset_version": p.dataset_version,
        "target_scale": p.target_scale,
        "eval_size": p.eval_size,
        "mode": p.mode,
        "cycle": run.cycle,
        "metrics": {k: run.metric(k) for k in KEY_METRICS if run.metric(k) is not None},
        "series_points": len(run.series),
        "submissions": len(run.submissions),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


#: columns `ftlint runs` hides first when the terminal is too narrow
RUNS_DROP_ORDER = ("sources", "curve", "base model", "dataset", "kind", "mae_raw", "scale")


def render_runs(
    campaign: Campaign,
    fmt: str,
    *,
    color: bool,
    width: int | None = None,
    runs: Iterable[Run] | None = None,
) -> str:
    """The runs as `text` (fitted to `width` columns when given), `json` or `csv`.

    `runs`: the campaign's runs as loaded, one at a time (`ftlint.api.loaded_runs`),
    read once each: only their table rows are kept, never 10,000 whole runs."""
    if fmt == "json":
        return _runs_json(campaign, campaign.runs if runs is None else runs)
    rows: list[dict[str, Any]] = []
    curves: list[str] = []
    for run in campaign.runs if runs is None else runs:
        rows.append(run_row(run))
        curves.append(run_sparkline(run) or "-")
    if fmt not in ("text", "csv"):
        raise FtlintError(f"ftlint runs supports --format text, json or csv, not {fmt!r}")
    headers = [
        "run",
        "kind",
        "base model",
        "adapter",
        "dataset",
        "scale",
        "eval n",
        "json_valid",
        "parse_err",
        "mae_raw",
        "curve",
        "sources",
    ]
    table = [
        [
            r["name"],
            r["kind"],
            _fmt(r["base_model"]),
            _fmt(r["adapter"]),
            _fmt(r["dataset_version"]),
            _fmt(r["target_scale"]),
            _fmt(r["eval_size"]),
            *(_fmt(r["metrics"].get(k)) for k in KEY_METRICS),
            curve,
            ", ".join(r["sources"]),
        ]
        for r, curve in zip(rows, curves, strict=True)
    ]
    # redacted, then clipped: a 1 MB dataset_version or run name is one bounded cell
    table = [[clip(redact(clean(c)), CELL_LIMIT) for c in row] for row in table]
    if fmt == "csv":
        from ftlint.report.fit import to_csv

        return redact(to_csv(headers, table))
    footer = f"{len(rows)} run{'s' if len(rows) != 1 else ''} discovered."
    if campaign.unjoined:
        footer += f" {len(campaign.unjoined)} submission(s) match no run."
    if width is not None:
        return _fitted(headers, table, footer, width=width, color=color)
    return _table(headers, table, footer, color=color, title="Runs")


def _runs_json(campaign: Campaign, runs: Iterable[Run]) -> str:
    return "".join(runs_json_pieces(campaign, runs))


def runs_json_pieces(campaign: Campaign, runs: Iterable[Run]) -> Iterator[str]:
    """`{"baseline", "candidate", "runs": [...]}` as `json.dumps(..., indent=2)` writes
    it, a piece per run as it is read (`ftlint runs --format json` writes each piece
    on, through the redacting writer): 10,000 runs keep no row, no row's text and no
    copy of the document (a row is cleaned, `safe_tree` and `finite`, exactly as the
    whole document was)."""

    def dumps(value: Any) -> str:
        return json.dumps(finite(safe_tree(value)), indent=2, ensure_ascii=False, allow_nan=False)

    head = dumps({"baseline": campaign.baseline, "candidate": campaign.candidate})
    yield head[:-2] + ',\n  "runs": '
    opener = "[\n"
    for run in runs:
        yield opener + textwrap.indent(dumps(run_row(run)), "    ")
        opener = ",\n"
    yield ("[]" if opener == "[\n" else "\n  ]") + "\n}\n"


def _fitted(
    headers: list[str], rows: list[list[str]], footer: str, *, width: int, color: bool
) -> str:
    """One line per run within `width` columns (ftlint.report.fit), header bold in colour."""
    from ftlint.report.fit import fit, lines

    shown, cells, dropped = fit(headers, rows, width, RUNS_DROP_ORDER)
    out = lines(shown, cells)
    if color:
        out[0] = f"\x1b[1m{out[0]}\x1b[0m"
    if dropped:
        footer += f" Hidden to fit {width} columns: {', '.join(dropped)} (--format csv has all)."
    from ftlint.report.wrap import wrap_line

    return "\n".join([*out, *wrap_line(footer, width)]) + "\n"


def render_rules(classes: Sequence[type[Rule]], fmt: str, *, color: bool) -> str:
    if fmt == "json":
        doc = [
            {
                "code": c.code,
                "name": c.name,
                "category": c.category.value,
                "default_severity": c.default_severity.value,
                "opt_in": c.opt_in,
                "scopes": list(c.scopes()),
                "summary": c.summary(),
                "params": c.param_defaults(),
            }
            for c in classes
        ]
        return (
            json.dumps(finite(safe_tree(doc)), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        )
    if fmt != "text":
        raise FtlintError(f"ftlint rules supports --format text or json, not {fmt!r}")
    headers = ["code", "name", "category", "severity", "what it detects"]
    table = [
        [
            c.code,
            c.name,
            c.category.value,
            c.default_severity.value + (" (opt-in)" if c.opt_in else ""),
            c.summary(),
        ]
        for c in classes
    ]
    return _table(headers, table, f"{len(classes)} rules.", color=color, title="Rules")


def _table(
    headers: list[str], rows: list[list[str]], footer: str, *, color: bool, title: str
) -> str:
    if not color:
        widths = [
            max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
            for i, h in enumerate(headers)
        ]
        widths[-1] = 0
        lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        lines.append(footer)
        return "\n".join(lines) + "\n"
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=160, highlight=False, emoji=False)
    t = Table(title=title, title_justify="left")
    for h in headers:
        t.add_column(h, overflow="fold")
    for r in rows:
        t.add_row(*(Text(c) for c in r))
    console.print(t)
    console.print(Text(footer))
    return buffer.getvalue()
