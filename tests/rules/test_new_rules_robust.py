"""Issue 14 rules on any shape the adapters can produce: curve, metric and row rules
return findings, never raise and never print nan (property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import api
from ftlint.config.settings import Config
from ftlint.model import Campaign, Evidence, Finding, HardCase, Metric, Point, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.sources.base import RowFile

# ----------------------------------------------------------------- robustness


CURVE_RULES = (
    "TRN002",
    "TRN004",
    "TRN005",
    "TRN006",
    "FMT009",
    "PRV002",
    "PRV009",
    "PRV010",
    "QLT010",
)
_finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_curve = st.lists(st.tuples(st.integers(0, 10_000), _finite), max_size=12)
_names = st.sampled_from(
    [
        "accuracy",
        "exact_match_strict_match",
        "exact_match_flexible_extract",
        "bleu",
        "rouge_l",
        "baseline/accuracy",
        "baseline/eval_loss",
        "eval_loss",
        "x_strict",
        "x_lenient",
        "reward_accuracy",
        "json_valid_rate",
        "exact_match",
        "exact_match_normalized",
    ]
)
_settings = st.dictionaries(
    st.sampled_from(
        [
            "do_sample",
            "temperature",
            "t/do_sample",
            "t/temperature",
            "top_k",
            "n",
            "num_train_epochs",
            "n_epochs",
            "learning_rate",
            "lora_dropout",
        ]
    ),
    st.one_of(st.booleans(), _finite, st.text(max_size=5), st.none()),
    max_size=6,
)


def _points(pairs: list[tuple[int, float]]) -> tuple[Point, ...]:
    ev = Evidence("x.json")
    return tuple(Point(float(s), v, ev) for s, v in sorted(pairs))


@settings(max_examples=60, deadline=None)
@given(
    curves=st.dictionaries(
        st.sampled_from(
            [
                "train_loss",
                "eval_loss",
                "epoch",
                "reward_accuracy",
                "train_token_accuracy",
                "train_accuracy",
                "accuracy",
            ]
        ),
        _curve,
        max_size=6,
    ),
    metrics=st.dictionaries(_names, _finite, max_size=6),
    run_settings=_settings,
    size=st.one_of(st.none(), st.integers(-3, 10_000)),
    stack=st.sampled_from(["", "env", "hf_trainer", "openai", "llamafactory", "lm_eval"]),
)
def test_curve_and_metric_rules_never_raise(curves, metrics, run_settings, size, stack) -> None:
    ev = Evidence("x.json")
    run = Run(
        name="r",
        curves={k: _points(v) for k, v in curves.items()},
        metrics={k: Metric(v, ev, k) for k, v in metrics.items()},
        settings=run_settings,
        stack=stack,
        provenance=Provenance(eval_size=size),
    )
    campaign = Campaign(root=".", runs=(run,))
    session = _session()
    for cls in session.rules:
        if cls.code not in CURVE_RULES:
            continue
        rule = cls()
        ctx = RuleContext(rule, cls.param_defaults(), None, {}, campaign)
        out = list(rule.check_run(run, ctx) or ())
        out += list(rule.check_campaign(campaign, ctx) or ())
        assert all(isinstance(f, Finding) and "nan" not in f.message.lower() for f in out)


_SESSION: list[Any] = []


def _session() -> Any:
    if not _SESSION:
        _SESSION.append(api.setup(config=Config(), use_entry_points=False))
    return _SESSION[0]


_json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), _finite, st.text(max_size=4)),
    lambda inner: st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
_case = st.builds(
    lambda text, sid, target, pred, line: HardCase(
        rank=None,
        sample_id=sid,
        request_text=text,
        source_type=None,
        target_vector=target,
        predicted_vector=pred,
        abs_error_raw=None,
        mae_raw=None,
        parse_error=None,
        generated_text=None,
        evidence=Evidence("rows.jsonl", line),
        raw={},
    ),
    st.one_of(st.none(), st.text(max_size=6)),
    st.one_of(st.none(), st.sampled_from(["1", "2", "3"])),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _json_value, max_size=2)),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=2), _json_value, max_size=2)),
    st.integers(1, 50),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_case, max_size=40), metrics=st.dictionaries(_names, _finite, max_size=4))
def test_row_rules_never_raise(rows, metrics) -> None:
    ev = Evidence("rows.jsonl")
    run = Run(
        name="r",
        metrics={k: Metric(v, ev, k) for k, v in metrics.items()},
        row_files=(RowFile("rows.jsonl", "generic", True),),
    )
    campaign = Campaign(root=".", runs=(run,))
    for cls in _session().rules:
        if cls.code not in ("PRV008", "PRV010", "QLT009"):
            continue
        rule = cls()
        params = {**cls.param_defaults(), "min_rows": 1}
        ctx = RuleContext(rule, params, None, {}, campaign)
        visitor = rule.hard_case_visitor(run, ctx)
        if visitor is None:
            continue
        for row in rows:
            visitor.row(row)
        assert all(isinstance(f, Finding) for f in visitor.finish())
