"""The `hf_trainer` source: Hugging Face Trainer / TRL output folders (ARTIFACTS.md 3).

A run is an `output_dir` holding `trainer_state.json` (also under `checkpoint-*/`) and
or the `*_results.json` summaries. Its id is the folder's workspace-relative path (the
Trainer names every run `./results` by default, so a name is never an identity).

Folders that also hold LLaMA-Factory's `trainer_log.jsonl` or
`generated_predictions.jsonl` belong to the `llamafactory` source, which reads their
`trainer_state.json` through the same helpers: one folder, one run. This source skips
them.

Status: `finished` when the history ends with the final-summary entry, when
`train_results.json` exists, or when `global_step >= max_steps`. A history that just
stops cannot prove the run was killed (it may still be running, or the state was copied
mid-run), so it is `unknown` with a `finish_note` value saying where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ftlint.model import EvalRow, Evidence, Problem
from ftlint.sources._trainer_files import Parts, lexists
from ftlint.sources._trainer_log import StateInfo, read_args, read_results, read_state, run_dir_of
from ftlint.sources.adapters import default_patterns
from ftlint.sources.base import RowFile, RunRecord

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.sources.io import Workspace

NAME = "hf_trainer"
DEFAULT_PATTERNS: tuple[str, ...] = default_patterns(NAME)
#: files that make a folder LLaMA-Factory's (see the module docstring)
LLAMAFACTORY_FILES = ("trainer_log.jsonl", "generated_predictions.jsonl")


def owned_by_llamafactory(run_dir: Path) -> bool:
    """The split between the two adapters, in one place."""
    return lexists(run_dir / name for name in LLAMAFACTORY_FILES)


def run_dirs(ws: Workspace, patterns: tuple[str, ...]) -> list[Path]:
    """Run folders of the files the patterns match, in workspace order."""
    seen: dict[str, Path] = {}
    for path in ws.glob(patterns):
        folder = run_dir_of(path)
        seen.setdefault(ws.rel(folder), folder)
    return [seen[k] for k in sorted(seen)]


class HfTrainerSource:
    """Reads HF Trainer / TRL output folders into `RunRecord`s."""

    name: ClassVar[str] = NAME

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        patterns = tuple(config.inputs.get(NAME, DEFAULT_PATTERNS))
        for folder in run_dirs(ws, patterns):
            if not owned_by_llamafactory(folder):
                yield read_run(ws, folder)

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        """The Trainer writes no per-example rows; nothing to stream."""
        return iter(())


def read_run(ws: Workspace, folder: Path) -> RunRecord:
    """One output_dir as a RunRecord (never raises: bad files become Problems)."""
    run = ws.rel(folder)
    parts = Parts(run)
    parts.joins["output_dir"] = run
    results = read_results(ws, folder, parts)
    state = read_state(ws, folder, parts, skip=lambda key: False)
    read_args(ws, folder, parts)
    status, evidence, note = decide_status(ws, folder, state, results)
    if note is not None:
        parts.values.add("finish_note", note, evidence or Evidence(run))
    train = (
        (state is not None and state.train_logs)
        or "train_results.json" in results
        or any(k.startswith("train_") for k in _value_keys(parts))
    )
    evals = (
        (state is not None and state.eval_logs)
        or bool({"eval_results.json", "predict_results.json"} & set(results))
        or any(k.startswith(("eval_", "predict_", "test_")) for k in _value_keys(parts))
    )
    return build_record(
        parts,
        adapter=NAME,
        name=folder.name or ws.root.name,
        kind=kind_of(train or state is not None, evals),
        context="train" if state is not None or train else "eval",
        status=status,
        status_evidence=evidence,
        rows=(),
        stack="hf_trainer",
    )


def decide_status(
    ws: Workspace, folder: Path, state: StateInfo | None, results: list[str]
) -> tuple[str, Evidence | None, str | None]:
    """(status, evidence, finish note) from the state and the summaries present."""
    if state is not None and state.summary is not None:
        return "finished", state.summary, None
    if "train_results.json" in results:
        return "finished", Evidence(ws.rel(folder / "train_results.json")), None
    if state is not None:
        ev = Evidence(state.path, pointer="/global_step")
        if (
            state.global_step is not None
            and state.max_steps
            and state.global_step >= state.max_steps
        ):
            return "finished", ev, None
        at = state.global_step if state.global_step is not None else "?"
        total = f"of max_steps {state.max_steps}" if state.max_steps else "(max_steps not recorded)"
        return "unknown", ev, f"history stops at step {at} {total}; no final summary entry"
    if results:
        # an eval/predict script writes its results file when it is done
        return "finished", Evidence(ws.rel(folder / results[0])), None
    return "unknown", None, None


def kind_of(train: bool, evals: bool) -> str:
    if train and evals:
        return "train+eval"
    return "eval" if evals else "train"


def _value_keys(parts: Parts) -> list[str]:
    return [v.key for v in parts.values.values()]


def build_record(
    parts: Parts,
    *,
    adapter: str,
    name: str,
    kind: str,
    context: str,
    status: str,
    status_evidence: Evidence | None,
    rows: tuple[RowFile, ...],
    stack: str,
) -> RunRecord:
    """Parts -> RunRecord, with every collector's problems attached."""
    series, series_problems = parts.series.build()
    problems = (
        *parts.problems,
        *parts.values.problems,
        *parts.settings.problems,
        *series_problems,
    )
    return RunRecord(
        adapter=adapter,
        id=parts.run,
        name=name,
        kind=kind,
        context=context,
        status=status,
        status_evidence=status_evidence,
        joins=dict(parts.joins),
        values=parts.values.values(),
        series=series,
        settings=parts.settings.values(),
        provenance=tuple(parts.provenance),
        rows=rows,
        files=tuple(sorted(set(parts.files))),
        problems=tuple(
            p if p.run else Problem(p.kind, p.message, p.evidence, parts.run) for p in problems
        ),
        stack=stack,
    )


SOURCE = HfTrainerSource()

__all__ = ["DEFAULT_PATTERNS", "NAME", "SOURCE", "HfTrainerSource", "owned_by_llamafactory"]
