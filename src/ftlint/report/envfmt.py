"""`ftlint plan --format env`: the next run's overrides as dotenv lines, nothing else.

One `NAME=value` line per env variable the plan changes (deferred, unchanged and
unmapped overrides are left out), values shell-quoted when needed, so the output can
be `source`d or passed line by line as `--env NAME=value`.
"""

from __future__ import annotations

import re
import shlex

from ftlint.plan.model import Plan

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def env_lines(plan: Plan) -> list[str]:
    """`NAME=value` for every applied override with a valid env variable name."""
    lines = []
    for o in plan.applied_overrides():
        if o.name is None or not _ENV_NAME.match(o.name):
            continue
        value = o.value.replace("\x00", "")
        lines.append(f"{o.name}={shlex.quote(value)}")
    return lines


def render_env(plan: Plan) -> str:
    lines = env_lines(plan)
    return "".join(line + "\n" for line in lines)
