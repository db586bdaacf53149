"""PRV003 fallback-contamination: An eval that did not measure the model under test."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ftlint.model import (
    Action,
    Campaign,
    Category,
    Evidence,
    Finding,
    Run,
    Severity,
    Submission,
)
from ftlint.rule import Param, Rule, RuleContext


def _bool_value(current: str | None, value: bool) -> str:
    """Write a boolean in the style the run already uses (1/0 or true/false)."""
    if current is not None and current.strip() in ("0", "1"):
        return "1" if value else "0"
    return "true" if value else "false"


def _eval_submissions(run: Run, campaign: Campaign) -> list[Submission]:
    """The eval job records that produced this run's eval: its own, or for an eval-result
    run the successful records with the same mode and adapter id."""
    own = [s for s in run.submissions if s.kind == "eval" and s.exit_code in (None, 0)]
    if own or not isinstance(run.eval_result, Mapping):
        return own
    mode = run.eval_result.get("mode")
    adapter = run.eval_result.get("local_adapter_model_id") or None
    pool = [s for r in campaign.runs for s in r.submissions] + list(campaign.unjoined)
    found = [
        s
        for s in pool
        if s.kind == "eval"
        and s.exit_code in (None, 0)
        and s.mode == mode
        and s.adapter_model_id == adapter
    ]
    return sorted(found, key=lambda s: s.submitted_at or "", reverse=True)[:1]


class FallbackContamination(Rule):
    """What it detects: an eval that did not measure the model under test. Rows answered
    by a fallback model or route (`mistral_fallback_rate` above `max_fallback_rate`,
    `hf_direct_rate` below `min_hf_direct_rate`, in an eval result or final metrics), or
    an eval job whose adapter id (`local_adapter_model_id` / EVAL_LOCAL_ADAPTER_MODEL_ID)
    is not the adapter of the run it is filed under.

    Why it matters: the json_valid_rate and MAE then mix another model's answers into the
    candidate's; a fallback that rescues unparseable outputs hides exactly the format
    failures the candidate must be judged on.

    What the planner does: proposes tier-1 env changes for the eval job: disable the
    fallback (`fallback_enabled` off) and require the direct route (`require_hf_direct`
    on), or point the eval at the right adapter; the run's metrics stay provisional
    until a clean re-eval.
    """

    code = "PRV003"
    name = "fallback-contamination"
    category = Category.PROVENANCE
    default_severity = Severity.ERROR
    params = {
        "max_fallback_rate": Param(
            0.0, "largest acceptable mistral_fallback_rate", minimum=0, maximum=1
        ),
        "min_hf_direct_rate": Param(
            1.0, "smallest acceptable hf_direct_rate", minimum=0, maximum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        yield from self._rates(run, ctx)
        yield from self._adapter(run, ctx)

    def _rates(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        fallback = run.metric("mistral_fallback_rate")
        direct = run.metric("hf_direct_rate")
        parts: list[str] = []
        evidence: list[Evidence] = []
        if fallback is not None and fallback > ctx.params["max_fallback_rate"]:
            parts.append(
                f"mistral_fallback_rate {fallback:g} > {ctx.params['max_fallback_rate']:g}"
            )
            evidence.append(run.metrics["mistral_fallback_rate"].evidence)
        if direct is not None and direct < ctx.params["min_hf_direct_rate"]:
            parts.append(f"hf_direct_rate {direct:g} < {ctx.params['min_hf_direct_rate']:g}")
            evidence.append(run.metrics["hf_direct_rate"].evidence)
        if not parts:
            return
        n = run.provenance.eval_size
        share = fallback if fallback is not None else 1 - (direct or 0.0)
        rows = f" (about {round(share * n)} of {n} rows)" if n else ""
        subs = _eval_submissions(run, ctx.campaign)
        env = subs[0].env if subs else run.env
        evidence += [Evidence(s.evidence.path, s.evidence.line, "/command") for s in subs]
        what = "final eval"
        if isinstance(run.eval_result, Mapping):
            mode = run.eval_result.get("mode")
            adapter = run.eval_result.get("local_adapter_model_id")
            what = f"{mode or 'eval'} eval of {adapter or 'the base model'}"
        yield ctx.finding(
            run,
            f"{what}: {' and '.join(parts)}: rows were answered by a fallback model or "
            f"route{rows}; the eval did not measure the model under test",
            anchor="fallback",
            evidence=evidence,
            measurements={
                "mistral_fallback_rate": fallback,
                "hf_direct_rate": direct,
                "eval_size": n,
            },
            actions=self._actions(env, ctx),
        )

    def _actions(self, env: Mapping[str, str], ctx: RuleContext) -> list[Action]:
        out = []
        for knob, value, why in (
            ("fallback_enabled", False, "no row may be answered by another model"),
            ("require_hf_direct", True, "every row must come from the adapter under test"),
        ):
            names = ctx.env_names(knob)
            name = next((n for n in names if n in env), names[0] if names else knob)
            current = env.get(name) or None
            new = _bool_value(current, value)
            shown = f"{current} -> {new}" if current is not None else f"= {new}"
            out.append(
                Action(
                    tier=1,
                    kind="env",
                    knob=knob,
                    value=new,
                    text=f"{name}: {shown}",
                    why=why,
                    expected="mistral_fallback_rate 0 and hf_direct_rate 1 on the re-eval",
                    rollback_trigger="any eval row answered outside the adapter",
                )
            )
        return out

    def _adapter(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        expected = run.provenance.adapter
        if expected is None and isinstance(run.eval_result, Mapping):
            expected = run.eval_result.get("local_adapter_model_id") or None
        if expected is None:
            return
        for sub in run.submissions:
            if sub.kind != "eval" or sub.exit_code not in (None, 0):
                continue
            if sub.mode not in (None, "fine_tuned") and sub.adapter_model_id is None:
                continue  # a base-model baseline filed under the run: not an adapter eval
            if sub.adapter_model_id == expected:
                continue
            measured = sub.adapter_model_id or "no adapter (the base model)"
            yield ctx.finding(
                run,
                f"eval job measured {measured}, not the run's adapter {expected}; its "
                "metrics do not describe this run",
                anchor=f"adapter:{sub.adapter_model_id}",
                evidence=[Evidence(sub.evidence.path, sub.evidence.line, "/command")],
                measurements={"measured": sub.adapter_model_id, "expected": expected},
                actions=[
                    Action(
                        tier=1,
                        kind="env",
                        value=expected,
                        text=f"EVAL_LOCAL_ADAPTER_MODEL_ID: {sub.adapter_model_id or ''} -> "
                        f"{expected}",
                        why="the eval must load the adapter it reports on",
                        expected="the re-eval's adapter id matches the run",
                    )
                ],
            )
