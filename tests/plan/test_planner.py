"""The planner on synthetic findings: tiers, deferral, knob conflicts, clusters, renderers."""

from __future__ import annotations

import json
import re
import shlex

import jsonschema
import pytest

from ftlint.config.settings import DEFAULT_KNOBS
from ftlint.gates.decide import evaluate
from ftlint.gates.policy import gate_policy
from ftlint.model import (
    Action,
    Campaign,
    Category,
    Evidence,
    Finding,
    Metric,
    Provenance,
    Run,
    Severity,
)
from ftlint.plan.builder import build_plan
from ftlint.plan.model import format_value
from ftlint.report.envfmt import render_env
from ftlint.report.markdown import md, render_plan_markdown
from ftlint.report.plan_text import render_plan_text
from ftlint.report.planjson import render_plan_json
from ftlint.sources.validate import schema

HC = "outputs/cand/hard_cases.valid.jsonl"
DIMS = ("energy", "nostalgia")


def make_run(name: str, jv: float, mae: float, *, env: dict[str, str] | None = None) -> Run:
    values = {"json_valid_rate": jv, "parse_error_rate": round(1 - jv, 10), "mae_raw": mae}
    values.update({"mae_raw_energy": mae - 1, "mae_raw_nostalgia": mae + 1})
    return Run(
        name=name,
        provenance=Provenance(eval_size=80, adapter=f"acme/{name}", target_keys=DIMS),
        metrics={
            k: Metric(v, Evidence(f"outputs/{name}/final_metrics.json", pointer=f"/eval/{k}"))
            for k, v in values.items()
        },
        env=env
        if env is not None
        else {
            "HF_FT_LR": "0.00005",
            "HF_FT_EPOCHS": "2",
            "EVAL_LOCAL_MAX_NEW_TOKENS": "96",
            "HF_FT_GENERATION_MAX_NEW_TOKENS": "96",
        },
    )


def campaign(base_jv: float = 0.9875, cand_jv: float = 0.8125, **kw) -> Campaign:
    return Campaign(
        root="/ws",
        runs=(make_run("base", base_jv, 9.0), make_run("cand", cand_jv, 11.4, **kw)),
        baseline="base",
        candidate="cand",
        selection_note="Compared baseline base (--baseline); candidate cand (--candidate).",
    )


def finding(
    rule: str,
    message: str,
    *,
    category: Category = Category.FORMAT,
    severity: Severity = Severity.ERROR,
    run: str | None = "cand",
    actions: tuple[Action, ...] = (),
    samples: tuple[str, ...] = (),
    measurements: dict | None = None,
    suppressed: bool = False,
) -> Finding:
    evidence = tuple(
        Evidence(HC, line=i + 1, sample_id=s, url=f"https://wandb.ai/acme/p/weave/traces/{s}")
        for i, s in enumerate(samples)
    )
    return Finding(
        rule=rule,
        name=rule.lower() + "-name",
        severity=severity,
        category=category,
        run=run,
        message=message,
        evidence=evidence,
        measurements=measurements or {},
        actions=actions,
        fingerprint=f"{rule}-{message}"[:16],
        suppressed=suppressed,
    )


TOKENS = Action(
    tier=1,
    kind="env",
    knob="max_new_tokens",
    value=160,
    text="EVAL_LOCAL_MAX_NEW_TOKENS: 96 -> 160",
    why="completions are cut at the 96-token cap",
    expected="json_valid_rate +0.10",
    rollback_trigger="latency p95 above budget",
)
LR = Action(
    tier=4,
    kind="env",
    knob="learning_rate",
    value=3e-05,
    text="HF_FT_LR: 0.00005 -> 3e-05",
    why="eval got worse late in training",
    expected="late regression shrinks",
    rollback_trigger="best eval metric worse",
)
DATA = Action(tier=3, kind="dataset", text="Add 90 rows for template X", why="9 hard cases")
PROMPT = Action(tier=2, kind="prompt", text="Put the JSON contract in the system prompt")


