"""Pure-Python statistics for promotion gates.

Everything here uses the standard library only (``math``, ``statistics.NormalDist`` and
``random``), is deterministic, and is small enough to audit by hand.

Conventions used throughout:

* A *baseline* is indexed 1 and a *candidate* is indexed 2; differences are always
  ``candidate - baseline`` (``p2 - p1``, ``mean(b) - mean(a)``).
* ``confidence`` is the two-sided coverage of an interval unless a function says it is
  one-sided (:func:`wilson_bound`). A one-sided 95% bound is the matching end of a
  two-sided 90% interval.
* Invalid inputs raise :class:`ValueError`; "no data" cases return documented,
  uninformative answers instead of raising.
"""

from __future__ import annotations

from ftlint.analysis.stats._common import Alternative, Interval, Side
from ftlint.analysis.stats.binomial import binom_cdf, binom_sf, mcnemar_exact
from ftlint.analysis.stats.bootstrap import bootstrap_mean_diff
from ftlint.analysis.stats.proportions import (
    newcombe_diff_interval,
    two_proportion_ztest,
    wilson_bound,
    wilson_interval,
)
from ftlint.analysis.stats.robust import MAD_TO_SIGMA, mad, median, robust_z

__all__ = [
    "MAD_TO_SIGMA",
    "Alternative",
    "Interval",
    "Side",
    "binom_cdf",
    "binom_sf",
    "bootstrap_mean_diff",
    "mad",
    "mcnemar_exact",
    "median",
    "newcombe_diff_interval",
    "robust_z",
    "two_proportion_ztest",
    "wilson_bound",
    "wilson_interval",
]
