"""The pipeline as functions: the one wiring the CLI, the tests and plugin test kits use.

    from ftlint import api

    session = api.setup(config_path=None)              # config + plugins + rule classes
    campaign = api.load_campaign(session, "runs/")     # sources -> Campaign, pair chosen
    result = api.lint(session, campaign)               # findings, sorted, suppressions applied
    verdict = api.gate(session, campaign, result)      # promotion gates
    plan = api.plan(session, campaign, result, verdict)

Data flows one way: config and plugins -> sources -> assemble -> engine -> gates/plan
-> report. Nothing here prints or exits; errors are `FtlintError`s with file:line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftlint import frozen

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.gates.decide import GateReport
    from ftlint.model import Campaign, Finding
    from ftlint.plan.model import Plan
    from ftlint.plugins import Plugins
    from ftlint.rule import Rule


@frozen
class Session:
    """A bound configuration: the config (rules bound), the plugins and the rule classes."""

    config: Config
    plugins: Plugins
    rules: tuple[type[Rule], ...]
    warnings: tuple[str, ...] = ()


@frozen
class LintResult:
    """What a lint found: the selected rules and the findings, in report order."""

    campaign: Campaign
    rules: tuple[type[Rule], ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)


def setup(
    config_path: Path | str | None = None,
    *,
    config: Config | None = None,
    cli_plugins: Sequence[str] = (),
    keep_going: bool = False,
    builtin_only: bool = False,
    use_entry_points: bool = True,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    workspace: Path | str | None = None,
) -> Session:
    """Load the config (or take `config`), build the plugin manager, bind the rules.

    `builtin_only`: no entry points, no local or `-p` plugins (the catalogue, `init`).
    `workspace`: the linted path (default: the current directory); a config found by
    the upward search inside it runs no local plugin code unless trusted
    (`ftlint.config.trust`). A given `config_path` or `config` is the caller's choice.
    """
    from ftlint.config import trust
    from ftlint.config.settings import load_config
    from ftlint.plugins import build_plugins

    notes: list[str] = []
    plugin_paths: Sequence[Path] = ()
    config_path = Path(config_path) if config_path is not None else None  # (a str too)
    workspace = Path(workspace) if workspace is not None else None
    if config is None:
        config = load_config(config_path)
        decision = trust.decide(
            config.path, config.sha256, explicit=config_path is not None, workspace=workspace
        )
        plugin_paths = config.plugin_paths if decision.trusted else ()
        if not decision.trusted and config.path is not None and _has_local(config.plugin_paths):
            notes.append(trust.skipped_message(config.path))
    else:
        plugin_paths = config.plugin_paths
    plugins = build_plugins(
        plugin_paths=() if builtin_only else plugin_paths,
        cli_plugins=() if builtin_only else cli_plugins,
        disable=config.plugin_disable,
        keep_going=keep_going,
        use_entry_points=use_entry_points and not builtin_only,
    )
    for impl in plugins.pm.hook.ftlint_load_runs.get_hookimpls():
        notes.append(
            f"plugin {impl.plugin_name!r} implements ftlint_load_runs, which is deprecated: "
            "return a source adapter from ftlint_sources instead (docs/sources.md); its "
            "runs are still read"
        )
    classes = plugins.rule_classes()
    config = config.with_knobs(plugins.knobs())
    config = config.bind_rules(
        classes, plugins.config_schemas(), extra_select=list(select), extra_ignore=list(ignore)
    )
    return Session(config, plugins, tuple(classes), (*notes, *plugins.warnings))


def _has_local(paths: Sequence[Path]) -> bool:
    """True when a plugin directory holds something that would be imported."""
    from ftlint.plugins import _local_modules

    return any(_local_modules(p) for p in paths)


def load_campaign(
    session: Session,
    path: Path | str,
    *,
    baseline: str | None = None,
    candidate: str | None = None,
    deferred: bool = False,
    jobs: int | None = 1,
) -> Campaign:
    """Read every source of the workspace at `path` into a Campaign and choose the pair.

    `deferred`: a run's own files may be left unread until the run is linted
    (`ftlint.assemble.lazy.LazyRun`; `lint` reads each in turn and keeps a summary, and
    `loaded_runs` reads them one at a time): what the CLI does, so a sweep of 10,000
    runs is never in memory whole. Otherwise every run is whole when this returns.
    `jobs`: the processes discovery may use, as `lint`'s (`--jobs`; None: auto); with
    1, the default, it forks nothing."""
    from ftlint.assemble.campaign import load_campaign as assemble
    from ftlint.assemble.select import select_pair

    config = session.config
    hook = session.plugins.pm.hook.ftlint_load_runs
    loaders = [_hook_loader(hook)] if hook.get_hookimpls() else []  # deprecated hook
    sources = list(sources_of(session).values())
    campaign = assemble(
        Path(path), config, sources=sources, extra_loaders=loaders, deferred=deferred, jobs=jobs
    )
    return select_pair(
        campaign, baseline, candidate or config.candidate, config_baseline=config.baseline
    )


def loaded_runs(campaign: Campaign) -> Iterator[Any]:
    """The campaign's runs whole, one at a time: a run discovery only noted
    (`ftlint.assemble.lazy.LazyRun`) is read now, and dropped once the caller moves on
    (`ftlint runs` keeps a table row per run, never the runs)."""
    from ftlint.assemble.lazy import full

    for run in campaign.runs:
        yield full(run)


def sources_of(session: Session) -> dict[str, Any]:
    """The source adapters by name (built-ins and plugins, through `ftlint_sources`);
    a name registered twice keeps the first."""
    from ftlint.assemble.records import sources_by_name

    return sources_by_name([s for res in session.plugins.pm.hook.ftlint_sources() for s in res])


def _hook_loader(hook: Any) -> Callable[[Path, Config], Sequence[Any]]:
    """Call the plugins' loaders through pluggy (which passes each only the arguments
    it declares), flattening their results."""

    def load(workspace: Path, config: Config) -> list[Any]:
        return [run for result in hook(workspace=workspace, config=config) for run in result]

    return load


def lint(
    session: Session,
    campaign: Campaign,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    suppressions: Path | None = None,
    apply_suppressions: bool = True,
    progress: Any = None,
    jobs: int | None = None,
) -> LintResult:
    """Run the selected rules, then per-path ignores and suppressions (the config's
    `suppressions:` unless `suppressions` names a file). Shared by check, plan and gate,
    so all three see exactly the same findings.

    The result's campaign holds each run as kept after its per-run rules: the baseline
    and the candidate whole, every other run's summary (`ftlint.assemble.lazy.summary`:
    no per-point series, traces, raw documents, settings or env). `campaign` itself is
    left as it was (a deferred one still reads each run when asked).

    `jobs`: processes, as `--jobs` (None: auto, which on Linux forks this process when
    the estimated work pays and cores are idle, never while other threads run; 1: this
    process only; the findings are the same either way)."""
    from ftlint.config import suppressions as supp
    from ftlint.engine.run import run_engine, select_rules

    config = session.config
    chosen = select_rules(list(session.rules), config, select=list(select), ignore=list(ignore))
    result = run_engine(
        campaign, chosen, config, progress=progress, jobs=jobs, sources=sources_of(session)
    )
    findings = supp.apply_per_path_ignores(result.findings, config.per_path_ignores)
    path = suppressions or config.suppressions
    if path is not None and apply_suppressions:
        findings = supp.apply_suppressions(findings, supp.load_suppressions(path), path.as_posix())
    ordered = tuple(sorted(findings, key=lambda f: f.sort_key()))
    # the campaign as linted: each run loaded for its per-run rules, then only its
    # summary kept (the baseline and candidate whole), see ftlint.assemble.lazy
    return LintResult(result.campaign, tuple(chosen), ordered)


def gate_policy(session: Session) -> Any:
    """The gate policy of the config (`gates:`); a bad section is exit 2 naming its line."""
    from ftlint.gates.decide import SECTION, GateConfigError
    from ftlint.gates.decide import gate_policy as build_policy

    config = session.config
    try:
        return build_policy(config.plugin_section(SECTION))
    except GateConfigError as exc:
        raise config.error(str(exc), exc.pointer) from None


def gate(session: Session, result: LintResult, policy: Any = None) -> GateReport | None:
    """Decide the promotion gates for the campaign's pair (None without a candidate)."""
    from ftlint.gates.decide import evaluate

    campaign = result.campaign
    baseline = campaign.get(campaign.baseline)
    candidate = campaign.get(campaign.candidate)
    if candidate is None:
        return None
    rows = {r.name: read_rows(session, campaign, r) for r in (baseline, candidate) if r}
    return evaluate(
        baseline,
        candidate,
        list(result.findings),
        policy if policy is not None else gate_policy(session),
        rows,
        checked_rules=[cls.code for cls in result.rules],
    )


