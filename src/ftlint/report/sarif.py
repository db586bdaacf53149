"""`--format sarif`: a SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

One run, tool `ftlint`. `tool.driver.rules` describes every selected rule (plus the
ftlint pseudo-rules such as FTL001 internal-error when a finding uses one): summary,
what it detects, the three-part help and the default level. Each finding is one
result whose `partialFingerprints` carry the finding's stable fingerprint, so an alert
keeps its identity when lines move.

Locations: evidence paths are relative to the linted workspace (`uriBaseId`
`WORKSPACE`, defined in `run.originalUriBaseIds` as the workspace's absolute file URI).
A JSONL line becomes `region.startLine`; a JSON pointer, sample id and Weave trace URL
go into `logicalLocations` and the location's `properties`. The first evidence is the
result's location, the others are `relatedLocations`. A finding without evidence points
at its run's main artifact, or has no location when it concerns the whole campaign.
Suppressed findings stay in the log with `suppressions: [{"kind": "external"}]`.

GitHub code scanning reads a relative `uri` against the repository root and ignores
`uriBaseId`, so for code scanning lint a workspace at the repository root.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ftlint.model import Evidence, Finding
from ftlint.redact import redact
from ftlint.report import Report
from ftlint.rule import DOC_PARTS, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
BASE_ID = "WORKSPACE"
FINGERPRINT_KEY = "ftlint/v1"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
GITHUB_TEXT_LIMIT = 1024  # GitHub truncates short/full descriptions beyond this

#: Codes that are not rules but that ftlint itself emits (crashes, stale suppressions).
PSEUDO_RULES: Mapping[str, tuple[str, str, str]] = {
    "FTL001": (
        "internal-error",
        "A rule crashed; its findings for that scope are missing.",
        "ftlint isolates every rule: when one raises, the others still run and this "
        "finding names the rule, where it crashed and the exception. Report it to the "
        "rule's authors; the lint is incomplete until it is fixed.",
    ),
    "FTL002": (
        "stale-suppression",
        "A suppression that matches no current finding.",
        "The suppressions file lists a fingerprint that no finding has any more: the "
        "problem was fixed or the finding changed identity. Remove the entry so the file "
        "only holds accepted, current findings.",
    ),
}

_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def render_sarif(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict (deterministic for a given report)."""
    findings = sorted(report.findings, key=Finding.sort_key)
    descriptors = _descriptors(report.rules, findings)
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    driver: dict[str, Any] = {"name": "ftlint", "version": report.tool_version}
    if _SEMVER.match(report.tool_version):
        driver["semanticVersion"] = report.tool_version
    driver["rules"] = descriptors
    campaign = report.campaign
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {BASE_ID: _workspace_base(campaign.root)},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, report) for f in findings],
        "properties": {
            "workspace": report.workspace,
            "baseline": campaign.baseline,
            "candidate": campaign.candidate,
            "runs": [r.name for r in campaign.runs],
            "failOn": report.fail_on,
        },
    }
    doc = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return _jsonable(doc)


# -- rules ------------------------------------------------------------------------------


def _descriptors(rules: Sequence[type[Rule]], findings: Sequence[Finding]) -> list[dict]:
    by_code: dict[str, dict[str, Any]] = {cls.code: _rule_descriptor(cls) for cls in rules}
    for f in findings:
        if f.rule not in by_code:
            by_code[f.rule] = _pseudo_descriptor(f)
    return [by_code[code] for code in sorted(by_code)]


def _rule_descriptor(cls: type[Rule]) -> dict[str, Any]:
    from ftlint.report.catalogue import rule_page

    parts = cls.doc_parts()
    summary = cls.summary() or cls.name
    help_text = "\n\n".join(f"{h}: {parts.get(h, '')}" for h in DOC_PARTS)
    severity = cls.default_severity.value
    return {
        "id": cls.code,
        "name": cls.name,
        "shortDescription": {"text": _limit(summary)},
        "fullDescription": {"text": _limit(parts.get("What it detects") or summary)},
        "help": {"text": help_text, "markdown": rule_page(cls)},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": ["ftlint", cls.category.value],
            "category": cls.category.value,
            "problem.severity": PROBLEM_SEVERITY[severity],
            "scopes": list(cls.scopes()),
            "optIn": cls.opt_in,
        },
    }


