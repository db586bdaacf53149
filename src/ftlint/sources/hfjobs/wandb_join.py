"""Join W&B run folders and Weave exports to the runs of a campaign, and merge their values.

Every join is a dictionary lookup (W&B id, run name, group, trace id), so the cost grows
linearly with the number of runs. Values from W&B fill what outputs and job records do
not say; a value that disagrees is kept with both sources as a `Conflict`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ftlint.config.settings import Config
from ftlint.model import Conflict, Evidence, Metric, Problem, TraceRow
from ftlint.sources.hfjobs.draft import Draft
from ftlint.sources.io import Workspace

if TYPE_CHECKING:
    from pathlib import Path

    from ftlint.sources.wandb_runs import WandbRun

INSTALL_HINT = "pip install 'ftlint[wandb]'"
ENV_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def discover(ws: Workspace, patterns: tuple[str, ...]) -> tuple[list[Path], list[Problem]]:
    """Run folders matching the globs; `latest-run` and other symlinks are skipped."""
    folders: list[Path] = []
    problems: list[Problem] = []
    for path in ws.glob(patterns):
        if path.is_symlink() or not path.is_dir():
            continue
        if not ws.inside(path):
            problems.append(
                Problem(
                    "unsafe-path", "links outside the workspace; not read", Evidence(ws.rel(path))
                )
            )
            continue
        folders.append(path)
    return folders, problems


def join_wandb(
    ws: Workspace,
    config: Config,
    drafts: dict[str, Draft],
    draft: Callable[[str], Draft],
    problems: list[Problem],
) -> None:
    """Join W&B run folders by W&B id, then run name, then a group naming a single run.

    A folder that matches nothing becomes a run of its own (named by its W&B run name,
    else by the folder). When several folders join one run, the newest wins.
    """
    folders, found = discover(ws, config.inputs.get("wandb_runs", ()))
    problems += found
    if not folders:
        return
    from ftlint.sources.wandb_runs import (
        load_wandb_run,  # only a workspace with W&B folders pays for it
    )

    by_id: dict[str, str] = {}
    by_group: dict[str, list[str]] = defaultdict(list)
    for name, d in drafts.items():
        for sub in d.submissions:
            if sub.env.get("WANDB_RUN_ID"):
                by_id.setdefault(sub.env["WANDB_RUN_ID"], name)
            group = sub.env.get("WANDB_RUN_GROUP")
            if group and name not in by_group[group]:
                by_group[group].append(name)
    unread: list[tuple[str, WandbRun]] = []
    loaded = [load_wandb_run(ws, folder) for folder in folders]
    for wr in sorted(loaded, key=lambda w: (w.stamp, w.rel)):
        names = [n for n in (*wr.aliases, _folder_hint(wr.rel)) if n]
        target = by_id.get(wr.run_id or "")
        target = target or next((n for n in names if _joins(drafts.get(n), wr)), None)
        if target is None and wr.group and len(by_group.get(wr.group, ())) == 1:
            only = by_group[wr.group][0]
            if drafts[only].wandb is None:
                target = only
        target = target or _identity(wr, names, drafts)
        d = draft(target)
        d.wandb = wr  # sorted oldest first: the newest folder of a run wins
        d.sources.update(wr.sources)
        d.problems += [replace(p, run=target) for p in wr.problems]
        if wr.run_id:
            by_id.setdefault(wr.run_id, target)
        if wr.log_unread is not None:
            unread.append((target, wr))
    if unread:
        problems.append(_unread_problem(unread))


def _joins(d: Draft | None, wr: WandbRun) -> bool:
    """A W&B folder joins a run of that name unless the run is another W&B run (a
    different id): the HF Trainer names every run after its output_dir (`./results`),
    so a shared name is only a label."""
    if d is None:
        return False
    if d.wandb is None or d.wandb.run_id == wr.run_id:
        return True
    return bool(d.files or d.submissions or d.data)  # a job's attempts: the newest wins


def _identity(wr: WandbRun, names: list[str], drafts: Mapping[str, Draft]) -> str:
    """A new run's identity: its name when it is a name (not a path such as
    `./results`) and free, else qualified by the W&B run id, never merged."""
    folder = wr.rel.rsplit("/", 1)[-1]
    label = next((n for n in names if not _path_like(n)), None)
    if label is None:
        return folder
    if any(_path_like(n) for n in names):  # `./results` and its basename: only a label
        return wr.run_id or folder
    if label in drafts:
        return f"{label}@{wr.run_id or folder}"
    return label


def _path_like(name: str) -> bool:
    return name.startswith((".", "/", "~")) or "/" in name or "\\" in name


def _folder_hint(rel: str) -> str | None:
    """`outputs/<run>/wandb/run-...` names its run."""
    parts = rel.split("/")
    return parts[-3] if len(parts) >= 3 and parts[-2] == "wandb" else None


def _unread_problem(unread: list[tuple[str, WandbRun]]) -> Problem:
    """One campaign problem for every W&B log that could not be read without the SDK."""
    names = sorted({name for name, _ in unread})
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    offline = sorted({name for name, wr in unread if wr.offline})
    extra = (
        f"; offline run(s) {', '.join(offline[:6])} have no other copy, so nothing of them was read"
        if offline
        else ""
    )
    first = unread[0][1]
    return Problem(
        "missing",
        f"the W&B SDK is not importable ({first.log_unread}): the step history in "
        f"{len(unread)} run log(s) (run-<id>.wandb) was not read, for run(s) {shown}{extra}; "
        f"install it with {INSTALL_HINT}",
        Evidence(first.log_rel or first.rel),
    )


def join_weave(
    ws: Workspace, config: Config, drafts: dict[str, Draft], problems: list[Problem]
) -> None:
    """Attach Weave evaluations and trace rows to runs: W&B id, run name, trace id, file."""
    paths = [p for p in ws.glob(config.inputs.get("weave_exports", ())) if p.is_file()]
    if not paths:
        return
    from ftlint.sources.weave_export import (
        load_weave_export,  # only a workspace with exports pays for it
    )

    by_id = {d.wandb.run_id: n for n, d in drafts.items() if d.wandb and d.wandb.run_id}
    by_trace: dict[str, str] = {}
    for name, d in drafts.items():
        for row in d.data.get("traces", ()):
            if row.trace_id:
                by_trace.setdefault(row.trace_id, name)

    def resolve(
        wb_id: str | None, names: Sequence[str], traces: Sequence[Any], hint: str | None
    ) -> str | None:
        if wb_id and wb_id in by_id:
            return by_id[wb_id]
        for name in names:
            if name in drafts:
                return name
        for trace in traces:
            if trace and trace in by_trace:
                return by_trace[trace]
        return hint

    for path in paths:
        export = load_weave_export(ws, path)
        problems += export.problems
        parts = export.rel.split("/")
        hint = parts[1] if len(parts) > 2 and parts[0] == "outputs" else path.stem
        hint = hint if hint in drafts else None
        for ev in export.evaluations:
            keys = [k for r in ev.rows for k in (r.trace_id, r.call_id)]
            target = resolve(ev.wb_run_id, ev.run_names, keys, hint)
            if target is None:
                problems.append(
                    Problem(
                        "missing",
                        f"Weave evaluation {ev.name!r} ({len(ev.rows)} rows) matches no run "
                        "(no wb_run_id, run_name attribute or trace id of a known run, and the "
                        "file name is not a run name); not used",
                        ev.evidence,
                    )
                )
                continue
            drafts[target].weave_evals.append(ev)
            drafts[target].weave_rows += ev.rows
            drafts[target].sources.add(export.rel)
        for row in export.loose:
            target = resolve(row.wb_run_id, row.run_names, (row.trace_id, row.call_id), hint)
            if target is not None:
                drafts[target].weave_rows.append(row)
                drafts[target].sources.add(export.rel)


def merge_metrics(
    have: Mapping[str, Metric], extra: Mapping[str, Metric], label: str, conflicts: list[Conflict]
) -> dict[str, Metric]:
    """W&B summary values fill missing keys; a different value is kept as a Conflict."""
    out = dict(have)
    for key, metric in extra.items():
        known = out.get(key)
        if known is None:
            out[key] = metric
        elif not math.isclose(known.value, metric.value, rel_tol=1e-6, abs_tol=1e-9):
            conflicts.append(
                Conflict(
                    f"{label}.{key}",
                    ((known.value, known.evidence), (metric.value, metric.evidence)),
                )
            )
    return out


def _env_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def merge_env(
    wr: WandbRun, env: dict[str, str], sources: dict[str, Evidence], conflicts: list[Conflict]
) -> None:
    """Env-style W&B config keys (HF_FT_LR, ...) become current values unless a job set them."""
    for key, value in wr.config.items():
        text = _env_text(value)
        if text is None or not ENV_KEY_RE.match(key):
            continue
        ev = wr.config_evidence[key]
        if key not in env:
            env[key], sources[key] = text, ev
        elif _env_key(env[key]) != _env_key(text):
            conflicts.append(Conflict(f"env.{key}", ((env[key], sources[key]), (text, ev))))


def _env_key(value: str) -> Any:
    """Compare env values as the job would read them: 2e-05 == 0.00002, True == true == 1."""
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on"):
        return 1.0
    if lowered in ("false", "no", "off"):
        return 0.0
    return _number_or_text(value.strip())


def merge_traces(d: Draft) -> tuple[TraceRow, ...]:
    """Weave rows add trace links: a URL for a known trace id, or a new row for a new rank."""
    traces = list(d.data.get("traces", ()))
    if not d.weave_rows:
        return tuple(traces)
    index = {t.trace_id: i for i, t in enumerate(traces) if t.trace_id}
    ranks = {t.rank for t in traces if t.rank is not None}
    for row in d.weave_rows:
        i = index.get(row.trace_id or "")
        if i is None:
            i = index.get(row.call_id or "")
        url = row.evidence.url
        if i is not None:
            if traces[i].url is None and url:
                traces[i] = replace(traces[i], url=url)
            continue
        if row.rank is not None and row.rank not in ranks:
            ranks.add(row.rank)
            traces.append(TraceRow(row.rank, row.trace_id, url, None, None, row.evidence))
    return tuple(traces)


def _number_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value
