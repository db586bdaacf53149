"""load_yaml_with_lines: libyaml (one parse) gives what the pure-Python loader gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.config.yamllines import load_yaml_with_lines
from ftlint.errors import FtlintError

P = Path("cfg.yaml")


def _pure(text: str):
    """The reference: PyYAML's pure-Python safe loader, composing and loading separately."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return yaml.load(text, Loader=yaml.SafeLoader), node


def test_uses_libyaml_here() -> None:
    assert yaml.__with_libyaml__, "PyYAML wheels ship libyaml; the fast path must be measured"


def test_lines_and_data() -> None:
    text = "wandb_version: 1\nlr:\n  desc: null\n  value: 0.0002\nlist:\n- 1\n- two\n"
    data, lines = load_yaml_with_lines(P, text)
    assert data == {
        "wandb_version": 1,
        "lr": {"desc": None, "value": 0.0002},
        "list": [1, "two"],
    }
    assert lines == {"": 1, "/wandb_version": 1, "/lr": 2, "/lr/desc": 3, "/lr/value": 4,
                     "/list": 5, "/list/0": 6, "/list/1": 7}  # fmt: skip


def test_empty_document_is_none() -> None:
    assert load_yaml_with_lines(P, "") == (None, {})
    assert load_yaml_with_lines(P, "# only a comment\n") == (None, {})


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("a: 1\nb: [1, 2\n", 3, "invalid YAML"),
        ("a: 1\n  b: 2\n", 2, "invalid YAML"),
        ("a: !!python/object:os.system x\n", 1, "invalid YAML"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("--- 1\n--- 2\n", 2, "invalid YAML"),
    ],
)
def test_errors_name_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(FtlintError) as info:
        load_yaml_with_lines(P, text)
    assert what in str(info.value)
    assert f"cfg.yaml:{line}:" in str(info.value)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_docs = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_docs, st.sampled_from([False, True]))
def test_agrees_with_the_pure_python_loader(doc, flow: bool) -> None:
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    want, node = _pure(text)
    data, lines = load_yaml_with_lines(P, text)
    assert data == want
    if node is not None:
        assert lines[""] == node.start_mark.line + 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:- \n[]{}#'\"!&*|>\t", max_size=40))
def test_any_text_is_data_or_an_ftlint_error(text: str) -> None:
    """Never another exception. The two parsers differ on a few malformed corners
    (a tab after a block scalar indicator, an empty tagged scalar): where both accept a
    text they must agree, except for an empty tagged scalar (None vs '')."""
    try:
        data, _ = load_yaml_with_lines(P, text)
    except FtlintError:
        return
    try:
        want, _ = _pure(text)
    except yaml.YAMLError:
        return
    if "!" not in text:
        assert data == want
