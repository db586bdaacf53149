"""The secret pre-check answers the same for a long text (pattern by pattern, hint
regexes) as for a short one (hint by hint), and never hides what the scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint import redact

FRAGMENTS = [
    *(hint for _, hints, _, _ in redact._TOKEN_PATTERNS for hint in hints),
    *redact._WORD_HINTS,
    "HF_TOKEN=",
    "hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh",
    "Bearer Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc",
    "GHP_",
    "g",
    "h",
    "-",
    " ",
    "\u0130",
]


def _short_path(text: str) -> bool:
    lower = text.lower()
    return any(h in text for h in redact._CASE_HINTS) or any(
        h in lower for h in redact._LOWER_HINTS
    )


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=12),
    pad=st.integers(0, 700),
)
def test_long_and_short_pre_checks_agree(parts: list[str], pad: int) -> None:
    text = "x" * pad + "".join(parts)
    assert redact.may_hold_secret(text) == _short_path(text)
    if not redact.may_hold_secret(text):
        assert list(redact._scan(text)) == []
