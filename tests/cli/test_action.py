"""The composite GitHub Action (action.yml), run locally as far as it can be.

The steps' `run:` scripts are executed by bash the way the runner does (`bash
--noprofile --norc -eo pipefail`), with `${{ ... }}` expressions in `env:` and `if:`
evaluated by a small evaluator for the few forms action.yml uses, against the example
campaign copied into a throwaway git repository. The install step (pip) and the
upload-sarif action are not run: the test checks what they would be given.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


class _Context:
    def __init__(self, inputs: dict[str, str], cwd: Path) -> None:
        self.inputs = inputs
        self.cwd = cwd
        self.outputs: dict[str, dict[str, str]] = {}

    def value(self, expr: str) -> str:
        expr = expr.strip()
        if expr.startswith("inputs."):
            return self.inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(REPO)
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if match:
            return self.outputs.get(match[1], {}).get(match[2], "")
        raise AssertionError(f"unsupported expression {expr!r}")

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m[1]), text)

    def condition(self, text: str | None) -> bool:
        if text is None:
            return True
        results = []
        for part in _EXPR.sub(lambda m: m[1], text).split("&&"):
            part = part.strip()
            if part == "always()":
                results.append(True)
                continue
            hashed = re.fullmatch(r"hashFiles\((.+)\) != ''", part)
            if hashed:
                results.append((self.cwd / self.value(hashed[1])).is_file())
                continue
            match = re.fullmatch(r"(.+?) (==|!=) '(.*)'", part)
            assert match, f"unsupported condition {part!r}"
            equal = self.value(match[1]) == match[3]
            results.append(equal if match[2] == "==" else not equal)
        return all(results)


def _run_action(tmp_path: Path, **given: str) -> tuple[_Context, list[dict[str, Any]], int]:
    action = _action()
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "examples", repo / "examples")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    ctx = _Context(inputs, repo)
    summary = tmp_path / "summary.md"
    summary.touch()
    uses: list[dict[str, Any]] = []
    final = 0
    bin_dir = Path(sys.executable).parent
    for index, step in enumerate(action["runs"]["steps"]):
        if not ctx.condition(step.get("if")):
            continue
        if "uses" in step:
            uses.append(
                {"uses": step["uses"], **{k: ctx.substitute(v) for k, v in step["with"].items()}}
            )
            continue
        if step["name"] == "Install ftlint":
            assert "pip install" in step["run"] and "FTLINT_ACTION_PATH" in step["run"]
            continue  # ftlint is installed in this venv already
        output = tmp_path / f"output-{index}"
        output.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "NO_COLOR"))}
        env.update({k: ctx.substitute(str(v)) for k, v in step.get("env", {}).items()})
        env.update(
            PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_WORKSPACE=str(repo),
        )
        script = tmp_path / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        if "id" in step:
            pairs = [line.split("=", 1) for line in output.read_text().splitlines() if line]
            ctx.outputs[step["id"]] = dict(pairs)
            ctx.outputs[step["id"]]["_stdout"] = proc.stdout
        if proc.returncode:
            final = proc.returncode
            break
    return ctx, uses, final


def test_action_is_a_well_formed_composite() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"]  # inputs reach scripts through env: no injection
    (upload,) = [s for s in steps if "uses" in s]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert set(action["outputs"]) == {"exit-code", "sarif-file"}


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="bash/git")
def test_action_steps_against_the_example_campaign(tmp_path: Path) -> None:
    ctx, uses, code = _run_action(
        tmp_path,
        path="examples",
        baseline="sft-c1-baseline",
        candidate="sft-c2-candidate",
        **{"plan-summary": "true"},
    )
    check = ctx.outputs["check"]
    assert check["exit-code"] == "1" and code == 1  # the job fails with ftlint's exit code
    sarif = json.loads((ctx.cwd / check["sarif-file"]).read_text())
    results = sarif["runs"][0]["results"]
    assert results and not any(r.get("suppressions") for r in results)
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("examples/")  # relative to the repository root, as GitHub needs
    assert "::error file=examples/" in check["_stdout"]  # PR annotations
    (upload,) = uses
    assert upload["sarif_file"] == "ftlint.sarif" and upload["category"] == "ftlint"
    summary = (tmp_path / "summary.md").read_text()
    assert "sft-c2-candidate" in summary and summary.lstrip().startswith("#")


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="bash/git")
def test_action_passes_when_nothing_reaches_fail_on(tmp_path: Path) -> None:
    ctx, uses, code = _run_action(
        tmp_path, path="examples", **{"fail-on": "never", "upload-sarif": "false"}
    )
    assert ctx.outputs["check"]["exit-code"] == "0" and code == 0
    assert uses == []
    assert (tmp_path / "summary.md").read_text() == ""
