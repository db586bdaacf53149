"""SEC001 secret-in-artifact: Secrets pasted into job records, configs or outputs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ftlint.model import (
    Action,
    Campaign,
    Category,
    Evidence,
    Finding,
    HardCase,
    Run,
    Severity,
    pointer_label,
)
from ftlint.model import pointer as make_pointer
from ftlint.redact import find_secrets
from ftlint.rule import Rule, RuleContext
from ftlint.rules.security._block_hints import GH_NEEDLES, SECRET_NEEDLES, release_scan, scan_block


def _walk_strings(value: Any, at: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk_strings(v, at + make_pointer(str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_strings(v, at + make_pointer(str(i)))


def _field(at: str) -> str:
    return pointer_label(at) or "the document"


ROTATE = Action(
    tier=1,
    kind="process",
    text="Rotate the exposed credential now, then pass it with `--secrets NAME` "
    "(the job runner's secret store) instead of `--env NAME=value`.",
    why="A token in a job command is stored in the submission log and every copy of it.",
    expected="SEC001 clean on the next submission",
    rollback_trigger="any SEC001 finding",
)


class SecretInArtifact(Rule):
    """What it detects: secrets pasted into job records, configs or outputs. Token-like
    values (Hugging Face `hf_...`, API keys, GitHub and AWS keys, bearer tokens,
    `NAME=value` or `NAME: value`, the value quoted or not, where the name says TOKEN,
    SECRET, PASSWORD or API_KEY) in job commands and their `--env` pairs, stdout/stderr
    tails, final metrics, eval results and model completions.

    Why it matters: job records are committed, shared and uploaded; a pasted
    `--env HF_TOKEN=hf_...` leaks write access to the team's models. ftlint redacts
    such values (`hf_****`) in every output format whatever rules are selected; this
    rule makes sure someone rotates the credential.

    What the planner does: puts "rotate the credential and pass it with `--secrets`"
    at the top of the plan, ahead of every tuning action.
    """

    code = "SEC001"
    process_group = "row-quality"
    name = "secret-in-artifact"
    category = Category.SECURITY
    default_severity = Severity.ERROR

    @classmethod
    def scopes(cls) -> tuple[str, ...]:
        """As listed since 0.x (catalogue, SARIF rule help): the job-record scan moved
        from `check_campaign` to `check_run`, the rule's scope did not change."""
        return ("campaign", "run")

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        # per run, while the run is loaded: after its per-run steps only a summary of
        # it is kept (no raw job records or documents, `ftlint.assemble.lazy`)
        seen_lines: set[tuple[str, int | None]] = set()
        for sub in run.submissions:
            yield from self._record(sub.raw, sub.evidence, run.name, ctx, seen_lines)
        yield from self._documents(run, ctx)

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        seen_lines: set[tuple[str, int | None]] = set()
        for sub in campaign.unjoined:
            yield from self._record(sub.raw, sub.evidence, None, ctx, seen_lines)

    def _record(
        self,
        raw: Mapping[str, Any],
        ev: Evidence,
        run: str | None,
        ctx: RuleContext,
        seen: set[tuple[str, int | None]],
    ) -> Iterator[Finding]:
        if (ev.path, ev.line) in seen:
            return
        seen.add((ev.path, ev.line))
        yield from self._scan(raw, ev.path, ev.line, run, ctx)

    def _documents(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        if run.final_metrics_path and run.final_metrics is not None:
            yield from self._scan(run.final_metrics, run.final_metrics_path, None, run.name, ctx)
        if run.eval_result_path and run.eval_result is not None:
            yield from self._scan(run.eval_result, run.eval_result_path, None, run.name, ctx)

    def _scan(
        self, doc: Any, path: str, line: int | None, run: str | None, ctx: RuleContext
    ) -> Iterator[Finding]:
        for at, text in _walk_strings(doc):
            kinds = sorted({m.kind for m in find_secrets(text)})
            if not kinds:
                continue
            yield ctx.finding(
                run,
                f"{', '.join(kinds)} in {_field(at)}: rotate it and pass it as a secret, "
                "not a value",
                anchor=f"{at}:{'|'.join(kinds)}",
                evidence=[Evidence(path, line, at)],
                measurements={"kinds": kinds},
                actions=[ROTATE],
            )

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _CompletionScanner:
        return _CompletionScanner(self, run, ctx)


#: Substrings of the lower-cased text, one of which every hint of `find_secrets` holds,
#: and the GitHub ones, tested only when the text holds an underscore: declared once in
#: `_block_hints`, whose one-pass scan of a block searches the same needles.
NEEDLES = SECRET_NEEDLES


def may_hold(text: str) -> bool:
    """False only when `find_secrets(text)` finds nothing: its own pre-check scans for
    about 30 hints one by one (8.5 us for a 435-character completion); these 11-17
    scans of the lower-cased text are a superset of them (2 us), so a completion is
    scanned in full only when one of them occurs."""
    lower = text.lower()
    for needle in NEEDLES:
        if needle in lower:
            return True
    if "_" in text:
        for needle in GH_NEEDLES:
            if needle in lower:
                return True
    return False


def hinted(text: str) -> bool:
    """`may_hold(text)`, unrolled for the per-row pass (no loop, and a one-character
    test first for the needles that hold a rare one: `/` for `://`, `-` for `sk-`,
    `gh` for five GitHub needles); tests/engine check that the two always agree."""
    lower = text.lower()
    return (
        ("hf" in lower and ("hf_" in lower or "hf\\_" in lower))
        or ("-" in lower and "sk-" in lower)
        or "akia" in lower
        or "xox" in lower
        or "wandb" in lower
        or ("/" in lower and "://" in lower)
        or "bearer" in lower
        or "token" in lower
        or "secret" in lower
        or "passw" in lower
        or "key" in lower
        or (
            "_" in text
            and (
                (
                    "gh" in lower
                    and (
                        "ghp" in lower
                        or "gho" in lower
                        or "ghu" in lower
                        or "ghs" in lower
                        or "ghr" in lower
                    )
                )
                or "github" in lower  # (holds no "gh")
            )
        )
    )


class _CompletionScanner:
    """Scans model completions for secrets during the shared hard-case pass."""

    def __init__(self, rule: SecretInArtifact, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        # what a finding needs, not the row: a HardCase keeps its whole raw dict alive
        self.hits: list[tuple[str | None, Evidence, list[str]]] = []

    def row(self, case: HardCase) -> None:
        text = case.generated_text
        if text and (type(text) is not str or may_hold(text)):
            kinds = sorted({m.kind for m in find_secrets(text)})
            if kinds:
                self.hits.append((case.sample_id, case.evidence, kinds))

    block_done = staticmethod(release_scan)  # (`ftlint.rule.BatchVisitor`)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): most completions
        hold none of the hints, and cost only one scan of the block for all of them
        (`_block_hints.scan_block`), else `hinted`'s scans of each."""
        row = self.row
        scan = scan_block(cases)
        if scan is not None:
            texts = scan.texts
            for at in scan.secret():
                if texts[at]:
                    row(cases[at])
            return
        hint = hinted
        for case in cases:
            text = case.generated_text
            if text and (type(text) is not str or hint(text)):
                row(case)

    def export_state(self) -> list[tuple[str | None, Evidence, list[str]]]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.hits

    def merge_state(self, state: list[tuple[str | None, Evidence, list[str]]]) -> bool:
        self.hits += state  # a later range's hits come after, in file order
        return True

    def finish(self) -> Iterator[Finding]:
        for sample_id, evidence, kinds in self.hits:
            yield self.ctx.finding(
                self.run,
                f"model completion of sample {sample_id} contains a {', '.join(kinds)}",
                anchor=f"completion:{sample_id}:{'|'.join(kinds)}",
                evidence=[evidence],
                measurements={"kinds": kinds},
                severity=Severity.WARNING,
            )
