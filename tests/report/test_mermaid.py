"""Mermaid charts in the Markdown plan (GitHub renders them in PR comments)."""

from __future__ import annotations

import dataclasses

from ftlint.report.markdown import render_plan_markdown
from ftlint.report.mermaid import charts_section, safe


def test_charts_follow_the_scoreboard(example) -> None:
    md = render_plan_markdown(example.plan, campaign=example.campaign)
    assert md.index("## Scoreboard") < md.index("## Charts") < md.index("## Top failure clusters")
    assert md.count("```mermaid") == 2
    assert "x-axis [20, 40, 60, 80, 100, 120, 140, 160, 180]" in md
    assert 'title "json_valid_rate by step, baseline (first line) vs candidate; best@step 40"' in md
    assert "line [0.95, 0.9625, 0.975" in md  # the baseline, evaluated at the same steps
    assert "line [0.975, 0.9875, 0.9875, 0.9875, 0.8375" in md
    assert "bar [0.9875, 0.0125]" in md and "bar [0.8125, 0.1875]" in md
    assert "## Charts" not in render_plan_markdown(example.plan)  # existing output unchanged


def test_labels_are_reduced_to_a_safe_alphabet(example) -> None:
    assert safe('a"]\n```<script>') == "a_______script_"
    assert safe('t "x" (y)\n', title=True) == "t _x_ (y)_"
    plan = dataclasses.replace(example.plan, scoreboard=(), baseline=None)
    assert charts_section(plan, None) == []
