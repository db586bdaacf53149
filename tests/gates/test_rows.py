"""`ftlint.gates.rows`: eval rows of any source -> the gates' per-row results."""

from __future__ import annotations

from ftlint.gates.rows import correct_pair, correctness, row_results
from ftlint.model import EvalRow, Evidence, Problem

EV = Evidence("preds.jsonl", line=1)


def row(i: int, output: str = "A", reference: object = "A", **scores: float) -> EvalRow:
    return EvalRow(
        id=f"r{i}", input="q", output=output, reference=reference, evidence=EV, scores=scores
    )


def test_correctness_prefers_the_sources_score() -> None:
    assert correctness(row(1, "B", "A", acc=1.0)) is True  # lm-eval scored it (a filter)
    assert correctness(row(1, " A\n", "A")) is True
    assert correctness(row(1, "B", "A")) is False
    assert correctness(row(1, "{}", {"k": 1})) is None  # structured: not a closed answer


def test_complete_rows_pair_and_incomplete_ones_say_why() -> None:
    full = row_results("a", [row(i) for i in range(3)], 3, complete=True)
    assert full.complete and full.correct == {"r0": True, "r1": True, "r2": True}
    top_k = row_results("a", [row(i) for i in range(3)], 10, complete=False)
    assert not top_k.complete and "top-k" in top_k.reason and top_k.outcomes == {}
    short = row_results("a", [row(i) for i in range(3)], 10, complete=True)
    assert "3 eval rows for an eval size of 10" in short.reason
    bad = row_results("a", [row(0), Problem("malformed", "x", EV)], None, complete=True)
    assert "1 unreadable" in bad.reason


def test_rows_that_disagree_with_the_reported_rate_do_not_pair() -> None:
    a = row_results("a", [row(0), row(1, "B")], 2, complete=True)
    b = row_results("b", [row(0), row(1)], 2, complete=True)
    assert correct_pair(a, b, 0.5, 1.0) is not None
    assert correct_pair(a, b, 1.0, 1.0) is None  # a reports 1.0, its rows say 0.5
    other = row_results("c", [row(5), row(6)], 2, complete=True)
    assert correct_pair(a, other) is None  # different ids
