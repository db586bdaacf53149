"""`ftlint plan` and `ftlint gate`: wiring only.

Both lint the workspace exactly like `ftlint check` (same rules, suppressions and
per-path ignores), then compute the gate verdicts (`ftlint.gates.decide`) and, for `plan`,
the next-run plan (`ftlint.plan.builder`). Exit codes: `plan` 0 when it was written;
`gate` 0 on PASS (or INCONCLUSIVE with `gates.inconclusive: pass`), 1 otherwise;
2 for usage, config and input errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ftlint.errors import FtlintError

PLAN_FORMATS = ("text", "markdown", "json", "env", "html")
GATE_FORMATS = ("text", "markdown", "json")


def add_parsers(sub: Any, *, common: Callable[..., None], workspace: Callable[..., None]) -> None:
    """Register the plan/gate subparsers on the CLI's subparser action."""
    plan = sub.add_parser(
        "plan",
        help="the retrospective: diagnosis, clusters, tiered actions, env overrides, gates",
        description="Turn the findings of a baseline/candidate pair into the next run's plan. "
        f"Formats: {', '.join(PLAN_FORMATS)} (env prints only NAME=value lines).",
    )
    workspace(plan)
    common(plan)
    gate = sub.add_parser(
        "gate",
        help="promotion gates: PASS, FAIL or INCONCLUSIVE (exit 0 only on PASS)",
        description="Decide the promotion gates of rules.yaml `gates:` (or the defaults) for "
        f"a baseline/candidate pair. Formats: {', '.join(GATE_FORMATS)}.",
    )
    workspace(gate)
    common(gate)


def _format(args: argparse.Namespace, allowed: tuple[str, ...]) -> str:
    fmt = args.format or "text"
    if fmt not in allowed:
        raise FtlintError(f"{args.command} supports --format {', '.join(allowed)}, not {fmt!r}")
    return fmt


def _gates(args: argparse.Namespace, *, need_baseline: bool):
    from ftlint import api
    from ftlint.cli import session as app

    session = app._setup(args)
    policy = api.gate_policy(session)  # a bad gates: section is exit 2 before any linting
    result = app.lint(args, session)
    campaign = result.campaign
    from ftlint.cli.check import require_input

    require_input(campaign, args.path)
    known = ", ".join(r.name for r in campaign.runs) or "(none discovered)"
    if campaign.get(campaign.baseline) is None and need_baseline:
        raise FtlintError(
            "the gate needs a baseline to compare with: pass --baseline RUN or set "
            f"baseline: in rules.yaml (known runs: {known})"
        )
    if campaign.get(campaign.candidate) is None:
        raise FtlintError(
            f"{args.command} needs a candidate run: pass --candidate RUN (known runs: {known})"
        )
    report = api.gate(session, result, policy)
    return session, result, report


def _write(args: argparse.Namespace, text: str) -> None:
    from ftlint.redact import redact
    from ftlint.report import write_output

    write_output(_terminal_wrap(args, redact(text)), args.output, sys.stdout)


def _terminal_wrap(args: argparse.Namespace, text: str) -> str:
    """On a terminal, break long lines between words (never mid-word); piped: as is."""
    if args.output is not None or not getattr(sys.stdout, "isatty", lambda: False)():
        return text
    if (args.format or "text") != "text":
        return text
    from ftlint.cli.options import terminal_width
    from ftlint.report.wrap import wrap

    return wrap(text, terminal_width())


def _use_color(args: argparse.Namespace, fmt: str) -> bool:
    from ftlint.cli.options import color_enabled

    return fmt == "text" and args.output is None and color_enabled(args, sys.stdout)


def cmd_plan(args: argparse.Namespace) -> int:
    from ftlint import api

    fmt = _format(args, PLAN_FORMATS)
    session, result, report = _gates(args, need_baseline=False)
    plan = api.plan(session, result, report, workspace=args.path.as_posix())
    if fmt == "env":
        from ftlint.report.envfmt import render_env

        text = render_env(plan)
    elif fmt == "json":
        from ftlint.report.planjson import render_plan_json

        text = render_plan_json(plan)
    elif fmt == "html":
        from ftlint.report.html import EXAMPLES_PER_CLUSTER, render_plan_html

        wanted = [s for c in plan.clusters for s in c.sample_ids[:EXAMPLES_PER_CLUSTER]]
        examples = api.cluster_examples(session, result.campaign, plan.candidate, wanted)
        text = render_plan_html(plan, result.campaign, result.findings, examples)
    elif fmt == "markdown":
        from ftlint.report.markdown import render_plan_markdown

        text = render_plan_markdown(plan, campaign=result.campaign)
    else:
        from ftlint.report.plan_text import render_plan_text

        text = render_plan_text(
            plan, color=_use_color(args, fmt), quiet=args.quiet, campaign=result.campaign
        )
    _write(args, text)
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from ftlint import __version__

    fmt = _format(args, GATE_FORMATS)
    _, result, report = _gates(args, need_baseline=True)
    campaign = result.campaign
    note = campaign.selection_note
    if fmt == "json":
        from ftlint.report.planjson import render_gate_json

        text = render_gate_json(
            report, tool_version=__version__, workspace=args.path.as_posix(), selection_note=note
        )
    elif fmt == "markdown":
        from ftlint.report.markdown import render_gate_markdown

        text = render_gate_markdown(report, selection_note=note)
    else:
        from ftlint.report.plan_text import render_gate_text

        text = render_gate_text(
            report, selection_note=note, color=_use_color(args, fmt), quiet=args.quiet
        )
    _write(args, text)
    return 0 if report.passed else 1


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"plan": cmd_plan, "gate": cmd_gate}
