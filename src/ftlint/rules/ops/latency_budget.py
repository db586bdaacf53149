"""OPS003 latency-budget: P95 latency or cost per request above a configured budget."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Category, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext


def _budget_param(description: str) -> Param:
    return Param(None, description, type="number", nullable=True, minimum=0)


class LatencyBudget(Rule):
    """What it detects: p95 latency or cost per request above a configured budget. The
    p95 is `p95_inference_latency_ms`, the cost per request `cost_per_100_requests_usd`
    / 100, read from eval results or final metrics. Off unless a budget is set in
    rules.yaml.

    Why it matters: an adapter that wins on quality but misses the serving latency or
    cost budget cannot be promoted; catching it in the eval is cheaper than in
    production.

    What the planner does: lists the over-budget metric next to the promotion gates
    (a candidate over budget is not promoted); it proposes no tuning change itself.
    """

    code = "OPS003"
    name = "latency-budget"
    category = Category.OPS
    default_severity = Severity.WARNING
    opt_in = True
    params = {
        "max_p95_latency_ms": _budget_param("p95 inference latency budget in ms (null: off)"),
        "max_cost_per_request_usd": _budget_param("cost budget per request in USD (null: off)"),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        budget = ctx.params["max_p95_latency_ms"]
        p95 = run.metrics.get("p95_inference_latency_ms")
        if budget is not None and p95 is not None and p95.value > budget:
            yield ctx.finding(
                run,
                f"p95 inference latency {p95.value:g} ms is above the {budget:g} ms budget "
                f"({p95.value / budget - 1:.0%} over)",
                anchor="p95_inference_latency_ms",
                evidence=[p95.evidence],
                measurements={"p95_inference_latency_ms": p95.value, "budget": budget},
            )
        budget = ctx.params["max_cost_per_request_usd"]
        cost = run.metrics.get("cost_per_100_requests_usd")
        if budget is not None and cost is not None and cost.value / 100 > budget:
            per_request = cost.value / 100
            yield ctx.finding(
                run,
                f"cost per request ${per_request:.6g} (cost_per_100_requests_usd "
                f"{cost.value:g} / 100) is above the ${budget:g} budget",
                anchor="cost_per_request",
                evidence=[cost.evidence],
                measurements={"cost_per_request_usd": per_request, "budget": budget},
            )
