"""The fast schema checker agrees with jsonschema on every shipped schema."""

from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import pytest
from helpers import final_metrics, hard_case, submission
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.config.settings import rule_schema
from ftlint.plugins import build_plugins
from ftlint.schemas.minischema import UnsupportedSchema, compile_schema

SCHEMAS = sorted(
    p.name
    for p in resources.files("ftlint").joinpath("schemas").iterdir()
    if p.name.endswith(".json")
)
SEEDS = {
    "final_metrics.schema.json": final_metrics(),
    "hard_case.schema.json": hard_case(1),
    "job_record.schema.json": submission("r"),
    "iter_eval_record.schema.json": {"step": 1, "metrics": {"json_valid_rate": 0.9}},
    "weave_traces.schema.json": {"run_name": "r", "rows": [{"rank": 1, "trace_id": "t"}]},
    "eval_result.schema.json": {"mode": "x", "metrics": {"json_valid_rate": 0.5, "vector_mae": 3}},
    "config.schema.json": {
        "select": ["ALL"],
        "inputs": {"hard_cases": ["a/*.jsonl"]},
        "knobs": {"x": "A"},
    },
}

scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 200) | st.text(max_size=6)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _load(name: str) -> dict:
    return json.loads(resources.files("ftlint").joinpath(f"schemas/{name}").read_text())


def _paths(doc, at=()):
    yield at
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*at, i))


@pytest.mark.parametrize("name", SCHEMAS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_agrees_with_jsonschema(name: str, data: st.DataObject) -> None:
    schema = _load(name)
    fast = compile_schema(schema)
    slow = jsonschema.Draft202012Validator(schema)
    seed = copy.deepcopy(SEEDS.get(name, {}))
    paths = list(_paths(seed))
    at = data.draw(st.sampled_from(paths))
    replacement = data.draw(values | st.sampled_from([0, 1, 0.5, -1, 1.5, "ALL", "FMT", [], {}]))
    if at:
        holder = seed
        for key in at[:-1]:
            holder = holder[key]
        if data.draw(st.booleans()) and isinstance(holder, dict):
            holder.pop(at[-1])
        else:
            holder[at[-1]] = replacement
    else:
        seed = replacement
    assert fast(seed) == slow.is_valid(seed), (name, seed)


def test_seeds_are_valid() -> None:
    for name, seed in SEEDS.items():
        assert compile_schema(_load(name))(seed), name


def test_rule_param_schemas_agree() -> None:
    for cls in build_plugins(use_entry_points=False).rule_classes():
        schema = rule_schema(cls)
        fast = compile_schema(schema)
        for value in (
            {},
            {"severity": "info"},
            {"severity": "fatal"},
            {"nope": 1},
            {k: -1e9 for k in cls.params},
            {k: 1e9 for k in cls.params},
            {k: "x" for k in cls.params},
            cls.param_defaults(),
        ):
            assert fast(value) == jsonschema.Draft202012Validator(schema).is_valid(value), (
                cls.code,
                value,
            )


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema({"type": "object", "dependentRequired": {}})


KEYWORD_SCHEMAS = [
    {"type": "integer"},
    {"type": ["integer", "null"]},
    {"type": ["number", "integer"]},
    {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
    {"enum": ["a", "b"]},
    {"enum": ["a", 1, True, None]},
    {"type": "array", "items": {"type": "string", "minLength": 1}},
    {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
]
PROBES = [None, True, False, 0, 1, 2.0, 2.5, -1, float("inf"), "", "a", "b", [], ["x"], [""]]
PROBES += [[1], {}, {"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}]


@pytest.mark.parametrize("schema", KEYWORD_SCHEMAS, ids=lambda s: json.dumps(s))
def test_each_keyword_agrees_with_jsonschema(schema: dict) -> None:
    fast = compile_schema(schema)
    slow = jsonschema.Draft202012Validator(schema)
    for probe in PROBES:
        assert fast(probe) is slow.is_valid(probe), probe
