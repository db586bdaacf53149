"""Declarative rule cases: a small workspace, a config and the findings it must produce.

One runner for the built-in rules (`tests/rules/cases/<CODE>.yaml`) and for plugin
authors, so a plugin's rules are tested exactly the way the built-ins are, through
`ftlint.api` (config, plugins, knobs, engine), never a hand-wired pipeline.

A case file is a YAML list of cases, or a mapping with `cases:` (and any other keys,
e.g. `templates:` holding YAML anchors the cases merge with `<<: *name`). A case::

    - name: low-valid-rate            # unique in the file
      files:                          # workspace-relative path -> content
        outputs/run-a/final_metrics.json: {eval: {json_valid_rate: 0.8}}
        outputs/run-a/notes.txt: "text is written as is"
      config: |                       # optional rules.yaml text (outside the workspace)
        rules: {FMT001: {min: 0.95}}
      baseline: run-a                 # optional pair
      candidate: run-b
      select: [FMT001]                # optional; default: the file's rule + expected codes
      example: outputs/run-a/final_metrics.json   # the file the catalogue shows
      expect:                         # every finding of the rule under test, one each
        - {code: FMT001, run: run-a, severity: error, message: "0.8 below"}
                                      # code defaults to the rule under test
      exhaustive: true                # default: a finding of the rule not expected fails

`expect: []` (or `near_miss: true`) is a near miss: the rule under test must stay quiet.
JSON content given as YAML data is written as pretty JSON, a list for a `.jsonl` path
one JSON object per line, YAML data for a `.yaml` path as YAML.

For pytest::

    from ftlint.testing import parametrize_cases, check_case

    @parametrize_cases(Path(__file__).parent / "cases")
    def test_case(case, tmp_path):
        check_case(case, tmp_path, plugins=["my_plugin"])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ftlint import frozen
from ftlint.model import Finding

__all__ = [
    "Case",
    "CaseError",
    "assert_case",
    "case_files",
    "check_case",
    "load_cases",
    "parametrize_cases",
    "run_case",
    "write_workspace",
]

_CASE_KEYS = frozenset(
    {
        "name",
        "description",
        "files",
        "config",
        "baseline",
        "candidate",
        "select",
        "expect",
        "near_miss",
        "exhaustive",
        "example",
        "rule",
    }
)
_EXPECT_KEYS = frozenset({"code", "run", "severity", "message"})


class CaseError(ValueError):
    """A case file that cannot be used: `path: what is wrong`."""


@frozen
class Case:
    """One declarative case of one rule."""

    rule: str
    name: str
    path: Path
    files: Mapping[str, Any]
    expect: tuple[Mapping[str, str], ...] = ()
    config: str | None = None
    baseline: str | None = None
    candidate: str | None = None
    select: tuple[str, ...] = ()
    exhaustive: bool = True
    example: str | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"

    @property
    def near_miss(self) -> bool:
        return not self.expect

    def selected(self) -> tuple[str, ...]:
        """The rules the case runs: its `select`, else the rule and every expected code."""
        if self.select:
            return self.select
        return tuple(dict.fromkeys([self.rule, *(e["code"] for e in self.expect)]))


def load_cases(path: Path | str, *, rule: str | None = None) -> list[Case]:
    """The cases of one file; the rule under test is `rule`, else the file's stem."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: {exc}") from None
    items = doc.get("cases") if isinstance(doc, Mapping) else doc
    if not isinstance(items, list) or not items:
        raise CaseError(f"{path}: expected a list of cases (or a mapping with `cases:`)")
    default_rule = rule or (doc.get("rule") if isinstance(doc, Mapping) else None) or path.stem
    cases: list[Case] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{path}: case {i + 1}"
        if not isinstance(item, Mapping):
            raise CaseError(f"{where}: a case is a mapping")
        unknown = set(item) - _CASE_KEYS
        if unknown:
            raise CaseError(f"{where}: unknown keys {sorted(unknown)}")
        name = str(item.get("name") or f"case-{i + 1}")
        if name in seen:
            raise CaseError(f"{where}: duplicate case name {name!r}")
        seen.add(name)
        files = item.get("files") or {}
        if not isinstance(files, Mapping):
            raise CaseError(f"{where}: `files` maps paths to contents")
        for rel in files:
            p = PurePosixPath(str(rel))
            if p.is_absolute() or ".." in p.parts:
                raise CaseError(f"{where}: {rel!r} must stay inside the workspace")
        case_rule = str(item.get("rule") or default_rule)
        expect = tuple({"code": case_rule, **e} for e in _expectations(item, where))
        cases.append(
            Case(
                rule=case_rule,
                name=name,
                path=path,
                files=dict(files),
                expect=expect,
                config=item.get("config"),
                baseline=item.get("baseline"),
                candidate=item.get("candidate"),
                select=tuple(str(s) for s in item.get("select") or ()),
                exhaustive=bool(item.get("exhaustive", True)),
                example=item.get("example"),
                description=str(item.get("description") or ""),
            )
        )
    return cases


