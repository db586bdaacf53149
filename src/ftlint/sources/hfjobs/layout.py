"""The HF Jobs layout: job records, `outputs/<run>/` files, local W&B run folders and
Weave exports of one workspace, joined into `Run`s by run name, W&B id and trace id.

This is one source adapter (`hfjobs`, registered through `ftlint_sources` like every
other): its files only make a run together, so it joins them itself and yields finished
`Run`s. One pass over the globbed files; joins use dictionaries (run name, adapter id, W&B id,
group, Weave trace id), so the cost grows linearly with the number of runs. Conflicting
provenance values are kept with their sources as `Conflict`s, never silently overwritten.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.assemble.lazy import lazy
from ftlint.config.settings import Config
from ftlint.model import Evidence, Problem, Run, Submission
from ftlint.model import pointer as make_pointer
from ftlint.sources.hfjobs.draft import Draft
from ftlint.sources.hfjobs.finish import finish
from ftlint.sources.hfjobs.records import Early
from ftlint.sources.hfjobs.records import items as record_items
from ftlint.sources.hfjobs.wandb_join import (
    join_wandb,
    join_weave,
)
from ftlint.sources.io import Workspace, read_json
from ftlint.sources.outputs import load_eval_result, load_final_metrics, load_series, load_traces

RUN_FILES = {
    "final_metrics": "final_metrics.json",
    "iter_eval_metrics": "iter_eval_metrics.jsonl",
    "hard_cases": "hard_cases.valid.jsonl",
    "weave_traces": "weave_eval_traces.json",
}
#: final_metrics.json keys that name a sibling artifact, and the input kind they point at.
REFERENCES = {
    "hard_cases_path": "hard_cases",
    "iter_eval_metrics_path": "iter_eval_metrics",
    "weave_trace_path": "weave_traces",
}


def read_layout(ws: Workspace, config: Config, started: Early | None = None) -> Iterator[Any]:
    """The runs of the HF Jobs layout in `ws`, then the workspace-level problems, then the
    job records that joined no run (OPS003 reports them); `started`: the records' parse."""
    drafts: dict[str, Draft] = {}
    problems: list[Problem] = []

    def draft(name: str, kind: str = "train") -> Draft:
        if name not in drafts:
            drafts[name] = Draft(name, kind)
        return drafts[name]

    for kind in RUN_FILES:
        for path in ws.glob(config.inputs[kind]):
            if not ws.inside(path):
                problems.append(
                    Problem(
                        "unsafe-path",
                        "links outside the workspace; not read",
                        Evidence(ws.rel(path)),
                    )
                )
                continue
            run_dir = path.parent
            d = draft(run_dir.name)
            d.run_dir = d.run_dir or run_dir
            d.files[kind] = path
    # Each run's own files (final metrics, series, traces) are read when the run is
    # linted (`ftlint.assemble.lazy`), not here: discovery only notes them, so 10,000
    # runs are never all in memory. Weave exports join runs by the trace ids in those
    # files, so with exports in the workspace they are read now, as they always were.
    deferred = not any(p.is_file() for p in ws.glob(config.inputs.get("weave_exports", ())))
    for name in sorted(drafts):
        if deferred:
            _note_run_files(ws, drafts[name])
        else:
            _load_run_files(ws, drafts[name], config)

    for path in ws.glob(config.inputs["eval_results"]):
        name = path.stem
        _absorb(ws, draft(name, "eval"), load_eval_result(ws, path, name), "eval_result_path", path)

    unjoined = _join_job_records(ws, config, drafts, draft, problems, started)
    join_wandb(ws, config, drafts, draft, problems)
    join_weave(ws, config, drafts, problems)
    for name in sorted(drafts):
        d = drafts[name]
        if deferred and d.files:
            noted = finish(ws, d)
            d.sources = set()  # the loader takes them from `noted` (one copy, not two)
            paths = _pack_paths(d)
            yield lazy(noted, partial(_load_deferred, ws, d, config, noted.sources, paths))
        else:
            yield finish(ws, d)
    yield from problems
    yield from unjoined


