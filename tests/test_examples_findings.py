"""What a reader of `ftlint check examples --baseline sft-c1-baseline` must see.

The shipped workspace (written by scripts/make_examples.py) is the tour of ftlint: each
assertion here is one diagnosis the README promises, with its numbers and its evidence,
including what the W&B run folder and the Weave exports add, and what they must never leak.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import REPO, codes, lint

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config

EXAMPLES = REPO / "examples"
BASE, CAND, SCALE10 = "sft-c1-baseline", "sft-c2-candidate", "sft-c2-scale10"
FINE_TUNED = "20250312T140300Z_fine_tuned"
WANDB_DIR = "wandb/run-20250312_083412-c2cand01"
WEAVE_EVAL = "weave/sft-c2-candidate_eval_calls.jsonl"
WEAVE_CSV = "weave/sft-c1-baseline_hard_case_traces.csv"
#: the fake personal data in wandb-metadata.json: none of it may reach any output
PERSONAL = ("ml-engineer@example.com", "/home/alice", "alice", "devbox", "example.com")


@pytest.fixture(scope="module")
def findings() -> list[Any]:
    return lint(EXAMPLES, baseline=BASE, candidate=CAND)


def only(findings: list[Any], rule: str, run: str | None = None) -> list[Any]:
    return [f for f in findings if f.rule == rule and (run is None or f.run == run)]


def one(findings: list[Any], rule: str, run: str) -> Any:
    (found,) = only(findings, rule, run)
    return found


# ----------------------------------------------------------------- format contract


def test_format_contract_fails_for_the_candidate(findings) -> None:
    fmt001 = one(findings, "FMT001", CAND)
    assert fmt001.message == "json_valid_rate 0.8125 (65/80) is below the minimum 0.98"
    assert (
        fmt001.evidence[0].location() == f"outputs/{CAND}/final_metrics.json#/eval/json_valid_rate"
    )
    fmt002 = one(findings, "FMT002", CAND)
    assert fmt002.message.startswith("parse_error_rate 0.1875 (15/80) is above the maximum 0.02")
    assert not only(findings, "FMT001", BASE)  # 79/80 clears 0.98


def test_unterminated_completions_and_the_proposed_budget(findings) -> None:
    classes = {f.measurements["class"]: f for f in only(findings, "FMT003", CAND)}
    cut = classes["unterminated"]
    assert cut.message.startswith("unterminated: 8 of 15 failed rows in hard cases (53%)")
    assert cut.evidence[0].location() == f"outputs/{CAND}/hard_cases.valid.jsonl:2"
    assert {"trailing_text", "wrapper_object", "decode_error", "no_json"} <= set(classes)
    fmt004 = one(findings, "FMT004", CAND)
    assert fmt004.measurements["truncated"] == 8
    assert fmt004.measurements["proposed_max_new_tokens"] == 192
    assert "propose max_new_tokens 192" in fmt004.message
    assert "HF_FT_GENERATION_MAX_NEW_TOKENS=96" in fmt004.message
    (budget,) = [a for a in fmt004.actions if a.knob == "max_new_tokens"]
    assert budget.value == 192 and "96 -> 192" in budget.text


def test_parse_errors_jump_at_step_100(findings) -> None:
    fmt006 = one(findings, "FMT006", CAND)
    assert fmt006.message.startswith("parse_error_rate jumps to 0.1625 at step 100")
    assert fmt006.measurements["step"] == 100 and fmt006.measurements["recovered_step"] is None
    assert fmt006.evidence[0].location() == f"outputs/{CAND}/iter_eval_metrics.jsonl:5"


def test_validity_regression_against_the_baseline(findings) -> None:
    fmt007 = one(findings, "FMT007", CAND)
    assert fmt007.message.startswith(
        f"json_valid_rate fell from 0.9875 (79/80) in {BASE} to 0.8125 (65/80) in {CAND}"
    )
    assert fmt007.measurements["failures_baseline"] == 1
    assert fmt007.measurements["failures_candidate"] == 15


# ----------------------------------------------------------------- quality, provenance, ops


def test_nostalgia_is_the_weak_dimension(findings) -> None:
    qlt002 = one(findings, "QLT002", CAND)
    assert qlt002.message.startswith("mae_raw_nostalgia 24.21 is 2.93x the median 8.25")
    assert qlt002.evidence[0].pointer == "/eval/mae_raw_nostalgia"
    assert any(a.knob == "focus_dims" and a.value == ["nostalgia"] for a in qlt002.actions)


def test_fallback_rows_in_the_fine_tuned_eval(findings) -> None:
    prv003 = one(findings, "PRV003", FINE_TUNED)
    assert "mistral_fallback_rate 0.05 > 0 and hf_direct_rate 0.95 < 1" in prv003.message
    assert prv003.evidence[0].location() == (
        f"artifacts/eval/runs/{FINE_TUNED}.json#/metrics/mistral_fallback_rate"
    )


def test_scale10_run_is_unfinished(findings) -> None:
    prv006 = one(findings, "PRV006", SCALE10)
    assert prv006.message.startswith("iteration series stops at step 100 (5 evaluations)")
    assert prv006.measurements["expected_final_step"] == 180


def test_failed_eval_submission_and_pasted_token(findings) -> None:
    ops001 = one(findings, "OPS001", BASE)
    assert "exited 1" in ops001.message and "401 Client Error" in ops001.message
    assert ops001.evidence[0].location() == "artifacts/hf_jobs/eval_submissions.jsonl:2"
    sec001 = one(findings, "SEC001", CAND)
    assert sec001.evidence[0].location() == "artifacts/hf_jobs/eval_submissions.jsonl:3"
    records = (EXAMPLES / "artifacts/hf_jobs/eval_submissions.jsonl").read_text()
    (token,) = set(re.findall(r"hf_[A-Za-z0-9]{30,}", records))
    assert token not in sec001.message and token not in repr(sec001.measurements)


# ----------------------------------------------------------------- W&B and Weave inputs


def test_weave_summary_drops_the_failed_rows(findings) -> None:
    prv007 = one(findings, "PRV007", CAND)
    assert prv007.message == (
        "Weave evaluation 'eval-sft-c2-candidate-v3-valid': 14 of 80 rows failed (output "
        "null or exception) and are missing from the summary: json_valid.valid true_fraction "
        "reported 0.9848 (65 of 66 scored), recount 0.8125 (65/80); 1 more scorer value(s) "
        "disagree"
    )
    m = prv007.measurements
    assert (m["rows"], m["failed_rows"], m["scored"], m["recount"]) == (80, 14, 66, 0.8125)
    mae = next(d for d in m["disagreements"] if d["metric"] == "mae_scorer.mae_raw")
    assert (mae["scored"], mae["unscored_share"]) == (65, 0.1875)
    root, *failed = prv007.evidence
    assert root.location().startswith(f"{WEAVE_EVAL}:1")  # the Evaluation.evaluate call
    assert len(failed) == 5 and all(e.path == WEAVE_EVAL for e in failed)
    lines = (EXAMPLES / WEAVE_EVAL).read_text(encoding="utf-8").splitlines()
    for ev in failed:
        call = json.loads(lines[ev.line - 1])
        assert call["output"] is None and call["exception"]
        assert ev.url == f"https://wandb.ai/acme-ml/hidden-params/r/call/{call['id']}"
    assert "0.8125 over all 80 rows" in prv007.actions[0].text
    assert not only(findings, "PRV007", BASE)  # the baseline's CSV holds no evaluation


def test_wandb_folder_joins_the_candidate_without_conflicts() -> None:
    campaign = load_campaign(EXAMPLES, Config())
    runs = {r.name: r for r in campaign.runs}
    assert set(runs) == {BASE, CAND, SCALE10, FINE_TUNED, "20250312T131807Z_prompt_baseline"}
    cand = runs[CAND]
    assert cand.wandb_id == "c2cand01" and cand.wandb_dir == WANDB_DIR
    assert cand.conflicts == () and not campaign.problems
    ours = ("wandb/", "weave/")
    assert not [p for r in runs.values() for p in r.problems if p.evidence.path.startswith(ours)]
    summary = f"{WANDB_DIR}/files/wandb-summary.json"
    assert cand.wandb_summary_path == summary
    assert cand.wandb_summary["eval/json_valid_rate"] == cand.metric("json_valid_rate") == 0.8125
    assert cand.env_sources["HF_FT_LR"].path == "artifacts/hf_jobs/submissions.jsonl"  # job wins
    assert cand.wandb_config["HF_FT_RUN_NAME"] == CAND and cand.group == "loop-c2"
    meta = dict(cand.wandb_metadata)  # only these three survive from wandb-metadata.json
    assert re.fullmatch(r"[0-9a-f]{40}", meta.pop("git_commit"))
    assert meta == {"program": "scripts/train_sft.py", "started_at": "2025-03-12T08:34:12.418305Z"}
    (table,) = cand.wandb_tables
    assert (table.key, table.rows, table.parse_errors) == ("eval/failures_top_k", 15, 15)
    assert cand.finished is None  # no run log: W&B says nothing about finishing
    assert len(cand.weave_evals) == 1


def test_csv_traces_link_the_baseline_hard_cases_beyond_the_top_10() -> None:
    campaign = load_campaign(EXAMPLES, Config())
    base = next(r for r in campaign.runs if r.name == BASE)
    urls = {t.rank: t.url for t in base.traces}
    assert sorted(urls) == list(range(1, 17))
    assert all(
        urls[r].startswith("https://wandb.ai/acme-ml/hidden-params/weave/traces/")
        for r in range(1, 11)
    )
    assert all(
        urls[r].startswith("https://wandb.ai/acme-ml/hidden-params/r/call/") for r in range(11, 17)
    )


def test_no_personal_data_in_findings(findings) -> None:
    assert codes(findings)  # the examples do produce findings
    for f in findings:
        text = repr(f)
        for word in PERSONAL:
            assert word not in f.message and word not in text, (f.rule, word)


def test_runs_lists_the_wandb_and_weave_sources(cli) -> None:
    result = cli("runs", str(EXAMPLES), "--format", "json")
    assert result.code == 0, result.err
    rows = {r["name"]: r for r in result.json()["runs"]}
    sources = rows[CAND]["sources"]
    for name in ("wandb-summary.json", "config.yaml", "wandb-metadata.json"):
        assert f"{WANDB_DIR}/files/{name}" in sources
    assert any(s.startswith(f"{WANDB_DIR}/files/media/table/eval/failures_top_k_") for s in sources)
    assert WEAVE_EVAL in sources and WEAVE_CSV in rows[BASE]["sources"]
    assert not any(s.startswith(("wandb/", "weave/")) for s in rows[SCALE10]["sources"])
    for word in PERSONAL:
        assert word not in result.out


def test_no_personal_data_in_any_report(cli) -> None:
    args = ("--baseline", BASE, "--candidate", CAND)
    outputs = [
        cli("check", str(EXAMPLES), *args, "--format", "json").out,
        cli("check", str(EXAMPLES), *args, "--format", "sarif").out,
        cli("plan", str(EXAMPLES), *args, "--format", "markdown").out,
        cli("runs", str(EXAMPLES)).out,
    ]
    for text in outputs:
        assert text
        for word in PERSONAL:
            assert word not in text


def test_readme_names_only_files_that_exist() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"`((?:wandb|weave|outputs|artifacts)/[^`*<]+?)`", readme)
    assert f"{WANDB_DIR}/files/" in named and WEAVE_EVAL in named and WEAVE_CSV in named
    for rel in named:
        assert (EXAMPLES / rel).exists(), rel
