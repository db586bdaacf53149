"""The gate policy: the `gates:` section of rules.yaml (schema, defaults) as `GateSpec`s.

Each configured check yields one gate per threshold it sets (`margin`/`tolerance`
against the baseline, `min`/`max` absolute); format gates are ordered first.
`allowance` is how much worse than the baseline a candidate may be.
"""

from __future__ import annotations

from typing import Any

from ftlint import frozen
from ftlint.gates.results import num
from ftlint.vocabulary import direction as direction_of
from ftlint.vocabulary import resolve

SECTION = "gates"
DEFAULT_ALPHA = 0.05
FORMAT_METRICS = frozenset({"json_valid_rate", "parse_error_rate"})
#: findings that make a promotion impossible, by rule code
BLOCKING_RULES = {
    "PRV001": ("comparable-pair", "baseline and candidate were measured the same way"),
    "PRV003": ("uncontaminated-eval", "every eval row was answered by the model under test"),
}

_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["metric"],
    "properties": {
        "metric": {"type": "string", "minLength": 1, "description": "final eval metric key"},
        "name": {"type": "string", "description": "label shown in reports"},
        "direction": {
            "enum": ["higher", "lower"],
            "description": "which way is better (inferred for rates, mae_*, mse_*)",
        },
        "category": {
            "enum": ["format", "quality"],
            "description": "format gates are decided first (inferred from the metric)",
        },
        "min": {"type": "number", "description": "absolute minimum of the candidate"},
        "max": {"type": "number", "description": "absolute maximum of the candidate"},
        "margin": {
            "type": "number",
            "minimum": 0,
            "description": "non-inferiority margin vs the baseline, absolute",
        },
        "tolerance": {
            "type": "number",
            "minimum": 0,
            "description": "allowed worsening vs the baseline, relative (0.02 = 2%)",
        },
        "alpha": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
    },
}

GATES_SCHEMA: dict[str, Any] = {
    "description": "Promotion gates: a list of checks, or a mapping with policy keys.",
    "type": ["object", "array"],
    "items": _CHECK_SCHEMA,
    "minItems": 1,
    "additionalProperties": False,
    "properties": {
        "inconclusive": {
            "enum": ["fail", "pass"],
            "description": "what an INCONCLUSIVE overall verdict exits with (default fail)",
        },
        "alpha": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 0.5,
            "description": "one-sided significance level of every check (default 0.05)",
        },
        "absolute": {
            "enum": ["lower_bound", "point_estimate"],
            "description": "how a rate meets an absolute min/max: its one-sided confidence "
            "bound must clear it (lower_bound, the conservative default) or the observed "
            "rate decides (point_estimate)",
        },
        "checks": {"type": "array", "minItems": 1, "items": _CHECK_SCHEMA},
    },
}

DEFAULT_CHECKS: tuple[dict[str, Any], ...] = (
    {"metric": "json_valid_rate", "direction": "higher", "margin": 0.01},
    {"metric": "parse_error_rate", "direction": "lower", "margin": 0.01},
    {"metric": "json_valid_rate", "direction": "higher", "min": 0.98},
    {"metric": "mae_raw", "direction": "lower", "tolerance": 0.02},
)


@frozen
class GateSpec:
    """One threshold of one configured check."""

    metric: str
    direction: str  # "higher" | "lower"
    category: str  # "format" | "quality"
    kind: str  # "relative" | "min" | "max"
    alpha: float
    bound: float | None = None  # min/max value
    margin: float | None = None
    tolerance: float | None = None
    name: str | None = None
    absolute: str = "lower_bound"  # how a rate meets min/max: "lower_bound" | "point_estimate"

    @property
    def is_rate(self) -> bool:
        """A share of rows (judged with its sample size): `*_rate`, accuracy, exact match."""
        if self.metric.endswith("_rate"):
            return True
        spec = resolve(self.metric).spec
        return spec is not None and spec.kind == "rate"

    @property
    def gate_id(self) -> str:
        return f"{self.metric}:{'non-inferiority' if self.kind == 'relative' else self.kind}"

    def label(self) -> str:
        if self.name:
            return self.name
        if self.kind == "min":
            return f"{self.metric} >= {num(self.bound)}"
        if self.kind == "max":
            return f"{self.metric} <= {num(self.bound)}"
        return f"{self.metric} {'non-inferior to' if self.is_rate else 'vs'} baseline"

    def threshold(self) -> str:
        conf = f"one-sided {1 - self.alpha:.0%}"
        if self.kind == "min":
            return f">= {num(self.bound)} ({conf})"
        if self.kind == "max":
            return f"<= {num(self.bound)} ({conf})"
        sign = "-" if self.direction == "higher" else "+"
        op = ">=" if self.direction == "higher" else "<="
        parts = []
        if self.margin is not None:
            parts.append(f"candidate - baseline {op} {sign}{num(self.margin)}")
        if self.tolerance is not None:
            parts.append(f"within {num(self.tolerance * 100)}% of baseline")
        return " and ".join(parts) + f" ({conf})"


