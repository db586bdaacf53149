"""Tests for the failure taxonomy (ftlint.analysis.taxonomy): table-driven plus properties."""

from __future__ import annotations

import json
import math
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis.taxonomy import (
    DESCRIPTIONS,
    GENERATED_TEXT_LIMIT,
    PRECEDENCE,
    CompletionShape,
    FailureClass,
    analyze_completion,
    classify_failure,
    parse_error_hint,
)

F = FailureClass
KEYS = ("energy", "warmth", "brightness", "acousticness", "complexity", "nostalgia")
VECTOR = {
    "energy": 7,
    "warmth": 4,
    "brightness": 6,
    "acousticness": 2,
    "complexity": 5,
    "nostalgia": 3,
}
VECTOR_100 = {k: v * 10 for k, v in VECTOR.items()}


def obj(**changes: Any) -> str:
    """The valid vector as JSON with keys changed (a value of ... drops the key)."""
    data = {**VECTOR, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...})


GOOD = obj()
GOOD_100 = json.dumps(VECTOR_100)
DECODE_MSG = "json_decode_error:Expecting ',' delimiter: line 1 column 98 (char 97)"


class Case(NamedTuple):
    id: str
    parse_error: str | None
    text: str | None
    expected: FailureClass
    keys: tuple[str, ...] | None = KEYS
    scale: float | None = 10


