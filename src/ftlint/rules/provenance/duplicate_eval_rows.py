"""PRV008 duplicate-eval-rows: The same input repeated in an eval file: the effective
eval size is the distinct count."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable
from itertools import compress
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext

#: Distinct examples remembered per run; past it the counts are a lower bound. The
#: tables then hold at most 2**20 slots: 8 MB of example keys, 32 MB of inputs (the
#: streaming budget is < 150 MB peak at any file size; the ftlint process without PRV008
#: peaks at 29 MB on the 512 MB benchmark file).
MAX_EXAMPLES = 750_000
M64 = (1 << 64) - 1
#: how many times larger a `_Table` gets when it is 3/4 full (from 1024 slots: 4**5 of
#: them is 2**20, the slots 750,000 keys need)
GROWTH = 4
M63 = (1 << 63) - 1
LIMIT34 = 1 << 34


def _digest(value: Any) -> int:
    """A nonzero 64-bit key of a hashable value (0 marks an empty slot of a `_Table`).

    Python's own hash (SipHash of a str, randomised per process): keys live in one
    visitor of one process and are never written anywhere, so only their equality
    matters, and a hash is ~1 us a row cheaper than a blake2b digest of the bytes."""
    return hash(value) & M64 or 1


def reference_key(case: HardCase) -> int | None:
    """A 63-bit key (stored + 1 in a 64-bit slot) of a row's reference (its target
    object, or its label in a choice-contract eval), None when it has none. Two rows
    get the same key when their references are the same JSON (sorted keys): a flat
    object of integers (every hard case) or a label is hashed as it is, anything else
    as its canonical JSON text."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    kind = type(target)
    if kind is str:
        return hash((1, target)) & M63
    if kind is dict:
        for k, v in target.items():
            if type(k) is not str or type(v) is not int:
                break
        else:  # {str: int}: equal JSON exactly when the same pairs (1 and 1.0 never meet)
            return hash((2, frozenset(target.items()))) & M63
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hash((3, text)) & M63


def complete_rows(run: Run) -> bool:
    """The rows streamed are the whole eval (not the top-k hard cases)."""
    if run.hard_cases_path:
        return False
    return bool(run.row_files) and all(getattr(r, "complete", False) for r in run.row_files)


def input_key(text: str) -> int:
    """A compact key of an input: whitespace-normalised, hashed to 64 bits (constant
    memory per row whatever the prompt length)."""
    return _digest(" ".join(text.split()))


