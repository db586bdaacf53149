"""`--format json`: the findings document, validated by schemas/findings.schema.json."""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import partial
from typing import Any

from ftlint.report import Report

SCHEMA_ID = "https://ftlint.dev/schemas/findings.schema.json"


def finite(value: Any) -> Any:
    """`value` with every NaN/Infinity float replaced by null, so the document can be
    written with allow_nan=False: bare `NaN` is not JSON and breaks strict parsers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def render_json(report: Report) -> str:
    findings = [finite(f.to_dict()) for f in report.findings]
    counts = Counter(f.severity.value for f in report.findings if not f.suppressed)
    doc = {
        "$schema": SCHEMA_ID,
        "tool": {"name": "ftlint", "version": report.tool_version},
        "workspace": report.workspace,
        "baseline": report.campaign.baseline,
        "candidate": report.campaign.candidate,
        "runs": [r.name for r in report.campaign.runs],
        "rules": sorted(cls.code for cls in report.rules),
        "summary": {
            "total": len(report.findings),
            "error": counts.get("error", 0),
            "warning": counts.get("warning", 0),
            "info": counts.get("info", 0),
            "suppressed": sum(1 for f in report.findings if f.suppressed),
            "fail_on": report.fail_on,
        },
    }
    return dumps_with_rows(doc, "findings", findings)


def dumps_with_rows(doc: dict, key: str, rows: list) -> str:
    """Indented JSON with one `rows` item per line under `key` (the last key).

    Indenting every nested level forces json's pure-Python encoder; rows dumped one per
    line use the C encoder (about 6x faster on a 1 MB report) and stay greppable.
    """
    dump = partial(json.dumps, ensure_ascii=False, allow_nan=False)
    head = dump(doc, indent=2)
    if not rows:
        return head[:-2] + f',\n  "{key}": []\n}}\n'
    body = ",\n    ".join(dump(row) for row in rows)
    return head[:-2] + f',\n  "{key}": [\n    {body}\n  ]\n}}\n'
