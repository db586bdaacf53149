"""Linter conventions shared by the subcommands: colour, format, verbosity, settings.

ruff's and flake8's flags are what CI authors already type, so ftlint takes the same:
`--color auto|always|never` (`--no-color` stays, as never), `--output-format` (alias of
`--format`, default from `FTLINT_OUTPUT_FORMAT`, then `output-format:` in rules.yaml),
`-v` (what was read, which config, which plugins, on stderr), `--isolated` (no config
file), `--show-settings` (the merged settings and where each value came from).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

ENV_FORMAT = "FTLINT_OUTPUT_FORMAT"
COLOR_CHOICES = ("auto", "always", "never")
BUILTIN_FORMATS = ("text", "json", "sarif", "github", "junit")


def plugin_format_names() -> list[str]:
    """Every format the installed plugins add (entry points), for `--help`."""
    try:
        from ftlint.plugins import build_plugins

        names = build_plugins(keep_going=True).report_formats()
    except Exception:  # --help must never fail because a plugin is broken
        return []
    return sorted(n for n in names if n not in BUILTIN_FORMATS)


#: the formats of the commands that do not write findings
COMMAND_FORMATS = {
    "plan": ("text", "markdown", "json", "env", "html"),
    "gate": ("text", "markdown", "json"),
    "runs": ("text", "json", "csv"),
    "rules": ("text", "json"),
}


class FormatAction(argparse._StoreAction):
    """`--format`/`--output-format`, whose help lists every format of the command; for
    `check` that includes plugin formats (computed lazily: only `--help` pays for
    loading the plugins)."""

    command = "check"

    @property
    def help(self) -> str:  # type: ignore[override]
        if self.command in COMMAND_FORMATS:
            return f"output format: {', '.join(COMMAND_FORMATS[self.command])} (default text)"
        listed = ", ".join([*BUILTIN_FORMATS, *plugin_format_names()])
        return (
            f"output format: {listed} (default text; or ${ENV_FORMAT}, or output-format: "
            "in rules.yaml)"
        )

    @help.setter
    def help(self, value: Any) -> None:
        pass


def _format_action(prog: str) -> type[FormatAction]:
    return type("FormatAction", (FormatAction,), {"command": prog.rsplit(" ", 1)[-1]})


def add_output_flags(p: argparse.ArgumentParser, *, formats: bool) -> None:
    """--color/-v (every command) and --format/--output-format (commands with output)."""
    p.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=None,
        help="colour: auto (a terminal, unless NO_COLOR), always, never",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="say what was read, which config and which plugins (on stderr)",
    )
    if formats:
        p.add_argument(
            "--format",
            "--output-format",
            dest="format",
            action=_format_action(p.prog),
            default=None,
        )


def add_settings_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--isolated", action="store_true", help="ignore every config file (use the defaults)"
    )
    p.add_argument(
        "--show-settings",
        action="store_true",
        help="print the merged settings and where each value came from, then exit",
    )


def terminal_width(fallback: int = 100) -> int:
    """`shutil.get_terminal_size((fallback, 24)).columns`: `COLUMNS` when it is a
    positive number, else the width of the terminal on stdout, else `fallback`. Written
    out because importing shutil (it loads bz2, lzma and zlib) was ~2 ms of every
    start-up, for this one call; `tests/cli/test_terminal_width.py` holds it to shutil."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else fallback


def color_enabled(args: argparse.Namespace, stream: Any) -> bool:
    choice = getattr(args, "color", None) or "auto"
    if getattr(args, "no_color", False):
        choice = "never"
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def output_format(args: argparse.Namespace, config: Any = None) -> str:
    """--format, else $FTLINT_OUTPUT_FORMAT, else rules.yaml `output-format:`, else text."""
    if getattr(args, "format", None):
        return args.format
    env = os.environ.get(ENV_FORMAT, "").strip()
    if env:
        return env
    if config is not None:
        value = config.plugin_section("output-format")
        if isinstance(value, str) and value:
            return value
    return "text"


def verbose(args: argparse.Namespace, session: Any, campaign: Any = None) -> None:
    """`-v`: the config, the plugins and what the sources read, on stderr."""
    if not getattr(args, "verbose", 0):
        return
    say = sys.stderr.write
    config = session.config
    if getattr(args, "isolated", False):
        say("ftlint: config: none (--isolated)\n")
    else:
        say(f"ftlint: config: {config.path if config.path else 'none found (defaults)'}\n")
    names = sorted(n for n, _ in session.plugins.pm.list_name_plugin() if n)
    say(f"ftlint: plugins: {', '.join(names)}\n")
    say(f"ftlint: rules: {len(session.rules)} known\n")
    if campaign is None:
        return
    files = sorted({s for run in campaign.runs for s in run.sources})
    say(f"ftlint: read {len(files)} file(s) into {len(campaign.runs)} run(s) in {campaign.root}\n")
    for run in campaign.runs:
        say(f"ftlint:   {run.name}: {', '.join(run.sources) or '(no files)'}\n")
    for unread in getattr(campaign, "unread", ()):
        path, reason = getattr(unread, "path", unread), getattr(unread, "reason", "")
        say(f"ftlint:   not read: {path}" + (f" ({reason})" if reason else "") + "\n")
    if getattr(args, "command", None) != "runs":  # (no lint: no processes to tell)
        from ftlint.engine.split import last_reason

        how = last_reason()  # (--jobs auto depends on the machine's idle cores)
        if how:
            say(f"ftlint: processes: {how}\n")
