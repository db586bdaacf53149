"""The format rules' shared row views computed a block at a time (`_views._plain_views`,
with the inline flat-object and prose fast paths) are exactly `view_row`'s, and a prose
text (no `{`, no backtick) gets exactly the view the full scan and classification give
(`_views._prose_view` against `_view` without its cache)."""

from __future__ import annotations

from typing import Any

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.analysis.taxonomy import GENERATED_TEXT_LIMIT
from ftlint.model import Evidence, HardCase, Provenance, Run
from ftlint.rules.format import _views

ERRORS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "  ",
            "json_block_not_found",
            "invalid_vector:vector_payload_not_found",
            "json_decode_error:Expecting ',' delimiter: line 1 column 5 (char 4)",
            "missing_key:energy",
            "out_of_range:energy=140",
            "extra_key:mood",
            "hidden_params_missing_or_not_object",
            "error",
            "non_finite:warmth",
        ]
    ),
    st.text(max_size=20),
)
PROSE = st.text(
    alphabet=st.sampled_from(list("ab [ ]\n\t\u00a0\u2003\x1c.,:\"'}]{xyz\u00e9`\\")),
    max_size=40,
)
KEYS = st.sampled_from([None, ("energy", "warmth"), ()])
SCALES = st.sampled_from([None, 10.0, 100.0, float("nan")])


def _sized(text: str, pad: int) -> str:
    """`text` padded towards the writer's cut (600 characters) so both sides are tried."""
    return text + "x" * pad


@settings(max_examples=400, deadline=None)
@given(ERRORS, PROSE, st.sampled_from([0, 1, 550, 590, 599, 600, 700]), KEYS, SCALES)
def test_prose_view_is_the_full_view(
    error: str | None, text: str, pad: int, keys: Any, scale: Any
) -> None:
    text = _sized(text, pad) if pad else text
    found = _views._prose_view(error, text) if "`" not in text else None
    full = _views._view.__wrapped__(error, text, keys, scale)
    if found is not None:
        assert found == full
    elif "`" not in text:  # only a complete object or an array is left to the scan
        brace = text.find("{")
        assert text.lstrip()[:1] == "[" or (brace >= 0 and "}" in text[brace:])


TEXTS = st.one_of(
    PROSE,
    st.sampled_from(
        [
            '{"energy": 1, "warmth": 2}',
            '  {"energy": 1, "warmth": 2}\n',
            '{"energy": 1}',
            'Sure: {"energy": 1, "warmth": 2} done',
            '```json\n{"energy": 1, "warmth": 2}\n```',
            '{"hidden_params": {"energy": 1, "warmth": 2}}',
            '{"energy": 1, "warmth": ',
            "[1, 2]",
            "`code`",
            "x" * 600,
            "{" + "x" * 700,
        ]
    ),
)


def _run(keys: Any, scale: Any) -> Run:
    return Run(name="r", provenance=Provenance(target_keys=keys, target_scale=scale))


def _case(error: Any, text: Any) -> HardCase:
    return HardCase(1, "1", "q", None, None, None, None, None, error, text, Evidence("p", 1), {})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ERRORS, st.one_of(TEXTS, st.none(), st.just(3))), max_size=8), KEYS)
def test_block_views_are_the_row_views(rows: list[Any], keys: Any) -> None:
    run = _run(keys, 100.0)
    cases = [_case(e, t) for e, t in rows]
    block = _views._plain_views(cases, run)
    _views._SEEN.clear()
    assert block == [_views.view_row(case, run) for case in cases]
    assert len(block) == len(cases)


def test_prose_then_a_cut_object_is_unterminated_without_the_scan() -> None:
    text = 'Let me think about "calm piano".\n\n{"energy": 86, "warmth":'
    view = _views._prose_view("json_block_not_found", text)
    assert view is not None and view.truncated and view.cls is not None
    assert view.cls.value == "unterminated"
    assert view == _views._view.__wrapped__("json_block_not_found", text, ("energy",), 100.0)
    long = text + " 1" * 400
    for error in (None, "json_block_not_found", "missing_key:warmth", "json_decode_error:x"):
        assert _views._prose_view(error, long) == _views._view.__wrapped__(
            error, long, ("energy",), 100.0
        )


def test_a_long_prose_text_keeps_the_hint_of_its_error() -> None:
    text = "word " * (GENERATED_TEXT_LIMIT // 5)
    view = _views._prose_view("missing_key:energy", text)
    assert view is not None and view.failed and view.cls is not None
    assert view.cls.value == "missing_key"
    assert view == _views._view.__wrapped__("missing_key:energy", text, ("energy",), 100.0)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("", "b", "Let me think. ", " ", "[", "`x` ", "\u00a0")),
            st.sampled_from(("", "{", '{"energy": 1', '{"energy": 1}', "{}", "}{")),
            st.one_of(st.integers(0, 40), st.sampled_from((583, 584, 585, 598, 599, 600, 700))),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(
        ("json_block_not_found", "json_decode_error:x", "missing_key:energy", None, " ")
    ),
)
def test_failed_prose_by_length_is_the_row_view(parts: list[Any], error: Any) -> None:
    """The block loop's lookup of a failed prose row by its length, leading prose and
    `{` (texts of lengths n and n + 1, with and without prose before the `{`, in one
    block: keys that collide would mix them up) is `_view`'s reading."""
    run = _run(("energy",), 100.0)
    texts = [prose + obj + "a" * pad for prose, obj, pad in parts]
    texts += [text[1:] for text in texts if text]  # one character shorter
    cases = [_case(error, text) for text in texts]
    block = _views._plain_views(cases, run)
    assert block == [_views._view.__wrapped__(error, t, ("energy",), 100.0) for t in texts]


def test_failed_prose_is_read_by_length() -> None:
    """The lookup is taken (a mutation that skips it leaves the table empty)."""
    _views._PROSE_FAILED.clear()
    run = _run(("energy",), 100.0)
    texts = ["Let me think.", '{"energy": 1', 'Sure: {"energy": 1']
    block = _views._plain_views([_case("json_block_not_found", t) for t in texts], run)
    assert block == [
        _views._view.__wrapped__("json_block_not_found", t, None, 100.0) for t in texts
    ]
    assert len(_views._PROSE_FAILED) == 3
