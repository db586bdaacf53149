"""Property tests: mutated artifacts never crash the loaders or the engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from helpers import final_metrics, hard_case, lint, submission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.sources.validate import hard_case_ok, schema

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)

FILES = {
    "outputs/r/final_metrics.json": lambda: json.dumps(final_metrics()),
    "outputs/r/hard_cases.valid.jsonl": lambda: (
        "\n".join(
            json.dumps(hard_case(i, parse_error="json_block_not_found" if i % 2 else None))
            for i in range(1, 5)
        )
        + "\n"
    ),
    "outputs/r/iter_eval_metrics.jsonl": lambda: (
        "\n".join(
            json.dumps({"step": s, "metrics": {"json_valid_rate": 0.9, "mae_raw": 8.0}})
            for s in (10, 20, 30)
        )
        + "\n"
    ),
    "outputs/r/weave_eval_traces.json": lambda: json.dumps(
        {"run_name": "r", "rows": [{"trace_id": "t1", "trace_url_hint": "https://x/t1", "rank": 1}]}
    ),
    "artifacts/hf_jobs/submissions.jsonl": lambda: json.dumps(submission("r")) + "\n",
    "artifacts/eval/runs/e.json": lambda: json.dumps(
        {
            "mode": "fine_tuned",
            "evaluated_count": 80,
            "metrics": {"json_valid_rate": 0.9, "vector_mae": 7.0},
        }
    ),
}


def _mutate(text: str, data: st.DataObject) -> bytes:
    raw = text.encode()
    op = data.draw(st.sampled_from(["truncate", "flip", "insert", "replace_value", "junk_line"]))
    if op == "truncate":
        return raw[: data.draw(st.integers(0, len(raw)))]
    if op == "flip":
        i = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        return raw[:i] + bytes([data.draw(st.integers(0, 255))]) + raw[i + 1 :]
    if op == "insert":
        i = data.draw(st.integers(0, len(raw)))
        return raw[:i] + data.draw(st.binary(max_size=30)) + raw[i:]
    if op == "junk_line":
        return raw + data.draw(st.binary(max_size=40)) + b"\n"
    first = text.splitlines()[0]
    try:
        doc = json.loads(first)
    except ValueError:
        return raw
    if isinstance(doc, dict) and doc:
        key = data.draw(st.sampled_from(sorted(doc)))
        doc[key] = data.draw(json_values)
    rest = text.splitlines()[1:]
    return "\n".join([json.dumps(doc), *rest]).encode()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_workspace_never_crashes(tmp_path: Path, data: st.DataObject) -> None:
    root = tmp_path / "fuzz"
    shutil.rmtree(root, ignore_errors=True)
    for rel, make in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make(), encoding="utf-8")
    target = data.draw(st.sampled_from(sorted(FILES)))
    (root / target).write_bytes(_mutate(FILES[target](), data))
    findings = lint(root)
    assert all(f.rule != "FTL001" for f in findings), [
        f.message for f in findings if f.rule == "FTL001"
    ]


@settings(max_examples=300, deadline=None)
@given(
    row=st.dictionaries(
        st.sampled_from(
            [
                "rank",
                "sample_index",
                "request_text",
                "source_type",
                "weather",
                "target_vector",
                "predicted_vector",
                "abs_error_raw",
                "mae_raw",
                "parse_error",
                "generated_text",
                "x",
            ]
        ),
        json_values | st.integers(-3, 5) | st.floats(allow_nan=False),
        max_size=8,
    )
    | json_values
)
def test_fast_hard_case_check_agrees_with_the_schema(row: object) -> None:
    valid = jsonschema.Draft202012Validator(schema("hard_case")).is_valid(row)
    assert hard_case_ok(row) == valid
