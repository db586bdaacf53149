"""PRV008 duplicate-eval-rows: The same input repeated in an eval file: the effective
eval size is the distinct count."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.provenance._block_keys import block_keys, example_hash
from ftlint.rules.provenance._block_rows import insert_block, table_keys
from ftlint.rules.provenance._references import encoder, for_rows, reference_key
from ftlint.rules.provenance._small import SMALL_MAX, Small, materialize, small_block, small_rows
from ftlint.rules.provenance._tables import FULL_SLOTS, LIMIT34, _EvidencePacker, _Table

__all__ = ["DuplicateEvalRows", "reference_key"]

#: Distinct examples remembered per run; past it the counts are a lower bound. The
#: tables then hold at most 2**20 slots: 8 MB of example keys, 32 MB of inputs (the
#: streaming budget is < 150 MB peak at any file size; the ftlint process without PRV008
#: peaks at 29 MB on the 512 MB benchmark file).
MAX_EXAMPLES = 750_000
M64 = (1 << 64) - 1
#: CPython hashes an int modulo this prime (2**61 - 1): reference keys do not rest on
#: int hashes (`_references`), and tests try targets holding such values
HASH_MODULUS = (1 << 61) - 1


#: A hard-case file this big has more than `SMALL_MAX` rows unless they average 4 KB: its
#: visitor starts on full-size arrays (537 MB file: ~0.1 us a row, ~25 MB less).
BIG_BYTES = 1 << 28


def complete_rows(run: Run) -> bool:
    """The rows streamed are the whole eval (not the top-k hard cases)."""
    if run.hard_cases_path:
        return False
    return bool(run.row_files) and all(getattr(r, "complete", False) for r in run.row_files)


def _hard_case_bytes(run: Any) -> int | None:
    """The size of a run's hard-case file as discovery noted it, or None (rows of other
    sources, or unknown): the rule never looks at the file itself."""
    if not getattr(run, "hard_cases_path", None):
        return None
    return getattr(run, "hard_cases_bytes", None)


def _encoder_for(run: Any) -> Any:
    """The reference encoder of a run's visitor (`_references.for_rows`: by its
    hard-case file's size; the JSON text for rows of other sources); a visitor made
    without a run (tests of the tables) takes the default, `encoder()`."""
    if run is None:
        return encoder()
    from ftlint.sources.io import FAST_MIN_BYTES

    return for_rows(_hard_case_bytes(run), FAST_MIN_BYTES)


def _starts_big(run: Any) -> bool:
    """Whether a run's hard-case file has `BIG_BYTES` or more."""
    size = _hard_case_bytes(run)
    return size is not None and size >= BIG_BYTES


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
    are still counted, so the counts are a lower bound (and the finding says so).

    While the examples are fewer than `_small.SMALL_MAX` the keys live in sets and
    lists instead (C-level probes; `_small`), and a block of plain JSONL rows has its keys
    computed a block at a time (`_block_keys`): ~2 us a row less. `examples` and
    `inputs` turn them into the tables on first use, exactly as `row` would have left
    them (a file of `BIG_BYTES` starts on the tables)."""

    def __init__(self, rule: DuplicateEvalRows, run: Run, ctx: RuleContext) -> None:
        self.rule, self.run, self.ctx = rule, run, ctx
        self.small: Small | None = Small()  # the sets and lists while few (`_small`)
        self._examples = _Table(0)
        self.more_rows = 0  # rows past the cap whose example was not remembered
        self.more_inputs = 0  # of them, rows of an input not remembered (counted distinct)
        self.capped = False
        self._inputs = _Table(3)  # input key -> reference + 1 (0: none), first row lo, hi
        self.counts: dict[int, int] = {}  # repeated inputs only: copies (>= 2)
        self.repeat_evidence: dict[int, Evidence] = {}
        self.conflicting: set[int] = set()
        self.packer = _EvidencePacker()
        self.encode = _encoder_for(run)  # how references are keyed (`_references`)
        #: the slots of the arrays `on_arrays` promised and the first use makes (0: made)
        self.pending = 0
        if _starts_big(run):
            self.on_arrays(FULL_SLOTS)

    def on_arrays(self, slots: int) -> None:
        """Start on arrays of `slots` slots, before any row: a file that outgrows the
        sets (`_starts_big`) would insert its first keys twice (`materialize`). They are
        made on first use (`examples`, `inputs`), in whichever process feeds the rows:
        `--jobs 2` on a big file halves them first (`begin_split`), and the driver's
        full-size arrays (40 MB, ~16 ms to make) were made and dropped before the fork."""
        self.small = None
        self.pending = slots

    @property
    def examples(self) -> _Table:
        """The example keys' table (the sets turn into it on first use: `_small`)."""
        if self.small is not None:
            self._to_tables()
        elif self.pending:
            self._make_arrays()
        return self._examples

    @property
    def inputs(self) -> _Table:
        """The inputs' table (the sets turn into it on first use: `_small`)."""
        if self.small is not None:
            self._to_tables()
        elif self.pending:
            self._make_arrays()
        return self._inputs

    def _make_arrays(self) -> None:
        slots, self.pending = self.pending, 0
        del self._examples, self._inputs  # (the empty first tables, freed first)
        self._examples, self._inputs = _Table(0, slots), _Table(3, slots)

    def _to_tables(self) -> None:
        if self.small is not None:
            materialize(self)

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str):
            return
        norm = " ".join(text.split())
        if not norm:
            return  # blank
        example = example_hash(case.evidence, case.sample_id) & M64
        examples = self.examples
        at = examples.slot(example)
        if examples.keys[at]:
            return  # the same example again (another filter or view of it)
        self._new_example(case, norm, example, at)

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`). While the sets
        and lists hold the keys (`_small`), a block of plain JSONL rows has its keys
        computed a block at a time (`_block_keys`) and added by set calls, any other
        block goes row by row over the sets. On the arrays, a plain block that cannot
        reach the cap is inserted in one tight loop (`_block_rows`); any other takes
        `_rows`."""
        n = len(cases)
        small = self.small
        if small is not None and n and len(small.seen) + n < min(SMALL_MAX, MAX_EXAMPLES):
            keys = block_keys(cases, self.packer.paths, packs=False, encode=self.encode)
            if keys is not None:
                small_block(self, cases, keys)
            else:
                small_rows(self, cases)
            return
        if n and not self.capped and self.examples.size + n < MAX_EXAMPLES:
            keys = block_keys(cases, self.packer.paths, encode=self.encode)
            if keys is not None and keys[5] is not None:
                insert_block(self, cases, table_keys(keys))
                return
        self._rows(cases)

    def _rows(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block: the example key and its probe inline (a row of
        a new example then goes on as in `row`)."""
        examples, inputs, new = self.examples, self.inputs, self._new_example
        paths = self.packer.paths
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
            else:  # (a str id: `example_hash`, inlined above)
                example = example_hash(ev, ident) & M64
            keys, mask = examples.data, examples.mask  # `slot`, inlined
            at = example & mask
            while True:
                found = keys[at]
                if found == example or not found:
                    break
                at = (at + 1) & mask
            if found:
                continue
            if self.capped:
                new(case, norm, example, at)
                continue
            # a new example (not capped): its input, probed inline (`slot`: 4 words a slot)
            key = hash(norm) & M64 or 1  # the input.s key, as the arrays hold it
            data, imask = inputs.data, inputs.mask
            slot = (key & imask) << 2
            while True:
                known = data[slot]
                if known == key or not known:
                    break
                slot = (slot + 4) & (len(data) - 1)
            ev = case.evidence
            line, sid, where = ev.line, ev.sample_id, paths.get(ev.path)
            if known or ev.pointer is not None or ev.url is not None or where is None:
                new(case, norm, example, at)  # a repeat, or evidence `pack` must look at
                continue
            if sid is None:
                number = 0
            elif (
                sid.__class__ is str
                and 0 < len(sid) <= 12
                and sid.isascii()
                and sid.isdigit()
                and (sid[0] != "0" or len(sid) == 1)
            ):
                number = int(sid) + 1  # `_decimal`, inlined
            else:
                new(case, norm, example, at)
                continue
            if line.__class__ is not int or not 0 <= line < LIMIT34 - 1 or where >= 512:
                new(case, norm, example, at)
                continue
            ref = reference_key(case, self.encode)
            examples.put_key(at, example)
            self.capped = examples.size >= MAX_EXAMPLES
            # `inputs.put3(slot, key, ref + 1, code & M64, code >> 64)` of the code
            # `_EvidencePacker.pack` gives a JSONL row, ((number << 68 | line + 1) << 18 |
            # where) << 1 | 1, in its two 64-bit halves (no 128-bit int built per row)
            data[slot] = key
            data[slot + 1] = 0 if ref is None else ref + 1
            data[slot + 2] = ((line + 1) << 18 | where) << 1 | 1
            data[slot + 3] = number << 23
            inputs.size += 1
            if inputs.size * 4 > (inputs.mask + 1) * 3:
                inputs._grow()

    def _new_example(self, case: HardCase, norm: str, example: int, at: int) -> None:
        """A row of an example not seen before (`at`: its empty slot in `examples`)."""
        examples = self.examples
        key = hash(norm) & M64 or 1  # the input.s key (once per row)
        ref = reference_key(case, self.encode)
        inputs = self.inputs
        data, mask = inputs.data, inputs.mask  # `inputs.slot(key)`, inlined
        slot = key & mask
        while True:
            found = data[slot << 2]
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
        known = data[(slot << 2) + 1]
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

    def begin_split(self) -> None:
        from ftlint.rules.provenance._repeats_merge import begin

        begin(self)

    def merge_ahead(self, states: list[tuple[Any, ...] | None]) -> None:
        from ftlint.rules.provenance._repeats_merge import ahead

        ahead(self, states)

    def finish(self) -> Iterable[Finding]:
        small = self.small
        if small is not None:
            rows, distinct = len(small.seen), len(small.inputs)
        else:
            rows = self._examples.size + self.more_rows
            distinct = self._inputs.size + self.more_inputs
        repeated = rows - distinct
        p = self.ctx.params
        if rows == 0 or repeated < p["min_repeats"] or repeated / rows < p["min_share"]:
            return []
        worst = max(self.repeat_evidence, key=self.counts.__getitem__)
        copies = self.counts[worst]
        inputs = len(self.counts)
        if small is not None:
            first = self.packer.unpack(worst, small.code(worst, self.packer))
        else:
            slot = self._inputs.slot(worst)
            lo, hi = self._inputs.value(slot, 1), self._inputs.value(slot, 2)
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
