"""lm-eval samples lines as `EvalRow`s: where the prompt, response and scores sit in
the shapes different lm-eval versions write (`arguments` as nested lists or as
`{"gen_args_0": {"arg_0": ...}}`; text or loglikelihood `filtered_resps`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..model import EvalRow, Evidence

#: sample fields that are bookkeeping, never a per-row metric
_NOT_SCORES = frozenset(
    {
        "doc_id",
        "doc",
        "target",
        "arguments",
        "resps",
        "filtered_resps",
        "filter",
        "metrics",
        "doc_hash",
        "prompt_hash",
        "target_hash",
    }
)


def sample_row(sample: Mapping[str, Any], ev: Evidence) -> EvalRow:
    """One samples line as an `EvalRow` (untrusted strings are passed on, not read)."""
    doc_id = sample.get("doc_id")
    sid = None if doc_id is None or isinstance(doc_id, (dict, list)) else str(doc_id)
    scores: dict[str, float] = {}
    names = sample.get("metrics")
    keys = [m for m in names if isinstance(m, str)] if isinstance(names, list) else list(sample)
    for key in keys:
        if key in _NOT_SCORES:
            continue
        value = sample.get(key)
        if isinstance(value, (bool, int, float)):
            scores[key] = float(value)
    return EvalRow(
        id=sid,
        input=_prompt(sample),
        output=_first_response(sample.get("filtered_resps")),
        reference=sample.get("target"),
        evidence=Evidence(ev.path, ev.line, sample_id=sid),
        scores=scores,
    )


def _prompt(sample: Mapping[str, Any]) -> str | None:
    """The prompt from `arguments` (`[[prompt, kwargs], ...]` or, newer,
    `{"gen_args_0": {"arg_0": prompt, ...}}`), else the doc's question/input field."""
    args = sample.get("arguments")
    first: Any = None
    if isinstance(args, list) and args:
        first = args[0][0] if isinstance(args[0], list) and args[0] else args[0]
    elif isinstance(args, Mapping) and args:
        inner = next(iter(args.values()))
        first = inner.get("arg_0") if isinstance(inner, Mapping) else inner
    if isinstance(first, str):
        return first
    doc = sample.get("doc")
    if isinstance(doc, Mapping):
        for key in ("question", "input", "prompt", "query", "text", "problem"):
            if isinstance(doc.get(key), str):
                return doc[key]
    return None


def _first_response(resps: Any) -> str | None:
    """The first filtered response as a string: text as is (also `[["text"]]`), anything
    else (loglikelihood pairs of multiple-choice tasks) as JSON."""
    if not isinstance(resps, list) or not resps:
        return None if resps is None else _as_text(resps)
    first = resps[0]
    if isinstance(first, list) and len(first) == 1 and isinstance(first[0], str):
        return first[0]
    return _as_text(first)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return str(value)
