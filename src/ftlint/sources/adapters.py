"""The built-in source adapters, registered through the same hook a plugin uses.

Every adapter but `hfjobs` is registered as a `Deferred` stand-in: its module (and
what that imports: csv, the trainer readers, lm-eval's row parser...) is imported only
when the workspace holds a file one of its globs matches, or when a row file it made
is read. A workspace of one stack does not pay for the other six (~5-10 ms of every
start-up). Each module's DEFAULT_PATTERNS is `default_patterns(NAME)`, declared here
once; `tests/sources/test_deferred_adapters.py` checks each stand-in finds what its
module finds.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Any

from ftlint.hookspecs import hookimpl


class Deferred:
    """A built-in adapter by module name: `discover` globs the adapter's patterns (the
    config's `inputs.<name>`, else `default`) and imports the module only when one
    matches; `patterns` None means the adapter's runs come from elsewhere (`discover`
    then never imports it), "config" means `sources.generic` decides."""

    def __init__(self, name: str, module: str, default: tuple[str, ...] | str | None) -> None:
        self.name = name
        self.module = module
        self.default = default
        self._source: Any = None

    def source(self) -> Any:
        """The real adapter (`<module>.SOURCE`), imported on first use."""
        if self._source is None:
            self._source = importlib.import_module(self.module).SOURCE
        return self._source

    def discover(self, ws: Any, config: Any) -> Iterable[Any]:
        if not self._may_match(ws, config):
            return ()
        return self.source().discover(ws, config)

    def iter_rows(self, ws: Any, rows: Any, config: Any) -> Iterator[Any]:
        return self.source().iter_rows(ws, rows, config)

    def _may_match(self, ws: Any, config: Any) -> bool:
        if self.default is None:
            return False
        if self.default == "config":
            block = (getattr(config, "source_settings", None) or {}).get("generic")
            return bool(block)
        inputs = getattr(config, "inputs", None) or {}
        try:
            return bool(ws.glob(tuple(inputs.get(self.name, self.default))))
        except Exception:  # a bad pattern of the user's: the adapter reports it
            return True

    def __repr__(self) -> str:
        return f"<deferred source {self.name!r} ({self.module})>"


#: the built-in adapters after `hfjobs`, in registration order: name, module, globs
DEFERRED: tuple[tuple[str, str, tuple[str, ...] | str | None], ...] = (
    (
        "hf_trainer",
        "ftlint.sources.hf_trainer",
        (
            "**/trainer_state.json",
            "**/all_results.json",
            "**/train_results.json",
            "**/eval_results.json",
            "**/predict_results.json",
        ),
    ),
    (
        "llamafactory",
        "ftlint.sources.llamafactory",
        ("**/trainer_log.jsonl", "**/generated_predictions.jsonl"),
    ),
    ("openai_ft", "ftlint.sources.openai_ft", ("**/*.csv",)),
    (
        "lm_eval",
        "ftlint.sources.lm_eval",
        ("**/results_*.json", "**/results.json", "**/samples_*.jsonl"),
    ),
    ("generic", "ftlint.sources.generic", "config"),
    ("wandb_table", "ftlint.sources.wandb_tables", None),
)


def default_patterns(name: str) -> tuple[str, ...]:
    """The globs the built-in adapter `name` reads by default (its module's
    DEFAULT_PATTERNS: declared here once, so the stand-in needs no import to look)."""
    for spec_name, _, default in DEFERRED:
        if spec_name == name and isinstance(default, tuple):
            return default
    raise KeyError(name)


@hookimpl
def ftlint_sources() -> list[Any]:
    from ftlint.sources import hfjobs

    return [hfjobs.SOURCE, *(Deferred(*spec) for spec in DEFERRED)]


@hookimpl
def ftlint_config_schema() -> dict[str, Any]:
    """`sources:` (the generic adapter's mappings) and `metrics:` (a team's aliases)."""
    from ftlint.sources.generic import GENERIC_SCHEMA

    return {
        "sources": {
            "type": "object",
            "description": "Settings of the source adapters.",
            "additionalProperties": False,
            "properties": {"generic": {"type": "array", "items": GENERIC_SCHEMA}},
        },
        "metrics": {
            "type": "object",
            "description": "A team's own metric names: aliases to canonical metrics.",
            "additionalProperties": False,
            "properties": {
                "aliases": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "minLength": 1},
                    "description": "source key (namespace included or not) -> canonical name",
                }
            },
        },
    }
