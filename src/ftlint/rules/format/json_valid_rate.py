"""FMT001 json-valid-rate: Eval `json_valid_rate` below the minimum."""

from __future__ import annotations

from ftlint.model import Category, Severity
from ftlint.rule import Param
from ftlint.rules.format._rate import REFERENCE_PARAM, RateRule


class JsonValidRate(RateRule):
    """What it detects: eval `json_valid_rate` below the minimum. Read from the final
    metrics or eval-result metrics (W&B summaries map to the same key); the message
    gives the count of valid rows when the eval size is known.

    Why it matters: every unparsed output is scored with a placeholder vector, so a
    run that misses the output contract has quality metrics that mix format failures
    with value errors, and a downstream consumer gets no answer for those requests.

    What the planner does: tier 1: fix the largest failure class of the hard cases
    first (FMT003), and enforce the contract with constrained JSON decoding against
    the target-key schema; tier 2: state the contract in the prompt. Reference eval
    modes (prompt/large/rule baselines) are reported as info, without actions.
    """

    code = "FMT001"
    name = "json-valid-rate"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    needs = ("metrics",)
    params = {
        "min": Param(0.98, "smallest acceptable json_valid_rate", minimum=0, maximum=1),
        "reference_modes": REFERENCE_PARAM,
    }
    key = "json_valid_rate"
    higher_is_better = True
