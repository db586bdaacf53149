"""`--format junit`: JUnit XML, one test case per (rule, run) pair that was evaluated.

A test suite per run (plus `(campaign)` for campaign-wide rules). A rule is evaluated
for every run when it checks runs or the campaign, for the candidate when it compares
the baseline and the candidate, and for the campaign as a whole when it checks the
campaign. A pair with no finding passes. Findings at or above `--fail-on` make the
case a `<failure>` that lists every finding of the pair with its evidence; findings
below it and suppressed ones are listed in `<system-out>` of a passing case, so the
test report agrees with the exit code. A crashed rule (FTL001) is an `<error>` of the
rule's case. A rule that had nothing to check for a run (no eval rows for a row rule, no
baseline for a pair rule) is `<skipped>`, not passed: see `ftlint.report.junit_skip`.

Text is escaped by ElementTree; characters XML 1.0 cannot carry (controls, lone
surrogates, U+FFFE/U+FFFF) are shown as visible `\\xNN`/`\\uNNNN` escapes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from ftlint.model import Finding, Severity
from ftlint.redact import redact
from ftlint.report import Report
from ftlint.report.junit_skip import skip_reason

CAMPAIGN = "(campaign)"
INTERNAL_ERROR = "FTL001"
#: what XML 1.0 cannot carry, plus what the other formats escape too: CR (a rewritten
#: line in a CI log), C1 controls, line/paragraph separators and bidi overrides (U+202E
#: makes a message read backwards)
_ILLEGAL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def xml_safe(text: str) -> str:
    """Redact secrets (before escaping hides them), then make the text legal XML 1.0."""
    return _ILLEGAL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        redact(text),
    )


def _key(f: Finding) -> tuple[str, str | None]:
    """The (rule, run) pair a finding belongs to; a crash belongs to the crashed rule."""
    crashed = f.measurements.get("crashed_rule") if f.rule == INTERNAL_ERROR else None
    return (crashed if isinstance(crashed, str) and crashed else f.rule, f.run)


def evaluated_pairs(report: Report) -> set[tuple[str, str | None]]:
    campaign = report.campaign
    runs = [r.name for r in campaign.runs]
    base, cand = campaign.get(campaign.baseline), campaign.get(campaign.candidate)
    paired = cand.name if base is not None and cand is not None and base is not cand else None
    pairs: set[tuple[str, str | None]] = set()
    for cls in report.rules:
        scopes = cls.scopes()
        if "run" in scopes or "campaign" in scopes:
            pairs.update((cls.code, r) for r in runs)
        if "pair" in scopes and paired is not None:
            pairs.add((cls.code, paired))
        elif "pair" in scopes and cand is not None:
            pairs.add((cls.code, cand.name))  # skipped: no baseline to compare with
        if "campaign" in scopes:
            pairs.add((cls.code, None))
    pairs.update(_key(f) for f in report.findings)
    return pairs


def _describe(f: Finding) -> str:
    mark = ", suppressed" if f.suppressed else ""
    lines = [f"[{f.severity.value}{mark}] {f.rule} {f.name}: {f.message}"]
    for e in f.evidence:
        extra = []
        if e.sample_id is not None:
            extra.append(f"sample {e.sample_id}")
        if e.url:
            extra.append(f"trace {e.url}")
        lines.append(f"  at {e.location()}" + (f" ({', '.join(extra)})" if extra else ""))
    lines.append(f"  fingerprint {f.fingerprint}")
    return "\n".join(lines)


def _names(report: Report) -> dict[str, str]:
    names = {cls.code: cls.name for cls in report.rules}
    for f in report.findings:
        names.setdefault(f.rule, f.name)
    return names


def _case(
    suite: ET.Element,
    run: str | None,
    code: str,
    name: str,
    items: Sequence[Finding],
    limit: int | None,
) -> str:
    """Add one test case; returns its outcome: pass, failure or error."""
    case = ET.SubElement(
        suite,
        "testcase",
        {"classname": xml_safe(f"ftlint.{run or CAMPAIGN}"), "name": xml_safe(f"{code} {name}")},
    )
    crashes = [f for f in items if f.rule == INTERNAL_ERROR and code != INTERNAL_ERROR]
    failing = [
        f
        for f in items
        if not f.suppressed
        and limit is not None
        and f.severity.rank >= limit
        and not (f.rule == INTERNAL_ERROR and code != INTERNAL_ERROR)
    ]
    shown = {id(f) for f in (*crashes, *failing)}
    quiet = [f for f in items if id(f) not in shown]
    outcome = "pass"
    if crashes:
        outcome = "error"
        body = "\n".join(_describe(f) for f in (*crashes, *failing))
        first = crashes[0]
        ET.SubElement(
            case, "error", {"type": "internal-error", "message": xml_safe(first.message)}
        ).text = xml_safe(body)
    elif failing:
        outcome = "failure"
        worst = max(failing, key=lambda f: f.severity.rank)
        message = failing[0].message if len(failing) == 1 else f"{len(failing)} findings"
        ET.SubElement(
            case, "failure", {"type": worst.severity.value, "message": xml_safe(message)}
        ).text = xml_safe("\n".join(_describe(f) for f in failing))
    if quiet:
        ET.SubElement(case, "system-out").text = xml_safe("\n".join(_describe(f) for f in quiet))
    return outcome


def _skipped(suite: ET.Element, run: str | None, code: str, name: str, reason: str) -> None:
    """A rule that had nothing to check for this run (`ftlint.report.junit_skip`)."""
    case = ET.SubElement(
        suite,
        "testcase",
        {"classname": xml_safe(f"ftlint.{run or CAMPAIGN}"), "name": xml_safe(f"{code} {name}")},
    )
    ET.SubElement(case, "skipped", {"message": xml_safe(reason)})


def render_junit(report: Report) -> str:
    limit = None if report.fail_on == "never" else Severity(report.fail_on).rank
    grouped: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in sorted(report.findings, key=Finding.sort_key):
        grouped[_key(f)].append(f)
    names = _names(report)
    pairs = evaluated_pairs(report)
    order = [r.name for r in report.campaign.runs]
    extra = sorted({run for _, run in pairs if run is not None and run not in order})
    suites: list[str | None] = [*order, *extra]
    if any(run is None for _, run in pairs):
        suites.append(None)

    classes = {cls.code: cls for cls in report.rules}
    root = ET.Element("testsuites", {"name": "ftlint"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for run in suites:
        codes = sorted(code for code, r in pairs if r == run)
        suite = ET.SubElement(root, "testsuite", {"name": xml_safe(run or CAMPAIGN)})
        counts = {"tests": len(codes), "failures": 0, "errors": 0, "skipped": 0}
        for code in codes:
            items = grouped[(code, run)]
            reason = None
            if not items and code in classes:
                reason = skip_reason(classes[code], run, report.campaign)
            if reason is not None:
                _skipped(suite, run, code, names.get(code, code), reason)
                counts["skipped"] += 1
                continue
            outcome = _case(suite, run, code, names.get(code, code), items, limit)
            if outcome == "failure":
                counts["failures"] += 1
            elif outcome == "error":
                counts["errors"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
