"""The rule API: what a built-in or plugin rule is made of.

A rule is a small class. Its docstring is its documentation, in three parts headed
``What it detects``, ``Why it matters`` and ``What the planner does``; the catalogue
in ``rules/`` and ``ftlint explain`` are generated from it. A minimal plugin rule::

    from ftlint.rule import Param, Rule
    from ftlint.model import Category, Severity

    class MinEvalSize(Rule):
        \"\"\"What it detects: ...

        Why it matters: ...

        What the planner does: ...
        \"\"\"

        code = "ACME001"
        name = "min-eval-size"
        category = Category.PROVENANCE
        default_severity = Severity.WARNING
        params = {"min_rows": Param(200, "smallest eval set we accept", minimum=1)}

        def check_run(self, run, ctx):
            size = run.provenance.eval_size
            if size is not None and size < ctx.params["min_rows"]:
                yield ctx.finding(run, f"eval size {size} < {ctx.params['min_rows']}",
                                  anchor="eval_size")

Rules never read files. Rules that need the rows of ``hard_cases.valid.jsonl``
implement ``hard_case_visitor`` and get every row streamed to them in the engine's
single pass over the file (a visitor may also take a block of rows at once:
``BatchVisitor``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any, ClassVar, Protocol

from ftlint import frozen, mutable
from ftlint.model import Action, Campaign, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.model import fingerprint as make_fingerprint
from ftlint.untrusted import safe_message, safe_tree
from ftlint.vocabulary import as_number

RULE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}[0-9]{3}$")
RULE_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_PARTS = ("What it detects", "Why it matters", "What the planner does")


@frozen
class Param:
    """A rule parameter: its default and the JSON Schema that constrains it."""

    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    type: str | None = None  # JSON Schema type; inferred from the default when None
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    items: Mapping[str, Any] | None = None

    def schema(self) -> dict[str, Any]:
        json_type = self.type or _json_type(self.default)
        schema: dict[str, Any] = {"description": self.description}
        if json_type is not None:
            schema["type"] = [json_type, "null"] if self.nullable else json_type
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.exclusive_minimum is not None:
            schema["exclusiveMinimum"] = self.exclusive_minimum
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        if self.items is not None:
            schema["items"] = dict(self.items)
        return schema


def _json_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"  # accept 3 or 3.0 for numeric params
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


class HardCaseVisitor(Protocol):
    """Accumulates over the rows of one run's hard cases (one streaming pass).

    Optional: a `row_filter` attribute (a `RowFilter`, or `NO_ROWS`) says which rows
    `row` cares about; the engine then feeds it only those. Without one, every row.
    """

    def row(self, case: HardCase) -> None: ...

    def finish(self) -> Iterable[Finding]: ...


class BatchVisitor(HardCaseVisitor, Protocol):
    """A visitor that also takes rows a block at a time. Optional: the engine reads a
    big file in blocks of consecutive rows (`ftlint.sources.hardcases.hard_case_blocks`)
    and hands each block to every visitor in turn: to its `row_batch` when it has one,
    else to its `row`, row by row, in file order (every plugin visitor keeps working).

    `row_batch(cases)` must leave exactly what `row` of each case in order would leave
    (tests/engine/test_block_reader.py holds the built-in ones to it): it exists so a
    visitor pays its per-row set-up (attribute lookups, a call, a shared analysis such
    as `ftlint.rules.format._views.view_block`) once per block. With a `row_filter`, the
    block holds only the rows the filter accepts (a filter may add `select(cases)`, the
    accepted rows of a block, to decide them at once). A crash in `row_batch` cuts the
    visitor off from the rest of the run's rows, as a crash in `row` does. A visitor
    that keeps something of a block between calls (a memo its sibling visitors share)
    may add `block_done()`: the engine calls it (once per distinct function) when every
    visitor has had the block, before it reads the next, so the block is freed then.
    """

    def row_batch(self, cases: Sequence[HardCase]) -> None: ...


class MergeableVisitor(HardCaseVisitor, Protocol):
    """A visitor whose rows may be read in ranges by several processes (`--jobs` on one
    big file, `ftlint.engine.ranges`). Optional: without both methods the file is read in
    one pass. A forked worker gets the visitor empty (as `hard_case_visitor` returned it),
    feeds it the rows of one later range, then calls `export_state`; the driver feeds its
    own visitor the first range and calls `merge_state` with each later range's state,
    in file order. Afterwards the visitor must hold exactly what one sequential pass
    would have left (`finish` then yields the same findings, byte for byte): counts add,
    "first N" lists keep the first in file order, floating-point sums replay their
    addends in order (addition is not associative), bounded tables merge only when no
    bound was reached.

    `merge_state` returns False when it cannot be exact for that range (e.g. a bounded
    table would have evicted an entry), leaving the visitor unchanged: the engine then
    feeds it that range's rows itself. Rows of a range always go to a fresh visitor, so a
    state describes that range alone. An optional `begin_split()` is called on the
    visitor of every range (the driver's too) before any row: the visitor may then
    track what makes its state mergeable when that costs something (QLT002's sums tell
    integer-valued floats, which add exactly in any order, from others), or size what
    it holds for a range rather than the whole file (PRV008 starts on tables of half
    the size: the driver holds its own and a worker's at once); if it raises, the run
    is not split. An optional `begin_range()` is called in the worker before
    the range's first row: the visitor may then log what only a replay makes exact (the
    addends of a floating-point sum), and only there. An optional
    `merge_ahead(states)` gets every later range's state (None for a range the visitor
    will be fed instead) before the first `merge_state`: e.g. a bounded table whose
    exact counts cannot reach a finding's threshold in the whole file may then merge
    approximately, because `finish` yields the same either way. An optional
    `prepare_merge()` is called on the driver's visitor once its own range is read and
    before it waits for the workers: work the merges need that depends only on the
    driver's state then overlaps the workers' streaming instead of adding to the wall
    time after them (no built-in rule needs it). What it keeps is held while the
    workers' states are received, so it must be small against the visitor's own state.
    The visitor must check that what it prepared is still current when `merge_state`
    runs (rows may be fed after it).
    """

    def export_state(self) -> Any: ...

    def merge_state(self, state: Any) -> bool: ...


#: The most values a visitor logs for one range after `begin_range` (16 MB of floats):
#: past it the visitor drops its log, its `merge_state` declines and the driver feeds it
#: that range itself, so a worker's memory stays bounded at any file size.
RANGE_LOG_CAP = 1 << 21


class RowFilter(Protocol):
    """Which rows a visitor wants (its `row_filter`): called once per row for every
    visitor whose filter is equal to it (hashable, compared with `==`), so visitors that
    want the same rows share one test. Only an optimisation: the visitor's `row` must
    ignore the rows the filter rejects, so its result is the same with or without it."""

    def __call__(self, case: HardCase) -> bool: ...

    def __hash__(self) -> int: ...


class _NoRows:
    """`row_filter` of a visitor that reads no rows (e.g. it reads in `finish` what
    another rule's visitor collected): the engine never calls its `row`."""

    __slots__ = ()

    def __call__(self, case: HardCase) -> bool:
        return False

    def __repr__(self) -> str:
        return "NO_ROWS"


NO_ROWS: RowFilter = _NoRows()


@mutable
class RuleContext:
    """What a rule gets besides the runs: its params, the knobs, and a finding factory."""

    rule: Rule
    params: Mapping[str, Any]
    severity_override: Severity | None
    knobs: Mapping[str, tuple[str, ...]]
    campaign: Campaign
    stream_problems: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    #: One dict shared by every rule of this lint (of one process): rules that need the
    #: same per-run accumulator over hard cases keep it here under a tuple key whose
    #: second element is the run's name, e.g. ("dims", run.name), so one feeds it and
    #: the others read it. The engine drops a run's keys once that run's `check_run`
    #: steps are done, except the baseline's and the candidate's (kept for
    #: `check_pair`): per-run state is never read from here by a later run's steps or
    #: by `check_campaign`. Never module-level state.
    shared: dict[Any, Any] = field(default_factory=dict)

    def finding(
        self,
        run: Run | str | None,
        message: str,
        *,
        anchor: str,
        evidence: Sequence[Evidence] = (),
        measurements: Mapping[str, Any] | None = None,
        actions: Sequence[Action] = (),
        severity: Severity | None = None,
    ) -> Finding:
        """Build a finding of this rule.

        `anchor` is the stable part of the fingerprint (a metric key, a sample id, a
        failure class): never a line number. `severity` overrides the rule's
        configured severity for this one finding (e.g. a spike that persists is an
        error, one that recovers a warning); a user's severity override in
        rules.yaml still wins.
        """
        rule = type(self.rule)
        run_name = run.name if isinstance(run, Run) else run
        path = evidence[0].path if evidence else ""
        configured = self.severity_override or severity or rule.default_severity
        return Finding(
            rule=rule.code,
            name=rule.name,
            severity=configured,
            category=rule.category,
            run=run_name,
            # redacted before it is clipped: a cut never shows a token's first characters
            message=safe_message(message),
            evidence=tuple(evidence),
            measurements=safe_tree(dict(measurements or {})),
            actions=tuple(actions),
            fingerprint=make_fingerprint(rule.code, run_name, path, anchor),
        )

    # -- knobs: the one place a rule reads a run's current setting of a planner knob ---

    def env_names(self, knob: str) -> tuple[str, ...]:
        """The env var names a planner knob maps to (from rules.yaml `knobs:`)."""
        return self.knobs.get(knob, ())

    def env_value(self, run: Run, knob: str) -> tuple[str | None, str | None]:
        """The env var name of a knob and the run's current value (None if unset).

        With several names, the first one the run sets wins; unset, the first name.
        """
        names = self.env_names(knob)
        for name in names:
            value = run.env.get(name)
            if value is not None and value != "":
                return name, value
        return (names[0] if names else None), None

    def env_evidence(self, run: Run, knob: str) -> Evidence | None:
        """Where the current value of a knob was read (the job command), if known."""
        name, value = self.env_value(run, knob)
        return run.env_sources.get(name) if name is not None and value is not None else None

    def knob_evidence(self, run: Run, knob: str) -> list[Evidence]:
        """Where every env var of a knob was read, once each."""
        seen: list[Evidence] = []
        for name in self.env_names(knob):
            ev = run.env_sources.get(name)
            if ev is not None and ev not in seen:
                seen.append(ev)
        return seen

    def knob_ints(self, run: Run, knob: str) -> dict[str, int]:
        """The run's current integer values of a knob, by env var name (unset ones left out)."""
        out: dict[str, int] = {}
        for name in self.env_names(knob):
            value = as_number(run.env.get(name), text=True)
            if value is not None:
                out[name] = int(value)
        return out

    def knob_change(self, run: Run, knob: str, new: object) -> str:
        """`ENV: current -> new` for every env var of the knob (`unset` when not set)."""
        names = self.env_names(knob) or (knob,)
        return "; ".join(f"{n}: {run.env.get(n) or 'unset'} -> {new}" for n in names)


class Rule:
    """Base class of every rule. Subclasses set the class attributes below."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[Category] = Category.QUALITY
    default_severity: ClassVar[Severity] = Severity.WARNING
    params: ClassVar[Mapping[str, Param]] = {}
    #: True when the rule stays off unless selected explicitly or configured.
    opt_in: ClassVar[bool] = False
    #: Rules of one named group may run in a process of their own (forked) when the
    #: hard cases are large (`--jobs`); each process runs its rules' whole lifecycle
    #: (row visitors, check_run, check_pair, check_campaign) and the findings are merged
    #: into exactly the sequential result. `ctx.shared` is shared within a process
    #: only, so rules that share state there must name the same group. None (every
    #: plugin rule unless it opts in): the main process, with the other None rules.
    process_group: ClassVar[str | None] = None
    #: The inputs the rule reads (`rows`, `curves`, `metrics`, `submissions`, `pair`): a run
    #: without them was not checked by the rule, and the JUnit report marks the case
    #: `skipped` instead of passed. None: inferred from the scopes the rule implements.
    needs: ClassVar[tuple[str, ...] | None] = None
    #: With `--jobs N`, runs are split across processes: a rule's per-run steps (row
    #: visitors, check_run) run in a worker, its pair and campaign steps here. True: the
    #: rule keeps no state across runs on its instance, so that split is safe. None
    #: (default): built-in rules are split, plugin rules stay in this process.
    runs_independent: ClassVar[bool | None] = None

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding] | None:
        return None

    def check_pair(
        self, baseline: Run, candidate: Run, ctx: RuleContext
    ) -> Iterable[Finding] | None:
        return None

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding] | None:
        return None

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> HardCaseVisitor | None:
        """Return an accumulator to receive this run's hard-case rows, or None."""
        return None

    # -- metadata helpers -------------------------------------------------------------

    @classmethod
    def doc_parts(cls) -> dict[str, str]:
        """The three documentation parts of the docstring, keyed by heading."""
        return parse_doc(inspect.getdoc(cls) or "")

    @classmethod
    def summary(cls) -> str:
        text = cls.doc_parts().get("What it detects", "")
        return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].strip()

    @classmethod
    def scopes(cls) -> tuple[str, ...]:
        out = []
        for scope in ("run", "pair", "campaign"):
            if getattr(cls, f"check_{scope}") is not getattr(Rule, f"check_{scope}"):
                out.append(scope)
        if cls.hard_case_visitor is not Rule.hard_case_visitor and "run" not in out:
            out.append("run")
        return tuple(out)

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        return {k: p.default for k, p in cls.params.items()}


