"""The example campaign's plan after issue 20 (pinned on purpose: the order changed).

sft-c2-candidate raised the learning rate 0.00002 -> 0.00005 and broke its output format
late in training (parse_error_rate jumps at step 100); most failures are cut at the
96-token cap, which both runs used. So the plan leads with reverting the learning rate
(the change that explains the regression), then the token budget (the dominant
cluster's specific fix, above the 96 in use), and the generic remedies come after.
"""

from __future__ import annotations

import json

import pytest
from helpers import REPO

from ftlint import api
from ftlint.config.settings import Config
from ftlint.plan.model import Plan
from ftlint.report.planjson import render_plan_json

EXAMPLES = REPO / "examples"


@pytest.fixture(scope="module")
def plan() -> Plan:
    session = api.setup(config=Config(), use_entry_points=False)
    campaign = api.load_campaign(
        session, EXAMPLES, baseline="sft-c1-baseline", candidate="sft-c2-candidate"
    )
    result = api.lint(session, campaign)
    return api.plan(session, result, api.gate(session, result))


def test_the_learning_rate_revert_leads(plan: Plan) -> None:
    first = plan.actions[0]
    assert first.knob == "learning_rate" and first.value == "0.00002"
    assert first.caused_by == {
        "knob": "learning_rate",
        "names": ["HF_FT_LR"],
        "baseline": "0.00002",
        "candidate": "0.00005",
    }
    assert first.text.startswith("HF_FT_LR: 0.00005 -> 0.00002")
    assert "the baseline trained with 0.00002" in first.why
    assert first.expected_rows_fixed == 14  # 79/80 -> 65/80
    assert plan.diagnosis[0].startswith(
        "Late-training regression: the candidate raised learning_rate (0.00002 -> 0.00005)"
    )
    assert not any(s.startswith("The dominant failure is") for s in plan.diagnosis)


def test_the_token_budget_is_the_next_fix_and_absorbs_the_pointer(plan: Plan) -> None:
    second = plan.actions[1]
    assert second.knob == "max_new_tokens" and second.value == 192
    assert second.specific and second.covers == ("unterminated",)
    assert second.expected_rows_fixed == 8
    # "Fix the largest failure class first: unterminated" is this same fix: folded in
    assert not any(a.text.startswith("Fix the largest failure class") for a in plan.actions)
    assert {"FMT003", "FMT004", "FMT001", "FMT002", "FMT007"} <= set(second.rules)
    assert len(second.addresses) >= 5


def test_generic_remedies_rank_after_the_specific_fixes(plan: Plan) -> None:
    tier1 = [a for a in plan.actions if a.tier == 1]
    texts = [a.text for a in tier1]
    constrained = next(i for i, t in enumerate(texts) if t.startswith("Enable constrained"))
    assert constrained > 1
    prompt = next(a for a in plan.actions if a.text.startswith("Put the output contract"))
    assert not prompt.specific and len(prompt.covers) > 1


def test_json_exposes_the_ranking(plan: Plan) -> None:
    doc = json.loads(render_plan_json(plan))
    first = doc["actions"][0]
    assert first["caused_by"]["knob"] == "learning_rate"
    assert first["addresses"] and first["expected_rows_fixed"] == 14
    changes = {c["knob"]: c for c in doc["setting_changes"]}
    assert changes["learning_rate"]["family"] == "training"
    assert changes["learning_rate"]["explains"]
    assert "hard_case_top_k" in changes and changes["hard_case_top_k"]["explains"] == []
    assert not any(
        "TOKEN" in c["knob"].upper() and "MAX" not in c["knob"].upper()
        for c in doc["setting_changes"]
    )