def standard_findings() -> list[Finding]:
    return [
        finding(
            "FMT001",
            "json_valid_rate 0.8125 (65/80) is below the minimum 0.98",
            actions=(PROMPT,),
        ),
        finding(
            "FMT003",
            "unterminated: 8 of 15 failed rows",
            samples=("21", "31", "3", "45", "73", "9"),
            measurements={"failure_class": "unterminated", "count": 8},
            actions=(TOKENS, PROMPT),
        ),
        finding(
            "QLT006",
            "9 of 24 hard cases share a template",
            category=Category.QUALITY,
            severity=Severity.WARNING,
            samples=("6", "33"),
            measurements={"template": "Variant-N: calm piano", "count": 9},
            actions=(DATA,),
        ),
        finding(
            "TRN002",
            "json_valid_rate got worse late in training",
            category=Category.TRAINING,
            severity=Severity.WARNING,
            actions=(LR,),
        ),
    ]


def plan_for(findings, camp: Campaign | None = None, knobs=DEFAULT_KNOBS, policy=None):
    camp = camp or campaign()
    base, cand = camp.get(camp.baseline), camp.get(camp.candidate)
    gates = evaluate(base, cand, findings, policy or gate_policy(None))
    return build_plan(camp, findings, knobs, gates, tool_version="9.9", workspace="ws")


# ----------------------------------------------------------------- format first


def test_format_failure_defers_tier_4_and_marks_quality_provisional() -> None:
    plan = plan_for(standard_findings())
    assert plan.blocked
    lr = next(a for a in plan.actions if a.knob == "learning_rate")
    assert lr.status == "deferred" and "format gates" in lr.note
    data = next(a for a in plan.actions if a.text.startswith("Add 90"))
    assert data.provisional and data.status == "planned"
    assert [a.tier for a in plan.actions] == sorted(a.tier for a in plan.actions)
    mae = next(r for r in plan.scoreboard if r.metric == "mae_raw")
    assert mae.provisional
    env = render_env(plan)
    assert "HF_FT_LR" not in env  # deferred overrides are not applied
    assert env == "HF_FT_GENERATION_MAX_NEW_TOKENS=160\nEVAL_LOCAL_MAX_NEW_TOKENS=160\n"
    text = render_plan_text(plan)
    assert "DEFERRED HF_FT_LR: 0.00005 -> 3e-05" in text
    assert "HF_FT_LR: 0.00005 -> 3e-05   (learning_rate, TRN002, tier 4)" in text
    assert "PROVISIONAL" in text


def test_format_error_finding_alone_blocks() -> None:
    # gates pass on the numbers, but the candidate has a format error finding
    findings = [finding("FMT005", "trailing text"), *standard_findings()[3:]]
    plan = plan_for(findings, campaign(0.999, 0.999))
    assert plan.gates is not None and not plan.gates.format_blocked
    assert plan.blocked and plan.block_reasons == ("FMT005 fmt005-name error",)
    assert next(a for a in plan.actions if a.knob == "learning_rate").status == "deferred"


def test_clean_format_plans_hyperparameters() -> None:
    findings = [standard_findings()[3]]
    plan = plan_for(findings, campaign(0.999, 0.999))
    assert not plan.blocked
    lr = next(a for a in plan.actions if a.knob == "learning_rate")
    assert lr.status == "planned" and not lr.provisional
    assert render_env(plan) == "HF_FT_LR=3e-05\n"
    assert not any(r.provisional for r in plan.scoreboard)
    assert "The output format holds (json_valid_rate 0.999 vs 0.999 (+0))" in plan.diagnosis[2]


# ----------------------------------------------------------------- overrides and conflicts


def test_overrides_emit_every_mapped_variable_with_current_values() -> None:
    plan = plan_for(standard_findings())
    applied = [(o.name, o.current, o.value) for o in plan.applied_overrides()]
    assert applied == [
        ("HF_FT_GENERATION_MAX_NEW_TOKENS", "96", "160"),
        ("EVAL_LOCAL_MAX_NEW_TOKENS", "96", "160"),
    ]
    text = render_plan_text(plan)
    assert "EVAL_LOCAL_MAX_NEW_TOKENS: 96 -> 160   (max_new_tokens, FMT003, tier 1)" in text


