"""rules.yaml / pyproject config: loading, validation with line numbers, the reference file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import REPO, codes, lint
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.config.reference import starter_config
from ftlint.config.settings import DEFAULT_KNOBS, base_schema, find_config, load_config
from ftlint.errors import FtlintError
from ftlint.plugins import build_plugins


def _bind(path: Path):
    config = load_config(path)
    built = build_plugins(use_entry_points=False)
    return config.bind_rules(built.rule_classes(), built.config_schemas())


def _error(tmp_path: Path, text: str) -> FtlintError:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FtlintError) as info:
        _bind(path)
    return info.value


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(None, search_from=tmp_path)
    assert config.path is None
    assert config.select == ("ALL",)
    assert config.knobs["max_new_tokens"] == (
        "HF_FT_GENERATION_MAX_NEW_TOKENS",
        "EVAL_LOCAL_MAX_NEW_TOKENS",
    )


def test_unknown_top_level_key_names_its_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: [ALL]\n\nbaselin: run-a\n")
    assert err.line == 3
    assert "unknown key 'baselin'" in str(err)
    assert str(err).startswith(f"{tmp_path / 'rules.yaml'}:3: ")


def test_wrong_type_names_its_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: [ALL]\nignore: OPS\n")
    assert err.line == 2
    assert "expected array" in str(err)


def test_rule_param_out_of_range_names_its_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "rules:\n  PRV005:\n    severity: warning\n    rate_sum_tolerance: 5\n")
    assert err.line == 4
    assert "rate_sum_tolerance" in str(err) and "out of range" in str(err)


def test_unknown_rule_param_and_bad_severity(tmp_path: Path) -> None:
    err = _error(tmp_path, "rules:\n  PRV005:\n    severity: fatal\n    tolerance: 1\n")
    text = str(err)
    assert ":3: " in text and "severity" in text
    assert ":4: " in text and "unknown key 'tolerance'" in text


def test_unknown_rule_code_and_selector(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: [XYZ]\nrules:\n  ABC123: {}\n")
    text = str(err)
    assert ":1: select: 'XYZ' matches no known rule code" in text
    assert ":3: rules: unknown rule code 'ABC123'" in text


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: [ALL]\nselect: [FMT]\n")
    assert err.line == 2 and "duplicate key 'select'" in str(err)


def test_invalid_yaml_names_its_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: [ALL\nignore: []\n")
    assert err.line is not None and "invalid YAML" in str(err)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    err = _error(tmp_path, "select: !!python/object/apply:os.system ['echo pwned']\n")
    assert "invalid YAML" in str(err)


def test_glob_may_not_escape_the_workspace(tmp_path: Path) -> None:
    err = _error(tmp_path, "inputs:\n  hard_cases: ['../../etc/*']\n")
    assert err.line == 2
    assert "glob '../../etc/*' has a '..' part: globs stay inside the workspace" in str(err)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("/etc/*", "is absolute: globs are relative to the workspace"),
        ("outputs/..", "has a '..' part"),
        ("outputs/**x", "has '**' inside a part: '**' stands alone"),
        ("**.json", "has '**' inside a part"),
        (".", "names no file"),
        ("./", "names no file"),
        ("a\\0b", "holds a NUL character"),
    ],
)
def test_a_glob_that_names_nothing_or_reads_differently_by_python_is_refused(
    tmp_path: Path, pattern: str, why: str
) -> None:
    """Once, `**x` was refused by Python 3.11's `Path.glob` (the adapter failed and the
    user read only "nothing to lint"), matched as `*x` by 3.13's, and `.` failed with
    an IndexError: the config says what is wrong, where, before anything is read."""
    err = _error(tmp_path, f'inputs:\n  hard_cases:\n    - "x/*.jsonl"\n    - "{pattern}"\n')
    assert err.line == 4
    assert f"inputs.hard_cases.1: glob {pattern.replace(chr(92) + '0', chr(0))!r} {why}" in str(err)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="a./*\x00x", min_size=1, max_size=8))
def test_the_schema_refuses_exactly_the_globs_the_config_names_a_reason_for(pattern: str) -> None:
    """The published schema (editors read it) and the loader agree on every glob."""
    import re

    from ftlint.config.settings import glob_refusal
    from ftlint.sources.listing import glob_error

    regex = base_schema()["$defs"]["globs"]["items"]["not"]["pattern"]
    refused = re.search(regex, pattern) is not None
    reason = glob_error(pattern, parents=False) is not None
    assert refused == reason, pattern
    if refused:
        assert not glob_refusal(pattern).endswith("is refused")


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.ftlint]\nignore = ["OPS"]\n\n'
        "[tool.ftlint.rules.PRV005]\nseverity = 'warning'\nrate_sum_tolerance = 0.01\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    found = find_config(tmp_path / "sub")
    assert found == tmp_path / "pyproject.toml"
    config = _bind(found)
    assert config.ignore == ("OPS",)
    assert config.rule_settings["PRV005"].params["rate_sum_tolerance"] == 0.01
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ftlint]\nselect = ['ALL']\n\n[tool.ftlint.rules.PRV005]\nrate_sum_tolerance = 9\n",
        encoding="utf-8",
    )
    with pytest.raises(FtlintError) as info:
        _bind(tmp_path / "pyproject.toml")
    assert info.value.line == 5


def test_config_is_found_upward_but_never_from_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("ignore: [OPS]\n", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "rules.yaml"


def test_severity_override_and_params_change_the_outcome(ws) -> None:
    from helpers import final_metrics

    doc = final_metrics(json_valid_rate=0.9)
    doc["eval"]["parse_error_rate"] = 0.097  # sums to 0.997
    ws.run("run-a", metrics=doc)
    found = lint(ws.root, select=["PRV005"])
    assert [f.severity.value for f in found] == ["error"]
    relaxed = lint(
        ws.root, select=["PRV005"], config_text="rules:\n  PRV005:\n    rate_sum_tolerance: 0.01\n"
    )
    assert relaxed == []
    demoted = lint(
        ws.root, select=["PRV005"], config_text="rules:\n  PRV005:\n    severity: info\n"
    )
    assert [f.severity.value for f in demoted] == ["info"]
    ignored = lint(ws.root, config_text="ignore: [PRV]\n")
    assert "PRV005" not in codes(ignored)


def test_reference_rules_yaml_is_the_starter_and_valid() -> None:
    classes = build_plugins(use_entry_points=False).rule_classes()
    expected = starter_config(classes)
    actual = (REPO / "rules.yaml").read_text(encoding="utf-8")
    assert actual == expected, "rules.yaml is stale: run `ftlint init --stdout > rules.yaml`"
    config = _bind(REPO / "rules.yaml")
    data = yaml.safe_load(actual)
    assert set(base_schema()["properties"]) <= set(data)
    for cls in classes:
        if cls.opt_in:
            assert f"# {cls.code}:" in actual
        else:
            assert set(cls.params) <= set(data["rules"][cls.code])
    assert set(DEFAULT_KNOBS) == set(config.knobs)


_yaml_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
)
_yaml_docs = st.recursive(
    _yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "select",
                    "ignore",
                    "rules",
                    "inputs",
                    "knobs",
                    "plugins",
                    "limits",
                    "gates",
                    "baseline",
                    "suppressions",
                    "per-path-ignores",
                    "PRV005",
                    "FMT001",
                    "severity",
                    "min",
                    "paths",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(doc=_yaml_docs, junk=st.text(max_size=30))
def test_any_config_is_loaded_or_rejected_cleanly(tmp_path_factory, doc, junk) -> None:
    """Whatever a rules.yaml holds, ftlint loads it or raises FtlintError: never a crash."""
    path = tmp_path_factory.mktemp("cfg") / "rules.yaml"
    for text in (yaml.safe_dump(doc), junk):
        path.write_text(text, encoding="utf-8")
        try:
            _bind(path)
        except FtlintError as exc:
            assert str(exc)
