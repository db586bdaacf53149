"""Hard-case vectors holding NaN, Infinity or a number too large for a float (10**400,
1e309): each such vector of a row is a problem with its line and the JSON pointer of its
first bad element, the row is kept with that value as null (no rule uses it), the same
on the exact line reader and on the msgspec block reader."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.model import HardCase, Problem
from ftlint.sources import hardcases, io
from ftlint.sources.io import Workspace

ROW = {
    "rank": 1,
    "sample_index": 3,
    "request_text": "q",
    "source_type": "request_text",
    "weather": "sunny",
    "target_vector": {"a": 1, "b": 2},
    "predicted_vector": {"a": 2, "b": 2},
    "abs_error_raw": {"a": 1, "b": 0},
    "mae_raw": 0.5,
    "parse_error": None,
    "generated_text": "x",
}

BAD = {
    "NaN": "NaN (not a finite number)",
    "Infinity": "Infinity (not a finite number)",
    "-Infinity": "-Infinity (not a finite number)",
    "1e309": None,  # Infinity on the exact path, out of range for msgspec: exact too
    "9" * 400: "an integer too large for a float",
    "-" + "9" * 400: "an integer too large for a float",
}


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0 if fast else 1 << 40)
    monkeypatch.setattr(io, "FAST_MIN_BYTES", 0 if fast else 1 << 40)
    ws = Workspace(path.parent)
    out: list[Any] = []
    for item in hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20):
        out += [item] if isinstance(item, Problem) else item
    return out


def _line(field: str, key: str, literal: str, **extra: Any) -> str:
    row = {**ROW, **extra}
    text = json.dumps(row)
    old = json.dumps({key: row[field][key]})[1:-1]
    vector = json.dumps(row[field])
    return text.replace(vector, vector.replace(old, f'"{key}": {literal}'), 1)


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("literal", sorted(BAD))
@pytest.mark.parametrize("field", ["target_vector", "predicted_vector", "abs_error_raw"])
def test_a_bad_vector_value_is_a_problem_with_its_pointer(
    tmp_path: Path, fast: bool, literal: str, field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hard_cases.valid.jsonl"
    good = json.dumps(ROW)
    path.write_text("\n".join([good, _line(field, "b", literal), good]) + "\n")
    items = _read(path, fast, monkeypatch)
    problems = [i for i in items if isinstance(i, Problem)]
    rows = [i for i in items if isinstance(i, HardCase)]
    assert len(rows) == 3  # the row is kept
    assert [(p.kind, p.evidence.line, p.evidence.pointer) for p in problems] == [
        ("invalid", 2, f"/{field}/b")
    ]
    what = BAD[literal] or ("Infinity (not a finite number)")
    assert problems[0].message == f"{field} value 'b' is {what}; the value is not used"
    assert items.index(problems[0]) == 1  # before its row, after the row before
    assert getattr(rows[1], field) == {**ROW[field], "b": None}
    assert rows[1].raw[field]["b"] is not None  # the row as read stays as read
    assert getattr(rows[0], field) == ROW[field]


def test_one_problem_per_vector_names_the_first_bad_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hard_cases.valid.jsonl"
    line = json.dumps(ROW).replace(
        '"target_vector": {"a": 1, "b": 2}', '"target_vector": {"x/~y": NaN, "b": Infinity}'
    )
    path.write_text(line + "\n")
    (problem, row) = _read(path, False, monkeypatch)
    assert problem.evidence.pointer == "/target_vector/x~1~0y"
    assert "(1 more value(s) of the vector too)" in problem.message
    assert row.target_vector == {"x/~y": None, "b": None}


def test_finite_values_and_non_numbers_are_no_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = {**ROW, "target_vector": {"a": 1e308, "b": 1e308, "c": "x", "d": None, "e": True}}
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text(json.dumps(row) + "\n")
    for fast in (False, True):
        (case,) = _read(path, fast, monkeypatch)
        assert case.target_vector == row["target_vector"]


VALUES = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e309", "-1e400", "9" * 320, "null"]),
    st.sampled_from(['"s"', "true", "[1]", '{"z": 1}']),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(VALUES, min_size=0, max_size=4), min_size=1, max_size=12))
def test_block_and_line_readers_agree_on_vector_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vectors: list[list[str]]
) -> None:
    lines = []
    for i, values in enumerate(vectors):
        body = ", ".join(f'"k{j}": {v}' for j, v in enumerate(values))
        text = json.dumps({**ROW, "rank": i + 1}).replace(
            '"predicted_vector": {"a": 2, "b": 2}', '"predicted_vector": {' + body + "}"
        )
        lines.append(text)
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with monkeypatch.context() as m:
        exact = _read(path, False, m)
    with monkeypatch.context() as m:
        block = _read(path, True, m)
    assert repr(exact) == repr(block)
    for item in exact:
        if isinstance(item, HardCase):
            for value in item.predicted_vector.values():
                if isinstance(value, float):
                    assert math.isfinite(value)
                if type(value) is int:
                    float(value)  # never too large


@pytest.mark.parametrize("literal", ["NaN", "9" * 400])
def test_a_bad_vector_value_leaves_the_row_pairable(tmp_path: Path, literal: str) -> None:
    """Paired gates read each row's (parsed, MAE): a row with a bad vector value is
    read whole, so it is no "unreadable line" (a bad `mae_raw` still is, as before)."""
    from ftlint.model import Provenance, Run

    out = tmp_path / "outputs" / "r"
    out.mkdir(parents=True)
    lines = [json.dumps({**ROW, "rank": i + 1, "sample_index": i}) for i in range(3)]
    lines[1] = _line("predicted_vector", "a", literal, rank=2, sample_index=1)
    (out / "hard_cases.valid.jsonl").write_text("\n".join(lines) + "\n")
    run = Run(
        name="r",
        hard_cases_path="outputs/r/hard_cases.valid.jsonl",
        provenance=Provenance(eval_size=3),
    )
    count, outcomes, reason = hardcases.read_row_outcomes(
        Workspace(tmp_path), run, max_line_bytes=1 << 20
    )
    assert (count, reason) == (3, "")
    assert outcomes["1"] == (True, 0.5)
    lines[1] = lines[1].replace('"mae_raw": 0.5', '"mae_raw": NaN')
    (out / "hard_cases.valid.jsonl").write_text("\n".join(lines) + "\n")
    _, _, reason = hardcases.read_row_outcomes(Workspace(tmp_path), run, max_line_bytes=1 << 20)
    assert reason == "1 unreadable hard-case line(s)"