#: ruff-style headings (and Markdown `## Heading` lines) accepted for the three parts
DOC_ALIASES = {
    "What it does": "What it detects",
    "Why is this bad?": "Why it matters",
    "Why is this bad": "Why it matters",
}
#: optional parts kept by `parse_doc` but not required
DOC_OPTIONAL = ("Example",)
_DOC_HEADINGS = sorted((*DOC_PARTS, *DOC_ALIASES, *DOC_OPTIONAL), key=len, reverse=True)
_DOC_RE = re.compile(
    r"^(?:#+[ \t]*)?(" + "|".join(re.escape(h) for h in _DOC_HEADINGS) + r")(?::|[ \t]*$)\s*",
    re.M,
)


def parse_doc(doc: str) -> dict[str, str]:
    """Split a rule docstring into its parts, keyed by the DOC_PARTS headings.

    Both styles are read: `What it detects: / Why it matters: / What the planner does:`
    paragraphs and ruff's `What it does / Why is this bad? / Example` (as `Heading:`
    or `## Heading` lines). An `Example` part is kept as written (code stays code).
    """
    parts: dict[str, str] = {}
    matches = list(_DOC_RE.finditer(doc))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        key = DOC_ALIASES.get(m.group(1), m.group(1))
        if key in DOC_OPTIONAL:
            parts[key] = doc[m.end() : end].strip("\n").rstrip()
            continue
        text = " ".join(doc[m.end() : end].split())
        parts[key] = text[:1].upper() + text[1:]
    return parts


