"""Quality rules (QLT): value errors once the format passes.

The package is the plugin `builtin.quality`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.quality.baseline_regression import BaselineRegression
from ftlint.rules.quality.contaminated_quality_metric import ContaminatedQualityMetric
from ftlint.rules.quality.high_error_dimension import HighErrorDimension
from ftlint.rules.quality.mae_threshold import MaeThreshold
from ftlint.rules.quality.majority_class import MajorityClass
from ftlint.rules.quality.prediction_collapse import PredictionCollapse
from ftlint.rules.quality.quality_regression import QualityRegression
from ftlint.rules.quality.request_pattern_cluster import RequestPatternCluster
from ftlint.rules.quality.source_type_concentration import SourceTypeConcentration
from ftlint.rules.quality.worse_than_constant import WorseThanConstant


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        MaeThreshold,
        HighErrorDimension,
        QualityRegression,
        ContaminatedQualityMetric,
        SourceTypeConcentration,
        RequestPatternCluster,
        WorseThanConstant,
        PredictionCollapse,
        MajorityClass,
        BaselineRegression,
    ]
