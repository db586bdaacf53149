"""`--format sarif`: a SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

One run, tool `ftlint`. `tool.driver.rules` describes every selected rule (plus the
ftlint pseudo-rules such as FTL001 internal-error when a finding uses one): summary,
what it detects, the three-part help and the default level. Each finding is one
result whose `partialFingerprints` carry the finding's stable fingerprint, so an alert
keeps its identity when lines move.

Locations (GitHub code scanning shows a result only on a file and line of the
repository): artifact URIs are relative to the repository root (`uriBaseId` `SRCROOT`,
the root's file URI in `run.originalUriBaseIds`): the workspace's path inside the git
repository that encloses it (found by walking up to `.git`) is put in front of every
evidence path, or `--path-prefix` / `sarif.path-prefix` when given. Every file location
has `region.startLine`: the evidence line (JSONL), else the line of the JSON pointer's
key in the file (`ftlint.report.locate`), else 1. The pointer, sample id and Weave trace
URL also go into `logicalLocations` and the location's `properties`. The first evidence
is the result's location, the others `relatedLocations` (at most 1,000, GitHub's
limit). A finding without evidence points at its run's main artifact, or has no
location when it concerns the whole campaign. Suppressed findings stay in the log with
`suppressions: [{"kind": "external"}]`.

Every rule has `helpUri`: its catalogue page `rules/<CODE>.md` under
`--help-uri-base` / `sarif.help-uri-base` (default: this version's catalogue in the
ftlint repository, `DEFAULT_HELP_URI_BASE`). A run holds at most 25,000 results (GitHub
rejects more): errors are kept first, and a tool notification says how many were left
out.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ftlint.model import Evidence, Finding
from ftlint.redact import redact
from ftlint.report import Report, run_named
from ftlint.report.locate import pointer_line
from ftlint.rule import DOC_PARTS, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
BASE_ID = "SRCROOT"
PROJECT_URL = "https://github.com/your-org/ftlint"
DEFAULT_HELP_URI_BASE = PROJECT_URL + "/blob/v{version}/rules/"
MAX_RESULTS = 25_000  # GitHub code scanning: results per run
MAX_LOCATIONS = 1_000  # GitHub code scanning: locations per result
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


#: where the results list sits in the indented log: a raw newline is never inside a
#: JSON string, so this text can only be the run's own (empty) `results`
_RESULTS_AT = '\n      "results": []'
_ITEM_INDENT = "\n        "


def iter_sarif(report: Report) -> Iterator[str]:
    """`render_sarif` in pieces: the log around the results, then one result at a time
    (each indented as `json.dumps(..., indent=2)` indents it inside the log)."""
    doc, results = _log(report, lazy=True)
    dump = partial(json.dumps, indent=2, ensure_ascii=False, allow_nan=False)
    text = dump(doc) + "\n"
    at = text.find(_RESULTS_AT)
    if at < 0 or text.find(_RESULTS_AT, at + 1) >= 0:  # cannot happen; never guess
        doc["runs"][0]["results"] = list(results)
        yield dump(doc) + "\n"
        return
    head, tail = text[: at + len(_RESULTS_AT) - 1], text[at + len(_RESULTS_AT) - 1 :]
    sep = _ITEM_INDENT
    for result in results:
        yield head + sep + dump(result).replace("\n", _ITEM_INDENT)
        sep = "," + _ITEM_INDENT
        break
    else:
        yield text
        return
    for result in results:
        yield sep + dump(result).replace("\n", _ITEM_INDENT)
    yield "\n      " + tail


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict (deterministic for a given report)."""
    doc, _ = _log(report, lazy=False)
    return doc


