"""Built-in plugins registered without importing them (`ftlint.plugins.LAZY_BUILTINS`).

The declared hooks must be exactly the module's hook implementations, or a hook added
to the module later would silently never run; a `check` without a `gates:` section must
not import the gates; a config that has one is still validated by their schema.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from helpers import modules_after_check

from ftlint.config.settings import Config
from ftlint.errors import FtlintError
from ftlint.plugins import LAZY_BUILTINS, build_plugins

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("module", sorted(LAZY_BUILTINS))
def test_declared_hooks_are_the_modules_hooks(module: str) -> None:
    real = importlib.import_module(module)
    impls = {
        name: fn
        for name, fn in vars(real).items()
        if callable(fn) and getattr(fn, "ftlint_impl", None) is not None
    }
    assert sorted(impls) == sorted(LAZY_BUILTINS[module])
    for fn in impls.values():
        assert not inspect.signature(fn).parameters, "a lazy hook must take no arguments"
        opts = fn.ftlint_impl
        assert not any(opts.get(k) for k in ("wrapper", "hookwrapper", "tryfirst", "trylast"))


def test_the_stand_ins_answer_as_the_module() -> None:
    built = build_plugins(use_entry_points=False)
    plugin = built.pm.get_plugin("builtin.decide")
    assert plugin is not None and plugin.__file__.endswith("decide.py")
    from ftlint.gates.decide import ftlint_config_schema

    assert built.config_schemas()["gates"] == ftlint_config_schema()["gates"]
    assert "gates" in dict(built.config_schemas())


def test_a_gates_section_is_still_validated() -> None:
    built = build_plugins(use_entry_points=False)
    config = Config(sections={"gates": {"no-such-key": 1}})
    with pytest.raises(FtlintError, match="gates"):
        config.bind_rules(built.rule_classes(), built.config_schemas())
    blocked = build_plugins(use_entry_points=False, cli_plugins=["no:builtin.decide"])
    with pytest.raises(FtlintError, match="unknown key 'gates'"):
        config.bind_rules(blocked.rule_classes(), blocked.config_schemas())


def test_check_without_gates_does_not_import_them(tmp_path: Path) -> None:
    assert modules_after_check(tmp_path, EXAMPLES, "ftlint.gates") == []
