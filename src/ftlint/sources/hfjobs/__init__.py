"""The HF Jobs layout as a source adapter (`hfjobs`): job records, `outputs/<run>/`
files (final metrics, eval-metric series, hard cases, Weave traces), local W&B run
folders and Weave exports (ARTIFACTS.md sections 1-5).

Unlike the one-stack adapters, its files only make a run together (a job record, its
outputs folder and its W&B run are joined on run name, W&B id and trace id), so
`discover` yields finished `Run`s, the workspace-level `Problem`s, and the job records
that joined no run (`Submission`s, which OPS003 reports).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.model import EvalRow, Problem, Run, Submission
    from ftlint.sources.base import RowFile
    from ftlint.sources.io import Workspace


class HfJobsSource:
    """Registered through `ftlint_sources` like every built-in adapter."""

    name: ClassVar[str] = "hfjobs"

    def __init__(self) -> None:
        self._begun: tuple[Workspace, Any] | None = None

    def begin_discovery(self, ws: Workspace, config: Config) -> Any:
        """Under `--jobs`, start parsing the job records in a child before any adapter
        globs (`ftlint.sources.hfjobs.records`); `discover` takes it over."""
        from ftlint.sources.hfjobs.records import early

        started = early(ws, config)
        self._begun = (ws, started)  # None too: no second look at the files
        return started

    def discover(self, ws: Workspace, config: Config) -> Iterator[Run | Problem | Submission]:
        """The layout's runs; under `--jobs`, its job records are parsed in a child
        while its other files are globbed (`ftlint.sources.hfjobs.records`)."""
        from ftlint.sources.hfjobs.layout import read_layout
        from ftlint.sources.hfjobs.records import early

        begun, self._begun = self._begun, None
        if begun is not None and begun[0] is ws:  # closed by whoever began discovery
            yield from read_layout(ws, config, begun[1])
            return
        started = early(ws, config)
        try:
            yield from read_layout(ws, config, started)
        finally:
            if started is not None:
                started.close()  # the child is reaped even when discovery raised

    def iter_rows(self, ws: Workspace, rows: RowFile, config: Config) -> Iterator[EvalRow | Any]:
        """Its runs' hard cases are streamed by the engine; its W&B prediction tables
        name the `wandb_tables` adapter."""
        return iter(())


SOURCE = HfJobsSource()