def _expectations(item: Mapping[str, Any], where: str) -> tuple[Mapping[str, str], ...]:
    raw = item.get("expect")
    if item.get("near_miss"):
        if raw:
            raise CaseError(f"{where}: a near miss expects no finding of its rule")
        return ()
    if raw is None:
        raise CaseError(f"{where}: say what it expects (`expect:`, `[]` for a near miss)")
    if not isinstance(raw, list):
        raise CaseError(f"{where}: `expect` is a list")
    out = []
    for e in raw:
        if not isinstance(e, Mapping) or set(e) - _EXPECT_KEYS:
            raise CaseError(f"{where}: an expectation is {{code, run, severity, message}}")
        out.append({k: str(v) for k, v in e.items()})
    return tuple(out)


def case_files(directory: Path | str) -> list[Path]:
    """Every `*.yaml` case file of a directory, sorted."""
    return sorted(Path(directory).glob("*.yaml"))


def write_workspace(case: Case, root: Path) -> Path:
    """Write the case's files under `root` (created); returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in case.files.items():
        target = root / str(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_file(str(rel), content), encoding="utf-8")
    return root


def render_file(rel: str, content: Any) -> str:
    """The text of one case file: strings as is, data serialised by the path's suffix."""
    if isinstance(content, str):
        return content
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix == ".jsonl" and isinstance(content, list):
        return "".join(json.dumps(row) + "\n" for row in content)
    if suffix in (".yaml", ".yml"):
        return yaml.safe_dump(content, sort_keys=False)
    return json.dumps(content, indent=2)


def run_case(
    case: Case,
    tmp_path: Path,
    *,
    plugins: Sequence[str] = (),
    use_entry_points: bool = False,
) -> list[Finding]:
    """Lint the case's workspace through `ftlint.api`; the findings of the selected rules.

    The config is written next to the workspace (ftlint never reads a config from
    inside the linted workspace). `plugins` are module names loaded like `-p NAME`.
    """
    from ftlint import api
    from ftlint.config.settings import Config, load_config

    root = write_workspace(case, tmp_path / "ws")
    config = Config()
    if case.config is not None:
        cfg = tmp_path / "rules.yaml"
        cfg.write_text(case.config, encoding="utf-8")
        config = load_config(cfg)
    select = case.selected()
    session = api.setup(
        config=config, cli_plugins=plugins, use_entry_points=use_entry_points, select=select
    )
    campaign = api.load_campaign(session, root, baseline=case.baseline, candidate=case.candidate)
    return list(api.lint(session, campaign, select=select).findings)


def _matches(expected: Mapping[str, str], finding: Finding) -> bool:
    return (
        expected["code"] == finding.rule
        and expected.get("run", finding.run or "") == (finding.run or "")
        and expected.get("severity", str(finding.severity)) == str(finding.severity)
        and expected.get("message", "") in finding.message
    )


def assert_case(case: Case, findings: Iterable[Finding]) -> None:
    """Every expectation matches its own finding; with `exhaustive`, no other finding of
    the rule under test (or of an expected code) is left over. Raises AssertionError
    with the findings that were produced."""
    left = list(findings)
    missing = []
    for expected in case.expect:
        hit = next((f for f in left if _matches(expected, f)), None)
        if hit is None:
            missing.append(expected)
        else:
            left.remove(hit)
    watched = {case.rule, *(e["code"] for e in case.expect)}
    extra = [f for f in left if f.rule in watched] if case.exhaustive else []
    if missing or extra:
        produced = "\n".join(
            f"  {f.rule} {f.severity} run={f.run}: {f.message}" for f in findings_list(findings)
        )
        lines = [f"{case.path.name}::{case.name}:"]
        lines += [f"  expected, not produced: {dict(e)}" for e in missing]
        lines += [f"  produced, not expected: {f.rule} run={f.run}: {f.message}" for f in extra]
        raise AssertionError("\n".join([*lines, "findings:", produced or "  (none)"]))


def findings_list(findings: Iterable[Finding]) -> list[Finding]:
    return findings if isinstance(findings, list) else list(findings)


def check_case(
    case: Case,
    tmp_path: Path,
    *,
    plugins: Sequence[str] = (),
    use_entry_points: bool = False,
) -> list[Finding]:
    """`run_case` then `assert_case`; returns the findings for further checks."""
    findings = run_case(case, tmp_path, plugins=plugins, use_entry_points=use_entry_points)
    assert_case(case, findings)
    return findings


def parametrize_cases(*sources: Path | str) -> Any:
    """A `pytest.mark.parametrize("case", ...)` over every case of the given files or
    directories, with readable ids (`FMT001-low-valid-rate`)."""
    import pytest

    cases: list[Case] = []
    for source in sources:
        source = Path(source)
        for path in case_files(source) if source.is_dir() else [source]:
            cases.extend(load_cases(path))
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])