CASES: list[Case] = [
    # --- no_json
    Case("empty-none", None, "", F.NO_JSON),
    Case("blank-vague", "error", "   \n\t  ", F.NO_JSON),
    Case(
        "refusal",
        "json_block_not_found",
        "I'm sorry, I can't infer musical parameters from this request.",
        F.NO_JSON,
    ),
    Case(
        "prose-vector-none",
        None,
        "energy: 7, warmth: 4, brightness: 6, acousticness: 2, complexity: 5, nostalgia: 3",
        F.NO_JSON,
    ),
    Case(
        "unicode-prose",
        "invalid_vector:vector_payload_not_found",
        "Voici les paramètres : énergie 7 — chaleur 4 🎵 (ノスタルジー 3)",
        F.NO_JSON,
    ),
    Case("fence-no-object", "error", "```json\n```", F.NO_JSON),
    # --- unterminated
    Case("cut-none", None, GOOD[:-12], F.UNTERMINATED),
    Case("cut-vague", "error", GOOD[:40], F.UNTERMINATED),
    Case("cut-block-not-found", "json_block_not_found", GOOD[:70], F.UNTERMINATED),
    Case(
        "cut-wrapper-decode-error",
        DECODE_MSG,
        '{"request_text": "warm acoustic evening", "hidden_params": {"energy": 3, '
        '"warmth": 8}, "notes": "The listener wants',
        F.UNTERMINATED,
    ),
    Case(
        "cut-inside-string-with-braces",
        None,
        '{"energy": 7, "reason": "uses {curly} and [square',
        F.UNTERMINATED,
    ),
    Case("cut-in-fence", "error", '```json\n{"energy": 7, "warmth":', F.UNTERMINATED),
    Case("cut-precise-hint-not-clipped", "missing_key:nostalgia", GOOD[:-20], F.UNTERMINATED),
    # --- decode_error
    Case(
        "single-quotes",
        "json_decode_error:Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        "{'energy': 7, 'warmth': 4}",
        F.DECODE_ERROR,
    ),
    Case("trailing-comma-none", None, GOOD[:-1] + ",}", F.DECODE_ERROR),
    Case("comment-vague", "error", '{"energy": 7, // high\n "warmth": 4}', F.DECODE_ERROR),
    Case("unquoted-keys", None, "{energy: 7, warmth: 4}", F.DECODE_ERROR),
    Case("mismatched-bracket", None, '{"energy": [7, 4}', F.DECODE_ERROR),
    Case("braces-in-prose-first", "error", "Use {key: value} form: " + GOOD, F.DECODE_ERROR),
    # --- trailing_text
    Case(
        "prose-after-none", None, GOOD + "\n\nThe energy is high because it rains.", F.TRAILING_TEXT
    ),
    Case(
        "repeated-objects-extra-data",
        "json_decode_error:Extra data: line 1 column 96 (char 95)",
        GOOD + GOOD,
        F.TRAILING_TEXT,
    ),
    Case("repeated-then-cut-vague", "error", GOOD + "\n" + GOOD[:30], F.TRAILING_TEXT),
    Case(
        "fence-then-prose",
        None,
        "```json\n" + GOOD + "\n```\nExplanation: warm, acoustic, a little nostalgic.",
        F.TRAILING_TEXT,
    ),
    Case("unicode-trailing", "error", GOOD + " — voilà ✨", F.TRAILING_TEXT),
    # --- markdown_fence
    Case("fence-json-none", None, "```json\n" + GOOD + "\n```", F.MARKDOWN_FENCE),
    Case("fence-bare-vague", "error", "```\n" + GOOD + "\n```", F.MARKDOWN_FENCE),
    Case(
        "fence-inline-block-not-found",
        "json_block_not_found",
        "```JSON" + GOOD + "```",
        F.MARKDOWN_FENCE,
    ),
    Case(
        "prose-then-fence",
        None,
        "Here is the vector:\n```json\n" + GOOD + "\n```",
        F.MARKDOWN_FENCE,
    ),
    Case("fence-unclosed", None, "```json\n" + GOOD + "\n", F.MARKDOWN_FENCE),
    # --- wrapper_object
    Case(
        "hidden-params-none",
        None,
        json.dumps({"request_text": "rainy jazz night", "hidden_params": VECTOR}),
        F.WRAPPER_OBJECT,
    ),
    Case("single-key-vague", "error", json.dumps({"output": VECTOR}), F.WRAPPER_OBJECT),
    Case(
        "hidden-params-no-contract",
        None,
        json.dumps({"request_text": "x", "hidden_params": VECTOR}),
        F.WRAPPER_OBJECT,
        None,
        None,
    ),
    Case(
        "deep-nesting",
        None,
        json.dumps({"result": {"prediction": VECTOR}, "id": 3}),
        F.WRAPPER_OBJECT,
    ),
    Case("array-of-object", None, "[" + GOOD + "]", F.WRAPPER_OBJECT),
    Case("hidden-params-hint-flat", "hidden_params_missing_or_not_object", GOOD, F.WRAPPER_OBJECT),
    Case(
        "hint-contradicted-inside-wrapper",
        "missing_key:energy",
        json.dumps({"request_text": "x", "hidden_params": VECTOR}),
        F.WRAPPER_OBJECT,
    ),
    # --- missing_key
    Case("missing-none", None, obj(nostalgia=...), F.MISSING_KEY),
    Case("missing-vague", "error", obj(warmth=...), F.MISSING_KEY),
    Case(
        "missing-hint-no-contract",
        "missing_key:nostalgia",
        obj(nostalgia=...),
        F.MISSING_KEY,
        None,
        None,
    ),
    Case("empty-object", None, "{}", F.MISSING_KEY, None, None),
    Case(
        "missing-inside-wrapper-hint",
        "missing_key:warmth",
        json.dumps({"request_text": "x", "hidden_params": json.loads(obj(warmth=...))}),
        F.MISSING_KEY,
    ),
    Case("range-hint-refined-to-missing", "out_of_range:warmth=12", obj(warmth=...), F.MISSING_KEY),
    Case("renamed-key", None, obj(warmth=..., warm=4), F.MISSING_KEY),
    # --- extra_key
    Case("extra-none", None, obj(mood=5), F.EXTRA_KEY),
    Case("extra-explanation-vague", "error", obj(explanation="bright {and} warm"), F.EXTRA_KEY),
    Case("extra-hint-no-contract", "extra_key:mood", obj(mood=5), F.EXTRA_KEY, None, None),
    Case("extra-nested-meta", None, obj(meta={"x": {"y": 1}}), F.EXTRA_KEY),
    # --- type_mismatch
    Case("string-number-none", None, obj(energy="7"), F.TYPE_MISMATCH),
    Case("null-vague", "error", obj(warmth=None), F.TYPE_MISMATCH),
    Case("bool", None, obj(brightness=True), F.TYPE_MISMATCH),
    Case("list-value-hint", "invalid_value:energy", obj(energy=[7]), F.TYPE_MISMATCH),
    Case("word-no-contract", None, obj(warmth="high"), F.TYPE_MISMATCH, None, None),
    Case(
        "bare-array",
        "invalid_vector:parsed_payload_not_object",
        "[7, 4, 6, 2, 5, 3]",
        F.TYPE_MISMATCH,
    ),
    Case(
        "range-hint-refined-to-type", "out_of_range:energy=140", obj(energy="140"), F.TYPE_MISMATCH
    ),
    # --- out_of_range
    Case("above-scale-none", None, obj(energy=14), F.OUT_OF_RANGE),
    Case("negative-vague", "error", obj(warmth=-1), F.OUT_OF_RANGE),
    Case(
        "above-100-hint",
        "out_of_range:energy=140",
        json.dumps({**VECTOR_100, "energy": 140}),
        F.OUT_OF_RANGE,
        KEYS,
        100,
    ),
    Case(
        "nan-hint", "invalid_vector:non_finite:energy", GOOD.replace("7", "NaN", 1), F.OUT_OF_RANGE
    ),
    Case(
        "infinity-no-contract",
        None,
        GOOD.replace("3}", "Infinity}"),
        F.OUT_OF_RANGE,
        None,
        None,
    ),
    Case("huge-exponent", None, GOOD.replace("7", "1e400", 1), F.OUT_OF_RANGE),
    Case("unknown-scale-above-100", "error", obj(energy=140), F.OUT_OF_RANGE, KEYS, None),
    Case(
        "hint-trusted-unknown-scale",
        "out_of_range:energy=14",
        obj(energy=14),
        F.OUT_OF_RANGE,
        None,
        None,
    ),
    Case("invalid-value-refined", "invalid_value:energy", obj(energy=14), F.OUT_OF_RANGE),
    # --- other
    Case("clean-none", None, GOOD, F.OTHER),
    Case("clean-vague", "error", GOOD, F.OTHER),
    Case("nothing-known", None, None, F.OTHER),
    Case("hint-contradicted", "missing_key:warmth", GOOD, F.OTHER),
    Case("leading-prose-clean", "json_block_not_found", "Sure! Here you go: " + GOOD, F.OTHER),
    Case("clean-100-scale", None, GOOD_100, F.OTHER, KEYS, 100),
    Case("inline-code", "error", "`" + GOOD + "`", F.OTHER),
    # --- text missing: the hint alone decides
    Case("no-text-missing-key", "missing_key:warmth", None, F.MISSING_KEY),
    Case("no-text-decode", DECODE_MSG, None, F.DECODE_ERROR),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_classify_failure_table(case: Case) -> None:
    got = classify_failure(
        case.parse_error, case.text, target_keys=case.keys, target_scale=case.scale
    )
    assert got is case.expected


def test_every_class_has_two_cases_including_none_and_vague_parse_errors() -> None:
    for cls in FailureClass:
        rows = [c for c in CASES if c.expected is cls]
        assert len(rows) >= 2, cls
        assert any(c.parse_error is None for c in rows), cls
        assert any(c.parse_error == "error" for c in rows), cls


def test_descriptions_and_precedence_cover_every_class() -> None:
    assert set(DESCRIPTIONS) == set(FailureClass)
    assert all(d and "\n" not in d for d in DESCRIPTIONS.values())
    assert sorted(PRECEDENCE) == sorted(FailureClass)
    assert PRECEDENCE[-1] is F.OTHER


# ------------------------------------------------------------------ writer text cap


def test_clipped_text_trusts_precise_hint() -> None:
    prose = ("The request mentions a rainy evening with soft piano. " * 20)[:GENERATED_TEXT_LIMIT]
    assert classify_failure("missing_key:warmth", prose, target_keys=KEYS) is F.MISSING_KEY
    assert classify_failure("error", prose, target_keys=KEYS) is F.NO_JSON
    assert classify_failure(DECODE_MSG, prose, target_keys=KEYS) is F.DECODE_ERROR
    assert classify_failure(DECODE_MSG, prose[:100], target_keys=KEYS) is F.NO_JSON
    cut = ('{"notes": "' + "x" * 700)[:GENERATED_TEXT_LIMIT]
    hint = "out_of_range:energy=140"
    assert classify_failure(hint, cut, target_keys=KEYS) is F.OUT_OF_RANGE
    assert classify_failure(DECODE_MSG, cut, target_keys=KEYS) is F.UNTERMINATED
    assert classify_failure(hint, cut, target_keys=KEYS, text_limit=None) is F.UNTERMINATED


# --------------------------------------------------------------------- parse errors

HINTS = [
    (None, None),
    ("", None),
    ("error", None),
    ("other", None),
    ("invalid_vector:something_new", None),
    ("json_block_not_found", F.NO_JSON),
    ("invalid_vector:vector_payload_not_found", F.NO_JSON),
    (DECODE_MSG, F.DECODE_ERROR),
    ("json_decode_error:Extra data: line 1 column 96 (char 95)", F.TRAILING_TEXT),
    ("json_decode_error:Unterminated string starting at: line 1 column 80", F.UNTERMINATED),
    ("Expecting value: line 1 column 1 (char 0)", F.DECODE_ERROR),
    ("invalid_vector:parsed_payload_not_object", F.TYPE_MISMATCH),
    ("invalid_vector:non_finite:energy", F.OUT_OF_RANGE),
    ("missing_key:warmth", F.MISSING_KEY),
    ("invalid_value:energy", F.TYPE_MISMATCH),
    ("out_of_range:energy=140", F.OUT_OF_RANGE),
    ("hidden_params_missing_or_not_object", F.WRAPPER_OBJECT),
    ("  MISSING_KEY:warmth ", F.MISSING_KEY),
    ("trailing_text", F.TRAILING_TEXT),
    ("markdown_fence", F.MARKDOWN_FENCE),
    ("extra_key:mood", F.EXTRA_KEY),
]


@pytest.mark.parametrize(("parse_error", "expected"), HINTS)
def test_parse_error_hint(parse_error: str | None, expected: FailureClass | None) -> None:
    assert parse_error_hint(parse_error) == expected


# --------------------------------------------------------------------- the scanner


def shape_of(text: str | None) -> dict[str, Any]:
    s = analyze_completion(text)
    return {
        "empty": s.empty,
        "brace": s.has_open_brace,
        "unterminated": s.unterminated,
        "fenced": s.fenced,
        "leading": s.leading_text,
        "trailing": s.trailing_text,
        "count": s.object_count,
    }


def expect(**kw: Any) -> dict[str, Any]:
    base = {
        "empty": False,
        "brace": True,
        "unterminated": False,
        "fenced": False,
        "leading": False,
        "trailing": False,
        "count": 1,
    }
    return {**base, **kw}


SHAPES = [
    ("none", None, expect(empty=True, brace=False, count=0)),
    ("empty", "", expect(empty=True, brace=False, count=0)),
    ("prose", "no json here", expect(brace=False, count=0, leading=True)),
    ("clean", GOOD, expect()),
    ("braces-in-strings", '{"a": "}{ ] [", "b": "\\"}"}', expect()),
    ("nested", '{"a": {"b": {"c": [1, {"d": 2}]}}}', expect()),
    ("fence-tag", "```json\n" + GOOD + "\n```", expect(fenced=True)),
    ("fence-no-tag", "```\n" + GOOD + "\n```\n", expect(fenced=True)),
    ("prose-around", "Sure: " + GOOD + " hope it helps", expect(leading=True, trailing=True)),
    ("repeated", GOOD + GOOD + GOOD, expect(trailing=True, count=3)),
    ("repeated-cut", GOOD + GOOD[:20], expect(trailing=True, unterminated=True)),
    ("cut-in-string", '{"a": "abc', expect(unterminated=True, count=0)),
    ("cut-after-escape", '{"a": "abc\\', expect(unterminated=True, count=0)),
    ("stray-closers", '} ] {"a": 1}', expect(leading=True)),
    ("unicode", '{"émotion": "🎵 {", "値": 5}', expect()),
    ("prose-quote-before", 'He said "hi {" then', expect(leading=True, unterminated=True, count=0)),
]


@pytest.mark.parametrize(("text", "expected"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_analyze_completion_table(text: str | None, expected: dict[str, Any]) -> None:
    assert shape_of(text) == expected


def test_analyze_completion_details() -> None:
    fenced = analyze_completion("```json\n" + GOOD + "\n```")
    assert fenced.fence_language == "json"
    assert fenced.first_object == VECTOR
    assert fenced.first_object_span == (8, 8 + len(GOOD))
    assert fenced.length == len(GOOD) + 12
    assert analyze_completion("```\n" + GOOD + "```").fence_language == ""
    assert analyze_completion(GOOD).fence_language is None

    bad = analyze_completion("{'energy': 7}")
    assert bad.first_object is None
    assert bad.decode_error and "double quotes" in bad.decode_error

    strings = analyze_completion('{"a": "}{", "b": {"c": "]"}} tail')
    assert strings.first_object == {"a": "}{", "b": {"c": "]"}}
    assert strings.trailing_text

    deep = analyze_completion('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert deep.object_count == 1
    assert deep.first_object is None
    assert deep.decode_error

    shape = analyze_completion(GOOD)
    assert isinstance(hash(shape), int)
    assert shape == analyze_completion(GOOD)


@pytest.mark.parametrize(
    "text",
    [
        '{"energy": 7, "note": "' + 'x{\\"' * 500_000 + '"}',
        "{" * 2_000_000,
        "{}" * 1_000_000,
        "Sure! " * 350_000,
        '{"a": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}",
        "x{" * 1_000_000,
        "` " * 1_000_000,
    ],
    ids=["big-string", "openers", "many-objects", "prose", "deep-array", "x-brace", "backticks"],
)
def test_two_megabyte_completion_is_analysed(text: str) -> None:
    assert len(text) >= 2_000_000
    shape = analyze_completion(text)
    assert shape.length == len(text)
    assert isinstance(classify_failure("error", text, target_keys=KEYS, target_scale=10), F)


# --------------------------------------------------------------------- properties

JSONISH = st.text(alphabet='{}[]":,`\\ \nabcNaI0123456789.-e', max_size=200)
TEXTS = st.one_of(st.none(), st.text(max_size=300), JSONISH)
PARSE_ERRORS = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(
            [
                "json_block_not_found",
                "json_decode_error:",
                "invalid_vector:",
                "invalid_vector:non_finite:",
                "missing_key:",
                "invalid_value:",
                "out_of_range:",
                "extra_key:",
                "hidden_params_missing_or_not_object",
                "Extra data",
            ]
        ),
        st.one_of(st.sampled_from([*KEYS, "energy=140", "", "="]), st.text(max_size=20)),
    ),
)
KEY_LISTS = st.one_of(
    st.none(),
    st.just(KEYS),
    st.lists(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), max_size=8),
)
SCALES = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -10, 10, 100, math.nan, math.inf, 10**400]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, PARSE_ERRORS, KEY_LISTS, SCALES)
def test_classify_never_raises_and_is_deterministic(
    text: str | None, parse_error: str | None, keys: list[str] | None, scale: float | None
) -> None:
    first = classify_failure(parse_error, text, target_keys=keys, target_scale=scale)
    second = classify_failure(parse_error, text, target_keys=keys, target_scale=scale)
    assert isinstance(first, FailureClass)
    assert first is second
    hint = parse_error_hint(parse_error)
    assert hint is None or isinstance(hint, FailureClass)


