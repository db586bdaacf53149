"""The command line's parser classes: ftlint's own error line and exit code, and
argparse's help layout with its width found without importing shutil."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ftlint.cli.options import terminal_width

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Formatter(argparse.HelpFormatter):
    """argparse's own help layout, its width found without importing shutil (argparse
    imports it for `get_terminal_size` whenever an argument is added: ~2 ms of every
    start-up); `terminal_width` gives the same number."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
        **more: Any,  # (what later Pythons add, e.g. 3.14's color)
    ) -> None:
        if width is None:
            width = terminal_width(80) - 2  # as argparse: the columns less 2
        super().__init__(prog, indent_increment, max_help_position, width, **more)


class Parser(argparse.ArgumentParser):
    """Every parser of the command line (subcommands too): help as `Formatter` lays
    it out, a usage error as one `ftlint: error:` line and exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"ftlint: error: {message}\n")
        raise SystemExit(EXIT_ERROR)
