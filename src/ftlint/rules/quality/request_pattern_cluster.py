"""QLT006 request-pattern-cluster: Hard cases that share a request template."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ftlint.model import Action, Category, Evidence, Finding, HardCase, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.quality._common import MAX_EVIDENCE, ROLLBACK, log_addend, merge_tally
from ftlint.vocabulary import as_number

# -- QLT006 -------------------------------------------------------------------------------

_SUFFIX_WORDS = ("sample", "example", "item", "row")


_SUFFIX_TAIL = re.compile(r"(?:sample|example|item|row)\s*#?\s*\d+\s*[)\]]?\s*")


_VARIANT_WORDS = frozenset({"variant", "version", "var"})


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w.])")


_DIGIT = re.compile(r"\d")


_WORD = re.compile(r"[^\W_]+")


KEY_CACHE = 4096


SUFFIX_WINDOW = 40  # a `sample N` suffix must start within the last characters

#: Why `row_batch` may cache keys by stem: `template_key(stem + digits)`, for a stem
#: ending in a space, ASCII `digits` and at most 2,000 characters in all, depends on the
#: stem and the number of digits only. The digits are lower case already and a word of
#: their own (the space: `lower()` of the stem is the same whatever follows), no suffix
#: word can start in them, the suffix pattern and the word loop only ask that they are
#: digits, and only the suffix window (`SUFFIX_WINDOW`) asks how many there are.
STEMS = "0123456789"


def _strip_suffix(text: str, lower: str) -> str:
    """`text` without a trailing `, sample 12` / `(item 3)` (found in `lower`)."""
    end = lower.rstrip()[-1:]
    if not (end.isdigit() or end in (")", "]")):
        return text
    at = max(map(lower.rfind, _SUFFIX_WORDS))  # (no generator frame per row)
    if (
        at >= 0
        and len(lower) - at <= SUFFIX_WINDOW
        and (at == 0 or not lower[at - 1].isalnum())
        and _SUFFIX_TAIL.fullmatch(lower, at)
    ):
        return text[:at].rstrip(" ,;:([-")
    return text


def template_key(text: str) -> str:
    """The grouping key of a request: lower case, no `sample N` suffix, no `Variant-N`
    marker, other numbers as `N`, punctuation and whitespace collapsed."""
    lower = text.lower()
    return _template_words(_strip_suffix(lower, lower), _DIGIT.search(lower) is not None)


@lru_cache(maxsize=4096)  # unique requests of one template share their stripped text
def _template_words(stripped: str, numbered: bool) -> str:
    words = _WORD.findall(stripped)
    if not numbered:
        return " ".join(words)
    out: list[str] = []
    for w in words:
        if w.isdigit():
            if out and out[-1] in _VARIANT_WORDS:
                out.pop()
                continue
            w = "N"
        out.append(w)
    return " ".join(out)


def template_display(text: str) -> str:
    """A readable template from one member: `Variant-7: calm piano` -> `Variant-N: calm piano`."""
    return _NUMBER.sub("N", _strip_suffix(text, text.lower())).strip()[:120]


class _Cluster:
    __slots__ = ("count", "err_n", "err_sum", "first", "members", "unparsed")

    def __init__(self, first: str) -> None:
        self.first = first  # the first member's text; the display template is made from it
        self.count = self.unparsed = self.err_n = 0
        self.err_sum = 0.0
        self.members: list[tuple[str, Evidence]] = []


class RequestPatternCluster(Rule):
    """What it detects: hard cases that share a request template. Request texts are
    normalised (sample-number suffixes and `Variant-N` markers removed, other numbers
    replaced, case, punctuation and whitespace folded) and every template with at least
    `min_cluster` hard cases, and at least `min_lift` times the hard cases per
    template that chance gives (the hard cases spread evenly over the distinct
    templates seen), is reported with its share of the hard cases, how many
    of its rows failed to parse, up to five sample ids and their evidence lines. Counts
    are exact unless a file has more than `max_templates` distinct templates (then rare
    templates are dropped as they appear and the counts are lower bounds).

    Why it matters: a template that keeps coming back among the worst rows is a gap in
    the training data (or a template the prompt handles badly); a handful of targeted
    rows fixes it, a global hyperparameter change does not. A template with many
    unparsed rows points at the output format rather than at the values.

    What the planner does: a tier-3 data action adding `rows_per_case` training rows
    per clustered hard case for that template, with varied phrasings. Clusters with at
    least `warn_share` of the hard cases are warnings, smaller ones info.
    """

    code = "QLT006"
    process_group = "row-quality"
    name = "request-pattern-cluster"
    category = Category.QUALITY
    default_severity = Severity.WARNING
    params = {
        "min_cluster": Param(
            3, "hard cases sharing a template to report it", type="integer", minimum=2
        ),
        "warn_share": Param(
            0.25, "share of the hard cases that makes a cluster a warning", minimum=0, maximum=1
        ),
        "min_lift": Param(
            1.5,
            "a cluster must hold this many times the hard cases per distinct template "
            "(what an even spread would give); 0 turns the chance check off",
            minimum=0,
        ),
        "rows_per_case": Param(
            10, "training rows to add per clustered hard case", type="integer", minimum=1
        ),
        "max_clusters": Param(
            10, "report at most this many clusters per run", type="integer", minimum=1
        ),
        "max_templates": Param(
            20000, "distinct templates kept in memory", type="integer", minimum=100
        ),
    }

    def hard_case_visitor(self, run: Run, ctx: RuleContext) -> _TemplateVisitor:
        return _TemplateVisitor(run, ctx)


def text_id(case: HardCase) -> str:
    """How a cluster's member row is named: its sample id, else its rank."""
    return case.sample_id or f"rank {case.rank}"


