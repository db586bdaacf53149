"""The shared vocabulary the rules, planner and gates agree on: direction and numbers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftlint.report.numbers import g
from ftlint.vocabulary import as_number, direction, lower_is_better


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("json_valid_rate", "higher"),
        ("parse_error_rate", "lower"),
        ("mae_raw", "lower"),
        ("mae_raw_tempo", "lower"),
        ("eval_loss", "lower"),  # the training rules' old copy said higher
        ("valid_loss", "lower"),
        ("iter_eval/mae_raw", "lower"),
        ("eval_accuracy", "higher"),
        ("fallback_rate", "lower"),
        ("latency_p95", "lower"),
        ("p95_latency_ms", "lower"),
        ("cost_per_request", "lower"),
        ("exact_match_rate", "higher"),
        ("custom_score", "higher"),
        ("eval_size", None),  # a count has no direction
        ("learning_rate", None),  # a setting, not a rate of success
        ("my_metric", None),
    ],
)
def test_one_direction_for_every_caller(name: str, expected: str | None) -> None:
    assert direction(name) == expected
    assert lower_is_better(name) is (expected == "lower")


def test_configured_direction_wins() -> None:
    assert direction("my_metric", {"my_metric": False}) == "lower"
    assert direction("mae_raw", {"mae_raw": True}) == "higher"


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans()))
def test_as_number_is_finite_or_none(value: object) -> None:
    out = as_number(value)
    assert out is None or math.isfinite(out)
    if isinstance(value, bool):
        assert out is None


@given(st.text(max_size=12))
def test_as_number_text_never_raises(value: str) -> None:
    out = as_number(value, text=True)
    assert out is None or math.isfinite(out)
    assert as_number(value) is None  # strings are metadata unless asked


def test_settings_strings_parse_when_asked() -> None:
    assert as_number("2e-4", text=True) == 2e-4
    assert as_number(" 3 ", text=True) == 3.0
    assert as_number("nan", text=True) is None
    assert as_number(10**400) is None


def test_one_number_format() -> None:
    assert [g(0.8125), g(11.37708), g(1.2e-05), g(3.0)] == ["0.8125", "11.38", "1.2e-05", "3"]
