"""Source records -> Runs: the vocabulary decides what every key means.

Each `RunRecord` an adapter yields becomes one `Run` whose identity (`Run.name`) is the
record's source id (a folder, a job id), never a display name alone. Values are
resolved through `ftlint.vocabulary` for every stack alike: numbers become canonical
metrics (with the source key that fed them), strings, lists and media references
become metadata (never a type error), curves become canonical series. Two values of one
canonical metric that disagree are kept as a `Conflict` (PRV005 reports it), never
silently overwritten.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import mutable
from ftlint.assemble.joins import merge_wandb
from ftlint.model import Conflict, Evidence, Metric, Point, Problem, Provenance, Run
from ftlint.sources.base import RowFile, RunRecord
from ftlint.vocabulary import as_number, ignored, resolve

#: provenance fields a record may state, and how to read each
_PROVENANCE_TEXT = ("base_model", "adapter", "dataset_version", "eval_path", "objective", "mode")


@mutable
class _Acc:
    """A run being built from one record."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    train: dict[str, Metric] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _put(target: dict[str, Metric], name: str, metric: Metric, acc: _Acc) -> None:
    known = target.get(name)
    if known is None:
        target[name] = metric
    elif not math.isclose(known.value, metric.value, rel_tol=1e-6, abs_tol=1e-12):
        acc.conflicts.append(
            Conflict(
                f"metrics.{name}",
                ((known.value, known.evidence), (metric.value, metric.evidence)),
            )
        )


def metric_values(
    record: RunRecord, aliases: Mapping[str, str] | None = None
) -> tuple[dict[str, Metric], dict[str, Metric], dict[str, Any], list[Conflict], list[Problem]]:
    """Resolve a record's values: (eval metrics, train metrics, metadata, conflicts,
    problems). Non-finite numbers are problems (a NaN compared with a threshold would
    silently pass); strings, lists and dicts are metadata."""
    acc = _Acc()
    for item in record.values:
        key, value, ev = item.key, item.value, item.evidence
        if ignored(key):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            acc.metadata[key] = value
            continue
        number = as_number(value)
        if number is None:
            acc.problems.append(
                Problem("invalid", f"{key} is {value!r} (not a finite number)", ev, record.id)
            )
            continue
        # final values are eval results unless namespaced otherwise (`train_loss`,
        # `train/...`): the train-log context only decides a curve's bare `loss`
        res = resolve(key, "eval", aliases)
        metric = Metric(number, ev, key)
        if res.split == "train":
            _put(acc.train, res.name if res.name != "loss" else "train_loss", metric, acc)
            continue
        _put(acc.metrics, res.canonical, metric, acc)
    return acc.metrics, acc.train, acc.metadata, acc.conflicts, acc.problems


def curves(
    record: RunRecord, aliases: Mapping[str, str] | None = None
) -> dict[str, tuple[Point, ...]]:
    """Canonical curves: `train_loss`, `eval_loss`, `learning_rate`, `eval_<metric>`..."""
    out: dict[str, list[Point]] = {}
    for key, points in record.series.items():
        if ignored(key) or not points:
            continue
        res = resolve(key, record.context, aliases)
        if res.name == "loss":
            name = f"{res.split}_loss"
        elif res.name in ("learning_rate", "grad_norm", "epoch", "step"):
            name = res.name
        else:
            name = f"{res.split}_{res.name}" if res.split == "train" else res.canonical
        out.setdefault(name, []).extend(points)
    return {k: tuple(sorted(v, key=lambda p: p.step)) for k, v in sorted(out.items())}


def _provenance(
    record: RunRecord, metrics: Mapping[str, Metric], root: Path | None = None
) -> Provenance:
    given: dict[str, Any] = {}
    for item in record.provenance:
        given.setdefault(item.key, item.value)
    size = given.get("eval_size")
    if not isinstance(size, int) or isinstance(size, bool):
        m = metrics.get("eval_size")
        size = int(m.value) if m is not None and m.value == int(m.value) else None
    if size is None and root is not None:
        size = complete_rows(root, record.rows)
    text = {k: str(given[k]) for k in _PROVENANCE_TEXT if isinstance(given.get(k), str)}
    scale = as_number(given.get("target_scale"))
    return Provenance(eval_size=size, target_scale=scale, **text)


