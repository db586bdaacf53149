"""normal_quantile is exactly statistics.NormalDist().inv_cdf, without importing it."""

from __future__ import annotations

import subprocess
import sys
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftlint.analysis.stats._common import normal_quantile


@given(st.floats(min_value=1e-300, max_value=1.0, exclude_max=True))
def test_equals_normaldist_inv_cdf(p: float) -> None:
    assert normal_quantile(p) == NormalDist().inv_cdf(p)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_outside_the_open_unit_interval_is_an_error(p: float) -> None:
    with pytest.raises(ValueError):
        normal_quantile(p)


def test_it_imports_no_statistics_module() -> None:
    code = (
        "import sys; from ftlint.analysis.stats._common import normal_quantile; "
        "normal_quantile(0.975); print('statistics' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
