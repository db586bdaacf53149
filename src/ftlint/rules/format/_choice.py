"""FMT003's classes of a choice-contract eval (a closed label set): `invalid_choice` and
`run_on`, counted over the eval rows the engine streams (see `ftlint.engine.rows` for
how a row says its contract and `ftlint.analysis.contract.choice_answer` for the exact
rule). Kept apart from the JSON taxonomy: a label is never a "JSON failure", and the
JSON classes (`trailing_text` for an object followed by text) are not reused for it.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ftlint.analysis.stats import binom_sf
from ftlint.model import Action, Finding, HardCase, Run, Severity
from ftlint.rule import RuleContext
from ftlint.rules.format._actions import eos_action
from ftlint.rules.format._common import RATE_EPS, Sampler, ids, pct

INVALID, RUN_ON = "invalid_choice", "run_on"
CHOICE_CLASSES = (INVALID, RUN_ON)
DESCRIPTIONS = {
    INVALID: "An answer outside the closed label set (another word, a case or punctuation "
    "variant, an empty output).",
    RUN_ON: "A valid label followed by further text: the model does not stop after the answer.",
}
#: significance of "the class alone is over min_failure_rate" for an error
ERROR_ALPHA = 0.05
#: distinct invalid answers quoted per finding (each clipped)
SHOWN_ANSWERS = 3


class ChoiceTally:
    """Counts the choice classes of one run's choice rows (constant memory)."""

    def __init__(self, run: Run, ctx: RuleContext) -> None:
        self.run, self.ctx = run, ctx
        self.rows = 0
        self.counts: Counter[str] = Counter()
        self.samples = Sampler(int(ctx.params["max_samples"]))
        self.answers: list[str] = []
        self.at_cap = 0
        self.choices: tuple[str, ...] = ()
        caps = ctx.knob_ints(run, "max_new_tokens")
        self.cap = min(caps.values()) if caps else None

    def row(self, case: HardCase) -> None:
        self.rows += 1
        if not self.choices:
            self.choices = tuple(case.raw.get("choices") or ())
        cls = case.parse_error
        if cls not in CHOICE_CLASSES:
            return
        self.counts[cls] += 1
        self.samples.add(cls, case)
        text = case.generated_text if isinstance(case.generated_text, str) else ""
        if cls == INVALID and len(self.answers) < SHOWN_ANSWERS:
            shown = " ".join(text.split())
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            if shown not in self.answers:
                self.answers.append(shown)
        if cls == RUN_ON and self.cap:
            tokens = len(text) / float(self.ctx.params["chars_per_token"])
            self.at_cap += tokens >= 0.9 * self.cap

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return (self.rows, self.choices, self.counts, self.samples.cases, self.answers,
                self.at_cap)  # fmt: skip

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        rows, choices, counts, cases, answers, at_cap = state
        self.rows += rows
        self.choices = self.choices or choices
        self.counts.update(counts)
        self.samples.merge(cases)
        for shown in answers:  # the first distinct answers of the later range suffice
            if len(self.answers) < SHOWN_ANSWERS and shown not in self.answers:
                self.answers.append(shown)
        self.at_cap += at_cap
        return True

    def finish(self) -> Iterator[Finding]:
        failed = sum(self.counts.values())
        if not failed:
            return
        p = self.ctx.params
        budget = float(p["min_failure_rate"])
        quiet = failed / self.rows <= budget + RATE_EPS
        for cls in sorted(self.counts, key=lambda c: (-self.counts[c], c)):
            n = self.counts[cls]
            share = n / failed
            if quiet or share < float(p["warning_share"]) - RATE_EPS:
                severity = Severity.INFO
            elif share >= float(p["error_share"]) - RATE_EPS and self._over(n, budget):
                severity = Severity.ERROR
            else:
                severity = Severity.WARNING
            cases = self.samples.get(cls)
            sample_ids = ids(cases)
            extra = ""
            if cls == INVALID and self.answers:
                extra = "; answers such as " + ", ".join(json.dumps(a) for a in self.answers)
            if cls == RUN_ON and self.at_cap:
                extra = f"; {self.at_cap} of them run to the max_new_tokens cap {self.cap}"
            yield self.ctx.finding(
                self.run,
                f"{cls}: {n} of {self.rows} eval rows ({pct(n / self.rows)}) of a "
                f"{len(self.choices)}-label choice eval{extra}; samples "
                f"{', '.join(sample_ids)}: {DESCRIPTIONS[cls]}",
                anchor=cls,
                evidence=[c.evidence for c in cases],
                measurements={
                    "class": cls,
                    "count": n,
                    "share": round(share, 4),
                    "rows": self.rows,
                    "failed": failed,
                    "labels": list(self.choices),
                    "sample_ids": sample_ids,
                    **({"at_cap": self.at_cap} if cls == RUN_ON else {}),
                },
                actions=choice_actions(cls, self.run, self.ctx, self.choices, n),
                severity=severity,
            )

    def _over(self, n: int, budget: float) -> bool:
        """The class alone is significantly over the format budget: these rows are the
        whole eval, so one stray answer in a small eval is not yet an error."""
        if n / self.rows <= budget + RATE_EPS:
            return False
        return budget <= 0 or binom_sf(n, self.rows, budget) <= ERROR_ALPHA


def label_sentence(choices: tuple[str, ...]) -> str:
    return f"Answer with exactly one of: {', '.join(choices)}. Nothing else, no explanation."


def choice_actions(
    cls: str, run: Run, ctx: RuleContext, choices: tuple[str, ...], n: int
) -> list[Action]:
    """The fixes of a choice class: constrain or stop the decoder, state the label set."""
    why = f"{n} {cls} row(s): {DESCRIPTIONS[cls]}"
    prompt = Action(
        tier=2,
        kind="prompt",
        text=f'Put the label set in the system prompt and the training template: "'
        f'{label_sentence(choices)}"',
        why=why,
        expected=f"fewer {cls} rows on the next eval",
        rollback_trigger=f"{cls} rows not fewer on the next eval",
    )
    if cls == INVALID:
        return [
            Action(
                tier=1,
                kind="decode",
                value=list(choices),
                text="Constrain decoding to the label set (a choice constraint: vLLM "
                "guided_choice, outlines choice, or a regex of the labels)",
                why=why,
                expected="every answer is one of the labels",
                rollback_trigger="accuracy over the valid rows falls (the constraint forces "
                "labels the model did not mean)",
            ),
            prompt,
        ]
    longest = max((len(c) for c in choices), default=1)
    cap = max(4, math.ceil(longest / float(ctx.params["chars_per_token"])) + 2)
    return [
        Action(
            tier=2,
            kind="decode",
            text=f"Stop after the label: a newline stop string, and max_new_tokens near "
            f"{cap} (the longest label and EOS) for this eval",
            why=why,
            expected="the answer ends after the label",
            rollback_trigger="run_on rows remain on the next eval",
        ),
        eos_action(why),
        prompt,
    ]