def read_rows(session: Session, campaign: Campaign, run: Any) -> Any:
    """The gate's per-row view of a run (reading is the sources' job)."""
    from ftlint.gates.decide import RowResults
    from ftlint.sources.hardcases import read_row_outcomes
    from ftlint.sources.io import Workspace

    ws = Workspace(Path(campaign.root))
    complete = [rf for rf in run.row_files if rf.complete]
    sources = sources_of(session)
    if not run.hard_cases_path and complete and complete[0].adapter in sources:
        return _complete_rows(session, ws, run, complete, sources)
    count, outcomes, reason = read_row_outcomes(
        ws, run, max_line_bytes=session.config.max_line_bytes
    )
    return RowResults(run.name, count, not reason, outcomes if not reason else {}, reason)


def _complete_rows(session: Session, ws: Any, run: Any, files: Any, sources: Any) -> Any:
    """Per-row results from a source's complete eval rows (LLaMA-Factory predictions, lm-eval
    samples, W&B prediction tables, generic rows), so gates pair runs row by row (McNemar,
    bootstrap). Under a JSON contract each row's validity is checked like the engine does."""
    from dataclasses import replace

    from ftlint.analysis.contract import choice_error, json_parse_error
    from ftlint.engine.rows import contract_of
    from ftlint.gates.rows import row_results
    from ftlint.model import EvalRow

    config = session.config
    contract = contract_of(ws, run, sources, config)
    json_contract = contract.kind == "json"

    def items() -> Any:
        for rf in files:
            for item in sources[rf.adapter].iter_rows(ws, rf, config):
                if isinstance(item, EvalRow) and item.error is None:
                    if json_contract:
                        item = replace(item, error=json_parse_error(item.output, contract.keys))
                    elif contract.kind == "choice":
                        item = replace(item, error=choice_error(item.output, contract))
                yield item

    return row_results(
        run.name, items(), run.provenance.eval_size, complete=True, json_contract=json_contract
    )