class _TemplateVisitor:
    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.clusters: dict[str, _Cluster] = {}
        self.keys: dict[str, str] = {}  # request text -> key: templated requests repeat
        #: a request ending in " <digits>" without them -> digit count -> key (`STEMS`)
        self.stems: dict[str, dict[int, str]] = {}
        self.total = 0
        self.distinct = 0  # templates created; after pruning an upper bound (chance errs low)
        self.pruned = False
        self.log: dict[str, array[float]] | None = None  # `begin_range`: err_sum addends

    def begin_range(self) -> None:
        """In a worker of `--jobs` (`ftlint.rule.MergeableVisitor`): keep each cluster's
        MAE addends, so the driver adds them to its sums in file order (floats)."""
        self.log, self.logged = {}, 0

    def export_state(self) -> tuple[Any, ...]:
        return self.clusters, self.total, self.pruned, self.log

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        clusters, total, pruned, log = state
        fresh = [key for key in clusters if key not in self.clusters]
        if (
            log is None
            or pruned
            or len(self.clusters) + len(fresh) > self.ctx.params["max_templates"]
        ):
            return False  # a prune would have happened: it depends on the row order
        for key, later in clusters.items():
            mine = self.clusters.get(key)
            if mine is None:
                self.clusters[key] = later  # its sums started from 0.0, as here
                self.distinct += 1
                continue
            merge_tally(mine, later, log.get(key, ()), "members")
        self.total += total
        return True

    def row_batch(self, cases: list[HardCase]) -> None:
        """`row` of each row of a block (`ftlint.rule.BatchVisitor`): a row whose key is
        cached and whose cluster exists, with a finite float MAE (the common row),
        inline, its MAE logged as `row` logs it in a worker's range (`begin_range`); any
        other row through `row`."""
        keys, clusters, row, log = self.keys, self.clusters, self.row, self.log
        strip, words, digit = _strip_suffix, _template_words, _DIGIT.search
        stems, most, added = self.stems, MAX_EVIDENCE, 0
        for case in cases:
            text = case.request_text
            if text.__class__ is str:
                stem = text.rstrip(STEMS)
                count = len(text) - len(stem)
                if count and stem[-1:] == " " and len(text) <= 2000:
                    # `..., sample 17`: most requests differ only in such a number, and
                    # the key depends on the stem and the digits' count only (`STEMS`)
                    known = stems.get(stem)
                    key = None if known is None else known.get(count)
                    if key is None:
                        if known is None:
                            if len(stems) >= KEY_CACHE:
                                stems.clear()
                            known = stems[stem] = {}
                        key = known[count] = template_key(text)
                else:
                    key = keys.get(text)
                if key is None and text.strip():  # `row`'s key of a new text, inlined
                    if len(keys) >= KEY_CACHE:
                        keys.clear()
                    lower = text[:2000].lower()  # `template_key`, inlined
                    key = keys[text] = words(strip(lower, lower), digit(lower) is not None)
                if key is not None:
                    c = clusters.get(key)
                    mae = case.mae_raw
                    if c is not None and mae.__class__ is float and mae - mae == 0:
                        added += 1  # (a cached key's text was not blank)
                        c.count += 1
                        c.unparsed += case.parse_error is not None
                        c.err_sum += mae
                        c.err_n += 1
                        if log is not None:  # (a worker's range: as `row` logs it)
                            log_addend(self, key, mae)
                            log = self.log
                        if len(c.members) < most:
                            c.members.append((text_id(case), case.evidence))
                        continue
            row(case)
            keys, clusters, log = self.keys, self.clusters, self.log  # `row` may change them
        self.total += added  # (the rows `row` counted are in it already: a sum)

    def row(self, case: HardCase) -> None:
        text = case.request_text
        if not isinstance(text, str) or not text.strip():
            return
        self.total += 1
        key = self.keys.get(text)
        if key is None:
            if len(self.keys) >= KEY_CACHE:
                self.keys.clear()
            key = self.keys[text] = template_key(text[:2000])
        c = self.clusters.get(key)
        if c is None:
            if len(self.clusters) >= self.ctx.params["max_templates"]:
                keep = self.ctx.params["min_cluster"]
                self.clusters = {k: v for k, v in self.clusters.items() if v.count >= keep}
                self.pruned = True
                if len(self.clusters) >= self.ctx.params["max_templates"]:
                    return
            c = self.clusters[key] = _Cluster(text[:200])
            self.distinct += 1
        c.count += 1
        c.unparsed += case.parse_error is not None
        if (mae := as_number(case.mae_raw)) is not None:
            c.err_sum += mae
            c.err_n += 1
            if self.log is not None:
                log_addend(self, key, mae)
        if len(c.members) < MAX_EVIDENCE:
            c.members.append((text_id(case), case.evidence))

    def finish(self) -> Iterator[Finding]:
        p = self.ctx.params
        chance = self.total / self.distinct if self.distinct else 0.0
        floor = max(p["min_cluster"], p["min_lift"] * chance)
        found = [(k, c) for k, c in self.clusters.items() if c.count >= floor]
        found.sort(key=lambda kc: (-kc[1].count, kc[0]))
        for key, c in found[: p["max_clusters"]]:
            share = c.count / self.total
            rows = c.count * p["rows_per_case"]
            mean = f"; mean row MAE {g(c.err_sum / c.err_n)}" if c.err_n else ""
            bound = "at least " if self.pruned else ""
            display = template_display(c.first)
            samples = [sid for sid, _ in c.members]
            cause = (
                "most of its rows are outputs that failed to parse"
                if c.unparsed * 2 >= c.count
                else "the training data under-serves this request template"
            )
            yield self.ctx.finding(
                self.run,
                f"{bound}{c.count} of {self.total} hard cases ({share:.0%}) share the request "
                f'template "{display}" ({c.unparsed} unparsed{mean}); samples '
                f"{', '.join(samples)}",
                anchor=f"template:{key}",
                evidence=[ev for _, ev in c.members],
                measurements={
                    "template": display,
                    "key": key,
                    "count": c.count,
                    "share": share,
                    "unparsed": c.unparsed,
                    "hard_cases": self.total,
                    "sample_ids": samples,
                    "mean_mae": c.err_sum / c.err_n if c.err_n else None,
                    "approximate": self.pruned,
                    "lift": c.count / chance if chance else None,
                    "root_cause": cause,
                },
                actions=[
                    Action(
                        tier=3,
                        kind="dataset",
                        value=rows,
                        text=f'Add {rows} training rows for the request template "{display}" '
                        f"({p['rows_per_case']} per clustered hard case), with varied phrasing "
                        "and checked targets",
                        why=f"{c.count} of the worst rows share this template",
                        expected=f"fewer than {p['min_cluster']} hard cases of this template "
                        "in the next run",
                        rollback_trigger=ROLLBACK,
                    )
                ],
                severity=Severity.WARNING if share >= p["warn_share"] else Severity.INFO,
            )
