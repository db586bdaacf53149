"""The streamed fast paths of the format visitors decide exactly what their plain
`row` paths decide: FMT008's block loop (`_scanned`, from the block scan's `rough`
flags) and its Misra-Gries step keep the tables `row` keeps, on random and adversarial
texts (every whitespace, leading and trailing spaces, empty and blank texts, repeats,
a table small enough to evict), with and without `ahocorasick-rs`."""

from __future__ import annotations

from typing import Any

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.format import degenerate_output as fmt008
from ftlint.rules.security import _block_hints

WHITESPACE = [chr(i) for i in range(0x3100) if chr(i).isspace()]
WORDS = st.sampled_from(["a", "b", "calm", "{", "}", "\u00e9", "\u212a", "\x00", "\x07"])
TEXTS = st.one_of(
    st.lists(WORDS | st.sampled_from(WHITESPACE) | st.just("  "), max_size=6).map("".join),
    st.sampled_from(["", " ", "a b", " a b", "a b ", "a  b", "a\nb", "a\n\nb", "x" * 30]),
    st.text(max_size=6),
)


def _case(line: int, text: Any, sid: str | None) -> HardCase:
    ev = Evidence("h.jsonl", line, None, sid, None)
    return HardCase(line, sid, None, None, None, None, None, None, None, text, ev, {})


def _visitor(eval_size: int = 40) -> Any:
    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(eval_size=eval_size))
    rule = fmt008.DegenerateOutput()
    params = {**rule.param_defaults(), "identical_min_count": 2, "identical_share": 0.1}
    ctx = RuleContext(rule, params, None, {}, Campaign(root=".", runs=(run,)))
    return rule.hard_case_visitor(run, ctx)


def _state(cases: list[HardCase], sizes: list[int] | None) -> tuple[Any, ...]:
    visitor = _visitor()
    feed(visitor, cases, sizes)
    state = visitor.export_state()
    findings = [repr(f) for f in visitor.finish()]
    return (*state[:3], list(state[3].items()), list(state[4].items()), state[5], findings)


def _check(texts: list[Any], sids: list[Any], sizes: list[int], table: int) -> None:
    cases = [_case(i + 1, text, sids[i % len(sids)]) for i, text in enumerate(texts)]
    saved_table, saved_search = fmt008._HEAVY_HITTERS, _block_hints._SEARCH[:]
    fmt008._HEAVY_HITTERS = table
    try:
        rows = _state(cases, None)
        assert _state(cases, sizes) == rows
        _block_hints._SEARCH[:] = [None]  # the per-row `normalized` path
        assert _state(cases, sizes) == rows
    finally:
        fmt008._HEAVY_HITTERS = saved_table
        _block_hints._SEARCH[:] = saved_search


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(TEXTS, max_size=40),
    sids=st.lists(st.one_of(st.none(), st.sampled_from(["1", "2"])), min_size=1, max_size=3),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    table=st.sampled_from([2, 3, 5, 1024]),
)
def test_fmt008_row_batch_keeps_the_tables_of_row(
    texts: list[Any], sids: list[Any], sizes: list[int], table: int
) -> None:
    _check(texts, sids, sizes, table)


def test_fmt008_on_a_block_with_a_text_not_str() -> None:
    _check(["a", None, "a", "", "a ", " a"], ["1"], [3, 6], 2)


def _reference_step(counts: dict[str, int], first: dict[str, Any]) -> None:
    """The Misra-Gries step as first written: a loop of `-= 1` over the table."""
    for key in list(counts):
        counts[key] -= 1
        if not counts[key]:
            del counts[key]
            first.pop(key, None)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), max_size=60))
def test_misra_gries_step_is_the_loop(texts: list[str]) -> None:
    saved = fmt008._HEAVY_HITTERS
    fmt008._HEAVY_HITTERS = 3
    try:
        visitor = _visitor()
        counts: dict[str, int] = {}
        first: dict[str, list[Any]] = {}
        for i, text in enumerate(texts):
            visitor._text(_case(i + 1, text, None), text)
            if text in counts:
                counts[text] += 1
            elif len(counts) < 3:
                counts[text] = 1
            else:
                _reference_step(counts, first)
                continue
            first.setdefault(text, [])
            if len(first[text]) < visitor.limit:
                first[text].append((f"rank {i + 1}", _case(i + 1, text, None).evidence))
        assert list(visitor.counts.items()) == list(counts.items())
        assert list(visitor.first.items()) == list(first.items())
    finally:
        fmt008._HEAVY_HITTERS = saved


# -- FMT003/FMT004: the block's parsed flat objects at once (`_views.BlockDigest`) ------

FLAT = st.builds(
    lambda e, w, pad, spaces: " " * spaces + f'{{"energy": {e}, "warmth": {w}{" " * pad}}}',
    st.integers(-5, 300),
    st.integers(0, 100),
    st.sampled_from([0, 1, 40, 560, 580, 600]),
    st.integers(0, 2),
)
FMT_TEXTS = st.one_of(
    FLAT,
    st.sampled_from(
        [
            '{"energy": 1}',
            '{"energy": 1, "warmth": {"x": 2}}',
            'Sure: {"energy": 1, "warmth": 2} done',
            '```json\n{"energy": 1, "warmth": 2}\n```',
            '{"energy": 1, "warmth": 2',
            "no object here",
            "",
            "[1, 2]",
        ]
    ),
    st.text(alphabet=st.sampled_from(list('{}" :,ew0`\n')), max_size=10),
)
ERRORS = st.sampled_from([None, None, "", "json_block_not_found", "missing_key:warmth"])


