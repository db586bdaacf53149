"""How a number reads in a finding's message: one formatter for every rule.

Messages are compared byte for byte across runs and formats, so every rule formats its
numbers the same way: 4 significant digits, no trailing zeros (`0.8125`, `11.38`,
`1.2e-05`).
"""

from __future__ import annotations


def g(value: float) -> str:
    """A number for a message: 4 significant digits, no trailing zeros."""
    return f"{value:.4g}"