def _join_job_records(
    ws: Workspace,
    config: Config,
    drafts: dict[str, Draft],
    draft: Callable[..., Draft],
    problems: list[Problem],
    started: Early | None = None,
) -> list[Submission]:
    """Job records join their run by run name, or by the adapter they evaluate (a
    train job's output model id, or a run's `hub_model_id`); the rest are returned."""
    unjoined: list[Submission] = []
    submissions: list[Submission] = []
    for item in record_items(ws, config, ws.glob(config.inputs["job_records"]), started):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            submissions.append(item)
    by_adapter: dict[str, list[str]] = {}
    for sub in submissions:
        if sub.kind == "train" and sub.run_name:
            d = draft(sub.run_name)
            d.submissions.append(sub)
            d.sources.add(sub.evidence.path)
            if sub.output_model_id:
                _add_owner(by_adapter, sub.output_model_id, sub.run_name)
    hubs_added = False  # the runs' hub_model_id only when an eval job needs them
    for sub in submissions:
        if sub.kind == "train" and sub.run_name:
            continue
        if not hubs_added:
            hubs_added = True
            for name, d in drafts.items():
                hub = _hub(ws, d)
                if hub:
                    _add_owner(by_adapter, hub, name)
        owners = by_adapter.get(sub.adapter_model_id or "", [])
        if not sub.run_name and len(owners) > 1:  # ambiguous: reported, never merged
            shown = ", ".join(owners[:5]) + (
                f" and {len(owners) - 5} more" if len(owners) > 5 else ""
            )
            problems.append(
                Problem(
                    "ambiguous",
                    f"this job evaluates adapter {sub.adapter_model_id!r}, which {len(owners)} "
                    f"runs produced ({shown}); not joined to any of them (give the job its "
                    "run_name)",
                    sub.evidence,
                )
            )
            unjoined.append(sub)
            continue
        target = sub.run_name or (owners[0] if owners else None)
        if target:
            d = draft(target)
            d.submissions.append(sub)
            d.sources.add(sub.evidence.path)
        else:
            unjoined.append(sub)
    return unjoined


def _hub(ws: Workspace, d: Draft) -> str | None:
    """final_metrics.json's `hub_model_id` (a deferred run's file is read for it now)."""
    fm = d.data.get("final_metrics")
    if not isinstance(fm, dict) and not d.peeked and "final_metrics" in d.files:
        _peek(ws, d)
    hub = fm.get("hub_model_id") if isinstance(fm, dict) else d.hub_model_id
    return hub if isinstance(hub, str) and hub else None


def _peek(ws: Workspace, d: Draft) -> None:
    """Note `hub_model_id` and resolve the sibling files named in final_metrics.json
    without loading it (its problems are recorded when the run is loaded)."""
    d.peeked = True
    fm_path = d.files["final_metrics"]
    data, _ = read_json(ws, fm_path, d.name)
    if isinstance(data, dict):
        hub = data.get("hub_model_id")
        d.hub_model_id = hub if isinstance(hub, str) else None
        _check_references(ws, d, fm_path, data, quiet=True)


def _add_owner(owners: dict[str, list[str]], adapter: str, run: str) -> None:
    runs = owners.setdefault(adapter, [])
    if run not in runs:
        runs.append(run)


def _load_run_files(ws: Workspace, d: Draft, config: Config) -> None:
    _load_contents(ws, d, config)
    _note_hard_cases(ws, d)


def _note_run_files(ws: Workspace, d: Draft) -> None:
    """What discovery needs of a run's own files without reading them: their paths (the
    files read, the copies check), and of final_metrics.json only `hub_model_id` (job
    records join by it) and the sibling files it references (problems are reported
    when the run is loaded, `_load_deferred`)."""
    if "final_metrics" in d.files and any(k not in d.files for k in REFERENCES.values()):
        _peek(ws, d)  # it may name sibling files; else it is read when a job joins by it
    for kind, key in (
        ("final_metrics", "final_metrics_path"),
        ("iter_eval_metrics", "series_path"),
        ("weave_traces", "traces_path"),
    ):
        path = d.files.get(kind)
        if path is not None:
            rel = ws.rel(path)  # one string for the path and the list of files read
            d.data[key] = rel
            d.sources.add(rel)
    _note_hard_cases(ws, d)


#: A noted draft's run folder and files as strings (`_pack_paths`)
_Paths = tuple[str | None, tuple[tuple[str, str], ...]]


def _pack_paths(d: Draft) -> _Paths:
    """Take the run folder and files out of a noted draft, as strings: a `Path` also
    keeps its parts as a list of strings, ~1 KB a run that 10,000 noted runs held until
    each was linted (`_load_deferred` makes the paths again)."""
    packed = (
        None if d.run_dir is None else str(d.run_dir),
        tuple((kind, str(path)) for kind, path in d.files.items()),
    )
    d.run_dir, d.files = None, {}
    return packed


