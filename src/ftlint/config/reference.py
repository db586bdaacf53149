"""`ftlint init`: the reference rules.yaml, every key commented, rule params generated.

The repo-root `rules.yaml` is exactly this text (a test keeps them equal), so the
reference can never drift from the rules' own defaults.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from ftlint.config.settings import DEFAULT_INPUTS, DEFAULT_KNOBS, DEFAULT_MAX_LINE_BYTES
from ftlint.gates.decide import DEFAULT_ALPHA, DEFAULT_CHECKS
from ftlint.rule import Rule

HEADER = """\
# ftlint configuration: the reference, every key shown with its default.
# ftlint finds this file from the current directory upward (rules.yaml, .ftlint.yaml,
# or [tool.ftlint] in pyproject.toml), or takes --config PATH. It never reads a config
# from inside the workspace being linted. Unknown keys, wrong types and out-of-range
# params are errors (exit 2) that name the line.
# Multi-word top-level keys are kebab-case; input kinds, knobs and params are snake_case.

# Which rules run: codes (FMT001), prefixes (FMT, PRV00) or ALL. `ignore` wins.
# Opt-in rules (thresholds that are off unless you set them) run only when named here
# by their full code or configured under `rules:`.
select: [ALL]
ignore: []

# When `ftlint check` exits 1 (error, warning, info or never; --fail-on wins), and its
# default output format (text, json, sarif, github, junit; --format wins).
# fail-on: error
# output-format: text

# SARIF for GitHub code scanning: the base of each rule's helpUri (the catalogue page
# rules/<CODE>.md), a prefix for artifact paths (default: relative to the git root), and
# at most this many results (GitHub's limit is 25,000; errors are kept first).
# sarif:
#   help-uri-base: https://github.com/your-org/ftlint/blob/main/rules/
#   path-prefix: ""
#   max-results: 25000

# The runs that pair rules, `plan` and `gate` compare. --baseline/--candidate win.
# With no candidate, the newest training run other than the baseline is used.
baseline: null
candidate: null

# Where the artifacts are, as globs relative to the workspace root.
inputs:
"""

KNOBS_HEADER = """
# Planner vocabulary -> the env variable(s) of the next run. One knob may set several
# variables (the training-time eval and the eval job). Add your own or rename these.
knobs:
"""

GATES = """
# Promotion gates of `ftlint gate` and `ftlint plan` (these are the defaults: uncomment
# to change them). Each check names a metric, which direction is better, and any of:
# margin (non-inferiority vs the baseline, absolute), tolerance (relative, e.g. 0.02 =
# 2% for mae_raw), min / max (absolute); alpha is the one-sided significance level.
# Rates are judged with their sample sizes (Newcombe and Wilson intervals, a
# two-proportion test, exact McNemar when per-row results pair up); format gates are
# decided first and a failed one blocks promotion. A bare list of checks also works.
# gates:
#   inconclusive: fail  # INCONCLUSIVE exits 1; `pass` lets it exit 0
#   absolute: lower_bound  # min/max judged by the one-sided bound; or point_estimate
#   alpha: {alpha}
#   checks:
"""

PLUGINS = """
# Team rules and formats. Local plugin directories are relative to this file; their
# modules are imported, so only list code you trust. Also: installed packages with an
# entry point in group "ftlint", and -p MODULE / -p no:NAME on the command line.
plugins:
  paths: [plugins]
  disable: []

# Accepted findings: a file written by `ftlint check --write-suppressions FILE`
# (relative to this file). Listed findings stay visible (marked suppressed) but no
# longer count towards --fail-on; entries that match nothing are reported.
suppressions: null

# Like ruff's per-file-ignores: a glob matched against evidence paths, or run:GLOB
# matched against run names -> codes or prefixes ignored there, e.g.
#   "outputs/legacy-*/*": [PRV005]
#   "run:smoke-*": [PRV002]
per-path-ignores: {}

# Input safety limits.
limits:
  # A JSONL line longer than this is reported (PRV005) and skipped without loading it.
  max-line-bytes: {max_line}

# Per-rule settings: the rule's params, and `severity` (error, warning, info), which
# forces every finding of the rule to that level (left commented here: several rules
# grade their findings, e.g. a parse-error spike that recovers is only a warning). `ftlint explain CODE`
# documents each rule.
rules:
"""


def _yaml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value)


def starter_config(classes: Sequence[type[Rule]]) -> str:
    out = [HEADER]
    for kind, globs in DEFAULT_INPUTS.items():
        out.append(f"  {kind}: {json.dumps(list(globs))}\n")
    out.append(KNOBS_HEADER)
    for knob, names in DEFAULT_KNOBS.items():
        out.append(f"  {knob}: {json.dumps(list(names))}\n")
    out.append(GATES.replace("{alpha}", str(DEFAULT_ALPHA)))
    for check in DEFAULT_CHECKS:
        body = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in check.items())
        out.append(f"#     - {{{body}}}\n")
    out.append(PLUGINS.replace("{max_line}", str(DEFAULT_MAX_LINE_BYTES)))
    for cls in classes:
        for line in textwrap.wrap(f"{cls.code} {cls.name}: {cls.summary()}", 84):
            out.append(f"  # {line}\n")
        # The severity stays commented: setting it forces every finding of the rule to
        # that level, overriding the per-finding severities a rule assigns itself.
        severity = f"# severity: {cls.default_severity.value}"
        if cls.params:
            block = [f"  {cls.code}:", f"    {severity}"]
        else:
            block = [f"  {cls.code}: {{}}  {severity}"]
        for key, param in cls.params.items():
            for line in textwrap.wrap(param.description, 84):
                block.append(f"    # {line}")
            block.append(f"    {key}: {_yaml_value(param.default)}")
        if cls.opt_in:
            block = ["  # (opt-in: uncomment to enable)"] + [f"  # {b[2:]}" for b in block]
        out.append("\n".join(block) + "\n")
    return "".join(out)
