"""The block scan (`_block_hints.scan_block`) flags every completion SEC001's per-row
test (`hinted`) flags, and every completion not in normal form as FMT008 needs it, on
random and adversarial texts (case variants, the Kelvin sign, U+0130, NUL inside a
text, lone surrogates, every whitespace, patterns at the edges of a row), and SEC001's
`row_batch` reports exactly what `row` reports, with and without the optional
`ahocorasick-rs`."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import redact
from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.security import _block_hints
from ftlint.rules.security.secret_in_artifact import (
    GH_NEEDLES,
    NEEDLES,
    SecretInArtifact,
    hinted,
)

needs_scan = pytest.mark.skipif(not _block_hints.available(), reason="ahocorasick-rs missing")

_HINTS = [h for _, hints, _, _ in redact._TOKEN_PATTERNS for h in hints] + list(redact._WORD_HINTS)
PIECES = st.sampled_from(
    [
        *_HINTS,
        *(h.upper() for h in _HINTS),
        *(h.title() for h in _HINTS),
        *NEEDLES,
        *GH_NEEDLES,
        *(chr(i) for i in range(0x110000) if chr(i).isspace()),
        "  ",
        "\u212aey",  # KELVIN SIGN + "ey": lowers to "key"
        "\u212a",
        "\u0130",
        "\x00",
        "\ud800",
        "\u00e9",
        "_",
        "h",
        "f",
        "g",
        " ",
        "-",
        ":",
        "/",
        "HF_TOKEN=hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh",
    ]
)
TEXTS = st.one_of(
    st.lists(PIECES | st.text(max_size=4), max_size=6).map("".join),
    st.text(max_size=12),
    st.sampled_from(["", "plain prose with no hint at all", "x" * 600]),
)


def test_needles_are_the_rules_needles() -> None:
    assert set(_block_hints.NEEDLES) == set(NEEDLES) | set(GH_NEEDLES)
    ascii_space = {chr(i) for i in range(128) if chr(i).isspace()} - {" "}
    assert set(_block_hints.SPACES) == ascii_space | {"  "}


def _scan(texts: list[Any]) -> _block_hints.BlockScan | None:
    return _block_hints.scan_block([_case(i + 1, text) for i, text in enumerate(texts)])


@needs_scan
@settings(max_examples=400, deadline=None)
@given(st.lists(TEXTS, max_size=12))
def test_flags_are_supersets(texts: list[str]) -> None:
    scan = _scan(texts)
    assert scan is not None
    found = scan.secret()
    assert found == sorted(set(found))
    assert all(0 <= i < len(texts) for i in found)
    rough = scan.rough()
    assert len(rough) == len(texts)
    for i, text in enumerate(texts):
        if hinted(text) or redact.may_hold_secret(text):
            assert i in found, (i, text)
        if rough[i] == _block_hints.NORMAL:  # FMT008's `_scanned` takes it as normal
            assert text.isascii()
            assert " ".join(text.split()) == text.strip(" "), text
        elif rough[i] == _block_hints.LINES:  # ... or collapses newlines and spaces
            assert text.isascii()
            assert not {c for c in text if c.isspace()} - {" ", "\n"}, text
        else:
            assert rough[i] == _block_hints.OTHER


@needs_scan
def test_flags_of_an_ascii_and_a_mixed_block() -> None:
    texts = ["no", "a KEY here", "", "none", "x\x00hf_", "calm  down", " ends "]
    scan = _scan(texts)
    assert scan is not None
    assert scan.secret() == [1, 4]
    assert scan.rough() == [0, 0, 0, 0, 0, 1, 0]
    texts += ["caf\u00e9 \u212aey", "caf\u00e9", "a\nb"]
    scan = _scan(texts)
    assert scan is not None
    assert scan.secret() == [1, 4, 7]
    assert scan.rough() == [0] * 5 + [1, 0, 2, 2, 1]


def test_a_block_with_a_text_not_str_is_not_scanned() -> None:
    assert _scan(["a", None]) is None


def test_without_the_package_flagged_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_block_hints, "_SEARCH", [None])
    assert _scan(["hf_x"]) is None


def _findings(cases: list[HardCase], sizes: list[int], batched: bool) -> list[str]:
    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance())
    rule = SecretInArtifact()
    ctx = RuleContext(rule, rule.param_defaults(), None, {}, Campaign(root=".", runs=(run,)))
    visitor = rule.hard_case_visitor(run, ctx)
    feed(visitor, cases, sizes, batched)
    return [repr(f) for f in visitor.finish()]


def _case(line: int, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, str(line), None)
    return HardCase(line, str(line), None, None, None, None, None, None, None, text, ev, {})


SECRETS = st.sampled_from(
    [
        "my key is sk-abcdefghijklmnopqrstuvwxyz123456",
        "export HF_TOKEN=hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh",
        "caf\u00e9 Bearer Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc",
        "\u212aEY=abcdef12345",
        "AKIAABCDEFGHIJKLMNOP",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(st.one_of(TEXTS, SECRETS, st.none()), max_size=20),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=3),
)
def test_row_batch_reports_what_row_reports(texts: list[Any], sizes: list[int]) -> None:
    cases = [_case(i + 1, text) for i, text in enumerate(texts)]
    rows = _findings(cases, sizes, False)
    assert _findings(cases, sizes, True) == rows
    saved = _block_hints._SEARCH[:]
    _block_hints._SEARCH[:] = [None]  # the pure-Python path: `hinted` row by row
    try:
        assert _findings(cases, sizes, True) == rows
    finally:
        _block_hints._SEARCH[:] = saved
