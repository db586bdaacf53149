"""`ftlint pull URI -o WORKSPACE`: fetch W&B runs or an object-storage folder into a
local workspace in the layouts the adapters read, plus a manifest of what is missing.

Exit codes: 0 when something usable was fetched (missing parts are listed on stderr and
in the manifest), 2 on a usage error or when nothing usable was fetched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftlint.remote import Progress, RemoteError, is_remote, materialize


def add_parser(subparsers: Any, common: argparse.ArgumentParser | None = None) -> Any:
    parents = [common] if common is not None else []
    parser = subparsers.add_parser(
        "pull",
        parents=parents,
        help="fetch W&B runs or an s3://, gs://, hf:// folder into a local workspace",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("uri", help="wandb://ENTITY/PROJECT, s3://..., gs://... or hf://...")
    parser.add_argument("-o", "--output", dest="output", help="workspace folder (default: cache)")
    parser.add_argument("--group", help="only runs in this W&B group")
    parser.add_argument("--runs", help="only these W&B run ids, comma-separated")
    parser.add_argument("--filter", dest="filter", help="a W&B runs filter as JSON")
    parser.add_argument("--since", help="only runs updated since this date (ISO 8601)")
    parser.set_defaults(command_func=run)
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    if not str(args.uri).lower().startswith("wandb://"):
        for flag in ("group", "runs", "filter", "since"):
            if getattr(args, flag, None):
                raise ValueError(f"--{flag} applies to wandb:// URIs only")
        return {}
    options: dict[str, Any] = {}
    if getattr(args, "group", None):
        options["group"] = args.group
    if getattr(args, "runs", None):
        options["runs"] = [r.strip() for r in args.runs.split(",") if r.strip()]
    if getattr(args, "filter", None):
        try:
            parsed = json.loads(args.filter)
        except ValueError as exc:
            raise ValueError(f"--filter: not JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise ValueError("--filter: must be a JSON object")
        options["filters"] = parsed
    if getattr(args, "since", None):
        from datetime import datetime

        try:
            datetime.fromisoformat(args.since)
        except ValueError:
            raise ValueError(f"--since: not an ISO 8601 date: {args.since!r}") from None
        options["since"] = args.since
    return options


@contextlib.contextmanager
def terminal_progress() -> Iterator[Progress | None]:
    """A rich progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("pull", total=None)

        def update(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total or None)

        yield update


def run(args: argparse.Namespace) -> int:
    uri = str(args.uri)
    if not is_remote(uri):
        print(
            f"ftlint pull: {uri}: not a remote URI (wandb://, s3://, gs://, hf://)", file=sys.stderr
        )
        return 2
    try:
        options = _options(args)
    except ValueError as exc:
        print(f"ftlint pull: {exc}", file=sys.stderr)
        return 2
    output = getattr(args, "output", None)
    try:
        with terminal_progress() as progress:
            workspace = materialize(
                uri,
                workspace=Path(output) if output else None,
                progress=progress,
                **options,
            )
    except (RemoteError, ValueError, ImportError) as exc:
        hint = " (install ftlint[wandb] or ftlint[remote])" if isinstance(exc, ImportError) else ""
        print(f"ftlint pull: {exc}{hint}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ftlint pull: {exc.filename or output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(workspace)
    return 0