def example_key(path: str, ident: Any) -> int:
    """A 64-bit key of one example (file and id): a row read twice (another filter or
    view of it) has the same key."""
    return _digest((path, ident) if isinstance(ident, str) else (path, "r", repr(ident)))


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
    memory: 64-bit keys in open-addressing tables of `array('Q')` (8 bytes a slot per
    example; 32 per input: key, reference, and its first row packed by
    `_EvidencePacker`), and an Evidence kept only for inputs that repeat. Past
    `MAX_EXAMPLES` distinct examples no new key is remembered: repeats of known inputs
    are still counted, so the counts are a lower bound (and the finding says so)."""

    def __init__(self, rule: DuplicateEvalRows, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        self.examples = _Table(0)
        self.more_rows = 0  # rows past the cap whose example was not remembered
        self.more_inputs = 0  # of them, rows of an input not remembered (counted distinct)
        self.capped = False
        self.inputs = _Table(3)  # input key -> reference + 1 (0: none), first row lo, hi
        self.counts: dict[int, int] = {}  # repeated inputs only: copies (>= 2)
        self.repeat_evidence: dict[int, Evidence] = {}
        self.conflicting: set[int] = set()
        self.packer = _EvidencePacker()

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str):
            return
        norm = " ".join(text.split())
        if not norm:
            return  # blank
        ev = case.evidence
        ident = case.sample_id
        if ident is None:
            ident = ev.location()
        example = hash((ev.path, ident) if isinstance(ident, str) else (ev.path, "r", repr(ident)))
        example = example & M64 or 1  # `example_key`, inlined
        examples = self.examples
        at = examples.slot(example)
        if examples.keys[at]:
            return  # the same example again (another filter or view of it)
        self._new_example(case, norm, example, at)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): the example key
        and its probe inline (a row of a new example then goes on as in `row`)."""
        examples, new = self.examples, self._new_example
        for case in cases:
            text = case.request_text
            if text.__class__ is str and text.isprintable() and "  " not in text:
                # no whitespace but single inner spaces (every other whitespace character
                # is non-printable): already normal unless it starts or ends with one
                norm = text if text[:1] != " " and text[-1:] != " " else text.strip()
            elif isinstance(text, str):
                norm = " ".join(text.split())
            else:
                continue
            if not norm:
                continue
            ev = case.evidence
            ident = case.sample_id
            if ident.__class__ is str:
                example = hash((ev.path, ident)) & M64 or 1
            else:
                if ident is None:
                    ident = ev.location()
                example = hash(
                    (ev.path, ident) if isinstance(ident, str) else (ev.path, "r", repr(ident))
                )
                example = example & M64 or 1
            keys, mask = examples.keys, examples.mask  # `slot`, inlined
            at = example & mask
            while True:
                found = keys[at]
                if found == example or not found:
                    break
                at = (at + 1) & mask
            if not found:
                new(case, norm, example, at)

    def _new_example(self, case: HardCase, norm: str, example: int, at: int) -> None:
        """A row of an example not seen before (`at`: its empty slot in `examples`)."""
        examples = self.examples
        key = hash(norm) & M64 or 1  # `input_key`, inlined (once per row)
        ref = reference_key(case)
        inputs = self.inputs
        keys, mask = inputs.keys, inputs.mask  # `inputs.slot(key)`, inlined
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key or not found:
                break
            slot = (slot + 1) & mask
        if self.capped:
            self.more_rows += 1
            if not found:
                self.more_inputs += 1
                return
        else:
            examples.put_key(at, example)
            self.capped = examples.size >= MAX_EXAMPLES
            if not found:
                code = self.packer.pack(key, case.evidence)
                inputs.put3(slot, key, 0 if ref is None else ref + 1, code & M64, code >> 64)
                return
        self.counts[key] = self.counts.get(key, 1) + 1
        known = inputs.cols[0][slot]
        if ref is not None and known and ref + 1 != known:
            self.conflicting.add(key)
        self.repeat_evidence.setdefault(key, case.evidence)

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        from ftlint.rules.provenance._repeats_merge import export

        return export(self)

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        from ftlint.rules.provenance._repeats_merge import merge

        return merge(self, state, MAX_EXAMPLES)

    def finish(self) -> Iterable[Finding]:
        rows = self.examples.size + self.more_rows
        distinct = self.inputs.size + self.more_inputs
        repeated = rows - distinct
        p = self.ctx.params
        if rows == 0 or repeated < p["min_repeats"] or repeated / rows < p["min_share"]:
            return []
        worst = max(self.repeat_evidence, key=self.counts.__getitem__)
        copies = self.counts[worst]
        inputs = len(self.counts)
        slot = self.inputs.slot(worst)
        lo, hi = self.inputs.cols[1][slot], self.inputs.cols[2][slot]
        first = self.packer.unpack(worst, hi << 64 | lo)
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
        if ev.pointer is None and ev.url is None:  # a JSONL row (every hard case), inlined
            line = ev.line
            line = _number(line) if line.__class__ is not int or line < 0 else line + 1
            sid = _decimal(ev.sample_id)
            path = self.paths.get(ev.path)
            if path is None:
                path = self.paths[ev.path] = len(self.paths)
            if line < LIMIT34 and sid >= 0 and line >= 0 and path < 512:
                return ((sid << 68 | line) << 18 | path) << 1 | 1  # index 0, prefix 0 (None)
            self.kept[key] = ev
            return 0
        line, sid = _number(ev.line), _decimal(ev.sample_id)
        prefix, index = _split_pointer(ev.pointer)
        path = self.paths.setdefault(ev.path, len(self.paths))
        pre = self.prefixes.setdefault(prefix, len(self.prefixes))
        if ev.url is not None or min(line, sid, index) < 0 or max(path, pre) >= 512:
            self.kept[key] = ev
            return 0
        return ((((sid << 34 | index) << 34 | line) << 9 | pre) << 9 | path) << 1 | 1

    def unpack(self, key: int, code: int) -> Evidence:
        if not code & 1:
            return self.kept[key]
        code >>= 1
        path, pre = code & 511, code >> 9 & 511
        line, index, sid = code >> 18 & LIMIT34 - 1, code >> 52 & LIMIT34 - 1, code >> 86
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
    """0 for None, value + 1 for an int below 2**34 - 1, else -1 (not packable)."""
    if value is None:
        return 0
    if type(value) is int and 0 <= value < LIMIT34 - 1:
        return value + 1
    return -1


