"""Attribute a regression to what the candidate changed: the settings diff -> root causes.

A candidate that got worse usually got worse because someone changed a knob. The
planner diffs every setting both runs recorded (`ftlint.plan.settings_diff`) and
connects each changed knob to the findings it plausibly explains:

* max_new_tokens lowered -> truncation (objects cut at the cap: FMT004, FMT003
  `unterminated`);
* learning_rate or epochs raised -> late-training regression and memorisation (TRN001
  loss spikes, TRN002, TRN005, the FMT006 spike during training);
* dataset version, eval set or target scale changed -> incomparable metrics (PRV001);
* chat template or prompt changed -> no-JSON, prose, fence and wrapper failures
  (FMT003 classes, FMT005, FMT008).

A change explains the pair's headline regressions (FMT001/FMT002/FMT007, QLT003) only
when the findings it explains directly carry them: the classes it causes hold at least
half of the failed rows, or a late-training finding shows the decline. Reverting an
explained change restores a value known to work, so its action leads the plan (see
`ftlint.plan.ranking`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ftlint import frozen
from ftlint.model import Category, Finding
from ftlint.plan.model import format_value
from ftlint.plan.settings_diff import SettingChange, number, short

LABEL = {
    "truncation": "Truncation",
    "training": "Late-training regression",
    "comparability": "Incomparable pair",
    "prompt": "Prompt format",
}
PROMPT_CLASSES = ("no_json", "wrapper_object", "markdown_fence", "trailing_text")
#: what a raised learning rate or more epochs cause: loss spikes (TRN001), a late eval
#: regression (TRN002), memorisation (TRN005), a format break during training (FMT006);
#: not a plateau, a missing validation split or a preference at chance
LATE_TRAINING = ("TRN001", "TRN002", "TRN005", "FMT006")
#: headline findings of a regression: explained when a cause explains what they measure
SYMPTOMS = ("FMT001", "FMT002", "FMT007", "QLT003")


@frozen
class Cause:
    """A setting change and the candidate's findings it plausibly explains."""

    change: SettingChange
    family: str
    explains: tuple[Finding, ...]
    rows: int | None  # failed rows it explains (None: it fixes comparability, not rows)
    total_failed: int | None
    detail: str  # what the findings show, for the diagnosis sentence


def failure_class(f: Finding) -> str | None:
    """The main failure class of a finding's rows (FMT003 names it; FMT004 rows are cut
    objects, FMT005 rows trailing text, FMT008 rows empty outputs)."""
    units = class_units(f)
    return max(units, key=lambda c: (units[c], c)) if units else None