def test_knob_map_from_config_renames_variables() -> None:
    knobs = {**DEFAULT_KNOBS, "max_new_tokens": ("MY_TOKENS",)}
    plan = plan_for(standard_findings(), knobs=knobs)
    assert [(o.name, o.current) for o in plan.applied_overrides()] == [("MY_TOKENS", None)]
    assert render_env(plan) == "MY_TOKENS=160\n"


def test_unmapped_and_unchanged_knobs() -> None:
    same = Action(tier=1, kind="env", knob="max_new_tokens", value=96.0, text="keep 96")
    odd = Action(tier=2, kind="decode", knob="temperature", value=0, text="greedy")
    plan = plan_for([finding("FMT004", "x", actions=(same, odd))])
    statuses = {(o.knob, o.name): o.status for o in plan.overrides}
    assert statuses[("max_new_tokens", "EVAL_LOCAL_MAX_NEW_TOKENS")] == "unchanged"
    assert statuses[("temperature", None)] == "unmapped"
    assert render_env(plan) == ""
    assert "no env variable for knob temperature" in render_plan_text(plan)


def conflict(*proposals: tuple[str, int, Severity, object]) -> list[Finding]:
    out = []
    for rule, tier, severity, value in proposals:
        action = Action(tier=tier, kind="env", knob="max_new_tokens", value=value, text=f"{rule}")
        out.append(finding(rule, f"{rule} finding", severity=severity, actions=(action,)))
    return out


@pytest.mark.parametrize(
    ("proposals", "winner", "reason"),
    [
        (
            [("FMT009", 2, Severity.ERROR, 128), ("FMT004", 1, Severity.WARNING, 256)],
            "256",
            "lower tier wins",
        ),
        (
            [("FMT004", 1, Severity.WARNING, 128), ("FMT009", 1, Severity.ERROR, 256)],
            "256",
            "more severe finding wins",
        ),
        (
            [("FMT004", 1, Severity.ERROR, 256), ("FMT009", 1, Severity.ERROR, 128)],
            "128",
            "more conservative value wins: closer to the current 96",
        ),
        (
            [("FMT009", 1, Severity.ERROR, 144), ("FMT004", 1, Severity.ERROR, 64)],
            "64",  # 144/96 = 1.5 = 96/64: an equal change, so the rule code decides
            "rule code order: FMT004 before FMT009",
        ),
        (
            [("FMT009", 1, Severity.ERROR, "fast"), ("FMT004", 1, Severity.ERROR, "safe")],
            "safe",  # non-numeric: no conservative order, the rule code decides
            "rule code order: FMT004 before FMT009",
        ),
    ],
)
def test_knob_conflicts_resolve_deterministically(proposals, winner: str, reason: str) -> None:
    plan = plan_for(conflict(*proposals))
    assert len(plan.conflicts) == 1
    c = plan.conflicts[0]
    assert c.winner.value == winner
    assert reason in c.reasons[0]
    assert {o.value for o in plan.applied_overrides()} == {winner}
    lost = [a for a in plan.actions if a.status == "superseded"]
    assert len(lost) == 1 and f"max_new_tokens = {winner}" in lost[0].note
    text = render_plan_text(plan)
    assert "conflict on max_new_tokens" in text and "Superseded proposals" in text
    # order of the findings does not matter
    again = plan_for(list(reversed(conflict(*proposals))))
    assert again.conflicts == plan.conflicts


def test_identical_actions_from_several_rules_merge() -> None:
    a = finding("FMT001", "a", actions=(PROMPT,))
    b = finding("FMT002", "b", actions=(PROMPT,))
    plan = plan_for([a, b])
    prompts = [x for x in plan.actions if x.text == PROMPT.text]
    assert len(prompts) == 1 and prompts[0].rules == ("FMT001", "FMT002")


