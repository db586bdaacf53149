"""Which (rule, run) cases of the JUnit report are `skipped`: the rule had nothing to check.

A test report that shows "passed" for a rule that never saw its data lies: a run with
no eval rows did not pass the row rules, it was not checked by them. The engine does not
record what each rule looked at, so a rule counts as checked for a run when it produced a
finding there, or when the run has the inputs the rule needs:

- `Rule.needs` (a class attribute, e.g. `needs = ("rows",)`) names them when a rule
  declares it: `rows` (eval rows: hard cases or row files), `curves` (training or eval
  curves), `metrics` (final eval metrics), `submissions` (job records), `pair` (a
  baseline and a candidate to compare); an unknown name counts as present;
- otherwise a rule whose only check is a row visitor needs `rows`, and a pair rule needs
  `pair`;
- any other rule is checked (passed when it found nothing), as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ftlint.rule import Rule

NEED_LABEL = {
    "rows": "no eval rows",
    "curves": "no training or eval curves",
    "metrics": "no final eval metrics",
    "submissions": "no job submission records",
    "pair": "no baseline and candidate pair",
}


def _has(run: Any, campaign: Any) -> Mapping[str, Callable[[], bool]]:
    return {
        "rows": lambda: bool(
            getattr(run, "hard_cases_path", None) or getattr(run, "row_files", ())
        ),
        "curves": lambda: bool(
            getattr(run, "curves", None)
            or getattr(run, "series", ())
            or getattr(run, "wandb_history", ())
        ),
        "metrics": lambda: bool(getattr(run, "metrics", None)),
        "submissions": lambda: bool(getattr(run, "submissions", ())),
        "pair": lambda: (
            campaign.get(campaign.baseline) is not None
            and campaign.get(campaign.candidate) is not None
            and campaign.baseline != campaign.candidate
        ),
    }


def needs_of(cls: type[Rule]) -> tuple[str, ...]:
    declared = getattr(cls, "needs", None)
    if declared is not None:
        return tuple(declared)
    overrides = {
        scope
        for scope in ("run", "pair", "campaign")
        if getattr(cls, f"check_{scope}") is not getattr(Rule, f"check_{scope}")
    }
    if cls.hard_case_visitor is not Rule.hard_case_visitor and not overrides:
        return ("rows",)
    if overrides == {"pair"}:
        return ("pair",)
    return ()


def skip_reason(cls: type[Rule], run_name: str | None, campaign: Any) -> str | None:
    """Why `cls` had nothing to check for this run (None: it was checked)."""
    if run_name is None:
        return None
    run = campaign.get(run_name)
    if run is None:
        return None
    have = _has(run, campaign)
    missing = [n for n in needs_of(cls) if n in have and not have[n]()]
    if not missing:
        return None
    return "; ".join(NEED_LABEL[n] for n in missing) + " for this run: nothing to check"


class SkipReasons:
    """`skip_reason` for many (rule, run) cases: each rule's needs and each run's inputs
    are looked up once (a 10,000-run report has hundreds of thousands of cases), and the
    same reason is one string. Keeps only the last run's inputs."""

    def __init__(self, campaign: Any) -> None:
        self._campaign = campaign
        self._runs: dict[str, Any] = {}
        for run in campaign.runs:  # campaign.get's answer (the first of a name), by dict
            self._runs.setdefault(run.name, run)
        self._needs: dict[type[Rule], tuple[str, ...]] = {}
        self._run: str | None = None
        self._have: dict[str, bool] = {}
        self._checks: Mapping[str, Callable[[], bool]] | None = None
        self._reasons: dict[tuple[str, ...], str] = {}

    def __call__(self, cls: type[Rule], run_name: str | None) -> str | None:
        if run_name is None:
            return None
        needs = self._needs.get(cls)
        if needs is None:
            needs = self._needs[cls] = needs_of(cls)
        if not needs:
            return None
        if run_name != self._run:
            run = self._runs.get(run_name)
            self._run, self._have = run_name, {}
            self._checks = _has(run, self._campaign) if run is not None else None
        checks = self._checks
        if checks is None:
            return None
        missing = []
        for need in needs:
            if need not in checks:
                continue
            have = self._have.get(need)
            if have is None:
                have = self._have[need] = checks[need]()
            if not have:
                missing.append(need)
        if not missing:
            return None
        key = tuple(missing)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = (
                "; ".join(NEED_LABEL[n] for n in missing) + " for this run: nothing to check"
            )
        return reason
