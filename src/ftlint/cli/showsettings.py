"""`--show-settings`: the merged settings, each with where its value came from.

When a CI job and a laptop disagree, the question is always "which file or flag set
this?": every value is printed with its origin (`--flag`, `$ENV`, `rules.yaml:LINE`,
or `default`), one `key = value  # origin` line each, sorted as the config is written.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from ftlint.cli.options import ENV_FORMAT


def _from_file(config: Any, key: str) -> str | None:
    if config.path is None:
        return None
    pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in key.split("."))
    line = config.lines.get(pointer)
    return f"{config.path}:{line}" if line else None


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def settings_rows(args: argparse.Namespace, session: Any) -> list[tuple[str, Any, str]]:
    """(key, value, origin) for every setting the command uses."""
    config = session.config
    rows: list[tuple[str, Any, str]] = []

    def add(key: str, cli_value: Any, flag: str, file_value: Any, default: Any) -> None:
        if cli_value not in (None, [], ()):
            rows.append((key, cli_value, flag))
        elif _from_file(config, key) is not None:
            rows.append((key, file_value, _from_file(config, key) or ""))
        else:
            rows.append((key, default, "default"))

    if getattr(args, "isolated", False):
        rows.append(("config", None, "--isolated"))
    else:
        rows.append(("config", str(config.path) if config.path else None, "search"))
    split = _split(getattr(args, "select", []))
    add("select", split, "--select", list(config.select), ["ALL"])
    extend = _split(getattr(args, "extend_select", []))
    rows.append(("extend-select", extend, "--extend-select" if extend else "default"))
    add("ignore", _split(getattr(args, "ignore", [])), "--ignore", list(config.ignore), [])
    fail_on = config.plugin_section("fail-on")
    add("fail-on", getattr(args, "fail_on", None), "--fail-on", fail_on, "error")
    fmt_origin = ("--format", args.format) if getattr(args, "format", None) else None
    if fmt_origin is None and os.environ.get(ENV_FORMAT):
        fmt_origin = (f"${ENV_FORMAT}", os.environ[ENV_FORMAT])
    if fmt_origin:
        rows.append(("output-format", fmt_origin[1], fmt_origin[0]))
    else:
        add("output-format", None, "", config.plugin_section("output-format"), "text")
    color = getattr(args, "color", None) or ("never" if getattr(args, "no_color", False) else None)
    rows.append(("color", color or "auto", "--color" if color else "default"))
    add("baseline", getattr(args, "baseline", None), "--baseline", config.baseline, None)
    add("candidate", getattr(args, "candidate", None), "--candidate", config.candidate, None)
    add(
        "suppressions",
        str(args.suppressions) if getattr(args, "suppressions", None) else None,
        "--suppressions",
        str(config.suppressions) if config.suppressions else None,
        None,
    )
    add("plugins.paths", None, "", [str(p) for p in config.plugin_paths], ["plugins"])
    sarif = config.plugin_section("sarif") or {}
    for key, flag, default in (
        ("help-uri-base", "--help-uri-base", "(the catalogue of this ftlint version)"),
        ("path-prefix", "--path-prefix", "(detected from the git root)"),
    ):
        cli_value = getattr(args, flag.lstrip("-").replace("-", "_"), None)
        add(f"sarif.{key}", cli_value, flag, sarif.get(key), default)
    for code in sorted(config.rules_raw):
        for key, value in sorted((config.rules_raw.get(code) or {}).items()):
            rows.append((f"rules.{code}.{key}", value, _from_file(config, f"rules.{code}.{key}")))
    return rows


def _split(values: Any) -> list[str]:
    return [v.strip() for item in values or () for v in str(item).split(",") if v.strip()]


def render_settings(args: argparse.Namespace, session: Any) -> str:
    rows = settings_rows(args, session)
    width = max(len(k) + len(_show(v)) + 3 for k, v, _ in rows)
    return "".join(
        f"{f'{k} = {_show(v)}'.ljust(width)}  # {origin or 'rules.yaml'}\n" for k, v, origin in rows
    )
