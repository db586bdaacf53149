"""Progress on stderr for long lints: only on a terminal, only after about a second.

Never shown for machine formats (the CLI passes no progress then) or when stderr is
not a terminal; rich is imported only once the bar is actually needed.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

DELAY_SECONDS = 1.0


class Progress:
    """Receives engine events; draws a transient rich progress bar once linting is slow."""

    def __init__(self, stream: TextIO, delay: float = DELAY_SECONDS) -> None:
        self.stream = stream
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.total_runs = 0
        self.done_runs = 0
        self.rows = 0

    @classmethod
    def for_stream(cls, stream: TextIO) -> Progress | None:
        isatty = getattr(stream, "isatty", None)
        return cls(stream) if isatty is not None and isatty() else None

    def run_started(self, name: str, index: int, total: int) -> None:
        self.total_runs, self.done_runs = total, index
        self._tick(name)

    def rows_streamed(self, name: str, count: int) -> None:
        self.rows = count
        self._tick(name)

    def _tick(self, name: str) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn("linting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("runs  {task.fields[rows]:,} hard-case rows  {task.fields[run]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream, highlight=False),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("lint", total=self.total_runs or None, rows=0, run="")
        self.bar.update(self.task, completed=self.done_runs, rows=self.rows, run=name[:40])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
