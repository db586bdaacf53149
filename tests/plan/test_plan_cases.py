"""Declarative plan cases (tests/plan/cases/*.yaml): a workspace, the first action the
plan must lead with, and what it must not propose.

Each case file holds `runs` (name -> run spec, see tests/plan/workspace.py), the pair
(`baseline`, `candidate`) and `expect`:

    first: {knob: max_new_tokens, value: "96"}     # the first live action
    caused_by: {knob: ..., baseline: ..., candidate: ...}   # or null: no setting change
    first_expected_rows: 40
    first_text: [substrings]; first_why: [substrings]
    diagnosis_first: the exact first diagnosis sentence (whitespace folded)
    must_not: [{knob: K, below: N}, {knob: K, value: V}, {text: substring}]  # no live action like it
    generic_after_first: true    # every generic action ranks after the first one
    env: [NAME=value lines of `plan --format env`]
    then: [{knob: K, value: V}, ...]    # the live actions right after the first
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ftlint import api
from ftlint.config.settings import Config
from ftlint.plan.model import Plan, PlannedAction, format_value
from ftlint.report.envfmt import render_env
from ftlint.report.markdown import md, render_plan_markdown
from ftlint.report.plan_text import render_plan_text
from ftlint.report.planjson import render_plan_json
from ftlint.sources.validate import schema

from .workspace import build

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _plan(tmp_path: Path, spec: dict[str, Any]) -> Plan:
    root = tmp_path / "ws"
    build(root, spec["runs"])
    session = api.setup(config=Config(), use_entry_points=False)
    campaign = api.load_campaign(
        session, root, baseline=spec["baseline"], candidate=spec["candidate"]
    )
    result = api.lint(session, campaign)
    return api.plan(session, result, api.gate(session, result))


def _live(plan: Plan) -> list[PlannedAction]:
    return [a for a in plan.actions if a.status != "superseded"]


def _matches(a: PlannedAction, rule: dict[str, Any]) -> bool:
    if "knob" in rule and a.knob != rule["knob"]:
        return False
    if "text" in rule and rule["text"] not in a.text:
        return False
    if "value" in rule and format_value(a.value) != str(rule["value"]):
        return False
    if "below" in rule:
        try:
            return float(format_value(a.value)) < float(rule["below"])
        except ValueError:
            return False
    return True


def _fold(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_case(path: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = spec["expect"]
    plan = _plan(tmp_path, spec)
    live = _live(plan)
    assert live, "the plan proposes nothing"
    first = live[0]
    shown = [(a.knob, format_value(a.value), a.text[:70]) for a in live[:5]]
    want = expect["first"]
    assert first.knob == want["knob"], shown
    if "value" in want:
        assert format_value(first.value) == str(want["value"]), shown
    assert first.specific, "the leading action must be specific"
    cause = expect.get("caused_by")
    if cause is None:
        assert first.caused_by is None and not any(a.caused_by for a in plan.actions)
    else:
        assert first.caused_by is not None
        assert {k: first.caused_by[k] for k in cause} == cause
    if "first_expected_rows" in expect:
        assert first.expected_rows_fixed == expect["first_expected_rows"]
    for part in expect.get("first_text", ()):
        assert part in first.text, first.text
    for part in expect.get("first_why", ()):
        assert part in first.why, first.why
    if "diagnosis_first" in expect:
        assert _fold(plan.diagnosis[0]) == _fold(expect["diagnosis_first"])
    for rule in expect.get("must_not", ()):
        bad = [a.text for a in live if _matches(a, rule)]
        assert not bad, f"proposes {rule}: {bad}"
    if expect.get("generic_after_first"):
        # in the leading tier, no generic remedy precedes a specific fix of the dominant
        # cluster (or the revert that explains it)
        tier = [a for a in live if a.tier == first.tier]
        lead = first.covers[0] if first.covers else None
        specific = [
            i for i, a in enumerate(tier) if a.caused_by or (a.specific and lead in a.covers)
        ]
        generic = [i for i, a in enumerate(tier) if not a.specific]
        assert generic, "the case should have a generic action to rank"
        assert max(specific) < min(generic), [(a.specific, a.text[:50]) for a in tier]
    for i, nxt in enumerate(expect.get("then", ()), start=1):
        assert live[i].knob == nxt["knob"], shown
        if "value" in nxt:
            assert format_value(live[i].value) == str(nxt["value"]), shown
    if "env" in expect:
        assert render_env(plan).splitlines() == expect["env"]
    if first.addresses:
        assert len(first.addresses) == len(set(first.addresses))
    _same_order_everywhere(plan)


def _same_order_everywhere(plan: Plan) -> None:
    """JSON, text and Markdown list the live actions in one order."""
    doc = json.loads(render_plan_json(plan))
    jsonschema.validate(doc, schema("plan"))
    live = [a for a in doc["actions"] if a["status"] != "superseded"]
    assert [a["text"] for a in live] == [a.text for a in _live(plan)]
    for a in live:
        assert {"addresses", "expected_rows_fixed", "caused_by"} <= set(a)
    text = render_plan_text(plan)
    text = text[text.index("4. Actions") : text.index("5. Next-run")]
    markdown = render_plan_markdown(plan)
    markdown = markdown[markdown.index("## Actions") :]
    markdown = markdown[: markdown.index("\n## ", 3)]
    for out, esc in ((text, lambda s: s), (markdown, md)):
        at = [out.find(esc(a["text"][:40])) for a in live]
        assert all(i >= 0 for i in at), (at, out[:400])
        assert at == sorted(at), "actions are not in the JSON order"


def test_cases_exist() -> None:
    names = {p.stem for p in CASES}
    assert {
        "truncation_lowered_cap",
        "late_regression_raised_lr",
        "dataset_version_incomparable",
        "prose_after_chat_template_change",
        "no_settings_diff",
    } <= names


def test_case_files_name_a_first_action() -> None:
    for path in CASES:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert re.fullmatch(r"\w+", spec["expect"]["first"]["knob"]), path
