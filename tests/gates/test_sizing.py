"""What would decide an INCONCLUSIVE gate: the eval size agrees with the gate's own test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.gates.decide import evaluate
from ftlint.gates.policy import GateSpec, gate_policy
from ftlint.gates.results import Verdict
from ftlint.gates.sizing import mean_sentence, rows_for_bound, rows_for_difference
from ftlint.model import Evidence, Metric, Provenance, Run

MIN = GateSpec("json_valid_rate", "higher", "format", "min", 0.05, bound=0.98)
NI = GateSpec("json_valid_rate", "higher", "format", "relative", 0.05, margin=0.01)
EV = Evidence("x.json")


def cand(rate: float, n: int) -> Run:
    return Run(
        name="c",
        provenance=Provenance(eval_size=n, adapter="acme/c"),
        metrics={"json_valid_rate": Metric(rate, EV)},
    )


def verdict_at(rate: float, n: int) -> Verdict:
    policy = gate_policy({"checks": [{"metric": "json_valid_rate", "min": 0.98}]})
    (gate,) = evaluate(None, cand(rate, n), [], policy).results
    return gate.verdict


def test_seventy_perfect_rows_need_133() -> None:
    assert rows_for_bound(MIN, 1.0, 70) == (133, "PASS")
    assert verdict_at(1.0, 132) is Verdict.INCONCLUSIVE
    assert verdict_at(1.0, 133) is Verdict.PASS


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(min_value=10, max_value=400), st.integers(min_value=0, max_value=400))
def test_the_size_found_decides_the_gate_and_one_less_does_not(n: int, x: int) -> None:
    x = min(x, n)
    rate = x / n
    if verdict_at(rate, n) is not Verdict.INCONCLUSIVE:
        return
    found = rows_for_bound(MIN, rate, n)
    if found is None:
        return
    rows, verdict = found
    if rows * rate != int(rows * rate):  # the gate reads whole counts; the search does not
        return
    assert verdict_at(rate, rows).value == verdict
    if rows > n:
        assert verdict_at(rate, rows - 1) is Verdict.INCONCLUSIVE or (rows - 1) * rate % 1


def test_difference_and_mean_sizes() -> None:
    rows, verdict = rows_for_difference(NI, 0.99, 0.99, 80) or (0, "")
    assert verdict == "PASS" and rows > 80
    rows, verdict = rows_for_difference(NI, 0.99, 0.97, 80) or (0, "")
    assert verdict == "FAIL" and rows > 80
    assert rows_for_bound(MIN, 0.98, 80) is None  # exactly at the bound: no size decides
    text, rows = mean_sentence(0.1, -0.3, 0.5, 0.18, False, 40)
    assert rows == pytest.approx(1000, abs=1) and "within the tolerance" in text
    text, rows = mean_sentence(0.5, -0.1, 1.1, 0.18, False, 40)
    assert rows == 58 and "worse" in text
