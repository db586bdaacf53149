"""One session of a command: config and plugins bound (`setup`), the workspace loaded
and linted (`lint`), shared by check, runs, plan and gate so all of them see exactly the
same settings and findings. Kept out of `ftlint.cli.app` so the subcommand modules can
use it without importing the parser module back (no import cycle).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ftlint.cli.nogc import paused
from ftlint.cli.options import output_format
from ftlint.errors import FtlintError


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _setup(args: argparse.Namespace, *, builtin_only: bool = False):
    from ftlint import api

    _materialize(args)
    with paused():  # it imports the rules and adapters (`nogc`)
        session = api.setup(
            args.config,
            config=_isolated_config(args),
            cli_plugins=args.plugin,
            keep_going=args.keep_going,
            builtin_only=builtin_only,
            select=[
                *_split(getattr(args, "select", [])),
                *_split(getattr(args, "extend_select", [])),
            ],
            ignore=_split(getattr(args, "ignore", [])),
            workspace=getattr(args, "path", None),
        )
    for warning in session.warnings:
        sys.stderr.write(f"ftlint: warning: {warning}\n")
    if args.command == "gate":
        from ftlint.config.trust import origin

        sys.stderr.write(f"ftlint: gates from {origin(session.config.path)}\n")
    return session


def _materialize(args: argparse.Namespace) -> None:
    """A remote workspace (wandb://, s3://, gs://, hf://) is pulled into the local cache
    (only what changed since the last pull) and linted there by the same adapters."""
    path = getattr(args, "path", None)
    if not isinstance(path, str):
        return
    from pathlib import Path

    from ftlint.remote import RemoteError, materialize

    try:
        args.path = Path(materialize(path))
    except (RemoteError, ImportError, ValueError) as exc:
        raise FtlintError(f"{path}: {exc}") from None


def _isolated_config(args: argparse.Namespace):
    """--isolated: the defaults, no config file at all (None: find the config as usual)."""
    if not getattr(args, "isolated", False):
        return None
    if args.config is not None:
        raise FtlintError("--isolated ignores config files; it cannot be used with --config")
    from ftlint.config.settings import Config

    return Config()


def _selection(args: argparse.Namespace, session) -> list[str]:
    """--select replaces the config's selection; --extend-select adds to it."""
    select = _split(getattr(args, "select", []))
    extend = _split(getattr(args, "extend_select", []))
    if not extend:
        return select
    return [*(select or session.config.select), *extend]


def _load(args: argparse.Namespace, session):
    from ftlint import api

    return api.load_campaign(
        session,
        args.path,
        baseline=args.baseline,
        candidate=args.candidate,
        deferred=True,  # each run read when linted, only its summary kept (assemble.lazy)
        # check, plan and gate: discovery may parse the job records in a forked child
        # (`assemble.background`); `runs` stays in one process (its memory budget)
        jobs=getattr(args, "jobs", None) if args.command != "runs" else 1,
    )


def lint(args: argparse.Namespace, session):
    """Load, select, run every rule, apply per-path ignores and suppressions (`ftlint.api`).

    Shared by check, plan and gate so all three see exactly the same findings.
    """
    from ftlint import api

    return api.lint(
        session,
        _load(args, session),
        select=_selection(args, session),
        ignore=_split(args.ignore),
        suppressions=args.suppressions,
        apply_suppressions=not getattr(args, "write_suppressions", None),
        progress=_progress(args),
        jobs=getattr(args, "jobs", None),
    )


def _progress(args: argparse.Namespace):
    if output_format(args) != "text" or getattr(args, "quiet", False):
        return None
    from ftlint.cli.progress import Progress

    return Progress.for_stream(sys.stderr)
