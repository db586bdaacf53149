"""The per-row shortcuts of the block visitors give exactly what their plain forms give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.rules.format.degenerate_output import normalized

WHITE = list(" \n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u2029\u3000")
TEXT = st.text(alphabet=st.sampled_from([*WHITE, "a", "b", ".", "\x00", "\u00e9", "\u200b"]))


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_normalized_is_split_and_join(text: str) -> None:
    assert normalized(text) == " ".join(text.split())
