"""Paths and the bundle of the example campaign used by the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PAIR = ("sft-c1-baseline", "sft-c2-candidate")


@dataclass(frozen=True)
class Example:
    plan: Any
    campaign: Any
    findings: tuple[Any, ...]
    config: Any