# ----------------------------------------------------------------- clusters and diagnosis


def test_clusters_ranked_with_samples_evidence_and_fix() -> None:
    findings = [
        *standard_findings(),
        finding(  # same failure seen by another rule: folded in as related
            "FMT004",
            "6 completions cut at the cap",
            samples=("21", "31", "3", "45"),
            actions=(TOKENS,),
        ),
        finding(
            "QLT005",
            "rule_prompt over-represented",
            category=Category.QUALITY,
            severity=Severity.WARNING,
            samples=("90", "91", "92"),  # evidence count (no "count" measurement) = 3
            measurements={"source_type": "rule_prompt"},
        ),
        finding("QLT002", "no sample evidence", category=Category.QUALITY),
    ]
    plan = plan_for(findings)
    titles = [c.title for c in plan.clusters]
    assert titles == [
        "FMT003 fmt003-name: unterminated",
        "QLT006 qlt006-name: Variant-N: calm piano",
        "QLT005 qlt005-name: rule_prompt",
    ]
    top = plan.clusters[0]
    assert top.count == 8 and top.related == ("FMT004",)
    assert top.sample_ids == ("21", "31", "3", "45", "73")  # at most five
    assert top.fix == TOKENS.text and top.fix_tier == 1
    assert top.root_cause == TOKENS.why
    assert top.evidence[0] == f"{HC}:1" and top.more_evidence == 1
    assert top.traces[0] == "https://wandb.ai/acme/p/weave/traces/21"
    assert plan.clusters[2].count == 3 and plan.clusters[1].provisional


def test_diagnosis_names_the_dominant_failure_with_numbers() -> None:
    plan = plan_for(standard_findings())
    assert 3 <= len(plan.diagnosis) <= 5
    assert all(s.endswith(".") for s in plan.diagnosis)
    assert plan.diagnosis[0].startswith("Candidate cand was compared with baseline base on 80")
    assert "FMT001" in plan.diagnosis[1] and "0.8125 (65/80)" in plan.diagnosis[1]
    assert "Output format blocks promotion" in plan.diagnosis[2]
    assert "json_valid_rate 0.8125 vs 0.9875 (-0.175)" in plan.diagnosis[2]
    assert "unterminated with 8 samples" in plan.diagnosis[3]
    assert plan.diagnosis[4].startswith("Promotion verdict: FAIL")


def test_no_findings_still_gives_three_sentences() -> None:
    plan = plan_for([], campaign(0.999, 0.999))
    assert len(plan.diagnosis) >= 3
    assert "No rule found a problem" in plan.diagnosis[1]


def test_scope_excludes_other_runs_and_suppressed() -> None:
    other = finding("FMT001", "baseline problem", run="base", actions=(LR,))
    hidden = finding("FMT002", "accepted", suppressed=True, actions=(TOKENS,))
    plan = plan_for([other, hidden], campaign(0.999, 0.999))
    assert plan.actions == () and plan.other_findings == 1
    assert "1 finding(s) on other runs" in render_plan_text(plan)


def test_scoreboard_rows() -> None:
    plan = plan_for([])
    rows = {r.metric: r for r in plan.scoreboard}
    assert list(rows) == [
        "json_valid_rate",
        "parse_error_rate",
        "mae_raw",
        "mae_raw_energy",
        "mae_raw_nostalgia",
    ]
    assert rows["json_valid_rate"].delta == pytest.approx(-0.175)
    assert rows["json_valid_rate"].change == "worse"
    assert rows["parse_error_rate"].change == "worse"
    assert rows["mae_raw"].delta == pytest.approx(2.4) and rows["mae_raw"].change == "worse"
    assert plan.eval_sizes == {"baseline": 80, "candidate": 80}


# ----------------------------------------------------------------- values and rendering


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (160, "160"),
        (160.0, "160"),
        (1.2e-05, "1.2e-05"),
        (0.6 * 5e-05, "3e-05"),
        (True, "true"),
        (["nostalgia", "energy"], "nostalgia,energy"),
        ({"request_text": 0.4, "rule_prompt": 0.6}, "request_text:0.4,rule_prompt:0.6"),
        ("v4", "v4"),
    ],
)
def test_format_value(value, text: str) -> None:
    assert format_value(value) == text


