"""The example campaign's plan, built once through `ftlint.api` for the report tests."""
# the constants and the Example type live in _example.py: test modules import them from
# there (a module named `conftest` is ambiguous next to tests/conftest.py)

from __future__ import annotations

import pytest
from _example import EXAMPLES, PAIR, Example


@pytest.fixture(scope="session")
def example() -> Example:
    from ftlint import api

    session = api.setup(None, builtin_only=True)
    campaign = api.load_campaign(session, EXAMPLES, baseline=PAIR[0], candidate=PAIR[1])
    result = api.lint(session, campaign)
    report = api.gate(session, result)
    plan = api.plan(session, result, report, workspace="examples")
    return Example(plan, campaign, tuple(result.findings), session.config)
