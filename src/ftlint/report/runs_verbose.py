"""`ftlint runs -v`: what fed each run, and what was not read.

Per run: its identity and label, status, the adapters and files that fed it, which
source key fed each canonical metric, its curves, its eval-row files and their output
contract, and its settings' vocabulary. Then the files that look like eval artifacts
but that no adapter read, with the reason. Plain text, one fact per line, never wrapped
(the CLI redacts and escapes it like every output).
"""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Campaign, Run
from ftlint.report.numbers import g as fmt_number


def render_runs_verbose(
    campaign: Campaign,
    contracts: dict[str, str] | None = None,
    *,
    runs: Iterable[Run] | None = None,
) -> str:
    """`runs`: the campaign's runs as loaded, one at a time (`ftlint.api.loaded_runs`)."""
    lines: list[str] = []
    for run in campaign.runs if runs is None else runs:
        lines += _run_lines(run, (contracts or {}).get(run.name))
        lines.append("")
    unread = list(campaign.unread)
    if unread:
        lines.append(f"not read ({len(unread)} file(s) that look like eval artifacts):")
        lines += [f"  {u.path}: {u.reason}" for u in unread]
    else:
        lines.append("not read: none")
    return "\n".join(lines) + "\n"


def _run_lines(run: Run, contract: str | None) -> list[str]:
    label = f" (label {run.label!r})" if run.label and run.label != run.name else ""
    role = ""
    out = [f"{run.name}{label}{role}"]
    out.append(f"  status: {run.status}" + (f" ({run.finish_note})" if run.finish_note else ""))
    if run.adapters:
        out.append(f"  read by: {', '.join(run.adapters)}")
    out += _block("files", run.sources)
    if run.metrics:
        out.append("  metrics (canonical <- source key):")
        for name in sorted(run.metrics):
            m = run.metrics[name]
            key = m.source_key or name
            where = m.evidence.location()
            out.append(f"    {name} = {fmt_number(m.value)} <- {key} ({where})")
    if run.train_metrics:
        names = ", ".join(sorted(run.train_metrics))
        out.append(f"  train metrics: {names}")
    if run.curves:
        curves = ", ".join(f"{k} ({len(v)} points)" for k, v in sorted(run.curves.items()))
        out.append(f"  curves: {curves}")
    for rows in run.row_files:
        kind = "every eval row" if rows.complete else "top-k rows only"
        out.append(f"  eval rows: {rows.path} ({rows.adapter}, {kind})")
    if run.hard_cases_path:
        out.append(f"  eval rows: {run.hard_cases_path} (hard cases, top-k rows only)")
    if contract:
        out.append(f"  output contract: {contract}")
    if run.settings:
        stack = run.stack or "unknown"
        out.append(f"  settings: {len(run.settings)} ({stack} names)")
    meta = sorted(k for k in run.metadata if k != "finish_note")
    if meta:
        out.append(
            f"  metadata (not metrics): {', '.join(meta[:12])}" + (" ..." if len(meta) > 12 else "")
        )
    return out


def _block(title: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    if not items:
        return []
    return [f"  {title}:"] + [f"    {item}" for item in items]
