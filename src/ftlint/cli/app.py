"""Command line: argparse wiring only. Exit 0 clean, 1 findings/gate failed, 2 errors."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ftlint import __version__
from ftlint.cli import flags
from ftlint.cli.check import hook_mode
from ftlint.cli.nogc import paused
from ftlint.cli.options import (
    add_output_flags,
    add_settings_flags,
    color_enabled,
    terminal_width,
    verbose,
)
from ftlint.cli.parser import EXIT_ERROR, EXIT_OK, Parser
from ftlint.cli.session import _load, _setup, lint
from ftlint.errors import FtlintError


def _common(p: argparse.ArgumentParser, *, formats: bool = True) -> None:
    p.add_argument("--config", type=Path, help="config file (default: rules.yaml found upward)")
    p.add_argument(
        "-p",
        "--plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="load plugin module NAME; -p no:NAME blocks one",
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="warn about plugins that fail to load instead of stopping",
    )
    p.add_argument("--no-color", action="store_true", help="same as --color never")
    p.add_argument("-q", "--quiet", action="store_true", help="print only findings, no summary")
    add_output_flags(p, formats=formats)
    if formats:
        p.add_argument(
            "--output", "-o", type=Path, help="write the output to this file (atomically)"
        )


def _workspace_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        default=".",
        type=workspace_arg,
        help="workspace root (default: .), or wandb://ENTITY/PROJECT, s3://, gs://, hf://",
    )
    p.add_argument("--baseline", help="baseline run (name, outputs/<run> folder or W&B id)")
    p.add_argument("--candidate", help="candidate run (default: the newest run)")
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="comma-separated codes or prefixes to run (replaces the config's)",
    )
    p.add_argument(
        "--extend-select",
        action="append",
        default=[],
        metavar="CODES",
        help="comma-separated codes or prefixes to run in addition to the selection",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="comma-separated codes or prefixes to skip",
    )
    p.add_argument(
        "--suppressions",
        type=Path,
        metavar="FILE",
        help="accepted findings (fingerprints); only new findings count",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes: auto (default: the runs over the idle cores from 50 ms of "
        "estimated work; a hard-cases file of 4 MiB or more in row ranges from 8 MiB of "
        "hard cases), or N (1: one process)",
    )
    add_settings_flags(p)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. With `command`, only that subcommand gets its arguments:
    the others are listed with the same names and help (`ftlint --help`, a misspelt
    command's error) but take none, which spares every run building and importing them."""
    parser = Parser(prog="ftlint", description="Lint fine-tuning eval runs.")
    parser.add_argument("--version", action="version", version=f"ftlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for names, helps, build in _SUBCOMMANDS:
        if command is None or command in names:
            build(sub)
        else:
            for name, text in zip(names, helps, strict=True):
                sub.add_parser(name, help=text)
    return parser


def _check_parser(sub: Any) -> None:
    check = sub.add_parser("check", help="lint a workspace of eval artifacts")
    _workspace_args(check)
    _common(check)
    flags.check_flags(check)
    check.add_argument(
        "--files",
        action="store_true",
        help="the other arguments are changed files (the pre-commit hook): report only the "
        "findings of the runs they belong to",
    )
    check.add_argument("changed_files", nargs="*", type=Path, help=argparse.SUPPRESS)
    check.add_argument(
        "--write-suppressions",
        type=Path,
        metavar="FILE",
        help="record every current finding as accepted in FILE and exit 0",
    )


def _runs_parser(sub: Any) -> None:
    runs = sub.add_parser("runs", help="list the discovered runs and their provenance")
    _workspace_args(runs)
    _common(runs)


def _rules_parser(sub: Any) -> None:
    rules = sub.add_parser("rules", help="list every rule (the catalogue)")
    _common(rules)
    rules.add_argument(
        "--write-catalogue",
        type=Path,
        metavar="DIR",
        help="write the built-in rules' Markdown pages into DIR",
    )


def _explain_parser(sub: Any) -> None:
    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", help="rule code, e.g. FMT003, or its name")
    _common(explain, formats=False)


def _plan_parsers(sub: Any) -> None:
    from ftlint.cli import plan as plancli

    plancli.add_parsers(sub, common=_common, workspace=_workspace_args)


def _pull_parser(sub: Any) -> None:
    from ftlint.remote import command as pull_command

    pull_command.add_parser(sub)


def _trust_parser(sub: Any) -> None:
    trust = sub.add_parser(
        "trust",
        help="allow the config of PATH to run its local plugins",
        description="Record the config found from PATH (a folder, default ., or the file) "
        "with its sha256 as trusted: its plugins.paths are imported even when it lies "
        "inside the linted path. Editing the config needs trusting it again.",
    )
    trust.add_argument("target", nargs="?", default=Path("."), type=Path, metavar="PATH")


def _init_parser(sub: Any) -> None:
    init = sub.add_parser("init", help="write a starter rules.yaml")
    init.add_argument("target", nargs="?", default=Path("rules.yaml"), type=Path)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--stdout", action="store_true", help="print instead of writing")


#: (names, help of each, builder), in `--help` order; `tests/cli/test_lazy_parser.py`
#: checks the help here against what each builder registers
_SUBCOMMANDS: tuple[tuple[tuple[str, ...], tuple[str, ...], Callable[[Any], None]], ...] = (
    (("check",), ("lint a workspace of eval artifacts",), _check_parser),
    (("runs",), ("list the discovered runs and their provenance",), _runs_parser),
    (("rules",), ("list every rule (the catalogue)",), _rules_parser),
    (("explain",), ("show a rule's documentation",), _explain_parser),
    (
        ("completion",),
        ("print a shell completion script (bash, zsh or fish)",),
        flags.completion_parser,
    ),
    (
        ("plan", "gate"),
        (
            "the retrospective: diagnosis, clusters, tiered actions, env overrides, gates",
            "promotion gates: PASS, FAIL or INCONCLUSIVE (exit 0 only on PASS)",
        ),
        _plan_parsers,
    ),
    (
        ("pull",),
        ("fetch W&B runs or an s3://, gs://, hf:// folder into a local workspace",),
        _pull_parser,
    ),
    (("trust",), ("allow the config of PATH to run its local plugins",), _trust_parser),
    (("init",), ("write a starter rules.yaml",), _init_parser),
)


def _command(argv: Sequence[str] | None) -> str | None:
    """The subcommand when it comes first (`ftlint check ...`), else None (build all)."""
    args = sys.argv[1:] if argv is None else argv
    first = args[0] if args else None
    return first if any(first in names for names, _, _ in _SUBCOMMANDS) else None


def workspace_arg(text: str) -> Path | str:
    """A local folder (Path) or a remote URI, kept as text (Path would fold `//`)."""
    if "://" not in text:  # every remote scheme has one: a local path imports nothing more
        return Path(text)
    from ftlint.remote import is_remote

    return text if is_remote(text) else Path(text)


def _jobs(text: str) -> int | None:
    if text == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto or a number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _color(args: argparse.Namespace, stream) -> bool:
    return color_enabled(args, stream)


def cmd_check(args: argparse.Namespace) -> int:
    with paused():  # the report's and the model's modules (`ftlint.cli.nogc`)
        from ftlint.report import write_output

    hook_mode(args)
    session = _setup(args)
    if args.show_settings:
        from ftlint.cli.showsettings import render_settings

        sys.stdout.write(render_settings(args, session))
        return EXIT_OK
    result = lint(args, session)
    if args.write_suppressions is not None:
        from ftlint.config.suppressions import write_suppressions

        findings = list(result.findings)
        write_output(write_suppressions(findings), args.write_suppressions, sys.stdout)
        sys.stderr.write(
            f"ftlint: recorded {len(findings)} finding(s) in {args.write_suppressions}\n"
        )
        return EXIT_OK
    from ftlint.cli.check import run_check

    return run_check(args, session, result, session.plugins.report_formats())


def cmd_runs(args: argparse.Namespace) -> int:
    from ftlint import api
    from ftlint.report import write_output
    from ftlint.report.runs import render_runs

    session = _setup(args)
    campaign = _load(args, session)
    from ftlint.cli.check import require_input

    require_input(campaign, args.path)
    verbose(args, session, campaign)
    fmt = args.format or "text"  # FTLINT_OUTPUT_FORMAT is for check only
    if fmt == "json":  # a piece per run, redacted and written as it is read
        from ftlint.report import write_pieces
        from ftlint.report.runs import runs_json_pieces

        write_pieces(runs_json_pieces(campaign, api.loaded_runs(campaign)), args.output, sys.stdout)
        return EXIT_OK
    text = render_runs(
        campaign,
        fmt,
        color=fmt == "text" and args.output is None and _color(args, sys.stdout),
        width=None if args.output is not None else terminal_width(),
        runs=api.loaded_runs(campaign),  # each run read once, only its row kept
    )
    if fmt == "text" and getattr(args, "verbose", 0):
        from ftlint.report.runs_verbose import render_runs_verbose

        text += "\n" + render_runs_verbose(campaign, runs=api.loaded_runs(campaign))
    from ftlint.redact import redact

    write_output(redact(text), args.output, sys.stdout)
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from ftlint.report import write_output
    from ftlint.report.catalogue import write_catalogue
    from ftlint.report.runs import render_rules

    if args.write_catalogue is not None:
        classes = _setup(args, builtin_only=True).rules
        changed = write_catalogue(classes, args.write_catalogue)
        print(f"wrote {len(changed)} changed page(s) to {args.write_catalogue}")
        return EXIT_OK
    classes = _setup(args).rules
    fmt = args.format or "text"
    text = render_rules(
        classes, fmt, color=fmt == "text" and args.output is None and _color(args, sys.stdout)
    )
    write_output(text, args.output, sys.stdout)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from ftlint.report.catalogue import rule_page

    classes = _setup(args).rules
    wanted = args.code.strip()
    for cls in classes:
        if wanted.upper() == cls.code or wanted == cls.name:
            sys.stdout.write(flags.explain_text(args, rule_page(cls, example=True)))
            return EXIT_OK
    known = ", ".join(c.code for c in classes)
    raise FtlintError(f"unknown rule {wanted!r}; known rules: {known}")


def cmd_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(flags.completion_script(args, build_parser))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from ftlint.config.reference import starter_config
    from ftlint.plugins import build_plugins

    classes = build_plugins(use_entry_points=False).rule_classes()
    text = starter_config(classes)
    if args.stdout:
        sys.stdout.write(text)
        return EXIT_OK
    if args.target.exists() and not args.force:
        raise FtlintError("already exists; use --force to overwrite", args.target)
    from ftlint.report import write_output

    write_output(text, args.target, sys.stdout)
    print(f"wrote {args.target}")
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    from ftlint.config.settings import find_config
    from ftlint.config.trust import record

    target: Path = args.target
    if not target.exists():
        raise FtlintError("not found", target)
    config = target if not target.is_dir() else find_config(target)
    if config is None:
        raise FtlintError("no rules.yaml, .ftlint.yaml or [tool.ftlint] found from here", target)
    store, sha = record(config)
    print(f"trusted {config.resolve()} (sha256 {sha[:12]}...) in {store}")
    return EXIT_OK


def cmd_pull(args: argparse.Namespace) -> int:
    from ftlint.remote import command as pull_command

    return pull_command.run(args)


COMMANDS = {
    "pull": cmd_pull,
    "trust": cmd_trust,
    "check": cmd_check,
    "runs": cmd_runs,
    "rules": cmd_rules,
    "explain": cmd_explain,
    "init": cmd_init,
    "completion": cmd_completion,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_command(argv))
    args = flags.parse(parser, argv)
    from ftlint.cli.plan import COMMANDS as PLAN_COMMANDS

    if sys.stdout is None and getattr(args, "output", None) is None:
        # started with stdout closed (`>&-`): Python has no stream to write the output
        # to; say so instead of an internal error, and where the output can go instead
        if sys.stderr is not None:
            hint = "; write to a file with --output" if hasattr(args, "output") else ""
            sys.stderr.write(f"ftlint: standard output is closed{hint}\n")
        return EXIT_ERROR
    try:
        return {**COMMANDS, **PLAN_COMMANDS}[args.command](args)
    except FtlintError as exc:
        from ftlint.redact import redact
        from ftlint.report.text import clean

        # one line per error; names from artifacts may hold newlines or terminal escapes
        lines = [clean(str(e)) for e in getattr(exc, "errors", [exc])]
        text = f"ftlint: {lines[0]}" if len(lines) == 1 else "ftlint: errors:\n" + "\n".join(lines)
        sys.stderr.write(redact(text) + "\n")
        return EXIT_ERROR
    except Exception as exc:  # a bug in ftlint: say so plainly, details on request
        if os.environ.get("FTLINT_DEBUG"):
            raise
        sys.stderr.write(
            f"ftlint: internal error: {type(exc).__name__}: {exc}\n"
            "ftlint: this is a bug in ftlint or a plugin; rerun with FTLINT_DEBUG=1 for details\n"
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("ftlint: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
