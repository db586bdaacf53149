"""The built-in source adapters, registered through the same hook a plugin uses."""

from __future__ import annotations

from typing import Any

from ftlint.hookspecs import hookimpl


@hookimpl
def ftlint_sources() -> list[Any]:
    from ftlint.sources import (
        generic,
        hf_trainer,
        hfjobs,
        llamafactory,
        lm_eval,
        openai_ft,
        wandb_tables,
    )

    return [
        hfjobs.SOURCE,
        hf_trainer.SOURCE,
        llamafactory.SOURCE,
        openai_ft.SOURCE,
        lm_eval.SOURCE,
        generic.SOURCE,
        wandb_tables.SOURCE,
    ]


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
