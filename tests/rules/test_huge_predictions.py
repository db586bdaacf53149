"""Predictions near the float limit (1e300) are data, not a crash: the dimension
statistics that overflow are unknown (NaN), so no rule fires on them and no internal
error (FTL001) is reported; what is true of them (all over-predicted) still is."""

from __future__ import annotations

import math

from helpers import DIMS, hard_case, lint

from ftlint.rules.quality._common import DimStats


def test_overflowing_moments_are_unknown_not_zero() -> None:
    stats = DimStats()
    stats.n, stats.sp, stats.spp = 2, 2e300, math.inf  # two predictions of 1e300
    assert math.isnan(stats.pred_std)  # not 0.0: a collapse would be claimed on nothing
    stats.st, stats.stt = 2e300, math.inf
    assert math.isnan(stats.tgt_std)
    ok = DimStats()
    ok.n, ok.sp, ok.spp = 2, 4.0, 10.0  # 1 and 3
    assert ok.pred_std == 1.0


def test_a_run_predicting_1e300_lints_without_internal_error(ws) -> None:
    rows = [hard_case(i, predicted_vector={d: 1e300 for d in DIMS}) for i in range(1, 41)]
    ws.jsonl("outputs/r/hard_cases.valid.jsonl", rows)
    ws.run("r", cases=None)
    found = lint(ws.root)
    assert not [f for f in found if f.rule.startswith("FTL")], [f.message for f in found]
    qlt008 = [f.message for f in found if f.rule == "QLT008"]
    assert not [m for m in qlt008 if "near-constant" in m]  # no collapse claimed on NaN
    assert any("over-predicted in 40 of 40" in m for m in qlt008)  # the true finding
