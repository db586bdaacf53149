"""The flags of `check` that follow linter conventions, the completion subcommand, and
argument parsing that lets the pre-commit hook put file names after its `args:`.

Kept apart from `ftlint.cli.app` (the parser skeleton and dispatch) so each module stays
small; `app` calls these while it builds the parser and parses argv.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ftlint.cli.options import color_enabled, terminal_width
from ftlint.errors import FtlintError

FAIL_ON = ("error", "warning", "info", "never")


def check_flags(check: argparse.ArgumentParser) -> None:
    """ruff's conventions for `check`: fail-on, exit-zero, statistics, folding, SARIF."""
    check.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="exit 1 when a finding reaches this severity (default: fail-on: in rules.yaml, "
        "else error)",
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when findings reach --fail-on"
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings",
    )
    check.add_argument(
        "--no-fold",
        dest="fold",
        action="store_false",
        help="list identical findings of several runs one by one (text format)",
    )
    check.add_argument(
        "--help-uri-base",
        metavar="URL",
        help="SARIF: where rule pages live (rules/<CODE>.md is appended); also "
        "sarif.help-uri-base in rules.yaml",
    )
    check.add_argument(
        "--path-prefix",
        metavar="DIR",
        help="SARIF: the workspace's path from the repository root (default: found from "
        "the enclosing git repository)",
    )


def completion_parser(sub: Any) -> None:
    comp = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script generated from this parser (needs the "
        "`completion` extra: pip install 'ftlint[completion]'). bash: "
        "`ftlint completion bash > ~/.local/share/bash-completion/completions/ftlint`; "
        "zsh: `ftlint completion zsh > ~/.zfunc/_ftlint`; fish: "
        "`ftlint completion fish > ~/.config/fish/completions/ftlint.fish`.",
    )
    comp.add_argument("shell", choices=("bash", "zsh", "fish"))


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, except that `check --files` takes file names anywhere (pre-commit puts
    the hook's `args:` between the entry and the file names)."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        hook = getattr(args, "command", None) == "check" and args.files
        if hook and not any(e.startswith("-") for e in extra):
            args.changed_files = [*args.changed_files, *map(Path, extra)]
            return args
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def explain_text(args: argparse.Namespace, page: str) -> str:
    """On a terminal the page is rendered (rich Markdown, wrapped between words); piped it
    stays Markdown, ready for a file or a PR comment."""
    if not color_enabled(args, sys.stdout):
        return page
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        width=terminal_width(),
        highlight=False,
        emoji=False,
    )
    from ftlint.report.text import clean

    console.print(Markdown("\n".join(clean(line) for line in page.splitlines())))
    return buffer.getvalue()


def completion_script(args: argparse.Namespace, build_parser: Callable[[], Any]) -> str:
    """A completion script generated from the parser (shtab), so it never goes stale."""
    try:
        import shtab
    except ImportError:
        raise FtlintError(
            "shell completion needs shtab: python -m pip install 'ftlint[completion]'"
        ) from None
    return shtab.complete(build_parser(), shell=args.shell)
