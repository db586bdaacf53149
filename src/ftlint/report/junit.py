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
from collections.abc import Iterator, Sequence

from ftlint.model import Finding, Severity
from ftlint.redact import redact
from ftlint.report import Report
from ftlint.report.junit_skip import SkipReasons

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


def _crashes_and_failing(
    code: str, items: Sequence[Finding], limit: int | None
) -> tuple[list[Finding], list[Finding]]:
    """A case's crashes of its rule (FTL001 findings) and its findings that fail it."""
    crashes = [f for f in items if f.rule == INTERNAL_ERROR and code != INTERNAL_ERROR]
    failing = [
        f
        for f in items
        if not f.suppressed
        and limit is not None
        and f.severity.rank >= limit
        and not (f.rule == INTERNAL_ERROR and code != INTERNAL_ERROR)
    ]
    return crashes, failing


def _outcome(code: str, items: Sequence[Finding], limit: int | None) -> str:
    """What `_case` returns for these findings: pass, failure or error."""
    crashes, failing = _crashes_and_failing(code, items, limit)
    return "error" if crashes else "failure" if failing else "pass"


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
    crashes, failing = _crashes_and_failing(code, items, limit)
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
    return "".join(iter_junit(report))


def iter_junit(report: Report) -> Iterator[str]:
    """`render_junit` in pieces: the root tag (its totals counted first), then one test
    case at a time, each indented as `ET.indent` indents it inside the whole tree."""
    plan = _Plan(report)
    counts = [plan.counts(run) for run in plan.suites]
    totals = {k: sum(c[k] for c in counts) for k in ("tests", "failures", "errors", "skipped")}
    root = ET.Element("testsuites", {"name": "ftlint", **{k: str(v) for k, v in totals.items()}})
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + _tag(root)
    if not plan.suites:
        yield head + "\n"
        return
    yield head[: -len(" />")] + ">"
    for i, run in enumerate(plan.suites):
        yield "\n  "
        suite = ET.Element("testsuite", {"name": xml_safe(run or CAMPAIGN)})
        for key, value in counts[i].items():
            suite.set(key, str(value))
        if not counts[i]["tests"]:
            yield _tag(suite)
            continue
        yield _tag(suite)[: -len(" />")] + ">"
        for case in plan.cases(run):
            ET.indent(case, space="  ", level=2)
            yield "\n    " + _tag(case)
        yield "\n  </testsuite>"
    yield "\n</testsuites>\n"


def _tag(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


class _Plan:
    """The suites of the report and the cases of each, computed per run (linear in runs
    x rules): the findings grouped by (rule, run), each run's evaluated rule codes."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.limit = None if report.fail_on == "never" else Severity(report.fail_on).rank
        self.grouped: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
        self.found: dict[str | None, set[str]] = defaultdict(set)
        for f in sorted(report.findings, key=Finding.sort_key):
            key = _key(f)
            self.grouped[key].append(f)
            self.found[key[1]].add(key[0])
        self.names = _names(report)
        self.classes = {cls.code: cls for cls in report.rules}
        self.skips = SkipReasons(report.campaign)
        campaign = report.campaign
        order = [r.name for r in campaign.runs]
        self.known = set(order)
        cand = campaign.get(campaign.candidate)
        # pair rules: the candidate's case (skipped there when there is no baseline)
        self.pair_run = cand.name if cand is not None else None
        self.every_run: set[str] = set()
        self.pair_codes: set[str] = set()
        self.campaign_codes: set[str] = set()
        for cls in report.rules:
            scopes = cls.scopes()
            if "run" in scopes or "campaign" in scopes:
                self.every_run.add(cls.code)
            if "pair" in scopes:
                self.pair_codes.add(cls.code)
            if "campaign" in scopes:
                self.campaign_codes.add(cls.code)
        extra = sorted(r for r in self.found if r is not None and r not in self.known)
        self.suites: list[str | None] = [*order, *extra]
        if self.campaign_codes or None in self.found:
            self.suites.append(None)

    def codes(self, run: str | None) -> list[str]:
        """The rules evaluated for `run` (as `evaluated_pairs` lists them), sorted."""
        if run is None:
            codes = self.campaign_codes | self.found.get(None, set())
        else:
            codes = set(self.found.get(run, ()))
            if run in self.known and self.every_run:
                codes |= self.every_run
            if run == self.pair_run:
                codes |= self.pair_codes
        return sorted(codes)

    def _cases(self, run: str | None) -> Iterator[tuple[str, Sequence[Finding], str | None]]:
        for code in self.codes(run):
            items = self.grouped.get((code, run), ())
            reason = None
            if not items and code in self.classes:
                reason = self.skips(self.classes[code], run)
            yield code, items, reason

    def counts(self, run: str | None) -> dict[str, int]:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for code, items, reason in self._cases(run):
            counts["tests"] += 1
            outcome = "skipped" if reason is not None else _outcome(code, items, self.limit)
            if outcome != "pass":
                counts[{"failure": "failures", "error": "errors"}.get(outcome, outcome)] += 1
        return counts

    def cases(self, run: str | None) -> Iterator[ET.Element]:
        """The run's test cases, one element at a time."""
        holder = ET.Element("testsuite")
        for code, items, reason in self._cases(run):
            name = self.names.get(code, code)
            if reason is not None:
                _skipped(holder, run, code, name, reason)
            else:
                _case(holder, run, code, name, items, self.limit)
            (case,) = holder
            holder.remove(case)
            yield case
