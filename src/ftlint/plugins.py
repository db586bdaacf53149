"""The plugin manager: built-ins, entry points, local plugin directories and -p.

Loading is guarded: a plugin that fails to import is an `FtlintError` naming it (exit 2),
or, with `keep_going`, a warning while the others load. `check_pending()` makes a
misspelt hook implementation an error instead of a silently ignored function.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from ftlint import hookspecs
from ftlint.errors import FtlintError
from ftlint.rule import Rule, validate_rule_class

BUILTIN_MODULES = (
    "ftlint.rules.format",
    "ftlint.rules.quality",
    "ftlint.rules.training",
    "ftlint.rules.provenance",
    "ftlint.rules.ops",
    "ftlint.rules.security",
    "ftlint.report.builtin",
    "ftlint.sources.adapters",
    "ftlint.gates.decide",
)

ENTRY_POINT_GROUP = "ftlint"
#: Built-in plugins registered without importing them, with the hooks each implements
#: (hooks that take no arguments): the module is imported when one is called. The gates
#: (~6 ms of imports) are only needed by `check` when rules.yaml has a `gates:` section
#: to validate. `tests/test_plugins_lazy.py` checks each list against its module.
LAZY_BUILTINS: dict[str, tuple[str, ...]] = {"ftlint.gates.decide": ("ftlint_config_schema",)}


class Plugins:
    """The loaded plugin manager plus what loading it found."""

    def __init__(self, pm: pluggy.PluginManager, warnings: list[str] | None = None) -> None:
        self.pm = pm
        self.warnings: list[str] = [] if warnings is None else warnings

    def rule_classes(self) -> list[type[Rule]]:
        """Every contributed rule, validated, sorted by code; duplicates are an error.

        ftlint's own rules are validated by its tests (`tests/report/test_catalogue.py`),
        not on every run: parsing their 40 docstrings again cost ~2.5 ms of each start-up.
        """
        seen: dict[str, tuple[type[Rule], str]] = {}
        for impl, result in _results_with_source(self.pm, "ftlint_rules"):
            for cls in result or ():
                shipped = getattr(cls, "__module__", "").startswith("ftlint.rules.")
                problems = [] if shipped else validate_rule_class(cls)
                if problems:
                    raise FtlintError(f"plugin {impl}: invalid rule: {'; '.join(problems)}")
                code = cls.code
                if code in seen and seen[code][0] is not cls:
                    raise FtlintError(
                        f"rule code {code} is contributed twice: by {seen[code][1]} and by {impl}"
                    )
                seen[code] = (cls, impl)
        return [seen[c][0] for c in sorted(seen)]

    def knobs(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for result in reversed(self.pm.hook.ftlint_knobs()):
            for knob, names in result.items():
                out[knob] = (names,) if isinstance(names, str) else tuple(names)
        return out

    def config_schemas(self) -> Mapping[str, Any]:
        """Section name -> JSON Schema, asked of the plugins on the first lookup (a config
        without plugin sections never imports the plugins that only validate one)."""
        return _OnDemand(self._config_schemas)

    def _config_schemas(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for result in reversed(self.pm.hook.ftlint_config_schema()):
            out.update(result)
        return out

    def report_formats(self) -> dict[str, Callable[..., str]]:
        out: dict[str, Callable[..., str]] = {}
        # LIFO: built-ins are registered first and so come last; let later plugins win
        for result in reversed(self.pm.hook.ftlint_report_formats()):
            out.update(result)
        return out


def _results_with_source(pm: pluggy.PluginManager, hook: str) -> Iterable[tuple[str, Any]]:
    caller = getattr(pm.hook, hook)
    for impl in reversed(caller.get_hookimpls()):
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            yield name, impl.function()
        except Exception as exc:  # a plugin's hook that raises must not be a traceback
            raise FtlintError(
                f"plugin {name}: {hook}() raised {type(exc).__name__}: {exc}"
            ) from exc


def build_plugins(
    *,
    plugin_paths: Sequence[Path] = (),
    cli_plugins: Sequence[str] = (),
    disable: Sequence[str] = (),
    keep_going: bool = False,
    use_entry_points: bool = True,
) -> Plugins:
    """Create the plugin manager and register every plugin source in order."""
    pm = pluggy.PluginManager("ftlint")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    blocked = set(disable)
    wanted: list[str] = []
    for spec in cli_plugins:
        if spec.startswith("no:"):
            blocked.add(spec[3:])
        else:
            wanted.append(spec)
    for name in blocked:
        pm.set_blocked(name)

    def guarded(name: str, load: Callable[[], Any]) -> None:
        if pm.is_blocked(name) or pm.has_plugin(name):
            return
        try:
            obj = load()
            pm.register(obj, name=name)
        except FtlintError:
            raise
        except Exception as exc:
            message = f"plugin {name!r} failed to load: {type(exc).__name__}: {exc}"
            if not keep_going:
                raise FtlintError(message) from exc
            plugins.warnings.append(message)

    for module in BUILTIN_MODULES:
        load = (
            (lambda m=module: _LazyModule(m, LAZY_BUILTINS[m]))
            if module in LAZY_BUILTINS
            else (lambda m=module: importlib.import_module(m))
        )
        guarded("builtin." + module.rsplit(".", 1)[1], load)
    if use_entry_points:
        for ep in sorted(entry_points(ENTRY_POINT_GROUP), key=lambda e: e.name):
            guarded(ep.name, ep.load)
    for directory in plugin_paths:
        for name, path in _local_modules(directory):
            guarded(name, lambda n=name, p=path: _import_path(n, p))
    for spec in wanted:
        guarded(spec, lambda s=spec: importlib.import_module(s))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise FtlintError(f"plugin {exc.plugin!r}: {exc}") from None
    return plugins


class _OnDemand(Mapping[str, Any]):
    """A read-only mapping computed by `make` when first read."""

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        self._make: Callable[[], dict[str, Any]] | None = make
        self._data: dict[str, Any] = {}

    def _get(self) -> dict[str, Any]:
        if self._make is not None:
            self._data, self._make = self._make(), None
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class _LazyModule:
    """A built-in plugin module, registered by name with pluggy-marked stand-ins for its
    hooks; the first call of one imports the module and calls the real hook."""

    def __init__(self, module: str, hooks: Sequence[str]) -> None:
        self.__name__ = module
        for hook in hooks:
            setattr(self, hook, _deferred(module, hook))

    @property
    def __file__(self) -> str | None:
        return importlib.import_module(self.__name__).__file__

    def __repr__(self) -> str:
        return f"<lazy plugin module {self.__name__!r}>"


def _deferred(module: str, hook: str) -> Callable[[], Any]:
    def call() -> Any:
        return getattr(importlib.import_module(module), hook)()

    call.__name__ = call.__qualname__ = hook
    return hookspecs.hookimpl(call)


class _EntryPoint:
    """`name = module:attr [extras]` of one installed distribution (what ftlint uses of
    `importlib.metadata.EntryPoint`: the name and `load()`)."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def load(self) -> Any:
        """Import the module and follow the attribute path, as importlib.metadata does."""
        target = self.value.split("[", 1)[0]
        module, _, attrs = target.partition(":")
        obj: Any = importlib.import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r})"