@settings(max_examples=400)
@given(TEXTS)
def test_analyze_never_raises_and_is_deterministic(text: str | None) -> None:
    first = analyze_completion(text)
    assert isinstance(first, CompletionShape)
    assert repr(first) == repr(analyze_completion(text))
    assert first.length == (len(text) if text else 0)
    assert first.object_count >= 0
    if first.first_object is not None:
        assert first.object_count >= 1
        assert first.decode_error is None


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6), st.booleans())
def test_any_dumped_object_is_found_whole(data: dict[str, Any], fence: bool) -> None:
    payload = json.dumps(data, ensure_ascii=False)
    text = f"```json\n{payload}\n```" if fence else payload
    shape = analyze_completion(text)
    assert shape.object_count == 1
    assert shape.first_object == data
    assert not (shape.leading_text or shape.trailing_text or shape.unterminated)
    assert shape.fenced is fence
    assert analyze_completion(text + " and more").trailing_text


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, min_size=1, max_size=6))
def test_any_proper_prefix_of_an_object_is_unterminated(data: dict[str, Any]) -> None:
    payload = json.dumps(data)
    for cut in range(1, len(payload)):
        shape = analyze_completion(payload[:cut])
        assert shape.unterminated and shape.object_count == 0


@given(
    st.fixed_dictionaries({k: st.integers(min_value=0, max_value=100) for k in KEYS}),
    st.sampled_from([None, "error", "json_block_not_found"]),
)
def test_objects_meeting_the_contract_are_not_blamed(
    data: dict[str, int], parse_error: str | None
) -> None:
    text = json.dumps(data)
    assert classify_failure(parse_error, text, target_keys=KEYS, target_scale=100) is F.OTHER
    assert classify_failure(None, f"```json\n{text}\n```", target_keys=KEYS, target_scale=100) is (
        F.MARKDOWN_FENCE
    )


