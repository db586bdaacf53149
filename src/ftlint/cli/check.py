"""`ftlint check`: lint, pick the findings to show, render, and choose the exit code.

Exit 0 when nothing active reaches `--fail-on` (or with `--exit-zero`), 1 when
something does, 2 for a usage, config or input error, including a workspace in which
no source read anything (a typo in the path must not pass CI as "clean").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ftlint import __version__
from ftlint.cli.options import color_enabled, output_format, terminal_width, verbose
from ftlint.cli.parser import EXIT_FINDINGS, EXIT_OK
from ftlint.errors import FtlintError

WANDB_HINT = "ftlint[wandb]"


def require_input(campaign: Any, path: Path) -> None:
    """Exit 2 when nothing at all was read: no run, so there is nothing to lint."""
    if campaign.runs:
        return
    unread = list(getattr(campaign, "unread", ()))
    detail = ""
    if unread:
        shown = "; ".join(f"{u.path} ({u.reason})" for u in unread[:3])
        more = f" and {len(unread) - 3} more" if len(unread) > 3 else ""
        detail = f"; files no source could read: {shown}{more}"
    raise FtlintError(
        f"nothing to lint in {path}: no source read any run (is this the workspace root? "
        f"`ftlint runs {path} -v` lists what was looked at){detail}"
    )


def fail_on(args: argparse.Namespace, config: Any) -> str:
    """--fail-on, else `fail-on:` in rules.yaml, else error."""
    if args.fail_on:
        return args.fail_on
    value = config.plugin_section("fail-on")
    return value if isinstance(value, str) else "error"


def _note_once(message: str, key: str) -> None:
    """Print a note the first time on this machine (a stamp in the user's cache)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ftlint"
    stamp = base / f"said-{key}"
    try:
        if stamp.exists():
            return
        base.mkdir(parents=True, exist_ok=True)
        stamp.write_text(message + "\n", encoding="utf-8")
    except OSError:
        pass
    sys.stderr.write(f"ftlint: note: {message}\n")


def changed_only(findings: list[Any], campaign: Any, args: argparse.Namespace) -> list[Any]:
    """Hook mode (`--files`): the findings that involve the changed files. The missing
    W&B extra is said once per machine, not as a warning on every commit."""
    from ftlint.report.changed import filter_changed, workspace_relative

    changed = workspace_relative(args.changed_files, args.path)
    outside = len(changed) < len({str(f) for f in args.changed_files})
    # a changed file outside the workspace (the root pyproject.toml, a rules.yaml next to
    # it) may be the config: everything is reported, as for a changed config inside
    kept = list(findings) if outside else filter_changed(findings, campaign, changed)
    sdk = [f for f in kept if WANDB_HINT in f.message]
    if sdk:
        _note_once(
            "W&B run logs (run-<id>.wandb) are not read without the W&B extra; the hook "
            f"lints everything else (install {WANDB_HINT} in the hook's "
            "additional_dependencies to read them)",
            "wandb-extra",
        )
    return [f for f in kept if WANDB_HINT not in f.message]


def run_check(args: argparse.Namespace, session: Any, result: Any, formats: Any) -> int:
    from ftlint.engine.run import severity_at_least
    from ftlint.report import Report, write_output, write_report

    campaign, chosen, findings = result.campaign, list(result.rules), list(result.findings)
    require_input(campaign, args.path)
    verbose(args, session, campaign)
    if getattr(args, "changed_files", None):
        findings = changed_only(findings, campaign, args)
    fmt = output_format(args, session.config)
    threshold = fail_on(args, session.config)
    if args.statistics and fmt not in ("text", "json"):
        raise FtlintError(f"--statistics prints text or json, not {fmt!r}")
    sarif = session.config.plugin_section("sarif") or {}
    report = Report(
        tool_version=__version__,
        workspace=args.path.as_posix(),
        campaign=campaign,
        findings=findings,
        rules=chosen,
        fail_on=threshold,
        color=fmt == "text" and args.output is None and color_enabled(args, sys.stdout),
        width=terminal_width(),
        extra={
            "quiet": args.quiet,
            "fold": args.fold,
            "statistics": args.statistics,
            "help_uri_base": args.help_uri_base or sarif.get("help-uri-base"),
            "path_prefix": args.path_prefix
            if args.path_prefix is not None
            else sarif.get("path-prefix"),
            "max_results": sarif.get("max-results"),
        },
    )
    if args.statistics and fmt == "json":
        write_output(_statistics_json(report), args.output, sys.stdout)
    else:
        # rendered, redacted and written a piece at a time: never the whole text in memory
        write_report(fmt, report, formats, args.output, sys.stdout)
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if severity_at_least(findings, threshold) else EXIT_OK


def _statistics_json(report: Any) -> str:
    from ftlint.report.fold import statistics
    from ftlint.untrusted import redact_tree

    doc = [
        {
            "code": s.code,
            "name": s.name,
            "count": s.count,
            "severities": dict(s.by_severity),
            "runs": s.runs,
        }
        for s in statistics(report.findings)
    ]
    return json.dumps(redact_tree(doc), indent=2, ensure_ascii=False) + "\n"


def hook_mode(args: argparse.Namespace) -> None:
    """`--files` (the pre-commit hook): directories among the arguments are the workspace
    (default `.`), files are the changed files whose findings are reported."""
    items = [args.path, *args.changed_files]
    if not args.files:
        if args.changed_files:
            raise FtlintError(
                "check takes one workspace; to report only what changed files involve, "
                "pass --files FILE..."
            )
        return
    dirs = [p for p in items if p.is_dir()]
    if len(dirs) > 1:
        raise FtlintError(f"--files: more than one workspace given: {', '.join(map(str, dirs))}")
    args.path = dirs[0] if dirs else Path(".")
    args.changed_files = [p for p in items if not p.is_dir()]