def validate_rule_class(cls: Any) -> list[str]:
    """Return what is wrong with a rule class (empty when it is a valid rule)."""
    errors: list[str] = []
    if not (isinstance(cls, type) and issubclass(cls, Rule)):
        return [f"{cls!r} is not a subclass of ftlint.rule.Rule"]
    label = cls.__qualname__
    if not RULE_CODE_RE.match(cls.code or ""):
        errors.append(f"{label}: code {cls.code!r} must look like ABC123 (prefix + 3 digits)")
    if not RULE_NAME_RE.match(cls.name or ""):
        errors.append(f"{label}: name {cls.name!r} must be kebab-case")
    if not isinstance(cls.category, Category):
        errors.append(f"{label}: category must be a ftlint.model.Category")
    if not isinstance(cls.default_severity, Severity):
        errors.append(f"{label}: default_severity must be a ftlint.model.Severity")
    missing = [h for h in DOC_PARTS if h not in cls.doc_parts()]
    if missing:
        errors.append(f"{label}: docstring lacks the part(s) {', '.join(missing)}")
    if not cls.scopes():
        errors.append(f"{label}: implements none of check_run/check_pair/check_campaign")
    for key, param in cls.params.items():
        if not isinstance(param, Param):
            errors.append(f"{label}: params[{key!r}] must be a ftlint.rule.Param")
    return errors