def _int(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    return None


def class_units(f: Finding) -> dict[str, int]:
    """Failed rows per failure class that a format finding reports."""
    cls = f.measurements.get("class")
    if isinstance(cls, str) and cls:
        return {cls: _int(f.measurements.get("count")) or len(f.evidence)}
    if f.rule == "FMT004":
        return {"unterminated": _int(f.measurements.get("truncated")) or len(f.evidence)}
    if f.rule == "FMT008":
        return {"no_json": _int(f.measurements.get("empty")) or len(f.evidence)}
    if f.rule == "FMT005":
        kinds = f.measurements.get("failed_kinds")
        out: dict[str, int] = {}
        if isinstance(kinds, Mapping):
            for kind, n in kinds.items():
                key = "markdown_fence" if "fence" in str(kind) else "trailing_text"
                out[key] = out.get(key, 0) + (_int(n) or 0)
        out = {k: v for k, v in out.items() if v}
        return out or {"trailing_text": _int(f.measurements.get("failed")) or len(f.evidence)}
    return {}


def _rows_by_class(scope: Sequence[Finding]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in scope:
        if f.category is not Category.FORMAT:
            continue
        for cls, n in class_units(f).items():
            out[cls] = max(out.get(cls, 0), n)
    return out


def _total_failed(scope: Sequence[Finding]) -> int | None:
    for f in scope:
        if f.rule == "FMT003":
            value = f.measurements.get("run_failures") or f.measurements.get("failed_in_hard_cases")
            if isinstance(value, int) and value > 0:
                return value
    if f2 := next((f for f in scope if f.rule == "FMT002"), None):
        count = f2.measurements.get("count")
        if isinstance(count, int):
            return count
    by_class = _rows_by_class(scope)
    return sum(by_class.values()) or None


def _direct(change: SettingChange, scope: Sequence[Finding]) -> list[Finding]:
    family = change.family
    b, c = number(change.baseline), number(change.candidate)
    if family == "truncation":
        if b is None or c is None or c >= b:
            return []
        return [f for f in scope if "unterminated" in class_units(f)]
    if family == "training":
        if b is None or c is None or c <= b:
            return []
        return [f for f in scope if f.rule in LATE_TRAINING]
    if family == "comparability":
        return [f for f in scope if f.rule == "PRV001" and f.measurements.get("field")]
    if family == "prompt":
        return [f for f in scope if set(class_units(f)) & set(PROMPT_CLASSES)]
    return []


def attribute(
    changes: Sequence[SettingChange], scope: Sequence[Finding], eval_size: int | None
) -> list[Cause]:
    """The changes that explain some of the candidate's findings, most rows first."""
    by_class = _rows_by_class(scope)
    total = _total_failed(scope)
    out = []
    for change in changes:
        family = change.family
        direct = _direct(change, scope)
        if family is None or not direct:
            continue
        rows: int | None = None
        symptoms_explained = False
        if family in ("truncation", "prompt"):
            classes = ("unterminated",) if family == "truncation" else PROMPT_CLASSES
            rows = sum(by_class.get(c, 0) for c in classes)
            symptoms_explained = total is not None and rows * 2 >= total
        elif family == "training":
            rows = _regression_rows(scope, eval_size)
            symptoms_explained = True
        else:
            symptoms_explained = True
        explains = list(direct)
        if symptoms_explained:
            explains += [f for f in scope if f.rule in SYMPTOMS and f not in explains]
        detail = _detail(family, direct, rows, total)
        out.append(Cause(change, family, tuple(explains), rows, total, detail))
    order = {"comparability": 0, "truncation": 1, "prompt": 2, "training": 3}
    return sorted(out, key=lambda c: (order[c.family], -(c.rows or 0), c.change.knob))


def _regression_rows(scope: Sequence[Finding], eval_size: int | None) -> int | None:
    """Rows the format regression lost (FMT007: baseline minus candidate valid rate)."""
    for f in scope:
        if f.rule == "FMT007":
            b, c = f.measurements.get("baseline"), f.measurements.get("candidate")
            if isinstance(b, (int, float)) and isinstance(c, (int, float)) and eval_size:
                return max(0, round((b - c) * eval_size))
    return None


def _detail(family: str, direct: Sequence[Finding], rows: int | None, total: int | None) -> str:
    if family in ("truncation", "prompt"):
        share = f"all {rows}" if rows == total else f"{rows} of {total}" if total else f"{rows}"
        if family == "truncation":
            return f"{share} failed rows stop inside the object"
        return f"{share} failed rows are wrapped in prose, fences or other objects, or hold no JSON"
    if family == "comparability":
        fields = sorted({str(f.measurements.get("field")) for f in direct})
        return f"the runs differ in {', '.join(fields)}, so their metric deltas do not compare"
    late = next((f for f in direct if f.measurements.get("best_step") is not None), None)
    if late is not None:
        m = late.measurements
        return (
            f"{m.get('metric', 'the eval metric')} got worse late in training (best "
            f"{format_value(m.get('best_value'))} at step {m.get('best_step')}, last "
            f"{format_value(m.get('last_value'))} at step {m.get('last_step')})"
        )
    return direct[0].message


def verb(change: SettingChange) -> str:
    b, c = number(change.baseline), number(change.candidate)
    if b is not None and c is not None and b > 0:
        if math.isclose(c * 2, b):
            return "halved"
        if math.isclose(c, b * 2):
            return "doubled"
        return "lowered" if c < b else "raised"
    return "changed"


def root_sentence(cause: Cause) -> str:
    """One sentence naming the root cause, e.g. "Truncation: the candidate halved
    max_new_tokens (96 -> 48); all 40 failed rows stop inside the object."."""
    ch = cause.change
    return (
        f"{LABEL[cause.family]}: the candidate {verb(ch)} {ch.knob} "
        f"({short(ch.baseline)} -> {short(ch.candidate)}); {cause.detail}."
    )


#: what a failure class is, for the root-cause sentence when no setting explains it
CLASS_LABEL = {
    "unterminated": ("Truncation", "stop inside the object"),
    "trailing_text": ("Prompt format", "carry text after the object"),
    "markdown_fence": ("Prompt format", "sit in a markdown fence"),
    "no_json": ("Prompt format", "hold no JSON object"),
    "wrapper_object": ("Prompt format", "nest the values in a wrapper object"),
    "decode_error": ("Invalid JSON", "are not valid JSON"),
}


def unexplained_sentence(scope: Sequence[Finding], changed: bool) -> str | None:
    """The root cause when no setting change explains it: the dominant failure class."""
    by_class = _rows_by_class(scope)
    if not by_class:
        return None
    cls, rows = sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    total = _total_failed(scope)
    label, what = CLASS_LABEL.get(cls, ("Output contract", f"fail as {cls}"))
    share = f"all {rows}" if rows == total else f"{rows} of {total}" if total else f"{rows}"
    why = "no setting the candidate changed explains it" if changed else "the runs' settings agree"
    return f"{label}: {share} failed rows {what} ({cls}); {why}."
