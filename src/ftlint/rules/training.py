"""Built-in rules (being written)."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..rule import Rule


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return []