def plan(
    session: Session, result: LintResult, report: GateReport | None, *, workspace: str = ""
) -> Plan:
    """The next-run plan for the campaign's pair."""
    from ftlint import __version__
    from ftlint.plan.builder import build_plan

    return build_plan(
        result.campaign,
        list(result.findings),
        session.config.knobs,
        report,
        tool_version=__version__,
        workspace=workspace,
    )


def cluster_examples(
    session: Session, campaign: Campaign, run_name: str, sample_ids: Sequence[str]
) -> dict[str, str]:
    """The completions of the wanted samples from a run's eval rows (its hard cases, or
    any adapter's rows), in one streaming pass: the HTML report shows them as examples
    of the failure clusters (reading is the pipeline's job, never a reporter's)."""
    from ftlint.engine.rows import stream_rows
    from ftlint.sources.hardcases import stream_hard_cases
    from ftlint.sources.io import Workspace

    wanted = set(sample_ids)
    run = campaign.get(run_name)
    if not wanted or run is None:
        return {}
    ws = Workspace(Path(campaign.root))
    if run.hard_cases_path:
        rows = stream_hard_cases(
            ws,
            ws.root / run.hard_cases_path,
            run.name,
            max_line_bytes=session.config.max_line_bytes,
        )
    else:
        rows = stream_rows(ws, run, sources_of(session), session.config)
    found: dict[str, str] = {}
    for row in rows:  # unreadable lines are skipped here: the rules already report them
        sid = getattr(row, "sample_id", None)
        if sid in wanted and sid not in found:
            text = getattr(row, "generated_text", None)
            found[sid] = text if isinstance(text, str) else ""
            if len(found) == len(wanted):
                break
    return found
