"""FMT008 degenerate-output: Empty completions, or many hard cases with the same completion."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress, repeat
from operator import countOf, eq
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format._actions import eos_action, greedy_action
from ftlint.rules.format._common import RATE_EPS, SAMPLES_PARAM, ids, pct, sample_label
from ftlint.rules.format._views import has_choice, is_choice, release_block
from ftlint.rules.security._block_hints import LINES, OTHER, release_scan, scan_block

# -- FMT008 ------------------------------------------------------------------------------

#: Distinct completions tracked exactly; beyond that Misra-Gries keeps the heavy hitters.
_HEAVY_HITTERS = 1024
#: `_scanned`'s flag of a `LINES` row with two spaces in a row (the block scan's `doubled`)
_SPACED = max(LINES, OTHER) + 1


class DegenerateOutput(Rule):
    """What it detects: empty completions, or many hard cases with the same completion.
    Completions are compared after whitespace normalisation; identical ones count when
    there are at least `identical_min_count` rows and `identical_share` of the hard
    cases.

    Why it matters: an empty completion means the model emitted EOS first or the prompt
    never reached it (chat template, truncated prompt); identical completions for
    different requests mean the output ignores the input (collapse or a broken prompt).

    What the planner does: tier 2 prompt: render the eval prompt with the training chat
    template and check that the request text reaches the model; tier 2 decode: check
    EOS handling (empty) or compare sampling with greedy decoding (identical).
    """

    code = "FMT008"
    name = "degenerate-output"
    category = Category.FORMAT
    default_severity = Severity.WARNING
    params = {
        "min_empty": Param(1, "empty completions that trigger the rule", minimum=1),
        "identical_share": Param(
            0.2, "share of hard cases with one identical completion", minimum=0, maximum=1
        ),
        "identical_min_count": Param(3, "fewest identical completions reported", minimum=2),
        "error_share": Param(
            0.5,
            "share of hard cases (empty or identical) from which it is an error",
            minimum=0,
            maximum=1,
        ),
        "max_samples": SAMPLES_PARAM,
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _DegenerateVisitor:
        return _DegenerateVisitor(run, ctx)


def normalized(text: str) -> str:
    """`" ".join(text.split())`, without splitting a text that is already normal: one
    whose only whitespace is single inner spaces. Every whitespace character but the
    space is non-printable, so `isprintable` and one scan for a double space decide it
    (half the cost of splitting a 435-character completion into ~70 words); a text
    whose other whitespace is newlines (paragraphs) is collapsed the same way."""
    if text.isprintable():
        flat = text
    elif "\n" in text:  # a multi-line completion: its newlines as spaces, if that is all
        flat = text.replace("\n", " ")
        if not flat.isprintable():
            return " ".join(text.split())
    else:
        return " ".join(text.split())
    # `flat` has the text's words and no whitespace but spaces: collapse them, strip them
    while "  " in flat:
        flat = flat.replace("  ", " ")
    return flat.strip(" ") if flat[:1] == " " or flat[-1:] == " " else flat


class _DegenerateVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.rows = 0
        self.empty: list[HardCase] = []
        self.empty_count = 0
        self.counts: dict[str, int] = {}
        #: per counted text, its first rows' (label, evidence) (small: no row payloads);
        #: the row paths keep a text's first row as its bare `Evidence` (`_first`)
        self.first: dict[str, list[tuple[str, Evidence]]] = {}
        self.limit = int(ctx.params["max_samples"])
        self.evicted = 0  # Misra-Gries steps: counts then depend on the row order
        self.loose = False  # `merge_ahead`: no text can reach the identical threshold

    @property
    def first(self) -> dict[str, list[tuple[str, Evidence]]]:
        """Per counted text, the (label, evidence) of its first rows, up to `limit`.

        The row paths store a text's first row, when its label is its evidence's
        `sample_id`, as that `Evidence` alone (most texts are seen once, and a list and
        a tuple per new text cost ~0.1 us a row): made lists here, in place, before
        anything else reads the table (`export_state`, `merge_state`, `finish`)."""
        first = self._first
        if self._compact:
            self._compact = False
            for key, kept in first.items():
                if kept.__class__ is not list:
                    first[key] = [(kept.sample_id, kept)]
        return first

    @first.setter
    def first(self, table: dict[str, list[tuple[str, Evidence]]]) -> None:
        self._first: dict[str, Any] = table  # lists, or a bare `Evidence` (`first`)
        self._compact = False
        #: every key of `first` is a key of `counts` (the row paths and merges add a
        #: text to `first` only once it is counted, and a step drops it from both): not
        #: known of a table set from outside, unless it is empty
        self._within = not table

    def _sample(self, norm: str, case: HardCase) -> None:
        """Keep `case` among the first rows of the counted text `norm` (`first`)."""
        first = self._first
        kept = first.get(norm)
        ev = case.evidence
        sid = case.sample_id
        if kept is None:
            if sid is not None and ev.__class__ is Evidence and ev.sample_id is sid:
                first[norm] = ev
            else:
                first[norm] = [(sample_label(case), ev)]
        elif kept.__class__ is list:
            if len(kept) < self.limit:
                kept.append((sample_label(case), ev))
        elif self.limit > 1:
            first[norm] = [(kept.sample_id, kept), (sample_label(case), ev)]

    def row(self, case: HardCase) -> None:
        if is_choice(case):
            return  # a classifier answers the same few labels by design (QLT008: collapse)
        self._compact = True
        self.rows += 1
        text = case.generated_text
        if isinstance(text, str):
            self._text(case, text)

    def block_done(self) -> None:
        """`ftlint.rule.BatchVisitor.block_done`: the block scan and choice memo dropped."""
        release_scan()
        release_block()

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): the choice test
        once per block (`has_choice`), the common row (a text seen for the first time,
        or again, below the table's bound) inline."""
        choice = has_choice(cases)
        if choice:
            for case in cases:
                self.row(case)
            return
        self.rows += len(cases)
        self._compact = True
        scan = scan_block(cases)
        if scan is not None:
            rough = scan.rough()
            doubled = scan.doubled()
            if doubled:  # `LINES` rows with runs of spaces: `_scanned` collapses them
                rough = rough[:]
                for at in doubled:
                    if rough[at] == LINES:
                        rough[at] = _SPACED
            self._scanned(cases, rough)
            return
        counts, sample, one = self.counts, self._sample, self._text
        for case in cases:
            text = case.generated_text
            if text.__class__ is not str:
                if isinstance(text, str):
                    one(case, text)
                continue
            norm = normalized(text)
            if norm and (norm in counts or len(counts) < _HEAVY_HITTERS):
                counts[norm] = counts.get(norm, 0) + 1
                sample(norm, case)
            else:
                one(case, text)

    def _scanned(self, cases: list[HardCase], rough: list[int]) -> None:
        """`row_batch`'s loop for a block of `str` texts with the block scan's `rough`
        flags: a `NORMAL` text is its own normal form once a space at either end is
        stripped, and a `LINES` one only needs its newlines and double spaces
        collapsed, without `normalized`'s scans (`isprintable`, twice). A `LINES` text
        with no two spaces in a row (not `_SPACED`) is its lines, each stripped of a
        space at either end (all a line can have: two would be a run), the blank ones
        dropped, joined by one space: its words and nothing else (~0.5 us a paragraph
        completion, against ~1.7 for replacing newlines, then runs of spaces). A
        `_SPACED` one is split and joined (~2 us a completion with newlines and runs
        of spaces, against ~2.9 for replacing both until none is left). A text whose
        normal form is known goes to `_counted` with it, not to `_text` (which would
        normalise it again): an empty one, or a new one once the table is full."""
        counts, first, limit, one = self.counts, self._first, self.limit, self._counted
        evidence, spaces = Evidence, repeat(" ")
        for case, odd in zip(cases, rough, strict=True):
            text = case.generated_text
            if not odd:
                if not text:
                    one(case, "")
                    continue
                if text[0] == " " or text[-1] == " ":
                    norm = text.strip(" ")  # (single spaces only: the ends are all there is)
                    if not norm:
                        one(case, "")
                        continue
                else:
                    norm = text
            else:
                if odd == LINES:  # newlines to collapse, no other whitespace, no run
                    norm = " ".join(filter(None, map(str.strip, text.split("\n"), spaces)))
                elif odd == _SPACED:  # newlines and double spaces to collapse, no other
                    norm = " ".join(text.split())
                else:  # ASCII: splitting beats `normalized`'s scans (2.1 us, not 3)
                    norm = " ".join(text.split()) if text.isascii() else normalized(text)
                if not norm:
                    one(case, "")
                    continue
            count = counts.get(norm)
            if count is None:  # a new text (`first` holds no key `counts` lacks)
                if len(counts) >= _HEAVY_HITTERS:
                    one(case, norm)  # a Misra-Gries step
                    continue
                counts[norm] = 1
                ev = case.evidence  # `_sample`, inlined: a bare `Evidence` (`first`)
                sid = case.sample_id
                if sid is not None and ev.__class__ is evidence and ev.sample_id is sid:
                    first[norm] = ev
                else:
                    first[norm] = [(sid if sid is not None else f"rank {case.rank}", ev)]
                continue
            counts[norm] = count + 1
            kept = first.get(norm)
            if kept.__class__ is list and len(kept) >= limit:
                continue  # (the commonest repeat)
            self._sample(norm, case)

    def _text(self, case: HardCase, text: str) -> None:
        """One completion: empty, counted, or a Misra-Gries step."""
        self._counted(case, normalized(text))

    def _counted(self, case: HardCase, norm: str) -> None:
        """`_text` of a completion whose normal form is `norm`."""
        if not norm:
            self.empty_count += 1
            if len(self.empty) < self.limit:
                self.empty.append(case)
            return
        if norm in self.counts:
            self.counts[norm] += 1
        elif len(self.counts) < _HEAVY_HITTERS:
            self.counts[norm] = 1
        else:  # Misra-Gries step: bounded memory whatever the file size
            self.evicted += 1
            counts, first = self.counts, self._first
            if countOf(counts.values(), 1) == len(counts) and (
                self._within or first.keys() <= counts.keys()
            ):
                # every count is 1 (a table of distinct texts, as a stream of unique
                # completions fills it every 1,024 new texts): every key drops, from
                # both tables, in place (C-level count, not the comprehensions below:
                # ~35 instead of ~120 us a step, ~0.07 us a row of such a stream)
                first.clear()
                counts.clear()
                return
            # every count down by one, the keys that reach 0 dropped, the others in
            # their order: rebuilt in one comprehension (a table nearly full of repeated
            # texts takes a step every few rows; a loop of `-= 1` cost 0.26 us a row;
            # picking the survivors with `compress` is no faster)
            kept = {key: count - 1 for key, count in counts.items() if count > 1}
            if first:  # the texts dropped from `counts` dropped here, the rest in order
                held = {k: v for k, v in first.items() if k in kept or k not in counts}
                first.clear()  # in place, as `counts`
                first.update(held)
            counts.clear()  # in place: `row_batch` holds the table
            counts.update(kept)
            return
        self._sample(norm, case)

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return (self.rows, self.empty, self.empty_count, self.counts, self.first,
                self.evicted)  # fmt: skip

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        """Exact only when the later range evicted nothing and the two tables fit
        together without a Misra-Gries step; else the engine feeds the rows here."""
        rows, empty, empty_count, counts, first, evicted = state
        fresh = sum(1 for key in counts if key not in self.counts)
        exact = not evicted and len(self.counts) + fresh <= _HEAVY_HITTERS
        if not exact and not self.loose:
            return False
        self.rows += rows
        self.empty += empty[: max(0, self.limit - len(self.empty))]
        self.empty_count += empty_count
        if not exact:  # lower bounds of the true counts, all below the threshold
            for key, count in counts.items():
                self.counts[key] = self.counts.get(key, 0) + count
            top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:_HEAVY_HITTERS]
            self.counts, self.first = dict(top), {}
            return True
        for key, count in counts.items():
            self.counts[key] = self.counts.get(key, 0) + count
            kept = self.first.setdefault(key, [])
            kept += first.get(key, [])[: max(0, self.limit - len(kept))]
        return True

    def merge_ahead(self, states: list[tuple[Any, ...] | None]) -> None:
        """Before the merges: when no text can be identical often enough in the whole
        file for a finding (a Misra-Gries count is at most the true count, which is at
        most a range's largest count plus its steps), counts may merge loosely: `finish`
        then reports no identical completions, as one pass would not."""
        if any(state is None for state in states):
            return
        bound = max(self.counts.values(), default=0) + self.evicted
        rows = self.rows
        for state in states:
            assert state is not None
            bound += max(state[3].values(), default=0) + state[5]
            rows += state[0]
        p = self.ctx.params
        share = bound / rows if rows else 0.0
        if bound < int(p["identical_min_count"]) or share < float(p["identical_share"]) - RATE_EPS:
            self.loose = True

    def finish(self) -> Iterator[Finding]:
        run, ctx, p = self.run, self.ctx, self.ctx.params
        if not self.rows:
            return
        err = float(p["error_share"])
        if self.empty_count >= int(p["min_empty"]):
            share = self.empty_count / self.rows
            sample_ids = ids(self.empty)
            yield ctx.finding(
                run,
                f"{self.empty_count} of {self.rows} hard-case completions are empty "
                f"({pct(share)}); samples {', '.join(sample_ids)}",
                anchor="empty",
                evidence=[c.evidence for c in self.empty],
                measurements={
                    "empty": self.empty_count,
                    "rows": self.rows,
                    "sample_ids": sample_ids,
                },
                actions=[_template_action("empty completions"), eos_action("empty completions")],
                severity=Severity.ERROR if share >= err - RATE_EPS else None,
            )
        if not self.counts:
            return
        # the commonest text, the least of them on a tie: `min` over (-count, text), in
        # C (a key function per entry cost ~0.1 us a row of a small run's `finish`)
        counts = self.counts
        count = max(counts.values())
        text = min(compress(counts, map(eq, counts.values(), repeat(count))))
        share = count / self.rows
        if count < int(p["identical_min_count"]) or share < float(p["identical_share"]) - RATE_EPS:
            return
        kept = self.first.get(text, [])
        sample_ids = [label for label, _ in kept]
        shown = text if len(text) <= 80 else text[:77] + "..."
        yield ctx.finding(
            run,
            f"{count} of {self.rows} hard-case completions ({pct(share)}) are the same text "
            f"{shown!r}; samples {', '.join(sample_ids)}",
            anchor="identical",
            evidence=[ev for _, ev in kept],
            measurements={
                "identical": count,
                "rows": self.rows,
                "share": round(share, 4),
                "sample_ids": sample_ids,
            },
            actions=[
                _template_action("identical completions for different requests"),
                greedy_action("identical completions for different requests"),
            ],
            severity=Severity.ERROR if share >= err - RATE_EPS else None,
        )


def _template_action(why: str) -> Action:
    return Action(
        tier=2,
        kind="prompt",
        text="Render one eval prompt and check it: the training chat template with "
        "add_generation_prompt=True, the request text present, no end-of-turn token "
        "after the assistant header, prompt not truncated by max_length",
        why=why,
        expected="every completion answers its own request",
        rollback_trigger="empty or identical completions remain",
    )
