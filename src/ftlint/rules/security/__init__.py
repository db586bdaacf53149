"""Security rules (SEC): secrets in artifacts.

The package is the plugin `builtin.security`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.security.secret_in_artifact import SecretInArtifact


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        SecretInArtifact,
    ]
