"""Registers the built-in output formats through the same hook plugins use."""

from __future__ import annotations

from collections.abc import Callable

from ftlint.hookspecs import hookimpl
from ftlint.report import Report


def _text(report: Report) -> str:
    from ftlint.report.text import render_text

    return render_text(report)


def _json(report: Report) -> str:
    from ftlint.report.jsonfmt import render_json

    return render_json(report)


def _sarif(report: Report) -> str:
    from ftlint.report.sarif import render_sarif

    return render_sarif(report)


def _github(report: Report) -> str:
    from ftlint.report.github import render_github

    return render_github(report)


def _junit(report: Report) -> str:
    from ftlint.report.junit import render_junit

    return render_junit(report)


@hookimpl
def ftlint_report_formats() -> dict[str, Callable[[Report], str]]:
    return {"text": _text, "json": _json, "sarif": _sarif, "github": _github, "junit": _junit}


#: Output settings a team keeps in rules.yaml (validated like any plugin section).
OUTPUT_SECTIONS = {
    "fail-on": {"enum": ["error", "warning", "info", "never"]},
    "output-format": {"type": "string", "minLength": 1},
    "sarif": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "help-uri-base": {"type": "string", "minLength": 1},
            "path-prefix": {"type": "string"},
            "max-results": {"type": "integer", "minimum": 1, "maximum": 25000},
        },
    },
}


@hookimpl
def ftlint_config_schema() -> dict[str, object]:
    return dict(OUTPUT_SECTIONS)
