"""`ftlint plan` and `ftlint gate` subcommands (being written)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def add_parsers(sub: Any, *, common: Callable[..., None], workspace: Callable[..., None]) -> None:
    """Register the plan/gate subparsers on the CLI's subparser action."""
