"""Tests for ftlint.analysis.stats: textbook values, hand-computed sums and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ftlint.analysis.stats import (
    Interval,
    binom_cdf,
    binom_sf,
    bootstrap_mean_diff,
    mad,
    mcnemar_exact,
    median,
    newcombe_diff_interval,
    robust_z,
    two_proportion_ztest,
    wilson_bound,
    wilson_interval,
)

Z975 = 1.959963984540054


def exact_binom_cdf(k: int, n: int, p: Fraction) -> Fraction:
    """Brute-force ``P[X <= k]`` with exact rational arithmetic."""
    return sum(
        (Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(min(k, n) + 1)),
        Fraction(0),
    )


counts = st.integers(min_value=0, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
nonempty_counts = st.integers(min_value=1, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
confidences = st.floats(min_value=0.5, max_value=0.999)
probs = st.floats(min_value=0.0, max_value=1.0)


# ------------------------------------------------------------------------------ Interval


def test_interval_half_width() -> None:
    assert Interval(0.2, 0.5, 0.3, 0.95).half_width == pytest.approx(0.15)


def test_interval_is_frozen() -> None:
    interval = Interval(0.0, 1.0, 0.5, 0.95)
    with pytest.raises(AttributeError):
        interval.low = 0.1  # type: ignore[misc]


# ------------------------------------------------------------------------------ Wilson


def test_wilson_newcombe_1998_example() -> None:
    # Newcombe (1998) / Wikipedia: 81/263 -> 0.2553 to 0.3662.
    interval = wilson_interval(81, 263)
    assert interval.low == pytest.approx(0.2553, abs=5e-5)
    assert interval.high == pytest.approx(0.3662, abs=5e-5)
    assert interval.point == pytest.approx(81 / 263)
    assert interval.confidence == 0.95


def test_wilson_zero_successes() -> None:
    # Upper end for 0/n is z^2 / (n + z^2).
    interval = wilson_interval(0, 10)
    assert interval.low == 0.0
    assert interval.high == pytest.approx(Z975**2 / (10 + Z975**2))
    assert interval.high == pytest.approx(0.2775, abs=5e-5)
    assert interval.point == 0.0


def test_wilson_all_successes() -> None:
    interval = wilson_interval(10, 10)
    assert interval.high == 1.0
    assert interval.low == pytest.approx(10 / (10 + Z975**2))
    assert interval.low == pytest.approx(0.7225, abs=5e-5)
    assert interval.point == 1.0


def test_wilson_empty_sample_is_uninformative() -> None:
    interval = wilson_interval(0, 0)
    assert (interval.low, interval.high) == (0.0, 1.0)
    assert math.isnan(interval.point)
    assert wilson_bound(0, 0, side="lower") == 0.0
    assert wilson_bound(0, 0, side="upper") == 1.0


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(-1, 10, 0.95), (11, 10, 0.95), (0, -1, 0.95), (5, 10, 0.0), (5, 10, 1.0), (5, 10, 1.5)],
)
def test_wilson_rejects_invalid_input(successes: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)
    with pytest.raises(ValueError):
        wilson_bound(successes, n, confidence)


def test_wilson_bound_rejects_unknown_side() -> None:
    with pytest.raises(ValueError):
        wilson_bound(5, 10, side="middle")  # type: ignore[arg-type]


def test_wilson_bound_is_end_of_two_sided_interval() -> None:
    two_sided = wilson_interval(81, 263, 0.90)
    assert wilson_bound(81, 263, 0.95, "lower") == pytest.approx(two_sided.low, abs=1e-12)
    assert wilson_bound(81, 263, 0.95, "upper") == pytest.approx(two_sided.high, abs=1e-12)


@given(counts, confidences)
def test_wilson_contains_point_within_unit_range(count: tuple[int, int], conf: float) -> None:
    successes, n = count
    interval = wilson_interval(successes, n, conf)
    assert 0.0 <= interval.low <= interval.high <= 1.0
    if n:
        assert interval.low <= interval.point <= interval.high


@given(nonempty_counts, confidences)
def test_wilson_bounds_bracket_point(count: tuple[int, int], conf: float) -> None:
    successes, n = count
    lower = wilson_bound(successes, n, conf, "lower")
    upper = wilson_bound(successes, n, conf, "upper")
    assert 0.0 <= lower <= successes / n <= upper <= 1.0


@given(nonempty_counts, st.floats(0.5, 0.98), st.floats(0.001, 0.019))
def test_wilson_widens_with_confidence(count: tuple[int, int], conf: float, step: float) -> None:
    successes, n = count
    narrow = wilson_interval(successes, n, conf)
    wide = wilson_interval(successes, n, conf + step)
    assert wide.low <= narrow.low + 1e-12
    assert wide.high >= narrow.high - 1e-12


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=499))
def test_wilson_monotone_in_successes(n: int, successes: int) -> None:
    if successes >= n:
        successes = n - 1
    fewer = wilson_interval(successes, n)
    more = wilson_interval(successes + 1, n)
    assert more.low >= fewer.low
    assert more.high >= fewer.high


# ------------------------------------------------------------------------------ Newcombe


@pytest.mark.parametrize(
    ("baseline", "candidate", "low", "high"),
    [
        # Newcombe (1998), Table II, method 10; diff is candidate - baseline.
        ((48, 80), (56, 70), 0.0524, 0.3339),
        ((3, 10), (9, 10), 0.1705, 0.8090),
        ((0, 29), (5, 56), -0.0381, 0.1926),
        ((0, 20), (0, 10), -0.1611, 0.2775),
        ((0, 20), (10, 10), 0.6791, 1.0000),
    ],
)
def test_newcombe_paper_examples(
    baseline: tuple[int, int], candidate: tuple[int, int], low: float, high: float
) -> None:
    interval = newcombe_diff_interval(*baseline, *candidate)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)
    assert interval.point == pytest.approx(candidate[0] / candidate[1] - baseline[0] / baseline[1])


def test_newcombe_first_example_point() -> None:
    assert newcombe_diff_interval(48, 80, 56, 70).point == pytest.approx(0.2000)


def test_newcombe_is_antisymmetric() -> None:
    forward = newcombe_diff_interval(48, 80, 56, 70)
    backward = newcombe_diff_interval(56, 70, 48, 80)
    assert backward.low == pytest.approx(-forward.high)
    assert backward.high == pytest.approx(-forward.low)


def test_newcombe_empty_sample() -> None:
    interval = newcombe_diff_interval(0, 0, 5, 10)
    assert (interval.low, interval.high) == (-1.0, 1.0)
    assert math.isnan(interval.point)


def test_newcombe_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        newcombe_diff_interval(11, 10, 5, 10)
    with pytest.raises(ValueError):
        newcombe_diff_interval(5, 10, -1, 10)
    with pytest.raises(ValueError):
        newcombe_diff_interval(5, 10, 5, 10, confidence=1.0)


@given(counts, counts, confidences)
def test_newcombe_contains_point(
    baseline: tuple[int, int], candidate: tuple[int, int], conf: float
) -> None:
    interval = newcombe_diff_interval(*baseline, *candidate, confidence=conf)
    assert -1.0 <= interval.low <= interval.high <= 1.0
    if baseline[1] and candidate[1]:
        assert interval.low <= interval.point + 1e-12
        assert interval.point <= interval.high + 1e-12


# Gate scenarios: non-inferiority margin 0.01 at one-sided 95% (two-sided 90%).
MARGIN = -0.01
ONE_SIDED_95 = 0.90


def test_gate_large_sample_small_drop_is_non_inferior() -> None:
    # candidate 990/1000 minus baseline 992/1000
    interval = newcombe_diff_interval(992, 1000, 990, 1000, confidence=ONE_SIDED_95)
    assert interval.point == pytest.approx(-0.002)
    assert interval.low > MARGIN
    assert interval.low == pytest.approx(-0.00951, abs=5e-5)


@pytest.mark.parametrize(("baseline", "candidate"), [(68, 67), (67, 68)])
def test_gate_small_sample_cannot_show_non_inferiority(baseline: int, candidate: int) -> None:
    # 68/80 vs 67/80 (0.85 vs 0.8375): too few rows to resolve a 1-point margin.
    interval = newcombe_diff_interval(baseline, 80, candidate, 80, confidence=ONE_SIDED_95)
    assert interval.low < MARGIN
    assert interval.high > 0.0


# ------------------------------------------------------------------------------ z-test


def test_ztest_hand_computed() -> None:
    # baseline 40/100, candidate 55/100: pooled 0.475,
    # se = sqrt(0.475 * 0.525 * (1/100 + 1/100)) = 0.070622..., z = 0.15 / se = 2.12398
    z, p = two_proportion_ztest(40, 100, 55, 100)
    se = math.sqrt(0.475 * 0.525 * 0.02)
    assert z == pytest.approx(0.15 / se)
    assert z == pytest.approx(2.12398, abs=1e-5)
    assert p == pytest.approx(0.033672, abs=1e-6)
    _, p_greater = two_proportion_ztest(40, 100, 55, 100, "greater")
    _, p_less = two_proportion_ztest(40, 100, 55, 100, "less")
    assert p_greater == pytest.approx(p / 2)
    assert p_less == pytest.approx(1 - p / 2)


def test_ztest_direction_for_regression() -> None:
    # candidate clearly worse: "less" (p2 < p1) is significant, z negative.
    z, p_less = two_proportion_ztest(95, 100, 70, 100, "less")
    assert z < 0
    assert p_less < 0.001


@pytest.mark.parametrize("args", [(0, 50, 0, 50), (50, 50, 30, 30), (0, 0, 3, 10)])
def test_ztest_degenerate(args: tuple[int, int, int, int]) -> None:
    for alternative in ("two-sided", "less", "greater"):
        assert two_proportion_ztest(*args, alternative) == (0.0, 1.0)  # type: ignore[arg-type]


def test_ztest_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        two_proportion_ztest(5, 10, 5, 10, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        two_proportion_ztest(12, 10, 5, 10)


@given(nonempty_counts, nonempty_counts)
def test_ztest_p_values_consistent(baseline: tuple[int, int], candidate: tuple[int, int]) -> None:
    pooled = (baseline[0] + candidate[0]) / (baseline[1] + candidate[1])
    assume(0.0 < pooled < 1.0)
    _, p_two = two_proportion_ztest(*baseline, *candidate)
    _, p_less = two_proportion_ztest(*baseline, *candidate, "less")
    _, p_greater = two_proportion_ztest(*baseline, *candidate, "greater")
    assert 0.0 <= p_two <= 1.0
    assert p_less + p_greater == pytest.approx(1.0)
    assert p_two == pytest.approx(min(1.0, 2 * min(p_less, p_greater)))


# ------------------------------------------------------------------------------ binomial


def test_binom_hand_values() -> None:
    # C(10,0)+C(10,1)+C(10,2)+C(10,3) = 1+10+45+120 = 176
    assert binom_cdf(3, 10, 0.5) == pytest.approx(176 / 1024, rel=1e-12)
    # C(10,8)+C(10,9)+C(10,10) = 45+10+1 = 56
    assert binom_sf(8, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-12)
    # P[X <= 1], n=5, p=0.3: 0.7^5 + 5*0.3*0.7^4 = 0.16807 + 0.36015
    assert binom_cdf(1, 5, 0.3) == pytest.approx(0.52822, rel=1e-12)
    # P[X >= 4], n=5, p=0.3: 5*0.3^4*0.7 + 0.3^5 = 0.02835 + 0.00243
    assert binom_sf(4, 5, 0.3) == pytest.approx(0.03078, rel=1e-12)


def test_binom_edges() -> None:
    assert binom_cdf(-1, 10, 0.3) == 0.0
    assert binom_cdf(10, 10, 0.3) == 1.0
    assert binom_cdf(15, 10, 0.3) == 1.0
    assert binom_sf(0, 10, 0.3) == 1.0
    assert binom_sf(11, 10, 0.3) == 0.0
    assert binom_cdf(0, 10, 0.0) == 1.0
    assert binom_sf(1, 10, 0.0) == 0.0
    assert binom_cdf(9, 10, 1.0) == 0.0
    assert binom_sf(10, 10, 1.0) == 1.0
    assert binom_cdf(0, 0, 0.5) == 1.0


def test_binom_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        binom_cdf(1, -1, 0.5)
    with pytest.raises(ValueError):
        binom_sf(1, 10, 1.5)
    with pytest.raises(ValueError):
        binom_cdf(1, 10, -0.1)


def test_binom_large_n_is_accurate() -> None:
    n = 1_000_000
    # P[X <= n/2] = 1/2 + pmf(n/2)/2, pmf(n/2) ~ sqrt(2 / (pi n)) (1 - 1/(4n) + 1/(32n^2)).
    pmf_mode = math.sqrt(2 / (math.pi * n)) * (1 - 1 / (4 * n) + 1 / (32 * n * n))
    assert binom_cdf(n // 2, n, 0.5) == pytest.approx(0.5 + pmf_mode / 2, rel=1e-12)
    assert binom_sf(n // 2 + 1, n, 0.5) == pytest.approx(0.5 - pmf_mode / 2, rel=1e-12)
    assert binom_cdf(n // 2 - 5000, n, 0.5) < 1e-20
    assert binom_sf(n // 2 + 5000, n, 0.5) < 1e-20
    assert binom_cdf(9_900, n, 0.01) + binom_sf(9_901, n, 0.01) == pytest.approx(1.0)


def test_binom_deep_tail_does_not_underflow_early() -> None:
    # P[X = 0] for n=2000, p=0.5 is 2^-2000 (below float range): cdf is 0, not an error.
    assert binom_cdf(0, 2000, 0.5) == 0.0
    # P[X <= 10] for n=1000, p=0.5 is tiny but representable.
    expected = float(exact_binom_cdf(10, 1000, Fraction(1, 2)))
    assert binom_cdf(10, 1000, 0.5) == pytest.approx(expected, rel=1e-9)


@settings(max_examples=60)
@given(
    st.integers(min_value=0, max_value=60).flatmap(
        lambda n: st.tuples(st.integers(min_value=-2, max_value=n + 2), st.just(n))
    ),
    st.fractions(min_value=0, max_value=1, max_denominator=50),
)
def test_binom_matches_exact_rational(kn: tuple[int, int], p: Fraction) -> None:
    k, n = kn
    expected_cdf = exact_binom_cdf(k, n, p)
    assert binom_cdf(k, n, float(p)) == pytest.approx(float(expected_cdf), rel=1e-11, abs=1e-300)
    expected_sf = 1 - exact_binom_cdf(k - 1, n, p)
    assert binom_sf(k, n, float(p)) == pytest.approx(float(expected_sf), rel=1e-11, abs=1e-300)


@given(
    st.integers(min_value=0, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(min_value=-1, max_value=n + 1), st.just(n))
    ),
    probs,
)
def test_binom_cdf_and_sf_complement(kn: tuple[int, int], p: float) -> None:
    k, n = kn
    cdf = binom_cdf(k, n, p)
    sf = binom_sf(k + 1, n, p)
    assert 0.0 <= cdf <= 1.0
    assert 0.0 <= sf <= 1.0
    assert cdf + sf == pytest.approx(1.0, abs=1e-9)


@given(
    st.integers(min_value=1, max_value=3000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n - 1), st.just(n))
    ),
    probs,
)
def test_binom_cdf_monotone_in_k(kn: tuple[int, int], p: float) -> None:
    k, n = kn
    assert binom_cdf(k, n, p) <= binom_cdf(k + 1, n, p) + 1e-12
    assert binom_sf(k, n, p) + 1e-12 >= binom_sf(k + 1, n, p)


@given(st.integers(min_value=1, max_value=500), st.floats(0.0, 0.9), st.floats(0.01, 0.1))
def test_binom_cdf_decreases_in_p(n: int, p: float, step: float) -> None:
    k = n // 3
    assert binom_cdf(k, n, p + step) <= binom_cdf(k, n, p) + 1e-12


# ------------------------------------------------------------------------------ McNemar


def test_mcnemar_hand_values() -> None:
    # n = 7: P[X <= 1] = (1 + 7) / 128; two-sided doubles it.
    assert mcnemar_exact(1, 6) == pytest.approx(16 / 128)
    assert mcnemar_exact(6, 1) == pytest.approx(16 / 128)
    # candidate worse (b=6 > c=1): P[X >= 6] = (7 + 1) / 128
    assert mcnemar_exact(6, 1, "greater") == pytest.approx(8 / 128)
    assert mcnemar_exact(1, 6, "less") == pytest.approx(8 / 128)
    # b=0, c=5: two-sided 2 * 2^-5
    assert mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    # n=12, b=2: P[X <= 2] = (1 + 12 + 66) / 4096
    assert mcnemar_exact(2, 10) == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact(10, 2, "greater") == pytest.approx(79 / 4096)


def test_mcnemar_balanced_and_empty() -> None:
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 0, "greater") == 1.0
    # candidate better: "greater" (candidate worse) is not significant
    assert mcnemar_exact(1, 6, "greater") == pytest.approx(1 - 1 / 128)


def test_mcnemar_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)
    with pytest.raises(ValueError):
        mcnemar_exact(1, 3, "bigger")  # type: ignore[arg-type]


@given(st.integers(0, 300), st.integers(0, 300))
def test_mcnemar_p_values_valid(b: int, c: int) -> None:
    two = mcnemar_exact(b, c)
    greater = mcnemar_exact(b, c, "greater")
    less = mcnemar_exact(b, c, "less")
    for p in (two, greater, less):
        assert 0.0 <= p <= 1.0
    assert two == pytest.approx(mcnemar_exact(c, b))
    assert greater == pytest.approx(mcnemar_exact(c, b, "less"))
    assert two >= min(greater, less) - 1e-12


# ------------------------------------------------------------------------------ bootstrap


def test_bootstrap_is_deterministic_and_covers_true_difference() -> None:
    a = [float(i % 7) for i in range(200)]
    b = [x + 1.0 + (0.5 if i % 2 else -0.5) for i, x in enumerate(a)]  # true diff = 1.0
    first = bootstrap_mean_diff(a, b, seed=42)
    second = bootstrap_mean_diff(a, b, seed=42)
    assert first == second
    assert first.point == pytest.approx(1.0)
    assert first.low < 1.0 < first.high
    assert first.low > 0.8
    assert first.high < 1.2
    assert first.confidence == 0.95


def test_bootstrap_seed_changes_result() -> None:
    a = [float(i % 5) for i in range(50)]
    b = [float((i * 3) % 7) for i in range(50)]
    assert bootstrap_mean_diff(a, b, seed=1) != bootstrap_mean_diff(a, b, seed=2)


def test_bootstrap_unpaired_separates_clear_shift() -> None:
    a = [0.0, 0.1, 0.2, 0.3, 0.4] * 20
    b = [5.0, 5.1, 5.2, 5.3] * 10
    interval = bootstrap_mean_diff(a, b, paired=False, n_resamples=500, seed=0)
    assert interval.point == pytest.approx(5.15 - 0.2)
    assert 4.8 < interval.low < interval.point < interval.high < 5.1
    assert interval == bootstrap_mean_diff(a, b, paired=False, n_resamples=500, seed=0)


def test_bootstrap_paired_is_narrower_for_correlated_rows() -> None:
    a = [float(i) for i in range(100)]
    b = [x + 0.5 + (0.1 if i % 2 else -0.1) for i, x in enumerate(a)]
    paired = bootstrap_mean_diff(a, b, paired=True, n_resamples=500)
    unpaired = bootstrap_mean_diff(a, b, paired=False, n_resamples=500)
    assert paired.half_width < unpaired.half_width / 10


def test_bootstrap_constant_difference_is_degenerate() -> None:
    interval = bootstrap_mean_diff([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], n_resamples=100)
    assert interval.low == pytest.approx(0.5)
    assert interval.high == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("a", "b", "kwargs"),
    [
        ([], [1.0], {}),
        ([1.0], [], {"paired": False}),
        ([1.0, 2.0], [1.0], {"paired": True}),
        ([1.0], [1.0], {"n_resamples": 0}),
        ([1.0], [1.0], {"confidence": 1.0}),
    ],
)
def test_bootstrap_rejects_invalid_input(a: list[float], b: list[float], kwargs: dict) -> None:
    with pytest.raises(ValueError):
        bootstrap_mean_diff(a, b, **kwargs)


# ------------------------------------------------------------------------------ robust scale


def test_median_and_mad() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([7]) == 7.0
    # deviations from 2: [1, 1, 0, 0, 2, 4, 7] -> median 1
    assert mad([1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]) == 1.0
    assert mad([5.0, 5.0, 5.0]) == 0.0


def test_median_and_mad_reject_empty() -> None:
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        mad([])
    with pytest.raises(ValueError):
        robust_z(1.0, [], 0.1)


def test_robust_z_values() -> None:
    history = [1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]  # median 2, mad 1
    assert robust_z(5.0, history, min_mad=0.0) == pytest.approx(3.0 / 1.4826)
    assert robust_z(-1.0, history, min_mad=0.0) == pytest.approx(-3.0 / 1.4826)
    # floor applies when the history is flatter than min_mad
    assert robust_z(5.0, history, min_mad=3.0) == pytest.approx(1.0)
    assert robust_z(0.7, [0.5, 0.5, 0.5], min_mad=0.1) == pytest.approx(2.0)


def test_robust_z_zero_scale() -> None:
    assert robust_z(0.5, [0.5, 0.5], min_mad=0.0) == 0.0
    assert robust_z(0.6, [0.5, 0.5], min_mad=0.0) == math.inf
    assert robust_z(0.4, [0.5, 0.5], min_mad=0.0) == -math.inf
    with pytest.raises(ValueError):
        robust_z(0.4, [0.5], min_mad=-1.0)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(-1e6, 1e6))
def test_robust_z_is_shift_invariant(history: list[float], shift: float) -> None:
    value = history[0] + 1.0
    base = robust_z(value, history, min_mad=1e-3)
    shifted = robust_z(value + shift, [h + shift for h in history], min_mad=1e-3)
    assert shifted == pytest.approx(base, rel=1e-6, abs=1e-3)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50))
def test_median_within_range_and_mad_nonnegative(values: list[float]) -> None:
    assert min(values) <= median(values) <= max(values)
    assert mad(values) >= 0.0
