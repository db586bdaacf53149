"""Class: a JSON object with a duplicated key silently kept the last value. Now the
first value is kept and the duplicate is an "inconsistent" problem (PRV005) with its
line, in whole JSON files and in JSONL lines, at any depth."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.sources.io import Workspace, iter_jsonl, loads_checked, read_json
from safety._util import ftlint


def test_read_json_keeps_first_and_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{\n  "json_valid_rate": 0.5,\n  "x": 1,\n  "json_valid_rate": 0.995\n}\n')
    data, problems = read_json(Workspace(tmp_path), path)
    assert data == {"json_valid_rate": 0.5, "x": 1}
    (problem,) = problems
    assert problem.kind == "inconsistent" and "'json_valid_rate'" in problem.message
    assert problem.evidence.line == 4


def test_jsonl_line_with_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n{"a": 1, "b": {"c": 1, "c": 2}}\n')
    items = list(iter_jsonl(Workspace(tmp_path), path, max_line_bytes=1000))
    assert [i.line for i in items if i.problem] == [2]
    assert items[-1].value == {"a": 1, "b": {"c": 1}}


KEYS = st.text(min_size=1, max_size=6)
LEAF = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=5), st.none())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KEYS, LEAF), min_size=1, max_size=8), st.integers(0, 3))
def test_duplicates_found_at_any_depth(pairs: list[tuple[str, object]], depth: int) -> None:
    body = "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"
    for _ in range(depth):
        body = '{"wrap": [' + body + "]}"
    value, duplicates = loads_checked(body)
    keys = [k for k, _ in pairs]
    expected = [k for i, k in enumerate(keys) if k in keys[:i]]
    assert duplicates == expected
    inner = value
    for _ in range(depth):
        inner = inner["wrap"][0]
    first: dict[str, object] = {}
    for k, v in pairs:
        first.setdefault(k, v)
    assert inner == first


def test_duplicate_metric_is_a_prv005_finding(ws) -> None:
    from helpers import final_metrics

    text = json.dumps(final_metrics(json_valid_rate=0.5), indent=2)
    text = text.replace(
        '"json_valid_rate": 0.5,', '"json_valid_rate": 0.5, "json_valid_rate": 0.995,'
    )
    ws.write("outputs/cand/final_metrics.json", text)
    result = ftlint("check", str(ws.root), "--format", "json", cwd=ws.root.parent)
    found = json.loads(result.out)["findings"]
    dup = [f for f in found if "appears more than once" in f["message"]]
    assert dup and dup[0]["rule"] == "PRV005"
    assert dup[0]["evidence"][0]["line"] is not None
