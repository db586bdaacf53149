"""Second pass on the streamed visitors, held to their exact paths: SEC001's needles
(none shorter than three bytes: `hf_` and `hf\\_`, not `hf`) still flag every text
`find_secrets` reports on, and flag exactly the texts whose lower-cased form holds a
needle; the block scan's memo (texts compared by identity) never hands one block's
scan to another. (FMT008's Misra-Gries step is held to its comprehensions in
test_fmt008_step_fast.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import redact
from ftlint.model import Evidence, HardCase
from ftlint.rules.security import _block_hints
from ftlint.rules.security.secret_in_artifact import hinted, may_hold

needs_scan = pytest.mark.skipif(not _block_hints.available(), reason="ahocorasick-rs missing")

_HINTS = [h for _, hints, _, _ in redact._TOKEN_PATTERNS for h in hints] + list(redact._WORD_HINTS)
PIECES = st.sampled_from(
    [
        *_HINTS,
        *(h.upper() for h in _HINTS),
        *(h.title() for h in _HINTS),
        *_block_hints.NEEDLES,
        "hf", "HF", "Hf", "hF", "h", "f", "_", "\\", "\\_", "-", " ", "\t", "\n", "\u00a0",
        "\u212a", "\u212aey", "\u0130", "\x00", "\ud800", "\u00e9", "ß", "ﬀ",
        "HF_TOKEN=hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh", "hf\\_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh",
    ]
)  # fmt: skip
TEXTS = st.one_of(
    st.lists(PIECES | st.text(max_size=3), max_size=7).map("".join),
    st.text(max_size=10),
)


def _case(line: int, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, str(line), None)
    return HardCase(line, str(line), None, None, None, None, None, None, None, text, ev, {})


def _holds_needle(text: str) -> bool:
    lower = text.lower()
    return any(needle in lower for needle in _block_hints.NEEDLES)


def test_no_needle_is_shorter_than_three_bytes() -> None:
    assert min(map(len, _block_hints.NEEDLES)) >= 3
    assert "hf" not in _block_hints.NEEDLES
    assert {"hf_", "hf\\_"} <= set(_block_hints.NEEDLES)


@needs_scan
@settings(max_examples=500, deadline=None)
@given(st.lists(TEXTS, max_size=10))
def test_secret_flags_are_the_needles_and_cover_find_secrets(texts: list[str]) -> None:
    _block_hints._LAST[:] = [None, None]
    scan = _block_hints.scan_block([_case(i + 1, text) for i, text in enumerate(texts)])
    assert scan is not None
    found = set(scan.secret())
    for i, text in enumerate(texts):
        assert (i in found) == _holds_needle(text), text
        if redact.may_hold_secret(text) or any(True for _ in redact.find_secrets(text)):
            assert i in found, text
            assert may_hold(text) and hinted(text), text
        assert hinted(text) == may_hold(text), text


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_the_row_precheck_is_the_needles(text: str) -> None:
    gh = "_" in text and any(n in text.lower() for n in _block_hints.GH_NEEDLES)
    plain = any(n in text.lower() for n in _block_hints.SECRET_NEEDLES)
    assert may_hold(text) == (plain or gh)
    assert hinted(text) == may_hold(text)


@needs_scan
def test_a_hugging_face_hint_needs_its_underscore() -> None:
    texts = ["half of it", "hf", "HF_TOKEN", "see hf\\_abc", "Hf_x", "xhfy"]
    scan = _block_hints.scan_block([_case(i + 1, text) for i, text in enumerate(texts)])
    assert scan is not None
    assert scan.secret() == [2, 3, 4]


@needs_scan
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TEXTS, min_size=1, max_size=6), min_size=1, max_size=5), st.data())
def test_the_memo_is_the_scan_of_the_texts_asked_about(blocks: list[list[str]], data: Any) -> None:
    """Blocks in turn, each asked about once or twice (as SEC001 and FMT008 do), some
    sharing text objects with the block before (a prefix, the same texts in a new list):
    every answer is the scan of that block's texts, never the previous block's."""
    _block_hints._LAST[:] = [None, None]
    previous: list[HardCase] = []
    for texts in blocks:
        cases = [_case(i + 1, text) for i, text in enumerate(texts)]
        if previous and data.draw(st.booleans()):
            cases = previous[: data.draw(st.integers(0, len(previous)))] + cases
        if previous and data.draw(st.booleans()):
            cases = list(previous)  # the same texts, a new list: the memo may answer
        for _ in range(data.draw(st.integers(1, 2))):
            scan = _block_hints.scan_block(cases)
            assert scan is not None
            fresh = _block_hints.BlockScan(
                [case.generated_text for case in cases], _block_hints._searchers()
            )
            assert scan.texts == fresh.texts
            assert all(map(lambda a, b: a is b, scan.texts, fresh.texts))
            assert scan.secret() == fresh.secret()
            assert scan.rough() == fresh.rough()
            assert scan.doubled() == fresh.doubled()
        previous = cases