def _log(report: Report, *, lazy: bool) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The JSON-ready log, and its results: in the log (`lazy` False), or left out of
    it (an empty list) and made one at a time by the iterator."""
    findings = sorted(report.findings, key=Finding.sort_key)
    limit = int(report.extra.get("max_results") or MAX_RESULTS)
    dropped = max(0, len(findings) - limit)
    if dropped:
        keep = sorted(findings, key=lambda f: (f.suppressed, -f.severity.rank))[:limit]
        kept = {id(f) for f in keep}
        findings = [f for f in findings if id(f) in kept]
    descriptors = _descriptors(report.rules, findings, _help_base(report))
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    driver: dict[str, Any] = {"name": "ftlint", "version": report.tool_version}
    if _SEMVER.match(report.tool_version):
        driver["semanticVersion"] = report.tool_version
    driver["rules"] = descriptors
    campaign = report.campaign
    prefix = path_prefix(report)
    # one _jsonable pass over everything, as before: the log's, or each lazy result's
    results = (
        _jsonable(_result(f, index, report, prefix)) if lazy else _result(f, index, report, prefix)
        for f in findings
    )
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {BASE_ID: _repo_base(campaign.root, prefix)},
        "columnKind": "unicodeCodePoints",
        "results": [] if lazy else list(results),
        "properties": {
            "workspace": report.workspace,
            "baseline": campaign.baseline,
            "candidate": campaign.candidate,
            "runs": [r.name for r in campaign.runs],
            "failOn": report.fail_on,
            "pathPrefix": prefix,
        },
    }
    if dropped:
        note = (
            f"{dropped} of {len(report.findings)} results left out: GitHub code scanning "
            f"accepts at most {limit} per run (errors were kept first); see --format json "
            "for all of them"
        )
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": note}}],
            }
        ]
        run["properties"]["resultsLeftOut"] = dropped
    doc = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return _jsonable(doc), results


# -- rules ------------------------------------------------------------------------------


def _descriptors(
    rules: Sequence[type[Rule]], findings: Sequence[Finding], help_base: str
) -> list[dict]:
    by_code: dict[str, dict[str, Any]] = {cls.code: _rule_descriptor(cls) for cls in rules}
    for f in findings:
        if f.rule not in by_code:
            by_code[f.rule] = _pseudo_descriptor(f)
    out = []
    for code in sorted(by_code):
        descriptor = by_code[code]
        descriptor["helpUri"] = help_base + quote(code) + ".md"
        out.append(descriptor)
    return out


def _help_base(report: Report) -> str:
    base = report.extra.get("help_uri_base") or DEFAULT_HELP_URI_BASE.format(
        version=report.tool_version
    )
    return base if base.endswith("/") else base + "/"


def path_prefix(report: Report) -> str:
    """The workspace's path from the repository root: `--path-prefix`, else found by
    walking up from the workspace to the `.git` of the enclosing repository, else ""."""
    given = report.extra.get("path_prefix")
    if given is not None:
        return PurePosixPath("/", str(given).replace("\\", "/")).as_posix().strip("/")
    root = Path(report.campaign.root)
    if not root.is_absolute():
        return ""
    try:
        root = root.resolve()
    except OSError:
        return ""
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            return "" if parent == root else root.relative_to(parent).as_posix()
    return ""


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


def _result(f: Finding, index: Mapping[str, int], report: Report, prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVEL[f.severity.value],
        "message": {"text": f"{f.run}: {f.message}" if f.run else f.message},
    }
    root = report.campaign.root
    evidence = f.evidence[: MAX_LOCATIONS + 1]
    locations = [_location(e, i, root, prefix) for i, e in enumerate(evidence)]
    if not locations:
        home = _run_home(report, f.run)
        if home is not None:
            locations = [_location(Evidence(home), 0, root, prefix, fallback=True)]
    if locations:
        result["locations"] = [locations[0]]
        if len(locations) > 1:
            result["relatedLocations"] = locations[1:]
    fingerprints = {FINGERPRINT_KEY: f.fingerprint}
    if not (f.evidence and f.evidence[0].line):
        # Code scanning matches alerts by primaryLocationLineHash, which upload-sarif
        # computes from the text at startLine. A JSON key's line holds its value (which
        # changes with every run) and line 1 of a whole file says nothing, so results
        # without an evidence line carry ours (stable: line numbers are not part of it).
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


def _location(
    e: Evidence, ident: int, root: str, prefix: str, *, fallback: bool = False
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(e.path, prefix)}
    if "://" not in e.path and not PurePosixPath(e.path).is_absolute():
        line = e.line if e.line is not None and e.line >= 1 else None
        physical["region"] = {"startLine": line or pointer_line(root, e.path, e.pointer) or 1}
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


def _artifact(path: str, prefix: str = "") -> dict[str, Any]:
    if "://" in path:  # a remote evidence URI (wandb://, s3://): as it is
        return {"uri": path}
    if path.startswith("/") or re.match(r"^[A-Za-z]:[/\\]", path):
        # outside the workspace (should not happen): an absolute file URI, no base id
        return {"uri": Path(path).as_uri() if Path(path).is_absolute() else quote(path)}
    rel = posixpath.normpath(posixpath.join(prefix, PurePosixPath(path).as_posix()))
    return {"uri": quote(_name_bytes(rel.lstrip("/")), safe="/"), "uriBaseId": BASE_ID}


def _name_bytes(name: str) -> bytes:
    """A file name's bytes: one that is no UTF-8 was decoded to lone surrogates, which
    encode back to its own bytes (`%FF` in the URI)."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no decoder made (from a JSON string)
        return name.encode("utf-8", "surrogatepass")


def _repo_base(root: str, prefix: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        "description": {
            "text": "The repository root; artifact URIs are relative to it "
            f"(the linted workspace is {prefix or 'the root itself'})."
        }
    }
    path = Path(root)
    if path.is_absolute():
        for _ in PurePosixPath(prefix).parts if prefix else ():
            path = path.parent
        uri = path.as_uri()
        base["uri"] = uri if uri.endswith("/") else uri + "/"
    return base


def _run_home(report: Report, run_name: str | None) -> str | None:
    """The main artifact of a run, where a finding without evidence is shown."""
    run = run_named(report.campaign, run_name)
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
