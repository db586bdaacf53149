"""Discover every artifact of a workspace and join them into `Run`s by run name.

One pass over the globbed files; joins use dictionaries (run name, adapter id, W&B id,
group, Weave trace id), so the cost grows linearly with the number of runs. Conflicting
provenance values are kept with their sources as `Conflict`s, never silently overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftlint.assemble.legacy import curves_from_series, settings_of, status_of
from ftlint.assemble.wandb_join import (
    join_wandb,
    join_weave,
    merge_env,
    merge_metrics,
    merge_traces,
)
from ftlint.config.settings import Config
from ftlint.errors import FtlintError
from ftlint.model import Campaign, Conflict, Evidence, Problem, Provenance, Run, Submission
from ftlint.model import pointer as make_pointer
from ftlint.sources.io import Workspace, resolve_reference
from ftlint.sources.jobs import load_job_records
from ftlint.sources.outputs import load_eval_result, load_final_metrics, load_series, load_traces

if TYPE_CHECKING:  # the W&B and Weave readers load only when a workspace has such files
    from ftlint.sources.wandb_runs import WandbRun
    from ftlint.sources.weave_export import WeaveEvaluation, WeaveRow

#: W&B config keys that state provenance (lowest priority after outputs and job records)
WANDB_PROVENANCE = (
    ("FT_DATASET_VERSION", "dataset_version"),
    ("dataset_version", "dataset_version"),
    ("HF_FT_TARGET_SCALE", "target_scale"),
    ("target_scale", "target_scale"),
    ("HF_BASE_MODEL_ID", "base_model"),
    ("HF_FT_OUTPUT_MODEL_ID", "adapter"),
)

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


@dataclass
class _Draft:
    """A run being assembled from its sources."""

    name: str
    kind: str = "train"
    run_dir: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    submissions: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    wandb: WandbRun | None = None
    weave_evals: list[WeaveEvaluation] = field(default_factory=list)
    weave_rows: list[WeaveRow] = field(default_factory=list)


def load_campaign(
    root: Path,
    config: Config,
    *,
    extra_loaders: Sequence[Callable[[Path, Config], Sequence[Run]]] = (),
    sources: Sequence[Any] = (),
) -> Campaign:
    """Load the workspace at `root`. Raises FtlintError only if `root` itself is unusable."""
    if not root.exists():
        raise FtlintError("workspace not found", root)
    if not root.is_dir():
        raise FtlintError("workspace must be a directory", root)
    ws = Workspace(root.resolve())
    drafts: dict[str, _Draft] = {}
    problems: list[Problem] = []

    def draft(name: str, kind: str = "train") -> _Draft:
        if name not in drafts:
            drafts[name] = _Draft(name, kind)
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
    for name in sorted(drafts):
        _load_run_files(ws, drafts[name], config)

    for path in ws.glob(config.inputs["eval_results"]):
        name = path.stem
        d = draft(name, "eval")
        loaded = load_eval_result(ws, path, name)
        d.data.update(loaded.data)
        d.data["eval_result_path"] = ws.rel(path)
        d.problems += loaded.problems
        d.sources.add(ws.rel(path))

    unjoined: list[Submission] = []
    submissions: list[Submission] = []
    for path in ws.glob(config.inputs["job_records"]):
        for item in load_job_records(ws, path, max_line_bytes=config.max_line_bytes):
            if isinstance(item, Problem):
                problems.append(item)
            else:
                submissions.append(item)
    by_adapter: dict[str, str] = {}
    for sub in submissions:
        if sub.kind == "train" and sub.run_name:
            d = draft(sub.run_name)
            d.submissions.append(sub)
            d.sources.add(sub.evidence.path)
            if sub.output_model_id:
                by_adapter.setdefault(sub.output_model_id, sub.run_name)
    for name, d in drafts.items():
        hub = d.data.get("final_metrics", {}).get("hub_model_id")
        if isinstance(hub, str) and hub:
            by_adapter.setdefault(hub, name)
    for sub in submissions:
        if sub.kind == "train" and sub.run_name:
            continue
        target = sub.run_name or by_adapter.get(sub.adapter_model_id or "")
        if target:
            d = draft(target)
            d.submissions.append(sub)
            d.sources.add(sub.evidence.path)
        else:
            unjoined.append(sub)

    join_wandb(ws, config, drafts, draft, problems)
    join_weave(ws, config, drafts, problems)

    runs = [_finish(ws, drafts[name]) for name in sorted(drafts)]
    names = {r.name for r in runs}
    for loader in extra_loaders:
        for run in loader(ws.root, config) or ():
            if run.name in names:
                problems.append(
                    Problem(
                        "inconsistent",
                        f"a plugin loader returned a second run named {run.name!r}; ignored",
                        Evidence(run.sources[0] if run.sources else "."),
                        run.name,
                    )
                )
                continue
            names.add(run.name)
            runs.append(run)
    from ftlint.assemble.discover import read_sources

    read = {src for run in runs for src in run.sources} | {p.evidence.path for p in problems}
    read |= {s.evidence.path for s in unjoined}
    source_runs, source_problems, unread = read_sources(ws, config, sources, names, read)
    runs += source_runs
    problems += source_problems
    runs.sort(key=lambda r: r.name)
    for item in unread:  # named by PRV004, never a silent skip
        problems.append(
            Problem(
                "unread",
                f"looks like an eval artifact but was not read: {item.reason}",
                Evidence(item.path),
            )
        )
    if not runs and not problems and not unjoined:
        looked = ", ".join(g for kind in sorted(config.inputs) for g in config.inputs[kind])
        problems.append(
            Problem(
                "missing",
                f"no eval artifacts found in this workspace (looked for {looked}); "
                "check the path or the `inputs:` globs",
                Evidence("."),
            )
        )
    return Campaign(
        root=str(ws.root),
        runs=tuple(runs),
        problems=tuple(problems),
        unjoined=tuple(unjoined),
        unread=tuple(unread),
    )


def _load_run_files(ws: Workspace, d: _Draft, config: Config) -> None:
    name = d.name
    fm_path = d.files.get("final_metrics")
    if fm_path is not None:
        loaded = load_final_metrics(ws, fm_path, name)
        d.data.update(loaded.data)
        d.data["final_metrics_path"] = ws.rel(fm_path)
        d.problems += loaded.problems
        d.sources.add(ws.rel(fm_path))
        _check_references(ws, d, fm_path)
    series_path = d.files.get("iter_eval_metrics")
    if series_path is not None:
        loaded = load_series(ws, series_path, name, max_line_bytes=config.max_line_bytes)
        d.data.update(loaded.data)
        d.data["series_path"] = ws.rel(series_path)
        d.problems += loaded.problems
        d.sources.add(ws.rel(series_path))
    traces_path = d.files.get("weave_traces")
    if traces_path is not None:
        loaded = load_traces(ws, traces_path, name)
        d.data.update(loaded.data)
        d.data["traces_path"] = ws.rel(traces_path)
        d.problems += loaded.problems
        d.sources.add(ws.rel(traces_path))
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


def _check_references(ws: Workspace, d: _Draft, fm_path: Path) -> None:
    """Every `*_path` in final_metrics.json must name a file present in the run folder."""
    fm = d.data.get("final_metrics")
    if not isinstance(fm, dict) or d.run_dir is None:
        return
    for key, kind in REFERENCES.items():
        recorded = fm.get(key)
        if recorded is None or kind in d.files:
            continue
        local, why = resolve_reference(ws, d.run_dir, recorded)
        ev = Evidence(ws.rel(fm_path), None, make_pointer(key))
        if local is None:
            d.problems.append(Problem("missing", f"{key}: {why}", ev, d.name))
        else:
            d.files[kind] = local


def _finish(ws: Workspace, d: _Draft) -> Run:
    fm = d.data.get("final_metrics") or {}
    er = d.data.get("eval_result") or {}
    prov, conflicts = _provenance(d, fm, er)
    env: dict[str, str] = {}
    env_sources: dict[str, Evidence] = {}
    for sub in sorted(d.submissions, key=lambda s: (s.kind != "train", s.submitted_at or "")):
        for key, value in sub.env.items():
            env.setdefault(key, value)
            env_sources.setdefault(key, Evidence(sub.evidence.path, sub.evidence.line, "/command"))
    train_subs = [s for s in d.submissions if s.kind == "train"]
    stamps = [s.submitted_at for s in d.submissions if s.submitted_at]
    if isinstance(er.get("timestamp"), str):
        stamps.append(er["timestamp"])
    metrics = d.data.get("metrics", {})
    train_metrics = d.data.get("train_metrics", {})
    series, series_path = d.data.get("series", ()), d.data.get("series_path")
    wr = d.wandb
    wandb: dict[str, Any] = {}
    group = env.get("WANDB_RUN_GROUP") or None
    if wr is not None:
        metrics = merge_metrics(metrics, wr.metrics, "eval", conflicts)
        train_metrics = merge_metrics(train_metrics, wr.train_metrics, "train", conflicts)
        if not series and wr.series:
            series, series_path = wr.series, wr.log_rel
        merge_env(wr, env, env_sources, conflicts)
        group = env.get("WANDB_RUN_GROUP") or wr.group
        if not stamps and wr.metadata.get("started_at"):
            stamps.append(wr.metadata["started_at"])
        wandb = {
            "wandb_id": wr.run_id,
            "wandb_dir": wr.rel,
            "wandb_config": wr.config,
            "wandb_summary": wr.summary,
            "wandb_summary_path": wr.summary_rel,
            "wandb_history": wr.history,
            "wandb_tables": tuple(wr.tables),
            "wandb_metadata": wr.metadata,
            "exit_code": wr.exit_code,
            "finished": wr.finished,
            "finish_note": wr.finish_note,
            "finish_evidence": wr.finish_evidence,
        }
    cycle = fm.get("cycle_id") if fm.get("cycle_id") is not None else env.get("LOOP_CYCLE_ID")
    settings, settings_ev = settings_of(
        env, env_sources, wr.config if wr else None, wr.config_evidence if wr else None
    )
    adapters = tuple(
        name
        for name, used in (
            ("hfjobs", bool(d.files or d.submissions or d.data)),
            ("wandb", wr is not None),
            ("weave", bool(d.weave_evals)),
        )
        if used
    )
    return Run(
        name=d.name,
        kind="eval" if d.kind == "eval" and not train_subs else "train",
        group=group,
        cycle=str(cycle) if cycle is not None else None,
        provenance=prov,
        metrics=metrics,
        train_metrics=train_metrics,
        final_metrics_path=d.data.get("final_metrics_path"),
        final_metrics=d.data.get("final_metrics"),
        series=series,
        series_path=series_path,
        hard_cases_path=d.data.get("hard_cases_path"),
        traces=merge_traces(d),
        traces_path=d.data.get("traces_path"),
        submissions=tuple(d.submissions),
        env=env,
        env_sources=env_sources,
        eval_result=d.data.get("eval_result"),
        eval_result_path=d.data.get("eval_result_path"),
        timestamp=max(stamps) if stamps else None,
        sources=tuple(sorted(d.sources)),
        conflicts=tuple(conflicts),
        problems=tuple(d.problems),
        weave_evals=tuple(d.weave_evals),
        label=wr.name if wr is not None and wr.name else None,
        adapters=adapters,
        status=status_of(
            wr.exit_code if wr else None,
            wr.finished if wr else None,
            bool(d.data.get("final_metrics") or d.data.get("eval_result")),
            d.submissions,
        ),
        status_evidence=wr.finish_evidence if wr else None,
        settings=settings,
        settings_evidence=settings_ev,
        stack="env" if env else ("wandb" if wr is not None else ""),
        curves=curves_from_series(series, wr.history if wr else ()),
        **wandb,
    )


def _provenance(
    d: _Draft, fm: dict[str, Any], er: dict[str, Any]
) -> tuple[Provenance, list[Conflict]]:
    """Pick each provenance field from its sources; keep disagreements as Conflicts."""
    cands: dict[str, list[tuple[Any, Evidence]]] = defaultdict(list)
    fm_path = d.data.get("final_metrics_path")
    er_path = d.data.get("eval_result_path")

    def add(field_name: str, value: Any, ev: Evidence) -> None:
        if value is None or value == "" or isinstance(value, (dict, bool)):
            return
        cands[field_name].append((value, ev))

    if fm_path:
        for key, fname in (
            ("dataset_version", "dataset_version"),
            ("target_scale", "target_scale"),
            ("objective", "objective"),
            ("valid_examples", "eval_size"),
            ("hub_model_id", "adapter"),
        ):
            add(fname, fm.get(key), Evidence(fm_path, None, make_pointer(key)))
        keys = fm.get("target_keys")
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            add("target_keys", tuple(keys), Evidence(fm_path, None, "/target_keys"))
        eval_block = fm.get("eval") if isinstance(fm.get("eval"), dict) else {}
        add(
            "target_scale",
            eval_block.get("target_scale"),
            Evidence(fm_path, None, "/eval/target_scale"),
        )
    if er_path:
        for key, fname in (
            ("dataset_version", "dataset_version"),
            ("evaluated_count", "eval_size"),
            ("mode", "mode"),
            ("local_adapter_model_id", "adapter"),
            ("local_base_model_id", "base_model"),
            ("dataset_path", "eval_path"),
        ):
            add(fname, er.get(key), Evidence(er_path, None, make_pointer(key)))
        metrics = er.get("metrics") if isinstance(er.get("metrics"), dict) else {}
        add(
            "target_scale",
            metrics.get("target_scale"),
            Evidence(er_path, None, "/metrics/target_scale"),
        )
    for sub in sorted(d.submissions, key=lambda s: (s.kind != "train", s.evidence.line or 0)):
        ev = Evidence(sub.evidence.path, sub.evidence.line, "/command")
        env = sub.env
        if sub.kind == "train":
            add("base_model", sub.base_model_id, ev)
            add("adapter", sub.output_model_id, ev)
            add("dataset_version", env.get("FT_DATASET_VERSION"), ev)
            add("target_scale", env.get("HF_FT_TARGET_SCALE"), ev)
        else:
            add("base_model", sub.base_model_id, ev)
            add("mode", sub.mode, ev)
            add("eval_path", sub.dataset_path, ev)
            add("target_scale", env.get("EVAL_TARGET_SCALE"), ev)
    if d.wandb is not None:
        cfg, cfg_ev = d.wandb.config, d.wandb.config_evidence
        for key, fname in WANDB_PROVENANCE:
            if key in cfg:
                add(fname, cfg[key], cfg_ev[key])
        size = d.wandb.metrics.get("eval_size")  # evaluated_count, eval_samples, ...
        if size is not None and size.value == int(size.value):
            add("eval_size", int(size.value), size.evidence)
    chosen: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for fname, values in sorted(cands.items()):
        normal = {_normalise(v) for v, _ in values}
        chosen[fname] = values[0][0]
        if len(normal) > 1:
            conflicts.append(Conflict(fname, tuple(values)))
    return (
        Provenance(
            base_model=_opt_str(chosen.get("base_model")),
            adapter=_opt_str(chosen.get("adapter")),
            dataset_version=_opt_str(chosen.get("dataset_version")),
            eval_path=_opt_str(chosen.get("eval_path")),
            eval_size=_opt_int(chosen.get("eval_size")),
            target_scale=_opt_float(chosen.get("target_scale")),
            target_keys=chosen.get("target_keys"),
            objective=_opt_str(chosen.get("objective")),
            mode=_opt_str(chosen.get("mode")),
        ),
        conflicts,
    )


def _normalise(value: Any) -> Any:
    number = _opt_float(value)
    return number if number is not None else str(value)


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _opt_int(value: Any) -> int | None:
    number = _opt_float(value)
    return int(number) if number is not None and number.is_integer() else None


def _opt_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
