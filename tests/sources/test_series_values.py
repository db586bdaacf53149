"""A series point keeps only the finite numbers of its metrics; every other value is a
problem with the line and the pointer of the value (`outputs.numeric_values`)."""

from __future__ import annotations

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config


def test_series_values_and_their_problems(ws) -> None:
    ws.run("r")
    ws.write(
        "outputs/r/iter_eval_metrics.jsonl",
        '{"step": 1, "metrics": {"json_valid_rate": 0.5, "mae_raw": 3}}\n'
        '{"step": 2, "metrics": {"json_valid_rate": NaN, "vector_mae": 1e400, "n": '
        + "9" * 400
        + ', "mode": "fast", "ok": true, "none": null, "a/b": 2.5}}\n',
    )
    run = load_campaign(ws.root, Config()).get("r")
    assert [(p.step, p.metrics) for p in run.series] == [
        (1, {"json_valid_rate": 0.5, "mae_raw": 3.0}),
        (2, {"a/b": 2.5}),
    ]
    assert all(type(v) is float for p in run.series for v in p.metrics.values())
    got = sorted(
        (p.evidence.line, p.evidence.pointer, p.message)
        for p in run.problems
        if p.evidence.path == "outputs/r/iter_eval_metrics.jsonl"
    )
    assert got == [
        (2, "/metrics/json_valid_rate", "json_valid_rate is NaN (not a finite number)"),
        (2, "/metrics/mode", "mode is the string 'fast', expected a number"),
        (2, "/metrics/n", "n is an integer too large for a float"),
        (2, "/metrics/vector_mae", "vector_mae is Infinity (not a finite number)"),
    ]
