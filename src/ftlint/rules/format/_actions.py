"""The planner's actions of the format rule pack: one builder per fix, and the fixes of
each failure class (`class_actions`). Texts name the exact change; values are computed
from the run (the contract schema from target_keys/target_scale, max_new_tokens from
observed lengths).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from ftlint.analysis.taxonomy import DESCRIPTIONS, FailureClass
from ftlint.model import Action, Run
from ftlint.report.numbers import g
from ftlint.rule import RuleContext
from ftlint.rules.format._common import FC, Proposal, scale_text

#: One line per class: the fix the planner leads with.
CLASS_FIX: dict[FailureClass, str] = {
    FC.NO_JSON: "check the eval chat template and system prompt (the contract must reach "
    "the model)",
    FC.UNTERMINATED: "raise max_new_tokens to the computed budget and check EOS handling (FMT004)",
    FC.DECODE_ERROR: "constrained JSON decoding; strict JSON in the prompt (no trailing commas)",
    FC.TRAILING_TEXT: "stop after the first object and ask for exactly one JSON object (FMT005)",
    FC.MARKDOWN_FENCE: "forbid markdown in the prompt or strip ```json fences in the parser",
    FC.WRAPPER_OBJECT: "show the flat object in the prompt/template; no wrapper keys",
    FC.MISSING_KEY: "constrained decoding with the target-key JSON schema",
    FC.EXTRA_KEY: "constrained decoding with additionalProperties false",
    FC.TYPE_MISMATCH: "constrained decoding with integer-typed keys",
    FC.OUT_OF_RANGE: "constrained decoding with minimum/maximum from the target scale",
    FC.OTHER: "open the cited Weave traces; the text shows no known failure shape",
}


def max_new_tokens_action(
    run: Run, ctx: RuleContext, proposal: Proposal, truncated: int, tier: int = 1
) -> Action:
    cpt = float(ctx.params["chars_per_token"])
    obj = ""
    if proposal.object_chars:
        obj = f"; a complete object takes about {math.ceil(proposal.object_chars / cpt)} tokens"
    return Action(
        tier=tier,
        kind="env",
        knob="max_new_tokens",
        value=proposal.value,
        text=ctx.knob_change(run, "max_new_tokens", proposal.value),
        why=(
            f"{truncated} completion(s) stop inside an open JSON object; the longest needed "
            f"completion is about {proposal.needed_chars} characters = {proposal.needed_tokens} "
            f"tokens at {g(float(ctx.params['chars_per_token']))} chars/token, x"
            f"{g(float(ctx.params['token_headroom']))} headroom{obj}"
        ),
        expected=f"the {truncated} unterminated completion(s) close their object; "
        "json_valid_rate rises by up to that many rows",
        rollback_trigger="unterminated completions remain at the new cap, or latency/cost "
        "per request rises beyond budget",
    )


# -- actions per failure class -----------------------------------------------------------


def contract_schema(run: Run) -> dict[str, Any] | None:
    keys = run.provenance.target_keys
    if not keys:
        return None
    top = run.provenance.target_scale or 100
    prop = {
        "type": "integer",
        "minimum": 0,
        "maximum": int(top) if float(top).is_integer() else top,
    }
    return {
        "type": "object",
        "properties": {k: dict(prop) for k in keys},
        "required": list(keys),
        "additionalProperties": False,
    }


def contract_sentence(run: Run) -> str:
    keys = run.provenance.target_keys
    what = f"the keys {', '.join(keys)}" if keys else "the target keys"
    return (
        f"Reply with exactly one JSON object with {what}, each an integer from 0 to "
        f"{scale_text(run.provenance.target_scale)}; nothing before or after it, no markdown."
    )


def constrained_action(run: Run, why: str) -> Action:
    schema = contract_schema(run)
    shown = json.dumps(schema, separators=(",", ":")) if schema else "the target-key schema"
    return Action(
        tier=1,
        kind="decode",
        value=schema,
        text=f"Enable constrained JSON decoding (a JSON-schema logits processor, e.g. "
        f"outlines or lm-format-enforcer) with the schema {shown}",
        why=why,
        expected="json_valid_rate near 1.0 on the next eval; schema-violating classes vanish",
        rollback_trigger="mae_raw over parsed rows worse than before (the constraint "
        "forces values the model did not mean)",
    )


def prompt_contract_action(run: Run, why: str) -> Action:
    return Action(
        tier=2,
        kind="prompt",
        text="Put the output contract in the system prompt and the training template: "
        f'"{contract_sentence(run)}"',
        why=why,
        expected="fewer prose, fence and wrapper failures",
        rollback_trigger="json_valid_rate not higher on the next eval",
    )


def class_actions(
    cls: FailureClass,
    run: Run,
    ctx: RuleContext,
    proposal: Proposal | None,
    count: int,
    prose_first: int = 0,
) -> list[Action]:
    """The planner's tier-1/2 actions for one failure class.

    `proposal` is the computed max_new_tokens for unterminated rows (None when the cap
    did not cut them), `prose_first` how many truncated completions spent their budget
    on prose before the object.
    """
    why = f"{count} failed hard case(s) are {cls.value}: {DESCRIPTIONS[cls]}"
    if cls is FC.UNTERMINATED:
        # no proposal: every cut is far below the cap or at the writer's 600-char cut
        out = [max_new_tokens_action(run, ctx, proposal, count)] if proposal else []
        if prose_first:
            out.append(no_preamble_action(run, prose_first))
        out.append(eos_action(why, tier=2 if proposal else 1))
        return out
    if cls is FC.TRAILING_TEXT:
        return [stop_action(why), prompt_contract_action(run, why)]
    if cls is FC.MARKDOWN_FENCE:
        return [
            prompt_contract_action(run, why),
            Action(
                tier=1,
                kind="process",
                text="Accept a ```json fenced block in the eval parser (strip the fence "
                "before json.loads), as the hard-case writer's parser does",
                why=why,
                expected="fenced rows parse; json_valid_rate rises by their count",
                rollback_trigger="a fence hides a second object or prose",
            ),
        ]
    if cls is FC.WRAPPER_OBJECT:
        schema = contract_schema(run)
        flat = json.dumps({k: 0 for k in schema["required"]}) if schema else "the flat object"
        return [
            Action(
                tier=2,
                kind="prompt",
                text=f"Show the flat target object in the prompt/template, e.g. {flat}: "
                "keys at top level, no hidden_params/request_text wrapper",
                why=why,
                expected="wrapper rows disappear",
                rollback_trigger="wrapper_object rows remain on the next eval",
            ),
            Action(
                tier=3,
                kind="dataset",
                text="Check that every training completion is the flat object (a wrapper "
                "in the targets teaches the model to wrap)",
                why=why,
            ),
        ]
    if cls in (FC.MISSING_KEY, FC.EXTRA_KEY, FC.TYPE_MISMATCH, FC.OUT_OF_RANGE, FC.DECODE_ERROR):
        return [constrained_action(run, why), prompt_contract_action(run, why)]
    if cls is FC.NO_JSON:
        return [
            Action(
                tier=2,
                kind="prompt",
                text="Render the eval prompt with the training chat template "
                "(tokenizer.apply_chat_template(..., add_generation_prompt=True)) and the "
                "training system prompt carrying the JSON contract",
                why=why,
                expected="prose-only and empty completions disappear",
                rollback_trigger="no_json rows remain on the next eval",
            ),
            prompt_contract_action(run, why),
        ]
    return [
        Action(
            tier=1, kind="process", text="Open the cited Weave traces and classify by hand", why=why
        )
    ]


def no_preamble_action(run: Run, prose_first: int) -> Action:
    return Action(
        tier=2,
        kind="prompt",
        text="Forbid the reasoning preamble: the completion must start with '{'. "
        + contract_sentence(run),
        why=f"{prose_first} truncated completion(s) spend the token budget on prose before "
        "the object",
        expected="completions start with the object and fit the current cap",
        rollback_trigger="prose-first completions remain on the next eval",
    )


def eos_action(why: str, tier: int = 2) -> Action:
    return Action(
        tier=tier,
        kind="decode",
        text="Check EOS and pad-token handling: generation_config.eos_token_id must include "
        "the chat end token (e.g. <|im_end|>), pad_token must differ from eos_token so "
        "the collator does not mask EOS out of the training labels, and every training "
        "completion must end with the EOS token",
        why=why,
        expected="completions end right after the object",
        rollback_trigger="unterminated or run-on completions remain",
    )


def stop_action(why: str) -> Action:
    return Action(
        tier=2,
        kind="decode",
        text="Stop generation after the first complete top-level JSON object (a "
        "brace-balancing StoppingCriteria or stop string), and make sure EOS is emitted "
        "after the object (eos_token_id set, EOS not masked in training labels)",
        why=why,
        expected="no text or second object after the object",
        rollback_trigger="trailing_text rows remain on the next eval",
    )


def top_class_action(counts: Counter[FailureClass] | None) -> list[Action]:
    """Point at the largest failure class of a run's hard cases (ties: by name)."""
    if not counts:
        return []
    cls, n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].value))[0]
    total = sum(counts.values())
    return [
        Action(
            tier=1,
            kind="process",
            text=f"Fix the largest failure class first: {cls.value} ({n} of {total} failed "
            f"hard-case rows, see FMT003): {CLASS_FIX[cls]}",
            why=DESCRIPTIONS[cls],
            expected=f"up to {n} more rows parse",
        )
    ]


def greedy_action(why: str) -> Action:
    return Action(
        tier=2,
        kind="decode",
        text="Run one diagnostic eval with greedy decoding (do_sample=False, temperature 0) "
        "to separate sampling noise from a learned habit",
        why=why,
        expected="if trailing text persists under greedy decoding, it is learned: fix the "
        "stop rule and the training targets",
    )
