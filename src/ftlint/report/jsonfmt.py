"""`--format json`: the findings document, validated by schemas/findings.schema.json."""

from __future__ import annotations

import json
from collections import Counter

from ftlint.redact import redact_tree

from . import Report

SCHEMA_ID = "https://ftlint.dev/schemas/findings.schema.json"


def render_json(report: Report) -> str:
    findings = [f.to_dict() for f in report.findings]
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
        "findings": findings,
    }
    return (
        json.dumps(redact_tree(doc), indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False)
        + "\n"
    )