@frozen
class GatePolicy:
    specs: tuple[GateSpec, ...]
    inconclusive: str = "fail"
    alpha: float = DEFAULT_ALPHA
    source: str = "defaults"
    absolute: str = "lower_bound"

    @property
    def derived(self) -> bool:
        """No checks configured: the gates come from what the pair measures
        (`ftlint.gates.defaults`)."""
        return self.source == "defaults"


class GateConfigError(ValueError):
    """A semantically invalid gates: section; `pointer` locates it in the config."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def gate_policy(section: Any) -> GatePolicy:
    """Build the policy from the (schema-validated) `gates:` section, or the defaults.

    Raises `GateConfigError` (with a JSON pointer) for a check without a threshold or
    whose direction cannot be inferred.
    """
    if section is None:
        section = {}
    base = "/gates" if isinstance(section, list) else "/gates/checks"
    if isinstance(section, list):
        section = {"checks": section}
    alpha = float(section.get("alpha", DEFAULT_ALPHA))
    absolute = str(section.get("absolute", "lower_bound"))
    raw_checks = section.get("checks")
    source = "rules.yaml gates:" if raw_checks else "defaults"
    specs = checks_to_specs(raw_checks or DEFAULT_CHECKS, alpha, absolute, base)
    return GatePolicy(specs, section.get("inconclusive", "fail"), alpha, source, absolute)


def checks_to_specs(
    checks: Any, alpha: float, absolute: str = "lower_bound", base: str = "/gates/checks"
) -> tuple[GateSpec, ...]:
    """Checks (as in rules.yaml) -> gate specs, format gates first."""
    specs: list[GateSpec] = []
    for i, check in enumerate(checks):
        at = f"{base}/{i}"
        metric = str(check["metric"])
        direction = check.get("direction") or direction_of(metric)
        if direction is None:
            raise GateConfigError(
                f"gates: cannot tell whether higher or lower {metric!r} is better; "
                "add direction: higher|lower",
                at,
            )
        keys = [k for k in ("margin", "tolerance", "min", "max") if check.get(k) is not None]
        if not keys:
            raise GateConfigError(
                f"gates: check of {metric!r} sets no threshold (margin, tolerance, min or max)",
                at,
            )
        category = check.get("category") or ("format" if metric in FORMAT_METRICS else "quality")
        common = {
            "metric": metric,
            "direction": direction,
            "category": category,
            "alpha": float(check.get("alpha", alpha)),
            "name": check.get("name"),
            "absolute": absolute,
        }
        if "margin" in keys or "tolerance" in keys:
            specs.append(
                GateSpec(
                    kind="relative",
                    margin=check.get("margin"),
                    tolerance=check.get("tolerance"),
                    **common,
                )
            )
        for kind in ("min", "max"):
            if kind in keys:
                specs.append(GateSpec(kind=kind, bound=float(check[kind]), **common))
    return tuple(sorted(specs, key=lambda s: s.category != "format"))  # stable: format first


def allowance(spec: GateSpec, base: float) -> float:
    """How much worse than `base` the candidate may be, absolute."""
    options = []
    if spec.margin is not None:
        options.append(spec.margin)
    if spec.tolerance is not None:
        options.append(spec.tolerance * abs(base))
    return min(options)  # both set: the stricter one
