"""`ftlint plan --format json` and `ftlint gate --format json`.

The documents are validated by schemas/plan.schema.json and schemas/gate.schema.json.
"""

from __future__ import annotations

import json
from typing import Any

from ftlint.gates.decide import GateReport
from ftlint.plan.model import Plan
from ftlint.untrusted import redact_tree

GATE_SCHEMA_ID = "https://ftlint.dev/schemas/gate.schema.json"


def _dump(doc: Any) -> str:
    return json.dumps(redact_tree(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_plan_json(plan: Plan) -> str:
    return _dump(plan.to_dict())


def render_gate_json(
    report: GateReport, *, tool_version: str, workspace: str, selection_note: str
) -> str:
    doc = {
        "$schema": GATE_SCHEMA_ID,
        "tool": {"name": "ftlint", "version": tool_version},
        "workspace": workspace,
        "selection_note": selection_note,
        **report.to_dict(),
    }
    return _dump(doc)
