"""Registers the built-in output formats through the same hook plugins use.

Each renderer also has a `stream` attribute (`ftlint.report.write_report`): the same
text as an iterator of pieces, one finding (one line, result or test case) at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ftlint.hookspecs import hookimpl
from ftlint.report import Report


def _text(report: Report) -> str:
    from ftlint.report.text import render_text

    return render_text(report)


def _text_stream(report: Report) -> Iterator[str]:
    from ftlint.report.text import iter_text

    return iter_text(report)


def _json(report: Report) -> str:
    from ftlint.report.jsonfmt import render_json

    return render_json(report)


def _json_stream(report: Report) -> Iterator[str]:
    from ftlint.report.jsonfmt import iter_json

    return iter_json(report)


def _json_split(report: Report, processes: int) -> Iterator[Any]:
    from ftlint.report.jsonfmt import iter_json

    return iter_json(report, processes)


def _sarif(report: Report) -> str:
    from ftlint.report.sarif import render_sarif

    return render_sarif(report)


def _sarif_stream(report: Report) -> Iterator[str]:
    from ftlint.report.sarif import iter_sarif

    return iter_sarif(report)


def _github(report: Report) -> str:
    from ftlint.report.github import render_github

    return render_github(report)


def _github_stream(report: Report) -> Iterator[str]:
    from ftlint.report.github import iter_github

    return iter_github(report)


def _junit(report: Report) -> str:
    from ftlint.report.junit import render_junit

    return render_junit(report)


def _junit_stream(report: Report) -> Iterator[str]:
    from ftlint.report.junit import iter_junit

    return iter_junit(report)


_text.stream = _text_stream  # type: ignore[attr-defined]
_json.stream = _json_stream  # type: ignore[attr-defined]
_json.split_stream = _json_split  # type: ignore[attr-defined]  # write_report only
_sarif.stream = _sarif_stream  # type: ignore[attr-defined]
_github.stream = _github_stream  # type: ignore[attr-defined]
_junit.stream = _junit_stream  # type: ignore[attr-defined]


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