def _decimal(text: str | None) -> int:
    """0 for None, n + 1 for the canonical decimal `str(n)` (n < 10**12), else -1."""
    if text is None:
        return 0
    if (
        0 < len(text) <= 12
        and text.isascii()
        and text.isdigit()
        and (text[0] != "0" or len(text) == 1)  # canonical: no leading zero
    ):
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
    if number <= 0 or number >= LIMIT34:
        return pointer, 0
    return head, number


class _Table:
    """An open-addressing hash table of nonzero 64-bit keys with `cols` 64-bit values,
    in parallel `array('Q')` columns (linear probing, at most 3/4 full): 8 bytes a slot
    per column, where a dict of Python ints costs ~130 bytes an entry."""

    __slots__ = ("cols", "keys", "mask", "size")

    def __init__(self, cols: int, slots: int = 1024) -> None:
        self.keys = array("Q", [0]) * slots
        self.cols = [array("Q", [0]) * slots for _ in range(cols)]
        self.mask = slots - 1
        self.size = 0

    def slot(self, key: int) -> int:
        """Where `key` is, or the empty slot where it goes."""
        keys, mask = self.keys, self.mask
        i = key & mask
        while True:
            found = keys[i]
            if found == key or not found:
                return i
            i = (i + 1) & mask

    def put(self, slot: int, key: int, *values: int) -> None:
        """Store a new key at the empty `slot` that `slot(key)` returned."""
        self.keys[slot] = key
        for col, value in zip(self.cols, values, strict=True):
            col[slot] = value
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def put_key(self, slot: int, key: int) -> None:
        """`put` of a table without values (one call per row: no argument tuple)."""
        self.keys[slot] = key
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def put3(self, slot: int, key: int, a: int, b: int, c: int) -> None:
        """`put` of a table with three value columns, unrolled."""
        self.keys[slot] = key
        cols = self.cols
        cols[0][slot] = a
        cols[1][slot] = b
        cols[2][slot] = c
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def _grow(self) -> None:
        """Quadruple the slots and re-insert every key in slot order. Only the filled
        slots are visited (`compress`), and a key is known to be new, so the probe only
        looks for an empty slot. Four times, not twice: each key is re-inserted about
        a third as often (growing by doubling was ~1 us a row of the whole pass,
        amortised); a table is then at most 3/16 full after a growth, and never larger
        than doubling would make it at `MAX_EXAMPLES` (2**20 slots)."""
        old_keys, old_cols = self.keys, self.cols
        self.__init__(len(old_cols), GROWTH * len(old_keys))  # type: ignore[misc]
        keys, mask, cols = self.keys, self.mask, self.cols
        pairs = tuple(zip(cols, old_cols, strict=True))
        filled = 0
        for i in compress(range(len(old_keys)), old_keys):
            key = old_keys[i]
            slot = key & mask
            while keys[slot]:
                slot = (slot + 1) & mask
            keys[slot] = key
            for col, old in pairs:
                col[slot] = old[i]
            filled += 1
        self.size = filled
