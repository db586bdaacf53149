"""Helpers of the issue-14 rule tests: lint a workspace through `ftlint.api`, and the
adapters' fixture generators (tests/sources/gen_*.py), importable however pytest was
started."""

from __future__ import annotations

from pathlib import Path

from ftlint import api
from ftlint.config.settings import Config
from ftlint.model import Finding

try:  # tests/ is a package (tests.sources) or a rootdir on sys.path (sources)
    from tests.sources import gen_evalfiles as ge
    from tests.sources import gen_trainer as gt
except ImportError:  # pragma: no cover - depends on how pytest was started
    from sources import gen_evalfiles as ge  # type: ignore[no-redef]
    from sources import gen_trainer as gt  # type: ignore[no-redef]

__all__ = ["ge", "gt", "lint"]


def lint(root: Path, code: str) -> list[Finding]:
    session = api.setup(config=Config(), use_entry_points=False, select=[code])
    campaign = api.load_campaign(session, root)
    found = api.lint(session, campaign, select=[code]).findings
    crashed = [f for f in found if f.rule == "FTL001"]
    assert not crashed, crashed
    return [f for f in found if f.rule == code]