def _load_deferred(
    ws: Workspace,
    noted: Draft,
    config: Config,
    sources: tuple[str, ...] = (),
    paths: _Paths | None = None,
) -> Run:
    """The whole run of a draft whose files `_note_run_files` only noted: its files are
    read now, in the order and with the problems of an eager load (their problems
    first, then what the joins found), and the joins' values win as they did. `paths`:
    the draft's run folder and files, when `_pack_paths` took them out."""
    run_dir, files = noted.run_dir, dict(noted.files)
    if paths is not None:
        run_dir = None if paths[0] is None else Path(paths[0])
        files = {kind: Path(path) for kind, path in paths[1]}
    d = Draft(
        noted.name,
        noted.kind,
        run_dir,
        files,
        {},
        list(noted.submissions),
        [],
        {*noted.sources, *sources},
        noted.wandb,
        list(noted.weave_evals),
        list(noted.weave_rows),
    )
    _load_contents(ws, d, config)
    d.data.update(noted.data)
    d.problems += noted.problems
    return finish(ws, d)


def _load_contents(ws: Workspace, d: Draft, config: Config) -> None:
    name = d.name
    fm_path = d.files.get("final_metrics")
    if fm_path is not None:
        _absorb(ws, d, load_final_metrics(ws, fm_path, name), "final_metrics_path", fm_path)
        _check_references(ws, d, fm_path, d.data.get("final_metrics"))
    series_path = d.files.get("iter_eval_metrics")
    if series_path is not None:
        loaded = load_series(ws, series_path, name, max_line_bytes=config.max_line_bytes)
        _absorb(ws, d, loaded, "series_path", series_path)
    traces_path = d.files.get("weave_traces")
    if traces_path is not None:
        _absorb(ws, d, load_traces(ws, traces_path, name), "traces_path", traces_path)


def _absorb(ws: Workspace, d: Draft, loaded: Any, key: str, path: Path) -> None:
    """What a reader returned joins the draft: its data, where it came from (`key`),
    its problems, and the file among the run's sources."""
    d.data.update(loaded.data)
    d.data[key] = ws.rel(path)
    d.problems += loaded.problems
    d.sources.add(ws.rel(path))


def _note_hard_cases(ws: Workspace, d: Draft) -> None:
    """The hard cases are streamed by the engine: only their path is noted here."""
    name = d.name
    hc = d.files.get("hard_cases")
    if hc is not None:
        if hc.is_dir() or not ws.inside(hc):
            what = (
                "is a directory, expected a JSONL file"
                if hc.is_dir()
                else "links outside the workspace"
            )
            d.problems.append(Problem("missing", what, Evidence(ws.rel(hc)), name))
        else:
            d.data["hard_cases_path"] = ws.rel(hc)
            d.sources.add(ws.rel(hc))
            with contextlib.suppress(OSError):  # (noted: rules size their work by it)
                d.data["hard_cases_bytes"] = hc.stat().st_size


def _check_references(
    ws: Workspace, d: Draft, fm_path: Path, fm: Any, *, quiet: bool = False
) -> None:
    """Every `*_path` in final_metrics.json must name a file present in the run folder
    (`quiet`: only resolve them; the problem is recorded when the run is loaded)."""
    if not isinstance(fm, dict) or d.run_dir is None:
        return
    for key, kind in REFERENCES.items():
        recorded = fm.get(key)
        if recorded is None or kind in d.files:
            continue
        local, why = resolve_reference(ws, d.run_dir, recorded)
        ev = Evidence(ws.rel(fm_path), None, make_pointer(key))
        if local is None:
            if not quiet:
                d.problems.append(Problem("missing", f"{key}: {why}", ev, d.name))
        else:
            d.files[kind] = local


def resolve_reference(ws: Workspace, run_dir: Path, recorded: Any) -> tuple[Path | None, str]:
    """Resolve a `*_path` value written on the job machine to a file in the run folder.

    The recorded path is only a hint: it is looked up *by file name* inside the run
    folder, so an absolute path from another machine works and `../../etc/passwd`
    never leads outside the workspace. Returns (local path or None, why not).
    """
    if not isinstance(recorded, str) or not recorded.strip():
        return None, "no path recorded"
    name = PurePosixPath(recorded.replace("\\", "/")).name
    if name in ("", ".", ".."):
        return None, f"recorded path {recorded!r} has no file name"
    local = run_dir / name
    if not ws.inside(local):
        return None, f"recorded path {recorded!r} resolves outside the workspace"
    if local.is_file():
        return local, ""
    return None, f"recorded path {recorded!r} not found in {ws.rel(run_dir)}/"
