"""PRV008 keeps compact keys (bounded memory): the first row of an input is packed into
an int and rebuilt exactly, and past the cap the counts are a lower bound."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import prv008_visitor
from hypothesis import given
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance import duplicate_eval_rows as prv

ids = st.one_of(
    st.none(),
    st.integers(0, 10**15).map(str),
    st.sampled_from(["007", "", "a1", "-3", "\uff11\uff12"]),
)
pointers = st.one_of(
    st.none(),
    st.integers(0, 2**42).map(lambda i: f"/data/{i}"),
    st.sampled_from(["/data/", "/data/01", "3", "", "/rows/x"]),
    st.text(max_size=8),
)
evidences = st.builds(
    Evidence,
    st.sampled_from(["a.jsonl", "b/c.json", ""]),
    st.one_of(st.none(), st.integers(0, 2**42), st.just(-1)),
    pointers,
    ids,
    st.one_of(st.none(), st.just("https://wandb.ai/x")),
)


@given(st.lists(evidences, min_size=1, max_size=20))
def test_packed_evidence_round_trips(items: list[Evidence]) -> None:
    packer = prv._EvidencePacker()
    codes = [packer.pack(key, ev) for key, ev in enumerate(items)]
    assert [packer.unpack(key, code) for key, code in enumerate(codes)] == items


def case(line: int, text: str, sid: str | None = None) -> HardCase:
    ev = Evidence("h.jsonl", line, None, sid, None)
    return HardCase(
        rank=line, sample_id=sid, request_text=text, source_type=None,
        target_vector={"k": text}, predicted_vector=None, abs_error_raw=None, mae_raw=None,
        parse_error=None, generated_text=None, evidence=ev, raw={},
    )  # fmt: skip


def repeats(rows: list[HardCase]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    visitor = prv008_visitor(made)
    for row in rows:
        visitor.row(row)
    list(visitor.finish())
    return made


def test_first_occurrence_rebuilt_and_same_example_skipped() -> None:
    rows = [case(1, "a", "1"), case(2, "b", "2"), case(3, " a ", "3"), case(3, "a", "3")]
    made = repeats(rows)
    assert made["evidence"] == [rows[0].evidence, rows[2].evidence]
    assert made["measurements"]["rows"] == 3 and made["measurements"]["repeated_rows"] == 1
    assert "lower_bound" not in made["measurements"]


def test_past_the_cap_only_known_inputs_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prv, "MAX_EXAMPLES", 3)
    rows = [case(i, f"q{i % 4}", str(i)) for i in range(1, 11)]
    made = repeats(rows)
    m = made["measurements"]
    # q1 q2 q3 remembered; q0 (rows 4 and 8) is not: counted as distinct inputs
    assert m["lower_bound"] is True
    assert m["rows"] == 10 and m["distinct_inputs"] == 5 and m["repeated_rows"] == 5
    assert "at least: past 3 distinct examples" in made["message"]


@given(st.lists(st.integers(1, 2**64 - 1) | st.integers(1, 3000), max_size=3000))
def test_table_is_a_dict(keys: list[int]) -> None:
    table, model = prv._Table(1, slots=4), {}
    for n, key in enumerate(keys):
        slot = table.slot(key)
        if key in model:
            assert table.keys[slot] == key and table.cols[0][slot] == model[key]
        else:
            assert table.keys[slot] == 0
            table.put(slot, key, n)
            model[key] = n
    assert table.size == len(model)
    assert {key: table.cols[0][table.slot(key)] for key in model} == model
