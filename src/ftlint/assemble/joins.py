"""Join a training output folder and the W&B run that logged it, on explicit keys.

The HF Trainer (and LLaMA-Factory, which runs it) writes its `output_dir` and, with
`report_to=wandb`, a W&B run folder whose `config.yaml` records that same `output_dir`
(and `run_name`). Read apart, they are two runs of one training: the folder's curves
and settings, the W&B run's status, exit code and summary. They are one run when the
join is unambiguous: exactly one W&B run claims the folder and that run claims no other
folder. Anything else stays apart (never a guess): the HF Trainer names every W&B run
after its `output_dir` by default, so five runs of `./results` claim one folder, unless
the folder's own explicit `run_name` (in training_args.json) picks exactly one of them.

The merge never reports a conflict of its own and never overwrites: the folder's values
win and the W&B run fills what the folder lacks (its status only when the folder's is
unknown). A W&B summary's `train/loss` is the last logged loss where the Trainer's
`train_loss` is the average over training: both are right, so they must not be
compared as if one were wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import PurePosixPath
from typing import Any

from ftlint.model import Evidence, Problem, Run

#: the adapters whose records name an `output_dir` a W&B run may log
_FOLDER_KEYS = ("output_dir",)
#: fields a W&B run brings to the folder's run when the folder has none
_WANDB_FIELDS = (
    *(f.name for f in fields(Run) if f.name.startswith("wandb_")),
    "exit_code",
    "finished",
    "finish_note",
    "finish_evidence",
)


def _parts(path: str) -> tuple[str, ...]:
    """A recorded path's meaningful parts: `./results/` and `/content/results` -> the
    trailing names (a path on the training machine is compared by its tail only)."""
    return tuple(
        p for p in PurePosixPath(path.strip().replace("\\", "/")).parts if p not in ("/", ".")
    )


def _claims(folder: str, recorded: str) -> bool:
    """True when `recorded` (a W&B config's output_dir) names the workspace `folder`."""
    want, have = _parts(recorded), _parts(folder)
    if not want or not have:
        return False
    if PurePosixPath(recorded.strip()).is_absolute():
        return want[-1] == have[-1]
    return have[-len(want) :] == want if len(want) <= len(have) else False


def _logged(w: Run, folder: str) -> bool:
    recorded = w.wandb_config.get("output_dir")
    return isinstance(recorded, str) and _claims(folder, recorded)


def _named(run_name: Any, found: list[Run]) -> list[Run] | None:
    """The W&B runs among `found` whose `run_name` is the folder's own, explicit one (the
    Trainer records it in training_args.json when it is not the output_dir), or None
    when the folder names none. Several runs that wrote one `./results` are told apart
    by it, and a run of another name that wrote there is not the folder's (the folder
    was overwritten by the named one)."""
    if not isinstance(run_name, str) or not run_name.strip():
        return None
    return [w for w in found if w.wandb_config.get("run_name") == run_name]


def claim_wandb_runs(
    runs: Sequence[Run], records: Iterable[Any]
) -> tuple[dict[tuple[str, str], Run], list[Problem]]:
    """({(adapter, record id): the W&B-only run that logged that folder}, problems):
    unambiguous joins only (one W&B run per folder, one folder per W&B run); an
    ambiguous one is reported (kind `ambiguous`) and joins nothing."""
    wandb_runs = [
        r for r in runs if r.adapters == ("wandb",) and isinstance(r.wandb_config, Mapping)
    ]
    if not wandb_runs:
        return {}, []
    by_record: dict[tuple[str, str], list[Run]] = {}
    by_run: dict[str, list[tuple[str, str]]] = {}
    where: dict[tuple[str, str], tuple[str, str]] = {}  # record -> (folder, first file)
    for record in records:
        folder = next((record.joins.get(k) for k in _FOLDER_KEYS if record.joins.get(k)), None)
        if not folder:
            continue
        key = (record.adapter, record.id)
        where[key] = (folder, record.files[0] if record.files else folder)
        found = [w for w in wandb_runs if _logged(w, folder)]
        named = _named(record.joins.get("run_name"), found)
        for w in found if named is None else named:
            by_record.setdefault(key, []).append(w)
            by_run.setdefault(w.name, []).append(key)
    claims: dict[tuple[str, str], Run] = {}
    problems: list[Problem] = []
    for key, found in sorted(by_record.items()):
        folder, path = where[key]
        if len(found) > 1:
            names = ", ".join(sorted(w.name for w in found))
            problems.append(
                Problem(
                    "ambiguous",
                    f"{len(found)} W&B runs logged output_dir "
                    f"{found[0].wandb_config.get('output_dir')!r} ({names}); the folder "
                    f"{folder} keeps only one of them, so it is joined to none (give each "
                    "run its own output_dir)",
                    Evidence(path),
                )
            )
        elif len(by_run[found[0].name]) > 1:
            folders = ", ".join(sorted(where[k][0] for k in by_run[found[0].name]))
            problems.append(
                Problem(
                    "ambiguous",
                    f"W&B run {found[0].name} logged output_dir "
                    f"{found[0].wandb_config.get('output_dir')!r}, which names several "
                    f"folders ({folders}); joined to none of them",
                    Evidence(path),
                )
            )
        else:
            claims[key] = found[0]
    return claims, _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    return [p for p in problems if not (p.message in seen or seen.add(p.message))]


def merge_wandb(run: Run, w: Run) -> Run:
    """The folder's run with what its W&B run adds (see the module docstring)."""
    extra: dict[str, Any] = {}
    if not any(getattr(run, name) for name in _WANDB_FIELDS):
        extra = {name: getattr(w, name) for name in _WANDB_FIELDS}
    if run.status == "unknown" and w.status != "unknown":
        extra.update(status=w.status, status_evidence=w.status_evidence)
    provenance = run.provenance
    filled = {
        f.name: getattr(w.provenance, f.name)
        for f in fields(provenance)
        if getattr(provenance, f.name) is None and getattr(w.provenance, f.name) is not None
    }
    return replace(
        run,
        **extra,
        provenance=replace(provenance, **filled) if filled else provenance,
        metrics=_fill(run.metrics, w.metrics),
        train_metrics=_fill(run.train_metrics, w.train_metrics),
        curves=_fill(run.curves, w.curves),
        settings=_fill(run.settings, w.settings),
        settings_evidence=_fill(run.settings_evidence, w.settings_evidence),
        metadata=_fill(run.metadata, w.metadata),
        label=run.label or w.label,
        group=run.group or w.group,
        timestamp=run.timestamp or w.timestamp,
        adapters=(*run.adapters, *(a for a in w.adapters if a not in run.adapters)),
        sources=tuple(sorted({*run.sources, *w.sources})),
        row_files=(*run.row_files, *w.row_files),
        conflicts=(*run.conflicts, *w.conflicts),
        problems=(
            *run.problems,
            *(replace(p, run=run.name) if p.run == w.name else p for p in w.problems),
        ),
    )


def _fill(mine: Mapping[str, Any], other: Mapping[str, Any]) -> Mapping[str, Any]:
    """`mine`, plus the keys of `other` it lacks (in `other`'s order after its own)."""
    missing = [k for k in other if k not in mine]
    if not missing:
        return mine
    return {**mine, **{k: other[k] for k in missing}}
