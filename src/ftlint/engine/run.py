"""Run the selected rules over a campaign, each isolated, in one pass over hard cases.

For every run the engine streams `hard_cases.valid.jsonl` once and feeds the row to every
rule that asked for rows (`Rule.hard_case_visitor`), then calls `check_run`; then the
pair rules on (baseline, candidate) and the campaign rules. A rule that raises becomes
one `internal-error` finding naming it; every other rule still runs.

With `--jobs`, the runs are split across forked processes (`ftlint.engine.split`: each
run's visitors and `check_run` there, pair and campaign rules here), or, with fewer runs
than processes (one big file), the rules of each `Rule.process_group` run in processes
of their own (`ftlint.engine.processes`); the findings are sorted by a total key, so the
result is the sequential one, byte for byte.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from ftlint import mutable
from ftlint.assemble.lazy import full, summary
from ftlint.config.settings import Config
from ftlint.engine import split as splitting
from ftlint.engine.mapreduce import lint_split
from ftlint.engine.processes import Pairs, process_groups, run_forked
from ftlint.engine.ranges import ROW_SPLIT_MIN_BYTES, row_split_jobs
from ftlint.engine.split import (
    Executor,
    ForkExecutor,
    RunOutcome,
    compact_findings,
    last_reason,
    note_reason,
    note_split,
    split_jobs,
    work_ms,
)
from ftlint.model import Campaign, Category, Finding, HardCase, Problem, Run, Severity
from ftlint.model import fingerprint as make_fingerprint
from ftlint.rule import Rule, RuleContext
from ftlint.sources.io import Workspace

INTERNAL_ERROR_CODE = "FTL001"  # not a rule: a rule that crashed
INTERNAL_ERROR_NAME = "internal-error"
#: Runs between two `gc.freeze()` calls of the sequential lint (see `Engine.run`).
FREEZE_EVERY = 64


def matches(code: str, selectors: Iterable[str]) -> bool:
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def select_rules(
    rule_classes: Sequence[type[Rule]],
    config: Config,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> list[type[Rule]]:
    """The rules to run: selected, not ignored; opt-in rules only when named or configured.

    `select` from the command line replaces the config's list; `ignore` adds to it.
    Ignore wins over select.
    """
    selectors = tuple(select) if select else config.select
    ignored = (*config.ignore, *ignore)
    chosen = []
    for cls in rule_classes:
        if not matches(cls.code, selectors) or matches(cls.code, ignored):
            continue
        settings = config.rule_settings.get(cls.code)
        if cls.opt_in and cls.code not in selectors and not (settings and settings.explicit):
            continue
        chosen.append(cls)
    return chosen


@mutable
class LintResult:
    """What `ftlint check` found: the sorted findings and what produced them."""

    campaign: Campaign
    rules: list[type[Rule]]
    findings: list[Finding] = field(default_factory=list)
    rows_streamed: int = 0

    def worst(self, include_suppressed: bool = False) -> Severity | None:
        sev = [f.severity for f in self.findings if include_suppressed or not f.suppressed]
        return max(sev, key=lambda s: s.rank) if sev else None


class Engine:
    """Holds the rule instances and their contexts for one lint of one campaign."""

    def __init__(
        self,
        campaign: Campaign,
        rule_classes: Sequence[type[Rule]],
        config: Config,
        *,
        progress: Any = None,
        jobs: int | None = None,
        sources: Mapping[str, Any] | None = None,
    ) -> None:
        self.campaign = campaign
        #: the campaign as loaded (runs may be `LazyRun`s); `self.campaign` becomes the
        #: runs as kept once their per-run steps are done (`_use`)
        self.loaded = campaign
        self.actions: dict[Any, Any] = {}  # one object per distinct action (reduce)
        self.sources = dict(sources or {})  # adapters by name, to stream Run.row_files
        self.config = config
        self.progress = progress
        self.jobs = jobs  # None: auto (see PARALLEL_MIN_BYTES); 1: one process
        self.ws = Workspace(Path(campaign.root))
        self.stream_problems: dict[str, list[Problem]] = {}
        self.rules: list[tuple[Rule, RuleContext]] = []
        shared: dict[Any, Any] = {}
        self.shared = shared  # per-run entries dropped after the run (`_drop_shared`)
        for cls in rule_classes:
            settings = config.rule_settings.get(cls.code)
            rule = cls()
            ctx = RuleContext(
                rule=rule,
                params=dict(settings.params) if settings else cls.param_defaults(),
                severity_override=settings.severity if settings else None,
                knobs=config.knobs,
                campaign=campaign,
                stream_problems=self.stream_problems,
                shared=shared,
            )
            self.rules.append((rule, ctx))
        self.rule_classes = list(rule_classes)

    def run(self, executor: Executor | None = None) -> LintResult:
        """Lint; `executor` maps the per-run work (default: a local fork pool when
        `--jobs` splits the runs, see `ftlint.engine.split`)."""
        # The loaded campaign outlives the lint: moved out of the collector's generations
        # (`gc.freeze`), a full collection no longer walks it again and again (1,000
        # runs: 1.2 of 2.1 s of linting were such walks), and a forked worker leaves its
        # pages shared. The findings follow, a chunk of runs at a time. Not unfrozen:
        # rendering the report would walk it all again (10,000 runs: render 6.3 -> 4.4 s).
        # Reference counting still frees all of it; only reference cycles alive now
        # would stay (60 lints of the examples in one process: none accumulate).
        gc.freeze()
        return self._run(executor)

    def _run(self, executor: Executor | None) -> LintResult:
        result = LintResult(self.campaign, self.rule_classes)
        try:
            return self._run_into(result, executor)
        finally:
            result.campaign = self.campaign  # the runs as linted: summaries, the pair whole

    def _run_into(self, result: LintResult, executor: Executor | None) -> LintResult:
        runs = len(self.campaign.runs)
        if self.jobs is None and executor is None and self._one_file_dominates():
            jobs = None  # (the row ranges below note their reason)
        else:
            jobs = split_jobs(self.jobs, runs, self._work_ms)
        note_split(None)
        if executor is None and jobs is not None:
            if runs >= 2 * jobs:
                executor = ForkExecutor(jobs, actions=self.actions, here=True)
            else:
                note_reason(f"one process for the runs ({runs}: fewer than 2 for each of {jobs})")
        elif executor is not None:
            note_reason(f"the runs through {type(executor).__name__}")
        if executor is not None:
            note_split(jobs)
            findings, result.rows_streamed = lint_split(self, executor, jobs or 1)
            result.findings = sorted(_dedupe(findings), key=Finding.sort_key)
            return result
        self.row_jobs = row_split_jobs(self)  # one big file: rows in ranges (engine.ranges)
        groups = None
        if self.row_jobs:
            big = f"hard-cases files of {ROW_SPLIT_MIN_BYTES >> 20} MiB or more"
            if self._largest_hard_cases() >= ROW_SPLIT_MIN_BYTES:
                note_reason(f"{big} in row ranges over {self.row_jobs} processes")
            else:
                note_reason(f"{last_reason()}; no {big} to split in row ranges")
        else:
            groups = process_groups(self.rules, self.jobs, self._hard_case_bytes)
        if groups is None:
            findings, result.rows_streamed = self._lint(self.rules, self.progress)
        else:
            note_reason(f"rule groups in {len(groups[1]) + 1} processes")
            # each process loads each run for its rules; the runs as kept are this
            # process's (`_lint` of the main group, or its rerun of a failed group)
            findings, result.rows_streamed = run_forked(self._lint, *groups, self.progress)
        result.findings = sorted(_dedupe(findings), key=Finding.sort_key)
        return result

    def _lint(self, rules: Pairs, progress: Any) -> tuple[list[Finding], int]:
        """Every lifecycle step of `rules`, in order: (findings, hard-case rows read)."""
        findings: list[Finding] = []
        rows = 0
        self._use(list(self.loaded.runs))  # again after a failed forked group
        total = len(self.loaded.runs)
        kept: list[Run] = []
        for index, run in enumerate(self.loaded.runs):
            if progress is not None:
                progress.run_started(run.name, index, total)
            if index % FREEZE_EVERY == FREEZE_EVERY - 1:
                gc.freeze()  # the findings so far outlive the lint too
            outcome = self._per_run(run, rules, progress)
            findings += compact_findings(outcome.findings, self.actions)
            rows += outcome.rows
            kept.append(outcome.run if outcome.run is not None else run)
        self._use(kept)
        findings += self._pair_and_campaign(rules)
        return findings, rows

    def _progress(self, run: Run, index: int) -> None:
        if self.progress is not None:
            self.progress.run_started(run.name, index, len(self.campaign.runs))

    def _per_run(
        self, run: Run, rules: Pairs, progress: Any, *, whole: bool = False, stream: bool = True
    ) -> RunOutcome:
        """One run's row visitors and `check_run`: (findings, rows, stream problems, the
        run as kept). A `LazyRun` is loaded here, in whichever process lints it, and
        only its summary is kept (`ftlint.assemble.lazy`), or, `whole`, the loaded run."""
        findings: list[Finding] = []
        run = full(run)
        rows = self._stream(run, findings, rules, progress) if stream else 0
        for rule, ctx in rules:
            findings += self._call(rule, "check_run", run.name, run, ctx)
        self._drop_shared(run)
        problems = tuple(self.stream_problems.get(run.name, ()))
        return RunOutcome(tuple(findings), rows, problems, run if whole else self._kept(run))

    def _kept(self, run: Run) -> Run:
        """What stays of a linted run: the baseline and the candidate whole (pair rules,
        gates and the plan read them), any other run's summary."""
        if run.name in (self.campaign.baseline, self.campaign.candidate):
            return run
        return summary(run)

    def _use(self, runs: list[Run]) -> None:
        """From the pair steps on, the campaign is the runs as kept (rules read it
        through `ctx.campaign`; the reports through `LintResult.campaign`)."""
        same = len(runs) == len(self.loaded.runs) and all(
            a is b for a, b in zip(runs, self.loaded.runs, strict=True)
        )
        self.campaign = self.loaded if same else replace(self.loaded, runs=tuple(runs))
        for _, ctx in self.rules:
            ctx.campaign = self.campaign

    def _drop_shared(self, run: Run) -> None:
        """Forget `ctx.shared` entries of a run whose rules are done: a key whose second
        element is the run's name (`RuleContext.shared`). The baseline's and the
        candidate's stay for the pair rules. Without this, 10,000 runs kept every
        run's QLT002/QLT008 collector to the end (57 MB)."""
        if not self.shared or run.name in (self.campaign.baseline, self.campaign.candidate):
            return
        done = [k for k in self.shared if type(k) is tuple and len(k) > 1 and k[1] == run.name]
        for key in done:
            del self.shared[key]

    def _pair_and_campaign(self, rules: Pairs) -> list[Finding]:
        findings: list[Finding] = []
        base = self.campaign.get(self.campaign.baseline)
        cand = self.campaign.get(self.campaign.candidate)
        if base is not None and cand is not None and base is not cand:
            for rule, ctx in rules:
                findings += self._call(rule, "check_pair", cand.name, base, cand, ctx)
        for rule, ctx in rules:
            findings += self._call(rule, "check_campaign", None, self.campaign, ctx)
        return findings

    def _hard_case_bytes(self) -> int:
        return sum(self._hard_case_sizes())

    def _largest_hard_cases(self) -> int:
        """The size of the largest hard-cases file (0: none)."""
        return max(self._hard_case_sizes(), default=0)

    def _hard_case_sizes(self) -> Iterator[int]:
        """The size of each run's hard-cases file (as discovery found it, else stat)."""
        for run in self.campaign.runs:
            if run.hard_cases_bytes is not None:
                yield run.hard_cases_bytes
            elif run.hard_cases_path:  # (a plugin's run that did not say its size)
                with contextlib.suppress(OSError):
                    yield (self.ws.root / run.hard_cases_path).stat().st_size

    def _row_file_bytes(self) -> int:
        """The size of the eval-row files of the runs' other adapters."""
        paths = {rows.path for run in self.campaign.runs for rows in run.row_files}
        total = 0
        for path in sorted(paths, key=str):  # (a file of several parts counts once)
            with contextlib.suppress(OSError, TypeError, ValueError):
                total += (self.ws.root / path).stat().st_size
        return total

    def _work_ms(self) -> float:
        """The per-run work `--jobs auto` weighs before it splits the runs
        (`ftlint.engine.split.work_ms`): the runs, their hard cases, and, when that is
        not enough to split, the other adapters' row files."""
        runs, rows = len(self.campaign.runs), self._hard_case_bytes()
        least = splitting.SPLIT_WORK_MS  # (read at the call: tests set it)
        if least is not None and work_ms(runs, rows) < least:
            rows += self._row_file_bytes()
        return work_ms(runs, rows)

    def _one_file_dominates(self) -> bool:
        """True under `--jobs auto` when one run's hard cases are more than half of the
        estimated work and that file will be read in row ranges (`row_split_jobs`): a
        process that lints that run whole would be the lint's wall time, so the runs
        are not split. False whenever the ranges would not take the file (less than
        `ROW_SPLIT_AUTO_BYTES` in all, one usable core, a plugin rule visiting rows)."""
        sizes = list(self._hard_case_sizes())
        largest = max(sizes, default=0)
        if largest < ROW_SPLIT_MIN_BYTES:
            return False
        total = work_ms(len(self.campaign.runs), sum(sizes))
        if 2 * work_ms(1, largest) <= total:
            return False
        return row_split_jobs(self) is not None

    def _stream(self, run: Run, findings: list[Finding], rules: Pairs, progress: Any) -> int:
        """The run's row visitors over its rows (`ftlint.engine.stream`)."""
        from ftlint.engine.stream import stream_run

        return stream_run(self, run, findings, rules, progress)

    def _rows(
        self, run: Run, traces: Mapping[int, Any]
    ) -> Iterator[list[HardCase] | HardCase | Problem]:
        """The run's rows: its hard cases (in blocks), or the eval rows of its source
        adapters (one at a time)."""
        from ftlint.engine.stream import run_rows

        return run_rows(self, run, traces)

    def _call(self, rule: Rule, method: str, run_name: str | None, *args: Any) -> list[Finding]:
        try:
            produced = getattr(rule, method)(*args)
            return _checked(rule, list(produced or ()))
        except Exception as exc:
            return [self._internal(rule, run_name, method, exc)]

    def _internal(self, rule: Rule, run: str | None, where: str, exc: BaseException) -> Finding:
        cls = type(rule)
        import traceback  # only for a crashed rule

        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        message = (
            f"rule {cls.code} ({cls.name}) crashed in {where}: {type(exc).__name__}: {exc}{at}; "
            "its findings for this scope are missing, other rules ran"
        )
        return Finding(
            rule=INTERNAL_ERROR_CODE,
            name=INTERNAL_ERROR_NAME,
            severity=Severity.ERROR,
            category=Category.OPS,
            run=run,
            message=" ".join(message.split()),
            evidence=(),
            measurements={"crashed_rule": cls.code, "where": where},
            fingerprint=make_fingerprint(INTERNAL_ERROR_CODE, run, cls.code, where),
        )


def _checked(rule: Rule, produced: list[Any]) -> list[Finding]:
    bad = [p for p in produced if not isinstance(p, Finding)]
    if bad:
        raise TypeError(f"{type(rule).__name__} yielded {type(bad[0]).__name__}, not a Finding")
    return produced


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop exact repeats (same fingerprint and message); keep everything else."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        key = (f.fingerprint, f.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def severity_at_least(findings: Sequence[Finding], threshold: str) -> bool:
    """True when an unsuppressed finding reaches `--fail-on` (never -> always False)."""
    if threshold == "never":
        return False
    limit = Severity(threshold).rank
    return any(f.severity.rank >= limit for f in findings if not f.suppressed)


def run_engine(
    campaign: Campaign,
    rule_classes: Sequence[type[Rule]],
    config: Config,
    progress: Any = None,
    jobs: int | None = None,
    sources: Mapping[str, Any] | None = None,
) -> LintResult:
    """Run the rules; `progress` (see ftlint.cli.progress.Progress) is closed when done.
    `jobs`: processes to use at most (None: auto, by the size of the hard cases)."""
    try:
        return Engine(
            campaign, rule_classes, config, progress=progress, jobs=jobs, sources=sources
        ).run()
    finally:
        if progress is not None:
            progress.close()
