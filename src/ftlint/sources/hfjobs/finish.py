"""A joined HF Jobs draft becomes a `Run` (`finish`): the last step of `layout.read_layout`,
which globs and joins the files; this module only merges what the draft holds."""

from __future__ import annotations

from typing import Any

from ftlint.model import Evidence, Run
from ftlint.sources.hfjobs.draft import Draft
from ftlint.sources.hfjobs.legacy import curves_from_series, settings_of, status_of, table_rows
from ftlint.sources.hfjobs.provenance import provenance_of
from ftlint.sources.hfjobs.wandb_join import merge_env, merge_metrics, merge_traces
from ftlint.sources.io import Workspace


def finish(ws: Workspace, d: Draft) -> Run:
    """The `Run` of a draft whose files are joined: provenance, settings and W&B values
    merged (conflicts kept with their sources), status, curves and row files."""
    fm = d.data.get("final_metrics") or {}
    er = d.data.get("eval_result") or {}
    prov, conflicts = provenance_of(d, fm, er)
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
        hard_cases_bytes=d.data.get("hard_cases_bytes"),
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
        row_files=table_rows(wr.tables, prov.eval_size) if wr else (),
        **wandb,
    )