def _pseudo_descriptor(f: Finding) -> dict[str, Any]:
    name, summary, why = PSEUDO_RULES.get(
        f.rule, (f.name, f"Findings of {f.rule} ({f.name}).", f"Findings of {f.rule}.")
    )
    return {
        "id": f.rule,
        "name": name,
        "shortDescription": {"text": _limit(summary)},
        "fullDescription": {"text": _limit(why)},
        "help": {"text": f"{summary}\n\n{why}"},
        "defaultConfiguration": {"level": LEVEL[f.severity.value]},
        "properties": {
            "tags": ["ftlint", f.category.value],
            "category": f.category.value,
            "problem.severity": PROBLEM_SEVERITY[f.severity.value],
        },
    }


def _limit(text: str) -> str:
    return text if len(text) <= GITHUB_TEXT_LIMIT else text[: GITHUB_TEXT_LIMIT - 1] + "…"


# -- results ----------------------------------------------------------------------------


def _result(f: Finding, index: Mapping[str, int], report: Report) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVEL[f.severity.value],
        "message": {"text": f"{f.run}: {f.message}" if f.run else f.message},
    }
    locations = [_location(e, i) for i, e in enumerate(f.evidence)]
    if not locations:
        home = _run_home(report, f.run)
        if home is not None:
            locations = [_location(Evidence(home), 0, fallback=True)]
    if locations:
        result["locations"] = [locations[0]]
        if len(locations) > 1:
            result["relatedLocations"] = locations[1:]
    fingerprints = {FINGERPRINT_KEY: f.fingerprint}
    if not (f.evidence and f.evidence[0].line):
        # Code scanning only matches alerts by primaryLocationLineHash; upload-sarif
        # computes it from the file for results with a line and skips the others, so
        # those get ours (stable by construction, line numbers are not part of it).
        fingerprints["primaryLocationLineHash"] = f"{f.fingerprint}:1"
    result["partialFingerprints"] = fingerprints
    if f.suppressed:
        result["suppressions"] = [{"kind": "external", "status": "accepted"}]
    result["properties"] = {
        "run": f.run,
        "name": f.name,
        "category": f.category.value,
        "severity": f.severity.value,
        "measurements": dict(sorted(f.measurements.items())),
        "actions": [a.to_dict() for a in f.actions],
    }
    return result


def _location(e: Evidence, ident: int, *, fallback: bool = False) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(e.path)}
    if e.line is not None and e.line >= 1:
        physical["region"] = {"startLine": e.line}
    location: dict[str, Any] = {"id": ident, "physicalLocation": physical}
    if e.pointer:
        token = e.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        location["logicalLocations"] = [
            {"name": token or e.pointer, "fullyQualifiedName": e.pointer, "kind": "member"}
        ]
    details = [e.location()]
    if e.sample_id is not None:
        details.append(f"sample {e.sample_id}")
    if e.url:
        details.append(f"trace {e.url}")
    if fallback:
        details.append("no exact evidence: the run's main artifact")
    location["message"] = {"text": ", ".join(details)}
    props = {
        k: v
        for k, v in (("jsonPointer", e.pointer), ("sampleId", e.sample_id), ("traceUrl", e.url))
        if v is not None
    }
    if props:
        location["properties"] = props
    return location


def _artifact(path: str) -> dict[str, Any]:
    if path.startswith("/") or re.match(r"^[A-Za-z]:[/\\]", path):
        # outside the workspace (should not happen): an absolute file URI, no base id
        return {"uri": Path(path).as_uri() if Path(path).is_absolute() else quote(path)}
    rel = PurePosixPath(path).as_posix()
    return {"uri": quote(rel, safe="/"), "uriBaseId": BASE_ID}


def _workspace_base(root: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        "description": {"text": "The workspace ftlint linted; evidence paths are relative to it."}
    }
    path = Path(root)
    if path.is_absolute():
        uri = path.as_uri()
        base["uri"] = uri if uri.endswith("/") else uri + "/"
    return base


def _run_home(report: Report, run_name: str | None) -> str | None:
    """The main artifact of a run, where a finding without evidence is shown."""
    run = report.campaign.get(run_name)
    if run is None:
        return None
    for path in (run.final_metrics_path, run.eval_result_path, run.series_path):
        if path:
            return path
    if run.submissions:
        return run.submissions[0].evidence.path
    return None


def _jsonable(value: Any) -> Any:
    """Plain JSON: non-finite floats as strings, lone surrogates escaped (UTF-8 safe).

    Strings are redacted here, before JSON escaping: `render` redacts the final text too,
    but `"password": "x"` is no longer recognisable once its quotes are escaped.
    """
    if isinstance(value, str):
        return redact(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value))
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(_jsonable(str(k))): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return _jsonable(str(value))
