"""Quality rules over hard-case rows: source-type concentration (QLT005), request
template clusters (QLT006) and collapsed or one-sided predictions (QLT008).

Each rule accumulates during the engine's single pass over `hard_cases.valid.jsonl`
in constant memory (bounded counters and at most a few evidence lines per group) and
reports from `finish`. The rules are contributed by `quality.ftlint_rules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ftlint.analysis.stats import binom_sf
from ftlint.hookspecs import hookimpl
from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.model import pointer as make_pointer
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality import MAX_EVIDENCE, g, knob_change, num, shared_collector

ROLLBACK = "mae_raw or any mae_raw_<dim> worse than this run by more than the QLT003 tolerance"


# -- QLT005 -------------------------------------------------------------------------------


_MIX_ITEM = re.compile(r"^\s*([^:=,;]+?)\s*[:=]\s*([-+0-9.eE]+)\s*$")


def parse_mix(value: Any) -> dict[str, float] | None:
    """`"request_text:0.6,rule_prompt:0.4"` or `{"request_text": 0.6, ...}` as shares
    summing to 1 (percentages are normalised too); None when it cannot be read."""
    pairs: list[tuple[str, float | None]] = []
    if isinstance(value, Mapping):
        pairs = [(str(k), num(v)) for k, v in value.items()]
    elif isinstance(value, str):
        for part in filter(str.strip, re.split(r"[,;]", value)):
            m = _MIX_ITEM.match(part)
            try:
                pairs.append((m.group(1), num(float(m.group(2)))) if m else ("", None))
            except ValueError:
                return None
    if not pairs or any(not k or v is None or v < 0 for k, v in pairs):
        return None
    total = sum(v for _, v in pairs if v is not None)
    return {k: v / total for k, v in pairs if v is not None} if total > 0 else None


def propose_mix(
    mix: Mapping[str, float], hard: Mapping[str, float], step: float, floor: float
) -> dict[str, float]:
    """Move each share `step` of the way toward its hard-case share, keep every type at
    `floor` or more, and round to 2 decimals (the largest share absorbs the rounding)."""
    moved = {t: max(0.0, s + step * (hard.get(t, 0.0) - s)) for t, s in mix.items()}
    total = sum(moved.values()) or 1.0
    moved = {t: v / total for t, v in moved.items()}
    low: set[str] = set()
    while True:  # pin shares under the floor, rescale the rest; at most len(mix) rounds
        low |= {t for t, v in moved.items() if v < floor}
        rest = sum(v for t, v in moved.items() if t not in low)
        room = max(0.0, 1.0 - floor * len(low))
        moved = {t: floor if t in low else v * room / rest for t, v in moved.items()}
        if all(v >= floor - 1e-12 for v in moved.values()) or not rest:
            break
    out = {t: round(v, 2) for t, v in moved.items()}
    top = max(out, key=lambda t: (out[t], t))
    out[top] = round(out[top] + 1.0 - sum(out.values()), 2)
    return out


def format_mix(mix: Mapping[str, float]) -> str:
    return ",".join(f"{t}:{v:g}" for t, v in mix.items())


@dataclass
class _TypeCount:
    count: int = 0
    unparsed: int = 0
    err_sum: float = 0.0
    err_n: int = 0
    evidence: list[Evidence] = field(default_factory=list)


class SourceTypeConcentration(Rule):
    """What it detects: hard cases over-represented in one `source_type`. A type's
    share of the hard cases is compared with its share of the eval set, read from
    `source_type_mix` in final_metrics.json (or the run's `FT_SOURCE_TYPE_MIX`), and
    flagged at `ratio` x that share with at least `min_count` rows; the message adds an
    exact binomial p-value. Without a known mix, a type is flagged when its hard cases'
    mean row MAE is `ratio` x that of the other types' hard cases.

    Why it matters: when one kind of input (e.g. templated rule prompts) fills the
    worst rows, the training mix under-serves it; tuning hyperparameters will not fix
    a data imbalance.

    What the planner does: a tier-3 data action that rebalances the `source_type_mix`
    knob with a concrete mix: each share moves `mix_step` of the way toward its share
    of the hard cases (at least `min_share`), rounded to two decimals.
    """

    code = "QLT005"
    process_group = "row-quality"
    name = "source-type-concentration"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "ratio": Param(
            1.5, "flag a type at >= ratio x its expected share (or mean error)", exclusive_minimum=1
        ),
        "min_count": Param(5, "hard cases of the type needed", type="integer", minimum=1),
        "mix_step": Param(
            0.5,
            "how far the proposed mix moves toward the hard-case shares",
            exclusive_minimum=0,
            maximum=1,
        ),
        "min_share": Param(
            0.05, "smallest share the proposed mix gives a type", minimum=0, maximum=0.5
        ),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _SourceTypeVisitor:
        return _SourceTypeVisitor(run, ctx)


class _SourceTypeVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.types: dict[str, _TypeCount] = {}

    def row(self, case: HardCase) -> None:
        if not isinstance(case.source_type, str) or not case.source_type:
            return
        t = self.types.get(case.source_type)
        if t is None:
            if len(self.types) >= 1000:
                return
            t = self.types[case.source_type] = _TypeCount()
        t.count += 1
        t.unparsed += case.parse_error is not None
        if case.mae_raw is not None and (mae := num(case.mae_raw)) is not None:
            t.err_sum += mae
            t.err_n += 1
        if len(t.evidence) < MAX_EVIDENCE:
            t.evidence.append(case.evidence)

    def _mix(self) -> tuple[dict[str, float] | None, list[Evidence], str]:
        """The eval-set mix, its evidence and its text as written."""
        run = self.run
        raw = (run.final_metrics or {}).get("source_type_mix")
        mix = parse_mix(raw)
        if mix is not None and run.final_metrics_path:
            ev = Evidence(run.final_metrics_path, None, make_pointer("source_type_mix"))
            text = raw if isinstance(raw, str) else ",".join(f"{k}:{v}" for k, v in raw.items())
            return mix, [ev], text
        for name in self.ctx.env_names("source_type_mix"):
            mix = parse_mix(run.env.get(name))
            if mix is not None:
                ev = run.env_sources.get(name)
                return mix, [ev] if ev else [], run.env[name]
        return None, [], ""

    def finish(self) -> Iterator[Finding]:
        p = self.ctx.params
        mix, mix_ev, raw = self._mix()
        if mix is not None:
            known = {t: c for t, c in self.types.items() if t in mix}
            total = sum(c.count for c in known.values())
            if not total:
                return
            hard = {t: known[t].count / total if t in known else 0.0 for t in mix}
            for t, c in sorted(known.items()):
                share, expected = hard[t], mix[t]
                ratio = share / expected if expected > 0 else float("inf")
                if c.count < p["min_count"] or ratio < p["ratio"]:
                    continue
                pvalue = binom_sf(c.count, total, expected) if expected > 0 else 0.0
                proposed = propose_mix(mix, hard, p["mix_step"], p["min_share"])
                yield self._finding(
                    t,
                    c,
                    f"{t} is {c.count} of {total} hard cases ({share:.0%}) but {expected:.0%} "
                    f"of the eval set (source_type_mix): {ratio:.2f}x over-represented "
                    f"(binomial p={pvalue:.2g}); {c.unparsed} of the {c.count} unparsed",
                    mix_ev,
                    {
                        "share": share,
                        "expected_share": expected,
                        "ratio": ratio,
                        "p_value": pvalue,
                        "hard_cases": total,
                    },
                    self._rebalance(raw, proposed, t, expected),
                )
            return
        means = {t: c.err_sum / c.err_n for t, c in self.types.items() if c.err_n}
        for t, c in sorted(self.types.items()):
            others = [o for o in self.types.values() if o is not c and o.err_n]
            if t not in means or not others or c.count < p["min_count"]:
                continue
            ref = sum(o.err_sum for o in others) / sum(o.err_n for o in others)
            ratio = means[t] / ref if ref > 0 else float("inf")
            if ratio < p["ratio"]:
                continue
            yield self._finding(
                t,
                c,
                f"{t} hard cases have mean row MAE {g(means[t])}, {ratio:.2f}x the "
                f"{g(ref)} of the other source types ({c.count} rows; eval-set mix unknown)",
                [],
                {"mean_mae": means[t], "others_mean_mae": ref, "ratio": ratio},
                Action(
                    tier=3,
                    kind="dataset",
                    knob="source_type_mix",
                    text=f"Raise the share of {t} rows in the training mix and record "
                    "source_type_mix in final_metrics.json so the next run can be compared",
                    why=f"{t} inputs are the hardest for the model",
                    expected=f"{t} mean hard-case MAE falls toward {g(ref)}",
                    rollback_trigger=ROLLBACK,
                ),
            )

    def _rebalance(
        self, current: str, proposed: dict[str, float], t: str, expected: float
    ) -> Action:
        new = format_mix(proposed)
        names = self.ctx.env_names("source_type_mix")
        text = (
            "; ".join(f"{n}: {self.run.env.get(n) or current or 'unset'} -> {new}" for n in names)
            if names
            else knob_change(self.ctx, self.run, "source_type_mix", new)
        )
        return Action(
            tier=3,
            kind="dataset",
            knob="source_type_mix",
            value=new,
            text=text,
            why=f"{t} rows are over-represented among the hard cases",
            expected=f"{t}'s share of the hard cases falls toward its {expected:.0%} eval share",
            rollback_trigger=ROLLBACK,
        )

    def _finding(
        self,
        t: str,
        c: _TypeCount,
        message: str,
        ev: list[Evidence],
        m: dict[str, Any],
        action: Action,
    ) -> Finding:
        m = {"source_type": t, "count": c.count, "unparsed": c.unparsed, **m}
        if c.unparsed * 2 >= c.count:
            m["root_cause"] = f"most {t} hard cases are outputs that failed to parse"
        else:
            m["root_cause"] = f"{t} inputs are under-served by the training data"
        return self.ctx.finding(
            self.run,
            message,
            anchor=f"source_type:{t}",
            evidence=[*ev, *c.evidence],
            measurements=m,
            actions=[action],
        )


# -- QLT006 -------------------------------------------------------------------------------

_SUFFIX_WORDS = ("sample", "example", "item", "row")
_SUFFIX_TAIL = re.compile(r"(?:sample|example|item|row)\s*#?\s*\d+\s*[)\]]?\s*")
_VARIANT_WORDS = frozenset({"variant", "version", "var"})
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w.])")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+")
KEY_CACHE = 4096
SUFFIX_WINDOW = 40  # a `sample N` suffix must start within the last characters


def _strip_suffix(text: str, lower: str) -> str:
    """`text` without a trailing `, sample 12` / `(item 3)` (found in `lower`)."""
    end = lower.rstrip()[-1:]
    if not (end.isdigit() or end in (")", "]")):
        return text
    at = max(lower.rfind(w) for w in _SUFFIX_WORDS)
    if (
        at >= 0
        and len(lower) - at <= SUFFIX_WINDOW
        and (at == 0 or not lower[at - 1].isalnum())
        and _SUFFIX_TAIL.fullmatch(lower, at)
    ):
        return text[:at].rstrip(" ,;:([-")
    return text


def template_key(text: str) -> str:
    """The grouping key of a request: lower case, no `sample N` suffix, no `Variant-N`
    marker, other numbers as `N`, punctuation and whitespace collapsed."""
    lower = text.lower()
    return _template_words(_strip_suffix(lower, lower), _DIGIT.search(lower) is not None)


@lru_cache(maxsize=4096)  # unique requests of one template share their stripped text
def _template_words(stripped: str, numbered: bool) -> str:
    words = _WORD.findall(stripped)
    if not numbered:
        return " ".join(words)
    out: list[str] = []
    for w in words:
        if w.isdigit():
            if out and out[-1] in _VARIANT_WORDS:
                out.pop()
                continue
            w = "N"
        out.append(w)
    return " ".join(out)


def template_display(text: str) -> str:
    """A readable template from one member: `Variant-7: calm piano` -> `Variant-N: calm piano`."""
    return _NUMBER.sub("N", _strip_suffix(text, text.lower())).strip()[:120]


class _Cluster:
    __slots__ = ("count", "err_n", "err_sum", "first", "members", "unparsed")

    def __init__(self, first: str) -> None:
        self.first = first  # the first member's text; the display template is made from it
        self.count = self.unparsed = self.err_n = 0
        self.err_sum = 0.0
        self.members: list[tuple[str, Evidence]] = []


class RequestPatternCluster(Rule):
    """What it detects: hard cases that share a request template. Request texts are
    normalised (sample-number suffixes and `Variant-N` markers removed, other numbers
    replaced, case, punctuation and whitespace folded) and every template with at least
    `min_cluster` hard cases, and at least `min_lift` times the hard cases per
    template that chance gives (the hard cases spread evenly over the distinct
    templates seen), is reported with its share of the hard cases, how many
    of its rows failed to parse, up to five sample ids and their evidence lines. Counts
    are exact unless a file has more than `max_templates` distinct templates (then rare
    templates are dropped as they appear and the counts are lower bounds).

    Why it matters: a template that keeps coming back among the worst rows is a gap in
    the training data (or a template the prompt handles badly); a handful of targeted
    rows fixes it, a global hyperparameter change does not. A template with many
    unparsed rows points at the output format rather than at the values.

    What the planner does: a tier-3 data action adding `rows_per_case` training rows
    per clustered hard case for that template, with varied phrasings. Clusters with at
    least `warn_share` of the hard cases are warnings, smaller ones info.
    """

    code = "QLT006"
    process_group = "row-quality"
    name = "request-pattern-cluster"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "min_cluster": Param(
            3, "hard cases sharing a template to report it", type="integer", minimum=2
        ),
        "warn_share": Param(
            0.25, "share of the hard cases that makes a cluster a warning", minimum=0, maximum=1
        ),
        "min_lift": Param(
            1.5,
            "a cluster must hold this many times the hard cases per distinct template "
            "(what an even spread would give); 0 turns the chance check off",
            minimum=0,
        ),
        "rows_per_case": Param(
            10, "training rows to add per clustered hard case", type="integer", minimum=1
        ),
        "max_clusters": Param(
            10, "report at most this many clusters per run", type="integer", minimum=1
        ),
        "max_templates": Param(
            20000, "distinct templates kept in memory", type="integer", minimum=100
        ),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _TemplateVisitor:
        return _TemplateVisitor(run, ctx)


class _TemplateVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.clusters: dict[str, _Cluster] = {}
        self.keys: dict[str, str] = {}  # request text -> key: templated requests repeat
        self.total = 0
        self.distinct = 0  # templates created; after pruning an upper bound (chance errs low)
        self.pruned = False

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str) or not text.strip():
            return
        self.total += 1
        key = self.keys.get(text)
        if key is None:
            if len(self.keys) >= KEY_CACHE:
                self.keys.clear()
            key = self.keys[text] = template_key(text[:2000])
        c = self.clusters.get(key)
        if c is None:
            if len(self.clusters) >= self.ctx.params["max_templates"]:
                keep = self.ctx.params["min_cluster"]
                self.clusters = {k: v for k, v in self.clusters.items() if v.count >= keep}
                self.pruned = True
                if len(self.clusters) >= self.ctx.params["max_templates"]:
                    return
            c = self.clusters[key] = _Cluster(text[:200])
            self.distinct += 1
        c.count += 1
        c.unparsed += case.parse_error is not None
        if (mae := num(case.mae_raw)) is not None:
            c.err_sum += mae
            c.err_n += 1
        if len(c.members) < MAX_EVIDENCE:
            c.members.append((case.sample_id or f"rank {case.rank}", case.evidence))

    def finish(self) -> Iterator[Finding]:
        p = self.ctx.params
        chance = self.total / self.distinct if self.distinct else 0.0
        floor = max(p["min_cluster"], p["min_lift"] * chance)
        found = [(k, c) for k, c in self.clusters.items() if c.count >= floor]
        found.sort(key=lambda kc: (-kc[1].count, kc[0]))
        for key, c in found[: p["max_clusters"]]:
            share = c.count / self.total
            rows = c.count * p["rows_per_case"]
            mean = f"; mean row MAE {g(c.err_sum / c.err_n)}" if c.err_n else ""
            bound = "at least " if self.pruned else ""
            display = template_display(c.first)
            samples = [sid for sid, _ in c.members]
            cause = (
                "most of its rows are outputs that failed to parse"
                if c.unparsed * 2 >= c.count
                else "the training data under-serves this request template"
            )
            yield self.ctx.finding(
                self.run,
                f"{bound}{c.count} of {self.total} hard cases ({share:.0%}) share the request "
                f'template "{display}" ({c.unparsed} unparsed{mean}); samples '
                f"{', '.join(samples)}",
                anchor=f"template:{key}",
                evidence=[ev for _, ev in c.members],
                measurements={
                    "template": display,
                    "key": key,
                    "count": c.count,
                    "share": share,
                    "unparsed": c.unparsed,
                    "hard_cases": self.total,
                    "sample_ids": samples,
                    "mean_mae": c.err_sum / c.err_n if c.err_n else None,
                    "approximate": self.pruned,
                    "lift": c.count / chance if chance else None,
                    "root_cause": cause,
                },
                actions=[
                    Action(
                        tier=3,
                        kind="dataset",
                        value=rows,
                        text=f'Add {rows} training rows for the request template "{display}" '
                        f"({p['rows_per_case']} per clustered hard case), with varied phrasing "
                        "and checked targets",
                        why=f"{c.count} of the worst rows share this template",
                        expected=f"fewer than {p['min_cluster']} hard cases of this template "
                        "in the next run",
                        rollback_trigger=ROLLBACK,
                    )
                ],
                severity=Severity.WARNING if share >= p["warn_share"] else Severity.INFO,
            )


# -- QLT008 -------------------------------------------------------------------------------


class PredictionCollapse(Rule):
    """What it detects: near-constant or one-sided predictions for a dimension, over
    the parsed hard cases. Collapse: the standard deviation of the predicted values is
    below `std_fraction` x target_scale while the targets vary more than that. Bias:
    the mean signed error (predicted - target) exceeds `bias_fraction` x target_scale
    in magnitude and at least `sign_share` of the rows err on that side. Both need
    `min_rows` rows. Rows with a `parse_error` are excluded: the pipeline scores them
    with a mid-scale placeholder vector, which would fake a collapse. Hard cases are
    the worst rows, so a bias here may be stronger than on the whole eval set; the
    message gives the row count and a sign-test p-value.

    Why it matters: a dimension the model predicts as a constant (or always too low)
    was not learnt from the input: typically missing, constant or skewed labels in the
    training data for that dimension.

    What the planner does: a tier-3 data action per dimension: add training rows that
    cover the range the model misses and check that dimension's label distribution.
    """

    code = "QLT008"
    process_group = "row-quality"  # shares ctx.shared with the other row-quality rules
    name = "prediction-collapse"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "std_fraction": Param(
            0.02, "collapse when prediction std < this x target_scale", minimum=0, maximum=1
        ),
        "bias_fraction": Param(
            0.1, "bias when |mean predicted - target| > this x scale", minimum=0, maximum=1
        ),
        "sign_share": Param(0.8, "share of rows erring on the bias side", minimum=0.5, maximum=1),
        "min_rows": Param(8, "parsed hard cases needed", type="integer", minimum=2),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _CollapseVisitor:
        return _CollapseVisitor(run, ctx)


class _CollapseVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.collector, self.feeder = shared_collector(run, ctx)

    def row(self, case: HardCase) -> None:
        self.feeder.row(case)

    def finish(self) -> Iterator[Finding]:
        p, scale = self.ctx.params, self.run.provenance.target_scale
        if not scale:
            return
        for dim, s in self.collector.dims.items():
            if s.n < p["min_rows"]:
                continue
            base = {
                "dim": dim,
                "count": s.n,
                "unparsed_excluded": self.collector.unparsed,
                "pred_mean": s.pred_mean,
                "pred_std": s.pred_std,
                "target_mean": s.tgt_mean,
                "target_std": s.tgt_std,
                "bias": s.bias,
            }
            floor = p["std_fraction"] * scale
            if s.pred_std < floor <= s.tgt_std:
                yield self._finding(
                    dim,
                    "collapse",
                    s,
                    f"{dim} predictions are near-constant over {s.n} parsed hard cases: std "
                    f"{g(s.pred_std)} around {g(s.pred_mean)} (< {g(floor)} = "
                    f"{g(p['std_fraction'])} x scale {g(scale)}) while the targets vary "
                    f"(std {g(s.tgt_std)})",
                    {**base, "threshold": floor},
                    f"{dim} spanning 0..{g(scale)} and check that its training labels are not "
                    "constant or missing",
                )
            limit = p["bias_fraction"] * scale
            side = s.neg if s.bias < 0 else s.pos
            if abs(s.bias) > limit and side >= p["sign_share"] * s.n:
                word = "under" if s.bias < 0 else "over"
                pvalue = min(1.0, 2 * binom_sf(side, s.n, 0.5))
                yield self._finding(
                    dim,
                    "bias",
                    s,
                    f"{dim} is {word}-predicted in {side} of {s.n} parsed hard cases: mean "
                    f"error {s.bias:+.4g} (predicted {g(s.pred_mean)} vs target "
                    f"{g(s.tgt_mean)}; |bias| > {g(limit)} = {g(p['bias_fraction'])} x scale "
                    f"{g(scale)}; sign test p={pvalue:.2g})",
                    {**base, "threshold": limit, "same_side": side, "p_value": pvalue},
                    f"{'high' if s.bias < 0 else 'low'} {dim} targets (the model answers "
                    f"{g(s.pred_mean)} on average where {g(s.tgt_mean)} is right) and check "
                    f"the training labels of {dim} for a skew",
                )

    def _finding(
        self, dim: str, kind: str, s: Any, message: str, m: dict[str, Any], rows: str
    ) -> Finding:
        return self.ctx.finding(
            self.run,
            message,
            anchor=f"{kind}:{dim}",
            evidence=s.evidence(),
            measurements={"kind": kind, **m},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text=f"Add training rows with {rows}",
                    why=f"the model does not track {dim} from the input",
                    expected=f"{kind} of {dim} gone; mae_raw_{dim} falls",
                    rollback_trigger=ROLLBACK,
                )
            ],
        )


RULES: list[type[Rule]] = [SourceTypeConcentration, RequestPatternCluster, PredictionCollapse]


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return list(RULES)
