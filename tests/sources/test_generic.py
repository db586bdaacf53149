"""The `generic` adapter: a team's own eval rows, read through a `sources.generic` mapping.

Shapes checked against public eval scripts' outputs (never copied): JSONL rows with
`id`/`prompt`/`prediction`/`label`/`correct`, JSON lists of rows, `{"results": [...]}`
objects with summary fields beside the list, and CSV exports of the same columns.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.model import Problem
from ftlint.schemas.minischema import compile_schema
from ftlint.sources.generic import GENERIC_SCHEMA, SOURCE, unmapped_hint
from ftlint.sources.io import Workspace

from . import gen_evalfiles as gen

MAPPING = {
    "files": "evals/*.jsonl",
    "id": "id",
    "input": "prompt",
    "output": "prediction",
    "reference": "label",
    "scores": ["correct", "score"],
    "group": "category",
}


def cfg(*entries, **kw):
    return gen.config(source_settings={"generic": list(entries)}, **kw)


def discover(root: Path, *entries, **kw):
    return list(SOURCE.discover(Workspace(root), cfg(*entries, **kw)))


def rows_of(root: Path, rec, *entries, **kw):
    out = []
    for rf in rec.rows:
        out += SOURCE.iter_rows(Workspace(root), rf, cfg(*entries, **kw))
    return out


def vals(rec):
    return {v.key: v.value for v in rec.values}


def test_nothing_is_read_without_a_mapping(tmp_path: Path) -> None:
    gen.write_jsonl(tmp_path / "evals" / "a.jsonl", gen.eval_rows())
    assert discover(tmp_path) == []


def test_jsonl_rows_recounted_with_line_evidence(tmp_path: Path) -> None:
    gen.write_jsonl(tmp_path / "evals" / "a.jsonl", gen.eval_rows(4))
    (rec,) = discover(tmp_path, MAPPING)
    assert rec.id == "evals/a" and rec.stack == "generic" and rec.context == "eval"
    assert vals(rec) == {"eval_size": 4, "correct": 0.5, "score": pytest.approx(0.15)}
    assert {v.key: v.value for v in rec.provenance} == {"eval_size": 4}
    (rf,) = rec.rows
    assert rf.complete and rf.path == "evals/a.jsonl"
    rows = rows_of(tmp_path, rec, MAPPING)
    assert [r.id for r in rows] == ["ex0", "ex1", "ex2", "ex3"]
    r = rows[1]
    assert (r.input, r.output, r.reference, r.group) == (
        "Classify: item 1",
        "negative",
        "positive",
        "a",
    )
    assert r.scores == {"correct": 0.0, "score": 0.1}
    assert r.evidence.location() == "evals/a.jsonl:2" and r.evidence.sample_id == "ex1"


@pytest.mark.parametrize("shape", ["list", "results", "rows"])
def test_json_shapes_with_pointers(tmp_path: Path, shape: str) -> None:
    data = gen.eval_rows(3)
    doc = data if shape == "list" else {shape: data, "summary": {"accuracy": 0.66}}
    gen.write_json(tmp_path / "e.json", doc)
    mapping = {**MAPPING, "files": "*.json", "run": "{stem}"}
    if shape != "list":
        mapping["metrics"] = {"reported_accuracy": "summary.accuracy"}
    (rec,) = discover(tmp_path, mapping)
    assert rec.id == "e" and vals(rec)["eval_size"] == 3
    rows = rows_of(tmp_path, rec, mapping)
    prefix = "" if shape == "list" else f"/{shape}"
    assert rows[2].evidence.pointer == f"{prefix}/2"
    if shape != "list":
        reported = next(v for v in rec.values if v.key == "reported_accuracy")
        assert reported.value == 0.66 and reported.evidence.pointer == "/summary/accuracy"


def test_csv_rows_and_text_scores(tmp_path: Path) -> None:
    gen.write_rows_csv(tmp_path / "evals" / "a.csv", gen.eval_rows(4))
    mapping = {**MAPPING, "files": ["evals/*.csv"], "complete": False}
    (rec,) = discover(tmp_path, mapping)
    assert vals(rec)["correct"] == 0.5 and rec.rows[0].complete is False
    rows = rows_of(tmp_path, rec, mapping)
    assert rows[0].evidence.location() == "evals/a.csv:2" and rows[0].scores["correct"] == 1.0


def test_run_template_from_a_row_field_splits_runs(tmp_path: Path) -> None:
    rows = gen.eval_rows(2, model="m1") + gen.eval_rows(3, model="m2")
    gen.write_jsonl(tmp_path / "evals" / "both.jsonl", rows)
    mapping = {**MAPPING, "run": "{parent}/{model}"}
    records = {r.id: r for r in discover(tmp_path, mapping)}
    assert set(records) == {"evals/m1", "evals/m2"}
    assert vals(records["evals/m2"])["eval_size"] == 3
    got = rows_of(tmp_path, records["evals/m2"], mapping)
    assert [r.evidence.line for r in got] == [3, 4, 5]


def test_several_files_one_run(tmp_path: Path) -> None:
    gen.write_jsonl(tmp_path / "evals" / "p1.jsonl", gen.eval_rows(2))
    gen.write_jsonl(tmp_path / "evals" / "p2.jsonl", gen.eval_rows(2))
    (rec,) = discover(tmp_path, {**MAPPING, "run": "{parent}"})
    assert rec.id == "evals" and vals(rec)["eval_size"] == 4 and len(rec.rows) == 2


def test_missing_and_non_numeric_scores_are_said(tmp_path: Path) -> None:
    data = gen.eval_rows(3)
    data[1]["correct"] = "maybe"
    del data[2]["correct"]
    gen.write_jsonl(tmp_path / "evals" / "a.jsonl", data)
    (rec,) = discover(tmp_path, MAPPING)
    assert vals(rec)["correct"] == 1.0
    messages = [(p.evidence.location(), p.message) for p in rec.problems]
    assert any(at == "evals/a.jsonl:2" and "'maybe'" in m for at, m in messages)
    assert any(at == "evals/a.jsonl:2" and "2 of 3 rows" in m for at, m in messages)


def test_bad_input_is_problems_with_lines(tmp_path: Path) -> None:
    good = json.dumps(gen.eval_rows(1)[0]).encode()
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "a.jsonl").write_bytes(
        good + b'\n[1]\n{"id": \xff}\n{' + b" " * 3000 + b"}\n" + good[:20]
    )
    (tmp_path / "evals" / "t.json").write_text('[{"id": 1, "prediction": "x"', "utf-8")
    gen.write_rows_csv(tmp_path / "evals" / "r.csv", gen.eval_rows(2))
    with (tmp_path / "evals" / "r.csv").open("a") as fh:
        fh.write("only,two\n")
    mapping = {**MAPPING, "files": ["evals/*.jsonl", "evals/*.json", "evals/*.csv"]}
    records = {r.id: r for r in discover(tmp_path, mapping, max_line_bytes=1000)}
    lines = {p.evidence.line for p in records["evals/a"].problems}
    assert {2, 3, 4, 5} <= lines
    assert records["evals/a"].problems[-1].kind in ("malformed", "missing")
    (trunc,) = records["evals/t"].problems
    assert trunc.kind == "malformed" and trunc.evidence.line == 1
    ragged = [p for p in records["evals/r"].problems if "cells" in p.message]
    assert ragged[0].evidence.location() == "evals/r.csv:4"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_directory_and_escaping_globs(tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    os.mkfifo(tmp_path / "evals" / "f.jsonl")
    (tmp_path / "evals" / "d.jsonl").mkdir()
    mapping = {**MAPPING, "files": ["evals/*.jsonl", "../*.jsonl", "/etc/*.jsonl"]}
    records = {r.id: r for r in discover(tmp_path, mapping)}
    assert "regular file" in records["evals/f"].problems[0].message
    assert "directory" in records["evals/d"].problems[0].message
    unsafe = [p for r in records.values() for p in r.problems if p.kind == "unsafe-path"]
    assert len(unsafe) == 2
    assert unmapped_hint(tmp_path / "evals" / "f.jsonl") is None


def test_a_glob_that_is_no_glob_is_reported_and_the_others_still_read(tmp_path: Path) -> None:
    """`**` inside a part raised in Python 3.11's `Path.glob` (and matched as `*` in
    3.13's): the mapping's other globs were dropped with it, without a word."""
    gen.write_jsonl(tmp_path / "evals" / "x.jsonl", gen.eval_rows(2))
    mapping = {**MAPPING, "files": ["evals/**x.jsonl", "evals/*.jsonl", "."]}
    records = {r.id: r for r in discover(tmp_path, mapping)}
    assert "evals/x" in records  # the good glob still reads its file
    invalid = [p for r in records.values() for p in r.problems if p.kind == "invalid"]
    assert [p.message for p in invalid] == [
        "glob 'evals/**x.jsonl' has '**' inside a part: '**' stands alone, as in "
        "'outputs/**/final_metrics.json'; not read",
        "glob '.' names no file: only '.' and '/'; not read",
    ]


def test_schema_accepts_the_documented_block() -> None:
    valid = compile_schema({"type": "array", "items": GENERIC_SCHEMA})
    entry = {**MAPPING, "run": "{stem}", "complete": True, "metrics": {}}
    assert valid([entry]) and valid([{**entry, "metrics": ["accuracy"]}])
    assert not valid([{"output": "x"}])  # no files
    assert not valid([{**entry, "colour": 1}])


def test_unmapped_hint(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    gen.write_jsonl(tmp_path / "evals" / "x.jsonl", gen.eval_rows(1))
    hint = unmapped_hint(tmp_path / "evals" / "x.jsonl", ws)
    assert hint == (
        'sources.generic: [{files: "evals/x.jsonl", id: id, input: prompt, '
        "output: prediction, reference: label, scores: [correct, score]}]"
    )
    gen.write_json(tmp_path / "r.json", {"results": [{"response": "a", "answer": "b"}]})
    assert "output: response, reference: answer" in unmapped_hint(tmp_path / "r.json", ws)
    gen.write_rows_csv(tmp_path / "c.csv", [{"completion": "a", "target": "b"}])
    assert "output: completion" in unmapped_hint(tmp_path / "c.csv", ws)
    gen.write_jsonl(tmp_path / "s.jsonl", [{"doc_id": 0, "filtered_resps": ["a"], "target": 1}])
    assert unmapped_hint(tmp_path / "s.jsonl", ws) is None
    (tmp_path / "bad.json").write_bytes(b"{\xff")
    assert unmapped_hint(tmp_path / "bad.json", ws) is None


row_values = st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    doc=st.recursive(
        row_values,
        lambda k: (
            st.lists(k, max_size=3)
            | st.dictionaries(
                st.sampled_from(["id", "prediction", "label", "correct", "results", "model"]),
                k,
                max_size=4,
            )
        ),
        max_leaves=10,
    ),
    noise=st.binary(max_size=120),
)
def test_arbitrary_content_never_raises(tmp_path: Path, doc, noise: bytes) -> None:
    (tmp_path / "a.json").write_text(json.dumps(doc), "utf-8")
    (tmp_path / "b.jsonl").write_bytes(json.dumps(doc).encode() + b"\n" + noise)
    (tmp_path / "c.csv").write_bytes(b"id,prediction,correct\n" + noise)
    mapping = {**MAPPING, "files": ["*.json", "*.jsonl", "*.csv"], "run": "{model}"}
    for rec in discover(tmp_path, mapping, max_line_bytes=64):
        for item in rows_of(tmp_path, rec, mapping, max_line_bytes=64):
            assert isinstance(item, Problem) or item.evidence.path
    for name in ("a.json", "b.jsonl", "c.csv"):
        unmapped_hint(tmp_path / name)
