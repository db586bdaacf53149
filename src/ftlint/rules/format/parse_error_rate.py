"""FMT002 parse-error-rate: Eval `parse_error_rate` above the maximum."""

from __future__ import annotations

from ftlint.model import Category, Severity
from ftlint.rule import Param
from ftlint.rules.format._rate import REFERENCE_PARAM, RateRule


class ParseErrorRate(RateRule):
    """What it detects: eval `parse_error_rate` above the maximum. Read from the final
    metrics or eval-result metrics (derived as 1 - json_valid_rate when only that is
    reported); the message gives the count of failed rows when the eval size is known.

    Why it matters: each parse error is a request the model did not answer in the
    contract format; the pipeline scores it with a mid-scale placeholder, so the
    quality metrics of the run are contaminated in proportion.

    What the planner does: tier 1: fix the largest failure class of the hard cases
    first (FMT003) and enforce the contract with constrained JSON decoding; tier 2:
    state the contract in the prompt. Reference eval modes are info, without actions.
    """

    code = "FMT002"
    name = "parse-error-rate"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    needs = ("metrics",)
    params = {
        "max": Param(0.02, "largest acceptable parse_error_rate", minimum=0, maximum=1),
        "reference_modes": REFERENCE_PARAM,
    }
    key = "parse_error_rate"
    higher_is_better = False