def _fmt_case(line: int, error: Any, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, str(line), None)
    return HardCase(line, str(line), None, None, None, None, None, None, error, text, ev, {})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ERRORS, st.one_of(FMT_TEXTS, st.none())), max_size=12))
def test_block_digest_is_its_views(rows: list[Any]) -> None:
    from ftlint.rules.format import _views

    run = Run(name="r", provenance=Provenance(target_keys=("energy", "warmth")))
    cases = [_fmt_case(i + 1, e, t) for i, (e, t) in enumerate(rows)]
    views, others, flat_max = _views._plain_block(cases, run)
    _views._SEEN.clear()
    assert views == [_views.view_row(case, run) for case in cases]
    assert others == sorted(set(others))
    skipped = [views[i] for i in range(len(cases)) if i not in others]
    for view in skipped:  # a parsed flat object: all the visitors take is its size
        assert not view.failed and view.shape is None and view.cls is None
    uncut = [view.text_chars for view in skipped if not view.writer_cut]
    assert flat_max == max(uncut, default=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(ERRORS, st.one_of(FMT_TEXTS, st.none())), max_size=25),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_every_visitor_row_batch_is_its_rows_on_flat_objects(
    rows: list[Any], sizes: list[int]
) -> None:
    from helpers import batches_match_rows

    cases = [_fmt_case(i + 1, e, t) for i, (e, t) in enumerate(rows)]
    assert batches_match_rows(cases, sizes, eval_size=40) >= 10


def _budget_states(cases: list[HardCase], sizes: list[int] | None) -> list[Any]:
    """FMT003's and FMT004's accumulated state (their token budgets included) after
    `row` of each row (`sizes` None) or `row_batch` of blocks of `sizes`."""
    from ftlint.rules.format.eos_truncation import EosTruncation
    from ftlint.rules.format.parse_error_taxonomy import ParseErrorTaxonomy

    run = Run(name="r", provenance=Provenance(target_keys=("energy", "warmth"), eval_size=40))
    out = []
    for cls in (ParseErrorTaxonomy, EosTruncation):
        rule = cls()
        ctx = RuleContext(rule, cls.param_defaults(), None, {}, Campaign(root=".", runs=(run,)))
        visitor = rule.hard_case_visitor(run, ctx)
        feed(visitor, cases, sizes)
        state = visitor.export_state()
        out.append([vars(part) if hasattr(part, "__dict__") else part for part in state])
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(ERRORS, st.one_of(FMT_TEXTS, st.none())), max_size=25),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_token_budgets_of_row_batch_are_those_of_row(rows: list[Any], sizes: list[int]) -> None:
    cases = [_fmt_case(i + 1, e, t) for i, (e, t) in enumerate(rows)]
    assert _budget_states(cases, sizes) == _budget_states(cases, None)


# -- FMT003's views: the shape of prose around one object (`_prose.prose_object`) -------

PROSE_PARTS = st.sampled_from(
    [
        "Here is the JSON:",
        " ",
        "\n",
        "\u2003",
        "\x1c",
        "}",
        "]",
        "[",
        '"',
        "x",
        "\u00e9",
        "`",
        "```json",
        "{",
        '{"energy": 1, "warmth": 2}',
        '{"energy": [1, {"a": 2}]}',
        '{"energy": 1,}',
        '{"energy": 1',
        '{"a": "}{"}',
        '{"big": ' + "9" * 5000 + "}",
        "{" * 3 + "}" * 3,
        '{"deep": ' + "[" * 450 + "]" * 450 + "}",
        "{energy}",
        "{}",
    ]
)


SMALL = st.sampled_from(["", " ", "\n", "\u2003", "\x1c", "x", "`", "``", "{", "}", "Here:"])
OBJECTS = st.sampled_from(
    [
        '{\n  "energy": 1,\n  "warmth": 2\n}',
        '{\n  "energy": 1,\n}',
        '{"energy": [1, {"a": 2}]}',
        '{"a": "`}{"}',
        '{"energy": 1',
        '{"a": [1}',
        '{"deep": ' + "[" * 450 + "]" * 450 + "}",
        '{"big": ' + "9" * 5000 + "}",
        "{energy}",
        "{}",
    ]
)
PROSED = st.builds(
    lambda head, obj, tail: head + obj + tail,
    st.sampled_from(["", " ", "\n", "Here:", "Here: ", "\u2003x", "[", "a } b ", "`", "x {"]),
    OBJECTS,
    st.sampled_from(["", " ", "\n", "Done.", " {", "`", "}", " \x1c "]),
)


@settings(max_examples=600, deadline=None)
@given(PROSED | st.lists(PROSE_PARTS | st.text(max_size=4), max_size=7).map("".join))
def test_prose_object_is_the_scan(text: str) -> None:
    from ftlint.analysis.completion import analyze_completion
    from ftlint.rules.format._prose import prose_object

    shape = prose_object(text)
    if shape is not None:
        assert shape == analyze_completion(text)


def test_prose_object_takes_prose_then_an_object() -> None:
    from ftlint.analysis.completion import analyze_completion
    from ftlint.rules.format._prose import prose_object

    for text in (
        'Here is the JSON:\n{"energy": 1, "warmth": 2}',
        'Here: {"energy": 1, "warmth": 2}\nDone, "calm" [1].',
        'x {"a": {"b": [1, 2]}}  \n',
        "x {} {}",  # (a later object: the scan goes on from the first's end)
        "x {} ```",
    ):
        shape = prose_object(text)
        assert shape is not None and shape == analyze_completion(text)
    for text in ('{"a": 1}', ' {"a": 1}', 'x {"a": 1', 'x {"a": 1,}', "x ``` {}"):
        assert prose_object(text) is None
