"""PRV008 duplicate-eval-rows: The same input repeated in an eval file: the effective
eval size is the distinct count."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext

#: Distinct examples remembered per run; past it the counts are a lower bound. About
#: 200 bytes each (measured: 496,664 rows peak at 143 MB, 270 MB with `bytes` keys and
#: Evidence objects), so the streaming budget (< 150 MB at any file size) holds.
MAX_EXAMPLES = 500_000
REF_MASK = (1 << 65) - 1
MASK41 = (1 << 41) - 1


def _digest(data: bytes) -> int:
    """A 64-bit digest as a Python int (36 bytes, where a `bytes` key costs 45)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def reference_key(case: HardCase) -> int | None:
    """A 64-bit key of a row's reference (its target object, or its label in a
    choice-contract eval), None when it has none."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return _digest(text.encode("utf-8", "replace"))


def complete_rows(run: Run) -> bool:
    """The rows streamed are the whole eval (not the top-k hard cases)."""
    if run.hard_cases_path:
        return False
    return bool(run.row_files) and all(getattr(r, "complete", False) for r in run.row_files)


def input_key(text: str) -> int:
    """A compact key of an input: whitespace-normalised, hashed to 64 bits (constant
    memory per row whatever the prompt length)."""
    return _digest(" ".join(text.split()).encode("utf-8", "replace"))


def example_key(path: str, ident: Any) -> int:
    """A 64-bit key of one example (file and id): a row read twice (another filter or
    view of it) has the same key."""
    tag = "s" + ident if isinstance(ident, str) else "r" + repr(ident)
    return _digest(f"{path}\0{tag}".encode("utf-8", "replace"))


class DuplicateEvalRows(Rule):
    """What it detects: the same input repeated as different examples of a run's eval.
    The rows are those of any source (LLaMA-Factory predictions, W&B prediction tables,
    lm-eval samples, generic rows, hard cases); repeated means rows with different ids
    whose inputs are equal after collapsing whitespace. One example read twice (lm-eval
    writes a row per filter under one id) is not a duplicate. Fires when the repeated
    rows are at least `min_repeats` and at least `min_share` of the rows read. Rows of a
    JSON or a choice (closed label set) output contract reach it; free-text evals do not.

    Why it matters: every rate and interval is computed on n rows, but a repeated input
    carries no new evidence; the effective eval size is the distinct count, so the
    intervals are narrower than the data supports and a repeated failure counts twice.
    Repeats usually mean a merge or sampling bug that may also leak eval rows into the
    training data.

    What the planner does: a tier-3 dataset action: deduplicate the eval set (and check
    it against the training set), then recompute the metrics on the distinct rows.
    """

    code = "PRV008"
    name = "duplicate-eval-rows"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_repeats": Param(1, "fewest repeated rows reported", minimum=1),
        "min_share": Param(0.01, "smallest share of repeated rows reported", minimum=0, maximum=1),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _Repeats:
        return _Repeats(self, run, ctx)


class _Repeats:
    """Counts distinct examples and distinct inputs over the streamed rows, in bounded
    memory: ~200 bytes per distinct example (64-bit int keys; the first row of an input
    packed into one int with its reference, see `_EvidencePacker`), and an Evidence kept
    only for inputs that repeat. Past `MAX_EXAMPLES` distinct examples no new key is
    remembered: repeats of known inputs are still counted, so the counts are a lower
    bound (and the finding says so)."""

    def __init__(self, rule: DuplicateEvalRows, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        self.examples: set[int] = set()
        self.more_rows = 0  # rows past the cap whose example was not remembered
        self.more_inputs = 0  # of them, rows of an input not remembered (counted distinct)
        self.capped = False
        #: input key -> (packed first evidence << 65) | (reference key + 1, or 0)
        self.first: dict[int, int] = {}
        self.counts: dict[int, int] = {}  # repeated inputs only: copies (>= 2)
        self.repeat_evidence: dict[int, Evidence] = {}
        self.conflicting: set[int] = set()
        self.packer = _EvidencePacker()

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str) or not text.strip():
            return
        ident = case.sample_id if case.sample_id is not None else case.evidence.location()
        example = example_key(case.evidence.path, ident)
        if example in self.examples:
            return  # the same example again (another filter or view of it)
        key = input_key(text)
        ref = reference_key(case)
        packed = self.first.get(key)
        if self.capped:
            self.more_rows += 1
            if packed is None:
                self.more_inputs += 1
                return
        else:
            self.examples.add(example)
            self.capped = len(self.examples) >= MAX_EXAMPLES
            if packed is None:
                code = self.packer.pack(key, case.evidence)
                self.first[key] = (code << 65) | (0 if ref is None else ref + 1)
                return
        self.counts[key] = self.counts.get(key, 1) + 1
        known = packed & REF_MASK
        if ref is not None and known and ref + 1 != known:
            self.conflicting.add(key)
        self.repeat_evidence.setdefault(key, case.evidence)

    def finish(self) -> Iterable[Finding]:
        rows = len(self.examples) + self.more_rows
        distinct = len(self.first) + self.more_inputs
        repeated = rows - distinct
        p = self.ctx.params
        if rows == 0 or repeated < p["min_repeats"] or repeated / rows < p["min_share"]:
            return []
        worst = max(self.repeat_evidence, key=self.counts.__getitem__)
        copies = self.counts[worst]
        inputs = len(self.counts)
        first = self.packer.unpack(worst, self.first[worst] >> 65)
        evidence = [first, self.repeat_evidence[worst]]
        conflicts = len(self.conflicting)
        clash = f"; {conflicts} of them with different references" if conflicts else ""
        if self.capped:
            clash += (
                f"; at least: past {MAX_EXAMPLES} distinct examples only repeats of inputs "
                "already seen are counted"
            )
        if complete_rows(self.run):
            effect = f"the effective eval size is {distinct}, not {rows}"
            of = f"{rows} eval rows"
        else:
            size = self.run.provenance.eval_size
            effect = "the effective eval size is smaller than " + (
                f"the reported {size}" if size else "the row count"
            )
            of = f"{rows} rows read (the hard cases, not the whole eval)"
        return [
            self.ctx.finding(
                self.run,
                f"{repeated} of {of} repeat an earlier input ({inputs} input(s) occur more "
                f"than once, the most frequent {copies} times{clash}): {effect}",
                anchor="duplicate-eval-rows",
                evidence=evidence,
                measurements={
                    "rows": rows,
                    "distinct_inputs": distinct,
                    "repeated_rows": repeated,
                    "repeated_inputs": inputs,
                    "max_copies": copies,
                    "conflicting_references": conflicts,
                    "complete": complete_rows(self.run),
                    **({"lower_bound": True} if self.capped else {}),
                },
                actions=[
                    Action(
                        tier=3,
                        kind="dataset",
                        value=distinct,
                        text=f"deduplicate the eval set ({distinct} distinct inputs of {rows} "
                        "rows) and check it against the training set; recompute the metrics"
                        + (
                            f"; resolve the {conflicts} input(s) with different references "
                            "(label noise: one of them is wrong)"
                            if conflicts
                            else ""
                        ),
                        why=f"{repeated} repeated rows add no evidence and count their "
                        "failures twice",
                        expected=f"rates and intervals on the {distinct} distinct rows",
                    )
                ],
            )
        ]


class _EvidencePacker:
    """Packs a row's Evidence into one int and back, exactly: the path and the pointer's
    non-numeric prefix are interned (a handful per run), the line, the pointer's
    trailing index (`/data/<i>`) and a decimal sample id are numbers. Any other form (a
    trace URL, a non-decimal id) is kept as the Evidence itself, by input key."""

    def __init__(self) -> None:
        self.paths: dict[str, int] = {}
        self.prefixes: dict[str | None, int] = {None: 0}
        self.kept: dict[int, Evidence] = {}

    def pack(self, key: int, ev: Evidence) -> int:
        line, sid = _number(ev.line), _decimal(ev.sample_id)
        prefix, index = _split_pointer(ev.pointer)
        path = self.paths.setdefault(ev.path, len(self.paths))
        pre = self.prefixes.setdefault(prefix, len(self.prefixes))
        if ev.url is not None or line < 0 or sid < 0 or index < 0 or path >= 1 << 12:
            self.kept[key] = ev
            return 0
        if pre >= 1 << 12:
            self.kept[key] = ev
            return 0
        return ((((sid << 41 | index) << 41 | line) << 12 | pre) << 12 | path) << 1 | 1

    def unpack(self, key: int, code: int) -> Evidence:
        if not code & 1:
            return self.kept[key]
        code >>= 1
        path, pre = code & 0xFFF, code >> 12 & 0xFFF
        line, index, sid = code >> 24 & MASK41, code >> 65 & MASK41, code >> 106
        paths = {v: k for k, v in self.paths.items()}
        prefixes = {v: k for k, v in self.prefixes.items()}
        prefix = prefixes[pre]
        pointer = prefix if index == 0 else f"{prefix or ''}{index - 1}"
        return Evidence(
            paths[path],
            None if line == 0 else line - 1,
            pointer,
            None if sid == 0 else str(sid - 1),
            None,
        )


def _number(value: int | None) -> int:
    """0 for None, value + 1 for an int in 0..2**40, else -1 (not packable)."""
    if value is None:
        return 0
    if type(value) is int and 0 <= value < MASK41:
        return value + 1
    return -1


def _decimal(text: str | None) -> int:
    """0 for None, n + 1 for the canonical decimal `str(n)` (n < 10**14), else -1."""
    if text is None:
        return 0
    if 0 < len(text) <= 14 and text.isascii() and text.isdigit() and str(int(text)) == text:
        return int(text) + 1
    return -1


def _split_pointer(pointer: str | None) -> tuple[str | None, int]:
    """(prefix, 0) for a pointer without a trailing canonical index, else (the part
    before the index, index + 1); (None, 0) for no pointer."""
    if pointer is None:
        return None, 0
    head = pointer.rstrip("0123456789")
    tail = pointer[len(head) :]
    number = _decimal(tail) if tail else 0
    if number <= 0 or number > MASK41:
        return pointer, 0
    return head, number
