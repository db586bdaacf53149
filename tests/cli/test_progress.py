"""Progress on stderr: only on a terminal, only once linting is slow, never for machine formats."""

from __future__ import annotations

import io

from ftlint.cli.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    assert Progress.for_stream(io.StringIO()) is None
    assert isinstance(Progress.for_stream(_Tty()), Progress)


def test_bar_appears_only_after_the_delay() -> None:
    quick = _Tty()
    progress = Progress(quick, delay=3600)
    progress.run_started("run-a", 0, 3)
    progress.rows_streamed("run-a", 65536)
    progress.close()
    assert quick.getvalue() == ""
    slow = _Tty()
    progress = Progress(slow, delay=0)
    progress.run_started("run-a", 0, 3)
    progress.rows_streamed("run-a", 65536)
    progress.run_started("run-b", 1, 3)
    progress.close()
    assert "linting" in slow.getvalue()


def test_machine_formats_get_no_progress(ws, cli) -> None:
    from helpers import final_metrics

    ws.run("run-a", metrics=final_metrics())
    result = cli("check", str(ws.root), "--format", "json")
    assert result.err == ""