def entry_points(group: str) -> list[Any]:
    """The entry points of `group` that `importlib.metadata.entry_points(group=group)`
    returns, in its order, without importing `importlib.metadata`.

    Importing it (email, zipfile, csv...) and reading every distribution's metadata cost
    ~15 ms of every `ftlint check`; this lists the `*.dist-info` / `*.egg-info` folders
    of each `sys.path` entry (the current directory for "") and reads only their
    `entry_points.txt`, the first distribution of a normalised name winning, as
    importlib.metadata does (`tests/test_entry_points.py` compares the two). What this
    does not mirror (a zip or an egg on the path, a meta-path finder of its own that
    finds distributions) falls back to importlib.metadata itself.
    """
    import os
    from importlib.machinery import PathFinder

    paths = list(sys.path)
    resolvers = [f for f in sys.meta_path if getattr(f, "find_distributions", None)]
    if resolvers != [PathFinder] or not all(_plain_folder(p) for p in paths):
        from importlib.metadata import entry_points as metadata_entry_points

        return list(metadata_entry_points(group=group))
    seen: set[str] = set()
    found: list[Any] = []
    for base in paths:
        try:
            children = os.listdir(base or ".")
        except OSError:
            continue
        by_name: dict[str, list[str]] = {}
        for child in children:
            if child.lower().endswith((".dist-info", ".egg-info")):
                stem = child.lower().rpartition(".")[0].partition("-")[0]
                by_name.setdefault(_normalise(stem), []).append(child)
        for name, folders in by_name.items():
            if name not in seen:
                seen.add(name)
                found.extend(_read_group(os.path.join(base, folders[0], "entry_points.txt"), group))
    return found


def _plain_folder(path: object) -> bool:
    """A sys.path entry read here as importlib.metadata reads it: a folder name (or a
    missing one), not a zip file or an egg."""
    import os

    return isinstance(path, str) and not path.lower().endswith(".egg") and not os.path.isfile(path)


def _normalise(name: str) -> str:
    """PEP 503 normalisation with dashes as underscores (importlib.metadata's `Prepared`)."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _read_group(path: str, group: str) -> list[_EntryPoint]:
    """The `group` section of an entry_points.txt (importlib.metadata's `Sectioned`)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, ValueError):  # no entry points, or an unreadable file: nothing declared
        return []
    out: list[_EntryPoint] = []
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            out.append(_EntryPoint(name.strip(), value.strip()))
    return out


def _local_modules(directory: Path) -> list[tuple[str, Path]]:
    """Modules (`x.py`) and packages (`x/__init__.py`) directly inside a plugin directory."""
    if not directory.is_dir():
        return []
    found = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.suffix == ".py" and entry.is_file():
            found.append((entry.stem, entry))
        elif (entry / "__init__.py").is_file():
            found.append((entry.name, entry / "__init__.py"))
    return found


def _import_path(name: str, path: Path) -> ModuleType:
    module_name = f"ftlint_local_plugins.{name}"
    spec = importlib.util.spec_from_file_location(
        module_name,
        path,
        submodule_search_locations=[str(path.parent)] if path.name == "__init__.py" else None,
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def describe(plugins: Plugins) -> Mapping[str, str]:
    """Plugin name -> where it came from, for `ftlint rules --verbose`-style output."""
    out = {}
    for name, plugin in plugins.pm.list_name_plugin():
        out[name] = getattr(plugin, "__file__", repr(plugin)) or repr(plugin)
    return out
