"""Suppressions (accepted findings, by fingerprint) and per-path ignores.

"Suppressions", never "baseline": in ftlint the baseline is always the baseline *run*.
A suppressions file records the fingerprints of findings a team has accepted; only new
findings then count towards `--fail-on`. Suppressed findings stay in JSON and SARIF
(marked), and an entry that matches nothing any more is reported so the file shrinks.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ftlint import frozen
from ftlint.errors import FtlintError
from ftlint.model import Category, Finding, Severity
from ftlint.model import fingerprint as make_fingerprint
from ftlint.untrusted import redact_tree

FORMAT_VERSION = 1
STALE_CODE = "FTL002"
STALE_NAME = "stale-suppression"


@frozen
class Suppression:
    """One accepted finding of a suppressions file."""

    fingerprint: str
    rule: str
    run: str | None
    message: str


def write_suppressions(findings: Sequence[Finding]) -> str:
    """The suppressions file text for these findings: sorted, stable, reviewable JSON."""
    entries = {
        f.fingerprint: {
            "fingerprint": f.fingerprint,
            "rule": f.rule,
            "run": f.run,
            "message": f.message,
        }
        for f in findings
        if f.rule != STALE_CODE
    }
    doc = {
        "version": FORMAT_VERSION,
        "tool": "ftlint",
        "note": "Accepted findings, by fingerprint. Only findings not listed here count "
        "towards --fail-on. Regenerate with `ftlint check --write-suppressions FILE`.",
        "suppressions": [
            entries[k] for k in sorted(entries, key=lambda k: (entries[k]["rule"], k))
        ],
    }
    return json.dumps(redact_tree(doc), indent=2, ensure_ascii=False) + "\n"


def load_suppressions(path: Path) -> list[Suppression]:
    if path.exists() and not path.is_file():  # a FIFO would block, a folder is no file
        raise FtlintError("suppressions path is not a regular file", path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FtlintError("suppressions file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FtlintError(f"cannot read suppressions file: {exc}", path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FtlintError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise FtlintError("invalid JSON: nested too deeply", path) from None
    except ValueError as exc:  # an integer over 4,300 digits
        raise FtlintError(f"invalid JSON: {str(exc)[:80]}", path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("suppressions"), list):
        raise FtlintError("expected an object with a `suppressions` list", path, 1)
    if doc.get("version") != FORMAT_VERSION:
        raise FtlintError(f"unsupported suppressions version {doc.get('version')!r}", path, 1)
    out = []
    for i, entry in enumerate(doc["suppressions"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise FtlintError(f"suppressions[{i}] needs a string `fingerprint`", path)
        run = entry.get("run")
        out.append(
            Suppression(
                fingerprint=entry["fingerprint"],
                rule=str(entry.get("rule", "")),
                run=run if isinstance(run, str) else None,
                message=str(entry.get("message", "")),
            )
        )
    return out


def apply_suppressions(
    findings: Sequence[Finding], suppressions: Sequence[Suppression], source: str
) -> list[Finding]:
    """Mark listed findings suppressed; add one info finding per stale entry."""
    by_fp = {s.fingerprint: s for s in suppressions}
    seen: set[str] = set()
    out: list[Finding] = []
    for f in findings:
        if f.fingerprint in by_fp:
            seen.add(f.fingerprint)
            out.append(replace(f, suppressed=True))
        else:
            out.append(f)
    for s in suppressions:
        if s.fingerprint in seen:
            continue
        out.append(
            Finding(
                rule=STALE_CODE,
                name=STALE_NAME,
                severity=Severity.INFO,
                category=Category.OPS,
                run=s.run,
                message=f"suppression {s.fingerprint} ({s.rule}: {s.message[:80]}) matches no "
                "current finding; remove it from the suppressions file",
                measurements={"fingerprint": s.fingerprint, "rule": s.rule},
                fingerprint=make_fingerprint(STALE_CODE, s.run, source, s.fingerprint),
            )
        )
    return out


def apply_per_path_ignores(
    findings: Sequence[Finding], ignores: Mapping[str, Sequence[str]]
) -> list[Finding]:
    """Drop findings whose rule is ignored for their path or run (like ruff's per-file-ignores).

    Keys are globs matched against every evidence path of the finding, or `run:GLOB`
    matched against its run name; values are codes or prefixes (ALL allowed).
    """
    if not ignores:
        return list(findings)
    out = []
    for f in findings:
        if not any(
            _key_matches(key, f) and _code_matches(f.rule, codes) for key, codes in ignores.items()
        ):
            out.append(f)
    return out


def _key_matches(key: str, finding: Finding) -> bool:
    if key.startswith("run:"):
        return finding.run is not None and fnmatch.fnmatchcase(finding.run, key[4:])
    return any(fnmatch.fnmatchcase(e.path, key) for e in finding.evidence)


def _code_matches(code: str, selectors: Sequence[str]) -> bool:
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)