def complete_rows(root: Path, rows: Sequence[RowFile]) -> int | None:
    """The eval size of a complete JSONL rows file (LLaMA-Factory predictions): its
    non-blank lines, counted in 1 MiB chunks without parsing or holding a line. None
    for other files (CSV, several parts: their adapters state the size)."""
    files = [r for r in rows if r.complete and r.path.endswith(".jsonl") and not r.part]
    if len(files) != 1:
        return None
    count, content = 0, False
    try:
        with (root / files[0].path).open("rb") as handle:
            while chunk := handle.read(1 << 20):
                for piece in chunk.split(b"\n")[:-1]:  # each completes a line
                    count += bool(content or piece.strip())
                    content = False
                content = content or bool(chunk.rsplit(b"\n", 1)[-1].strip())
    except OSError:
        return None
    return (count + content) or None


def record_to_run(
    record: RunRecord,
    name: str,
    aliases: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> Run:
    """One record -> one Run (identity `name`, unique in the campaign)."""
    metrics, train, metadata, conflicts, problems = metric_values(record, aliases)
    settings = {v.key: v.value for v in record.settings}
    settings_ev = {v.key: v.evidence for v in record.settings}
    return Run(
        name=name,
        kind="eval" if record.kind == "eval" else "train",
        provenance=_provenance(record, metrics, root),
        metrics=metrics,
        train_metrics=train,
        sources=tuple(record.files),
        conflicts=tuple(conflicts),
        problems=tuple((*record.problems, *problems)),
        label=record.name,
        adapters=(record.adapter,),
        status=record.status,
        status_evidence=record.status_evidence,
        exit_code=record.exit_code,
        finished=_finished(record.status),
        finish_note=str(metadata.get("finish_note", "")),
        finish_evidence=record.status_evidence,
        settings=settings,
        settings_evidence=settings_ev,
        stack=record.stack,
        curves=curves(record, aliases),
        row_files=tuple(record.rows),
        metadata=metadata,
    )


def _finished(status: str) -> bool | None:
    if status == "finished":
        return True
    if status in ("crashed", "killed"):
        return False
    return None


def runs_from_records(
    records: Iterable[RunRecord],
    taken: set[str],
    aliases: Mapping[str, str] | None = None,
    root: Path | None = None,
    wandb: Mapping[tuple[str, str], Run] | None = None,
) -> tuple[list[Run], list[Problem]]:
    """Every record becomes a run; an id already taken (by another source or adapter)
    is qualified with the adapter's name (`llamafactory:outputs/x`), never merged.
    `wandb`: the W&B run that logged a record's folder, by (adapter, id), merged into
    its run (`ftlint.assemble.joins`)."""
    runs: list[Run] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for record in sorted(records, key=lambda r: (r.id, r.adapter)):
        key = (record.adapter, record.id)
        if key in seen:
            ev = Evidence(record.files[0] if record.files else ".")
            problems.append(
                Problem(
                    "inconsistent",
                    f"adapter {record.adapter} yielded run {record.id!r} twice; the first is kept",
                    ev,
                    record.id,
                )
            )
            continue
        name = record.id if record.id not in taken else f"{record.adapter}:{record.id}"
        seen[key] = name
        taken.add(name)
        run = record_to_run(record, name, aliases, root)
        logged = wandb.get(key) if wandb else None
        runs.append(merge_wandb(run, logged) if logged is not None else run)
    return runs, problems


def sources_by_name(sources: Sequence[Any]) -> dict[str, Any]:
    """Adapters by name; a name registered twice keeps the first (plugins can replace a
    built-in only by blocking it with `-p no:`)."""
    out: dict[str, Any] = {}
    for source in sources:
        out.setdefault(source.name, source)
    return out