def test_env_values_are_shell_quoted_and_names_checked() -> None:
    odd = Action(
        tier=2, kind="prompt", knob="system_prompt", value="Reply with 'JSON' only; $x", text="p"
    )
    bad = Action(tier=2, kind="env", knob="bad_name", value="1", text="b")
    knobs = {**DEFAULT_KNOBS, "system_prompt": ("SYSTEM_PROMPT",), "bad_name": ("1BAD-NAME",)}
    plan = plan_for([finding("FMT001", "x", actions=(odd, bad))], knobs=knobs)
    env = render_env(plan)
    assert "1BAD-NAME" not in env
    (line,) = env.splitlines()
    name, _, quoted = line.partition("=")
    assert name == "SYSTEM_PROMPT" and shlex.split(quoted) == ["Reply with 'JSON' only; $x"]


def test_markdown_escapes_untrusted_text() -> None:
    evil = "a | b `code` <script>alert(1)</script> *bold* [x](http://evil)"
    action = Action(tier=1, kind="prompt", text=evil, why="pipe | inside")
    plan = plan_for([finding("FMT003", evil, samples=("s|1", "s`2"), actions=(action,))])
    out = render_plan_markdown(plan)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "[x](http://evil)" not in out
    assert md(evil) in out
    for line in out.splitlines():
        if line.startswith("| ") and "Change" not in line and "---" not in line:
            # every table row keeps its column count: escaped pipes do not split cells
            cells = re.split(r"(?<!\\)\|", line)
            header_cols = {5, 6}
            assert len(cells) - 2 in header_cols, line


def test_markdown_reads_as_a_retrospective() -> None:
    out = render_plan_markdown(plan_for(standard_findings()))
    for heading in (
        "# Retrospective: cand vs base",
        "## Diagnosis",
        "## Scoreboard",
        "## Top failure clusters",
        "## Actions",
        "### Tier 4: hyperparameters (DEFERRED)",
        "## Next-run env overrides",
        "## Promotion gates and rollback criteria",
    ):
        assert heading in out
    # a FAIL promotes nothing: keep the baseline, no rollback criteria
    assert "### Rollback criteria" not in out
    assert "> **Promotion: ❌ FAIL**" in out
    assert (
        "```dotenv\nHF_FT_GENERATION_MAX_NEW_TOKENS=160\nEVAL_LOCAL_MAX_NEW_TOKENS=160\n```" in out
    )
    assert "| `json_valid_rate` | 0.9875 | 0.8125 | -0.1750 | worse |" in out
    assert "**Decision:** keep acme/base; do not promote cand; fix first:" in out
    assert "Roll back to" not in out


def test_every_format_is_deterministic_and_json_validates() -> None:
    outputs = []
    for _ in range(2):
        plan = plan_for(standard_findings())
        outputs.append(
            (
                render_plan_text(plan),
                render_plan_markdown(plan),
                render_plan_json(plan),
                render_env(plan),
            )
        )
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0][2])
    jsonschema.validate(doc, schema("plan"))
    assert doc["format_blocked"] is True
    assert [a["status"] for a in doc["actions"] if a["knob"] == "learning_rate"] == ["deferred"]


def test_plan_without_baseline() -> None:
    camp = Campaign(root="/ws", runs=(make_run("cand", 0.999, 5.0),), candidate="cand")
    gates = evaluate(None, camp.runs[0], [], gate_policy(None))
    plan = build_plan(camp, [], DEFAULT_KNOBS, gates)
    assert plan.baseline is None
    assert plan.diagnosis[0].startswith("Candidate cand was analysed without a baseline")
    jsonschema.validate(json.loads(render_plan_json(plan)), schema("plan"))
    assert "vs baseline" not in render_plan_text(plan).splitlines()[0]