# -- the single-object fast path agrees with the scan ------------------------------------

_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
)
_json_value = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(
    obj=st.dictionaries(st.text(max_size=8), _json_value, max_size=5),
    before=st.sampled_from(["", " ", "\n", "\t \n", "\u2028", "\x1f", "\u3000", "x"]),
    after=st.sampled_from(["", " ", "\n", "\r\n", "\u2028", "\x1f", "```", "}"]),
    indent=st.sampled_from([None, 2]),
)
def test_fast_path_matches_the_scan(obj, before, after, indent) -> None:
    from ftlint.analysis import taxonomy

    text = before + json.dumps(obj, indent=indent, ensure_ascii=False) + after
    fast = taxonomy._single_object(text)
    if fast is None:
        return
    original = taxonomy._single_object
    try:
        taxonomy._single_object = lambda _text: None
        slow = taxonomy.analyze_completion(text)
    finally:
        taxonomy._single_object = original
    assert fast == slow and fast.first_object == slow.first_object


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}`a \n"', max_size=30), st.integers(0, 32))
def test_after_text_finds_what_the_regex_finds(text: str, pos: int) -> None:
    """The str.find version of the scan step agrees with `_TOP_AFTER_TEXT` everywhere."""
    from ftlint.analysis.taxonomy import _TOP_AFTER_TEXT, _after_text

    hit = _TOP_AFTER_TEXT.search(text, pos)
    assert _after_text(text, pos) == (None if hit is None else (hit.start(), hit.end()))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}[]"\\a :,', max_size=40), st.integers(0, 5))
def test_scan_object_early_exit_changes_nothing(text: str, start: int) -> None:
    """The early exit (no `}` after the opener) gives what the token scan gives."""
    from ftlint.analysis.taxonomy import _scan_object, _scan_tokens

    text = text[:start] + "{" + text[start:]
    start = min(start, len(text) - 1)
    assert _scan_object(text, start) == _scan_tokens(text, start)
