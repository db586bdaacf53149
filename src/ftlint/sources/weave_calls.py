"""The calls of one Weave export file, whatever its format (JSON, JSONL or CSV).

`read_calls` yields every call as a nested object with the evidence of where it sits
(line or JSON pointer, and the call's URL); what cannot be read becomes a `Problem`.
`ftlint.sources.weave_export` groups the calls into evaluations.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ftlint.model import Evidence, Problem
from ftlint.model import pointer as make_pointer
from ftlint.sources.io import Workspace, iter_jsonl, read_json, reject_constant

SAFE_URL = ("https://", "http://")
URL_KEYS = ("url", "ui_url", "trace_url", "weave_url")
REF_RE = re.compile(r"^weave:///(?P<entity>[^/]+)/(?P<project>[^/]+)/op/(?P<op>[^:]+)")
PROJECT_RE = re.compile(r"^[\w.-]+/[\w.-]+$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
ROOTS = ("inputs.", "output.", "summary.", "attributes.")


def read_calls(
    ws: Workspace, path: Path, rel: str, found: list[Problem]
) -> list[tuple[dict[str, Any], Evidence]]:
    """Every call with an `op_name`, unflattened, with its evidence and URL. Never raises."""
    calls: list[tuple[dict[str, Any], Evidence]] = []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        calls = list(_csv_calls(ws, path, rel, found))
    elif suffix == ".jsonl":
        calls = list(_jsonl_calls(ws, path, rel, found))
    else:
        calls = list(_json_calls(ws, path, rel, found))
    good = []
    for call, ev in calls:
        call = _unflatten(call)
        if not isinstance(call.get("op_name"), str) or not call["op_name"]:
            found.append(Problem("invalid", "call has no op_name; skipped", ev))
            continue
        url = _url(call, ev, found)
        good.append((call, Evidence(ev.path, ev.line, ev.pointer, None, url)))
    return good


def _json_calls(
    ws: Workspace, path: Path, rel: str, found: list[Problem]
) -> Iterator[tuple[dict[str, Any], Evidence]]:
    data, problems = read_json(ws, path)
    found += problems
    if data is None:
        return
    base: tuple[str, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("calls"), list):
        data, base = data["calls"], ("calls",)
    if not isinstance(data, list):
        found.append(
            Problem(
                "invalid",
                'expected a list of calls or {"calls": [...]}',
                Evidence(rel, 1),
            )
        )
        return
    for i, call in enumerate(data):
        ev = Evidence(rel, None, make_pointer(*base, i))
        if isinstance(call, dict):
            yield call, ev
        else:
            found.append(Problem("invalid", "call is not an object; skipped", ev))


def _jsonl_calls(
    ws: Workspace, path: Path, rel: str, found: list[Problem]
) -> Iterator[tuple[dict[str, Any], Evidence]]:
    for item in iter_jsonl(ws, path, max_line_bytes=64 * 1024 * 1024):
        if item.problem is not None:
            found.append(item.problem)
        elif isinstance(item.value, dict):
            yield item.value, Evidence(rel, item.line)
        else:
            found.append(
                Problem("invalid", "call is not an object; skipped", Evidence(rel, item.line))
            )


def _csv_calls(
    ws: Workspace, path: Path, rel: str, found: list[Problem]
) -> Iterator[tuple[dict[str, Any], Evidence]]:
    if not ws.inside(path):
        found.append(Problem("unsafe-path", "resolves outside the workspace", Evidence(rel)))
        return
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        found.append(Problem("missing", f"cannot read: {exc.strerror}", Evidence(rel)))
        return
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        found.append(Problem("malformed", "not UTF-8", Evidence(rel, line)))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header = [c.strip() for c in row]
                continue
            if len(row) != len(header):
                found.append(
                    Problem(
                        "malformed",
                        f"row has {len(row)} cells, the header has {len(header)}; skipped",
                        Evidence(rel, line),
                    )
                )
                continue
            yield {h: _cell(c) for h, c in zip(header, row, strict=True) if h}, Evidence(rel, line)
    except csv.Error as exc:
        found.append(Problem("malformed", f"invalid CSV: {exc}", Evidence(rel, start)))
    if header is None:
        found.append(Problem("empty", "file has no header row", Evidence(rel)))


def _cell(text: str) -> Any:
    """A CSV cell: empty/null -> None, booleans, numbers, JSON-looking text parsed."""
    value = text.strip()
    if value in ("", "null", "None"):
        return None
    if value in ("true", "True"):
        return True
    if value in ("false", "False"):
        return False
    if NUMBER_RE.match(value):
        return float(value) if any(c in value for c in ".eE") else int(value)
    if value[0] in '{["':
        try:
            return json.loads(value, parse_constant=reject_constant)
        except ValueError:
            return text
    return text


def _unflatten(call: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys under inputs/output/summary/attributes become nested objects."""
    if not any(isinstance(k, str) and k.startswith(ROOTS) for k in call):
        return call
    out: dict[str, Any] = {}
    dotted = []
    for key, value in call.items():
        if isinstance(key, str) and key.startswith(ROOTS):
            dotted.append((key.split("."), value))
        else:
            out[key] = value
    for parts, value in dotted:
        target = out
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                if nxt is not None:
                    break  # a scalar already sits here; keep it
                nxt = target[part] = {}
            target = nxt
        else:
            if value is not None or parts[-1] not in target:
                target[parts[-1]] = value
    return out


def _url(call: Mapping[str, Any], ev: Evidence, found: list[Problem]) -> str | None:
    """An explicit http(s) URL of the call, else the W&B UI link built from its project."""
    for key in URL_KEYS:
        value = call.get(key)
        if isinstance(value, str) and value:
            if value.startswith(SAFE_URL):
                return value
            found.append(Problem("invalid", f"{key} is not an http(s) URL; ignored", ev))
    call_id = call.get("id")
    if not isinstance(call_id, str) or not re.fullmatch(r"[\w-]+", call_id):
        return None
    project = call.get("project_id")
    if not (isinstance(project, str) and PROJECT_RE.match(project)):
        m = REF_RE.match(call.get("op_name") or "")
        project = f"{m['entity']}/{m['project']}" if m else None
    return f"https://wandb.ai/{project}/r/call/{call_id}" if project else None
