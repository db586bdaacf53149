"""The built-in source adapters, registered through the same hook a plugin uses."""

from __future__ import annotations

from typing import Any

from ftlint.hookspecs import hookimpl


@hookimpl
def ftlint_sources() -> list[Any]:
    from ftlint.sources import generic, hf_trainer, llamafactory, lm_eval, openai_ft

    return [
        hf_trainer.SOURCE,
        llamafactory.SOURCE,
        openai_ft.SOURCE,
        lm_eval.SOURCE,
        generic.SOURCE,
    ]
