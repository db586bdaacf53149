"""`ftlint plan` and `ftlint gate` through the real entry point: exit codes, formats, examples."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
from helpers import REPO, final_metrics, hard_case

from ftlint.sources.validate import schema

EXAMPLES = str(REPO / "examples")
PAIR = ("--baseline", "sft-c1-baseline", "--candidate", "sft-c2-candidate")
ADAPTER = "acme-ml/qwen2.5-0.5b-hidden-params-sft-c1-baseline"
ENV_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S+$")


# ----------------------------------------------------------------- the example workspace


def test_example_gate_fails_on_the_format_gates(cli) -> None:
    result = cli("gate", EXAMPLES, *PAIR, "--format", "json")
    assert result.code == 1, result.err
    doc = result.json()
    jsonschema.validate(doc, schema("gate"))
    assert doc["overall"] == "FAIL" and doc["passed"] is False and doc["format_blocked"]
    gates = {g["id"]: g for g in doc["gates"]}
    ni = gates["json_valid_rate:non-inferiority"]
    assert ni["verdict"] == "FAIL" and ni["category"] == "format"
    assert (ni["baseline"], ni["candidate"]) == (0.9875, 0.8125)
    assert ni["measurements"]["n_baseline"] == ni["measurements"]["n_candidate"] == 80
    assert "65/80" in ni["detail"] and "79/80" in ni["detail"]
    assert gates["parse_error_rate:non-inferiority"]["verdict"] == "FAIL"
    assert gates["json_valid_rate:min"]["verdict"] == "FAIL"
    assert [g["category"] for g in doc["gates"]].index("format") < [
        g["category"] for g in doc["gates"]
    ].index("quality")
    assert doc["rollback"] == []  # nothing promoted, nothing to roll back
    assert doc["decision"]["promote"] is False and doc["decision"]["keep"] == ADAPTER
    assert any("top-k only (24 of 80 rows)" in n for n in doc["notes"])
    assert "candidate sft-c2-candidate (--candidate)" in doc["selection_note"]


def test_example_gate_text(cli) -> None:
    result = cli("gate", EXAMPLES, *PAIR, "--no-color")
    assert result.code == 1
    out = result.out
    assert "ftlint gate: candidate sft-c2-candidate vs baseline sft-c1-baseline" in out
    assert "Compared baseline sft-c1-baseline (--baseline)" in out
    assert re.search(r"^  FAIL +json_valid_rate non-inferior to baseline", out, re.M)
    assert "Overall: FAIL" in out and "promotion is blocked" in out
    # FAIL: keep the baseline adapter and fix the failed gates; no rollback criteria
    assert f"Decision: keep {ADAPTER}; do not promote sft-c2-candidate; fix first:" in out
    assert "Rollback criteria" not in out and "roll back to" not in out
    assert "(gates.absolute: lower_bound)" in out
    assert "\x1b[" not in out
    quiet = cli("gate", EXAMPLES, *PAIR, "-q")
    assert quiet.out == "FAIL sft-c2-candidate\n" and quiet.code == 1


def test_example_plan_in_every_format(cli) -> None:
    outputs = {}
    for fmt in ("text", "markdown", "json", "env"):
        first = cli("plan", EXAMPLES, *PAIR, "--format", fmt)
        second = cli("plan", EXAMPLES, *PAIR, "--format", fmt)
        assert first.code == 0, first.err
        assert first.out == second.out, f"{fmt} output is not deterministic"
        outputs[fmt] = first.out
    doc = json.loads(outputs["json"])
    jsonschema.validate(doc, schema("plan"))
    board = {r["metric"]: r for r in doc["scoreboard"]}
    assert (board["json_valid_rate"]["baseline"], board["json_valid_rate"]["candidate"]) == (
        0.9875,
        0.8125,
    )
    assert board["mae_raw_nostalgia"]["candidate"] == 24.2125
    assert board["mae_raw"]["provisional"] is True
    assert doc["eval_sizes"] == {"baseline": 80, "candidate": 80}
    assert doc["format_blocked"] is True
    assert doc["gates"]["overall"] == "FAIL"
    assert all(a["status"] != "planned" for a in doc["actions"] if a["tier"] == 4)
    assert 3 <= len(doc["diagnosis"]) <= 5
    assert "0.8125" in " ".join(doc["diagnosis"])
    # whatever the rules propose, a token budget only ever goes up from the 96 in use
    for o in doc["overrides"]:
        if o["knob"] == "max_new_tokens" and o["status"] == "apply":
            assert o["current"] == "96" and int(o["value"]) > 96
    text = outputs["text"]
    assert "2. Scoreboard (eval rows: baseline 80, candidate 80)" in text
    assert re.search(r"json_valid_rate +0\.9875 +0\.8125 +-0\.1750 +worse", text)
    assert "6. Promotion gates and rollback criteria" in text
    md = outputs["markdown"]
    assert md.startswith("# Retrospective: sft-c2-candidate vs sft-c1-baseline\n")
    assert "| `json_valid_rate` | 0.9875 | 0.8125 | -0.1750 | worse |" in md
    assert all(ENV_LINE.match(line) for line in outputs["env"].splitlines())
    applied = [o for o in doc["overrides"] if o["status"] == "apply"]
    assert len(outputs["env"].splitlines()) == len(applied)


def test_plan_writes_output_file(cli, tmp_path: Path) -> None:
    target = tmp_path / "retro.md"
    result = cli("plan", EXAMPLES, *PAIR, "--format", "markdown", "-o", str(target))
    assert result.code == 0 and result.out == ""
    assert target.read_text(encoding="utf-8").startswith("# Retrospective")


# ----------------------------------------------------------------- usage errors


def test_unknown_run_is_exit_2_listing_known_runs(cli) -> None:
    for command in ("plan", "gate"):
        result = cli(command, EXAMPLES, "--baseline", "nope", "--candidate", "sft-c2-candidate")
        assert result.code == 2
        assert "'nope' is not a run of this workspace" in result.err
        assert "sft-c1-baseline" in result.err and "Traceback" not in result.err


def test_gate_without_baseline_is_exit_2(cli) -> None:
    result = cli("gate", EXAMPLES, "--candidate", "sft-c2-candidate")
    assert result.code == 2
    assert "needs a baseline" in result.err and "--baseline RUN" in result.err


def test_plan_without_candidate_is_exit_2(cli) -> None:
    result = cli("plan", EXAMPLES)
    assert result.code == 2 and "needs a candidate run" in result.err


@pytest.mark.parametrize(("command", "fmt"), [("plan", "sarif"), ("gate", "env")])
def test_unsupported_format_is_exit_2(cli, command: str, fmt: str) -> None:
    result = cli(command, EXAMPLES, *PAIR, "--format", fmt)
    assert result.code == 2 and "supports --format" in result.err


def test_bad_gates_config_is_exit_2_with_the_line(cli, tmp_path: Path) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text("gates:\n  - metric: weird_metric\n    min: 1\n", encoding="utf-8")
    result = cli("gate", EXAMPLES, *PAIR, "--config", str(config))
    assert result.code == 2
    assert f"{config}:2:" in result.err and "direction" in result.err
    config.write_text("gates:\n  inconclusive: sometimes\n", encoding="utf-8")
    result = cli("gate", EXAMPLES, *PAIR, "--config", str(config))
    assert result.code == 2 and f"{config}:2:" in result.err


# ----------------------------------------------------------------- synthetic workspaces


def _pair(ws, base_rate: float, cand_rate: float, n: int, cases=None) -> None:
    ws.run("run-a", metrics=final_metrics(json_valid_rate=base_rate, valid_examples=n), cases=cases)
    ws.run("run-b", metrics=final_metrics(json_valid_rate=cand_rate, valid_examples=n), cases=cases)


def test_gate_passes_with_exit_0(ws, cli) -> None:
    _pair(ws, 0.992, 0.990, 1000)
    result = cli("gate", str(ws.root), "--baseline", "run-a", "--candidate", "run-b")
    assert result.code == 0, result.out + result.err
    assert "Overall: PASS" in result.out
    assert re.search(r"PASS +json_valid_rate non-inferior to baseline", result.out)
    plan = cli(
        "plan", str(ws.root), "--baseline", "run-a", "--candidate", "run-b", "--format", "json"
    )
    assert plan.code == 0 and plan.json()["gates"]["overall"] == "PASS"


def test_newest_run_is_the_candidate_and_the_note_says_so(ws, cli) -> None:
    _pair(ws, 0.992, 0.990, 1000)
    result = cli("gate", str(ws.root), "--baseline", "run-a")
    assert "candidate run-b (newest run; pass --candidate to choose)" in result.out


def test_inconclusive_fails_unless_the_config_says_pass(ws, cli, tmp_path: Path) -> None:
    _pair(ws, 0.85, 0.8375, 80)
    config = tmp_path / "rules.yaml"
    checks = (
        "  checks:\n"
        "    - {metric: json_valid_rate, margin: 0.01}\n"
        "    - {metric: parse_error_rate, margin: 0.01}\n"
    )
    config.write_text("gates:\n  inconclusive: fail\n" + checks, encoding="utf-8")
    args = ("gate", str(ws.root), "--baseline", "run-a", "--candidate", "run-b")
    strict = cli(*args, "--config", str(config), "--format", "json")
    assert strict.code == 1 and strict.json()["overall"] == "INCONCLUSIVE"
    assert strict.json()["policy"] == "rules.yaml gates:"
    config.write_text("gates:\n  inconclusive: pass\n" + checks, encoding="utf-8")
    lenient = cli(*args, "--config", str(config), "--format", "json")
    assert lenient.code == 0 and lenient.json()["overall"] == "INCONCLUSIVE"
    assert lenient.json()["passed"] is True


def test_complete_hard_cases_pair_up_for_mcnemar_and_bootstrap(ws, cli) -> None:
    n = 20
    base = [hard_case(i) for i in range(1, n + 1)]
    cand = [
        hard_case(i, parse_error="json_block_not_found", text="no") if i <= 4 else hard_case(i)
        for i in range(1, n + 1)
    ]
    ws.run("run-a", metrics=final_metrics(json_valid_rate=1.0, valid_examples=n), cases=base)
    ws.run("run-b", metrics=final_metrics(json_valid_rate=0.8, valid_examples=n), cases=cand)
    result = cli(
        "gate", str(ws.root), "--baseline", "run-a", "--candidate", "run-b", "--format", "json"
    )
    doc = result.json()
    gates = {g["id"]: g for g in doc["gates"]}
    ni = gates["json_valid_rate:non-inferiority"]
    assert ni["method"] == "newcombe+mcnemar"
    assert ni["measurements"]["discordant_worse"] == 4
    assert ni["measurements"]["discordant_better"] == 0
    assert gates["mae_raw:non-inferiority"]["method"] == "bootstrap"
    assert not any("pairing is not possible" in note for note in doc["notes"])


def test_env_output_can_be_sourced(cli, tmp_path: Path) -> None:
    result = cli("plan", EXAMPLES, *PAIR, "--format", "env")
    env_file = tmp_path / "next.env"
    env_file.write_text(result.out, encoding="utf-8")
    expected = dict(line.split("=", 1) for line in result.out.splitlines())
    names = " ".join(f'"${{{name}}}"' for name in expected)
    shown = subprocess.run(
        ["bash", "-c", f'set -a; . "$1"; printf "%s\\n" {names}', "_", str(env_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert shown == [v.strip("'") for v in expected.values()]


def test_incomparable_example_pair_cannot_pass(cli) -> None:
    args = ("--baseline", "sft-c1-baseline", "--candidate", "sft-c2-scale10")
    result = cli("gate", EXAMPLES, *args, "--format", "json")
    assert result.code == 1
    doc = result.json()
    assert doc["overall"] != "PASS" and doc["passed"] is False
    if "PRV001" not in cli("rules").out:
        pytest.skip("PRV001 is not available")
    gates = {g["id"]: g for g in doc["gates"]}
    assert gates["comparable-pair"]["verdict"] == "FAIL"
    assert (
        "target_scale" in gates["comparable-pair"]["detail"]
        or "dataset" in (gates["comparable-pair"]["detail"])
    )
    assert gates["mae_raw:non-inferiority"]["verdict"] == "INCONCLUSIVE"


def test_colors_only_on_a_terminal(cli) -> None:
    colored = cli("gate", EXAMPLES, *PAIR, env={"FORCE_COLOR": "1"})
    assert "\x1b[1;31mFAIL\x1b[0m" in colored.out and colored.code == 1
    assert "\x1b[" not in cli("gate", EXAMPLES, *PAIR, "--no-color").out
    assert (
        "\x1b[" not in cli("plan", EXAMPLES, *PAIR, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out
    )
