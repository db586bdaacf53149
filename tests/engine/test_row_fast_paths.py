"""The per-row fast paths of the row visitors decide exactly what the general code
decides: SEC001's pre-check never hides a secret, PRV008's keys are equal exactly when
the canonical JSON is, its packed first evidence unpacks to the row's own, and a row's
view is the same from the identity memo as computed afresh."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import redact
from ftlint.model import Evidence, HardCase, Provenance, Run
from ftlint.rules.format import _views
from ftlint.rules.provenance import duplicate_eval_rows as prv008
from ftlint.rules.security.secret_in_artifact import GH_NEEDLES, NEEDLES, may_hold


def _hints() -> list[str]:
    out = [h for _, hints, _, _ in redact._TOKEN_PATTERNS for h in hints]
    return out + list(redact._WORD_HINTS)


def test_every_secret_hint_is_covered() -> None:
    for hint in _hints():
        lower = hint.lower()
        covered = any(n in lower for n in NEEDLES) or (
            "_" in hint and any(n in lower for n in GH_NEEDLES)
        )
        assert covered, hint
        for text in (hint, hint.upper(), f"xx {hint} yy", hint.title()):
            if redact.may_hold_secret(text):
                assert may_hold(text), text


ALPHABET = st.sampled_from([*_hints(), "a", "B", " ", "_", "-", ":", "/", "\\", "K", "\u212a", "İ"])


@settings(max_examples=300)
@given(st.lists(ALPHABET, max_size=8).map("".join))
def test_precheck_is_a_superset(text: str) -> None:
    if redact.may_hold_secret(text):
        assert may_hold(text)


def _case(target: Any, label: Any = None, line: int | None = 3, sid: str | None = "7") -> HardCase:
    raw = {"contract": "choice", "label": label} if label is not None else {}
    ev = Evidence("outputs/r/hard_cases.valid.jsonl", line, None, sid, None)
    return HardCase(1, sid, "req", None, target, None, None, None, None, "", ev, raw)


_FLOATS = st.sampled_from(
    [1.0, 0.0, -0.0, 2.5, -1.0, -2.0, 0.5, 2.0**60, 2.0**61, 3 * 2.0**-61, 3.0, 1e300, math.nan]
)
TARGETS = st.one_of(
    st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.one_of(
            st.integers(-3, 3),
            st.sampled_from([1.0, 0.0, -0.0, True, False, None, "1", 2.5]),
            st.lists(st.integers(0, 2), max_size=2),
        ),
        max_size=3,
    ),
    # all floats (the real writer's vectors), with values whose hashes meet
    st.dictionaries(st.sampled_from(["a", "b", "c"]), _FLOATS, max_size=3),
    st.none(),
)


@settings(max_examples=400)
@given(TARGETS, TARGETS, st.sampled_from([None, "x", "y"]), st.sampled_from([None, "x", "y"]))
def test_reference_keys_equal_exactly_when_json_is(a: Any, b: Any, la: Any, lb: Any) -> None:
    ka, kb = prv008.reference_key(_case(a, la)), prv008.reference_key(_case(b, lb))
    ta = a if a is not None else la
    tb = b if b is not None else lb
    if ta is None or tb is None:
        assert (ka is None) == (ta is None) and (kb is None) == (tb is None)
        return
    same = json.dumps(ta, sort_keys=True) == json.dumps(tb, sort_keys=True)
    assert (ka == kb) == same
    assert 0 <= ka < 1 << 63


@settings(max_examples=300)
@given(
    st.one_of(st.none(), st.integers(-2, 1 << 35)),
    st.one_of(st.none(), st.sampled_from(["0", "7", "007", "12a", "", "999999999999", "1" * 13])),
    st.sampled_from(["a.jsonl", "b.jsonl"]),
)
def test_packed_evidence_unpacks_to_itself(line: int | None, sid: str | None, path: str) -> None:
    packer = prv008._EvidencePacker()
    ev = Evidence(path, line, None, sid, None)
    code = packer.pack(5, ev)
    assert packer.unpack(5, code) == ev


def test_view_memo_matches_fresh_view() -> None:
    run = Run(name="r", provenance=Provenance(target_keys=("a", "b"), target_scale=100.0))
    texts = ['{"a": 1, "b": 2}', '{"a": 1}', "prose {", "", '```json\n{"a": 1, "b": 2}\n```']
    for error in (None, "json_decode_error:x"):
        for text in texts:
            case = HardCase(
                1, "1", "q", None, None, None, None, None, error, text, Evidence("p", 1), {}
            )
            first = _views.view_row(case, run)
            assert _views.view_row(case, run) is first
            fresh = _views._view.__wrapped__(
                error, text, run.provenance.target_keys, run.provenance.target_scale
            )
            assert first == fresh


@settings(max_examples=400)
@given(
    st.text(alphabet=st.sampled_from(["a", " ", "\t", "\n", "\xa0", "\u2028", "\x1f", "é", "{"]))
)
def test_normalized_is_split_join(text: str) -> None:
    from ftlint.rules.format.degenerate_output import normalized

    assert normalized(text) == " ".join(text.split())


def test_no_printable_whitespace_but_space() -> None:
    import sys

    assert not [
        i
        for i in range(sys.maxunicode + 1)
        if chr(i).isspace() and chr(i).isprintable() and i != 32
    ]


def test_reference_keys_of_minus_one_and_minus_two_differ() -> None:
    """CPython hashes -1 as -2: the pairs must not meet in the {str: int} fast path."""
    one = prv008.reference_key(_case({"a": -1, "b": -1}))
    two = prv008.reference_key(_case({"a": -1, "b": -2}))
    assert one is not None and two is not None and one != two
    assert one == prv008.reference_key(_case({"b": -1, "a": -1}))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"a": 0.5}, {"a": 2.0**60}),  # equal float hashes
        ({"a": 3 * 2.0**-61}, {"a": 3.0}),
        ({"a": -0.0}, {"a": 0.0}),
        ({"a": -1.0}, {"a": -2.0}),
        ({"a": 1.0}, {"a": 1}),
        ({"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 1.0}),
    ],
)
def test_float_targets_whose_hashes_meet_keep_apart(a: Any, b: Any) -> None:
    assert prv008.reference_key(_case(a)) != prv008.reference_key(_case(b))


def test_float_targets_equal_as_json_share_a_key() -> None:
    nan_a, nan_b = float("nan"), float("nan")  # two objects: NaN != NaN, "NaN" == "NaN"
    assert prv008.reference_key(_case({"a": nan_a})) == prv008.reference_key(_case({"a": nan_b}))
    one = prv008.reference_key(_case({"a": 1.5, "b": 95.0}))
    assert one == prv008.reference_key(_case({"b": 95.0, "a": 1.5}))
