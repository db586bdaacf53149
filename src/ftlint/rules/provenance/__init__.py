"""Provenance rules (PRV): can the numbers be trusted and compared.

The package is the plugin `builtin.provenance`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.provenance.duplicate_eval_rows import DuplicateEvalRows
from ftlint.rules.provenance.duplicate_run import DuplicateRun
from ftlint.rules.provenance.fallback_contamination import FallbackContamination
from ftlint.rules.provenance.incomparable_pair import IncomparablePair
from ftlint.rules.provenance.inconsistent_metrics import InconsistentMetrics
from ftlint.rules.provenance.metric_target_mismatch import MetricTargetMismatch
from ftlint.rules.provenance.missing_artifact import MissingArtifact
from ftlint.rules.provenance.sampled_eval_decoding import SampledEvalDecoding
from ftlint.rules.provenance.small_sample import SmallSample
from ftlint.rules.provenance.unfinished_run import UnfinishedRun
from ftlint.rules.provenance.weave_denominator import WeaveDenominator


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        IncomparablePair,
        SmallSample,
        FallbackContamination,
        MissingArtifact,
        InconsistentMetrics,
        UnfinishedRun,
        WeaveDenominator,
        DuplicateEvalRows,
        SampledEvalDecoding,
        MetricTargetMismatch,
        DuplicateRun,
    ]
