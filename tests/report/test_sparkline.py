"""Sparklines and the curve reader they share with the HTML and Mermaid charts."""

from __future__ import annotations

import math
from types import SimpleNamespace

from _example import PAIR
from hypothesis import given
from hypothesis import strategies as st

from ftlint.model import Evidence, Point, SeriesPoint
from ftlint.report.curves import curves_of, key_curve, marks_of, overfitting
from ftlint.report.plan_text import render_plan_text
from ftlint.report.runs import render_runs
from ftlint.report.sparkline import BLOCKS, curve_sparkline, run_sparkline, sparkline

EV = Evidence("x.jsonl", 1)


def test_sparkline_shape() -> None:
    assert sparkline([3, 2, 1, 0]) == "█▆▃▁"
    assert sparkline([1, 1, 1]) == "▄▄▄"
    assert sparkline([]) == ""
    assert sparkline([1.0, math.nan, math.inf, 2.0]) == "▁█"
    assert len(sparkline(list(range(100)), width=10)) == 10


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=200), st.integers(1, 50))
def test_sparkline_never_raises_and_is_bounded(values: list[float], width: int) -> None:
    line = sparkline(values, width)
    assert len(line) <= width and set(line) <= set(BLOCKS)


def test_caption_names_best_step_and_spike() -> None:
    curve = [(20.0, 0.9), (40.0, 0.5), (60.0, 0.45), (80.0, 0.46), (100.0, 1.4), (120.0, 1.5)]
    assert curve_sparkline("eval_loss", curve) == "eval_loss ▄▁▁▁▇█ best@step 60 spike@step 100"
    marks = marks_of("eval_loss", curve)
    assert marks.worse_after == 60.0 and marks.lower_better
    higher = marks_of("json_valid_rate", [(1.0, 0.5), (2.0, 0.9), (3.0, 0.95)])
    assert higher.best_step == 3.0 and higher.worse_after is None and not higher.spikes


def test_curves_of_prefers_canonical_curves_and_falls_back() -> None:
    v1 = SimpleNamespace(
        series=(SeriesPoint(20, {"eval_loss": 1.0, "target_scale": 100.0}, EV),),
        wandb_history=(
            SeriesPoint(10, {"train/loss": 2.0, "_runtime": 3.0}, EV),
            SeriesPoint(20, {"train/loss": 1.5, "eval/loss": 1.1}, EV),
        ),
    )
    got = curves_of(v1)
    assert got["train_loss"] == [(10.0, 2.0), (20.0, 1.5)]
    assert got["eval_loss"] == [(20.0, 1.1)]  # the W&B value logged at that step wins
    assert "target_scale" not in got and key_curve(got) == "eval_loss"
    v2 = SimpleNamespace(
        curves={"eval_loss": (Point(2, 0.5, EV), Point(1, 0.7, EV), Point(3, math.nan, EV))},
        series=v1.series,
    )
    assert curves_of(v2) == {"eval_loss": [(1.0, 0.7), (2.0, 0.5)]}
    assert curves_of(SimpleNamespace()) == {} and run_sparkline(SimpleNamespace()) == ""


def test_overfitting_needs_train_loss_still_falling() -> None:
    curves = {
        "eval_loss": [(1.0, 1.0), (2.0, 0.8), (3.0, 0.9), (4.0, 1.0)],
        "train_loss": [(1.0, 2.0), (2.0, 1.5), (3.0, 1.0), (4.0, 0.7)],
    }
    assert overfitting(curves, "eval_loss", marks_of("eval_loss", curves["eval_loss"]))
    del curves["train_loss"]
    assert not overfitting(curves, "eval_loss", marks_of("eval_loss", curves["eval_loss"]))


def test_runs_table_and_plan_text_show_sparklines(example) -> None:
    table = render_runs(example.campaign, "text", color=False)
    assert "json_valid_rate ▇███▂▁▁▁▁ best@step 40 spike@step 100" in table
    text = render_plan_text(example.plan, campaign=example.campaign)
    assert f"candidate {PAIR[1]}: json_valid_rate ▇███▂▁▁▁▁ best@step 40" in text
    assert "▇" not in render_plan_text(example.plan)  # without a campaign: as before


def test_bucket_means_near_the_float_limit_do_not_overflow() -> None:
    """Two values near 9e307 in one bucket summed to inf, and the scaling to NaN."""
    assert sparkline([8.988465674311579e307, 8.98846567431158e307], 1) == BLOCKS[3]
    line = sparkline([1.7e308, 1.7e308, -1.7e308, -1.7e308], 2)
    assert line == BLOCKS[-1] + BLOCKS[0]
