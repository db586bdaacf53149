"""Build a v1 hfjobs workspace (outputs/<run>/..., artifacts/hf_jobs/submissions.jsonl)
from a small run spec, with the shared layout helpers of tests/conftest.py.

A run spec (YAML mapping):

    env: {HF_FT_GENERATION_MAX_NEW_TOKENS: "48"}   # --env pairs over conftest's defaults
    eval_size: 80
    failures: {unterminated: 40}                    # failure class -> failed rows
    valid_cases: 4                                  # parsed rows among the hard cases
    mae_raw: 8.0
    dataset_version: v3
    series: [{step: 20, json_valid_rate: 0.99, mae_raw: 8.0}, ...]

Failed rows are written as hard cases whose completions have the class's shape: a
prose-first object cut at the run's token cap (3 chars/token), prose around a valid
object, a ```json fence, or prose with no object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import DIMS, final_metrics, hard_case, submission

DEFAULT_ENV = {
    "HF_FT_GENERATION_MAX_NEW_TOKENS": "96",
    "EVAL_LOCAL_MAX_NEW_TOKENS": "96",
    "HF_FT_LR": "0.00002",
    "HF_FT_EPOCHS": "2",
    "FT_DATASET_VERSION": "v3",
}
PARSE_ERRORS = {
    "unterminated": "json_decode_error:Expecting ',' delimiter",
    "trailing_text": "json_decode_error:Extra data",
    "markdown_fence": "json_block_not_found",
    "no_json": "json_block_not_found",
    "decode_error": "json_decode_error:Expecting property name enclosed in double quotes",
}


def _object(rank: int) -> dict[str, int]:
    return {d: (37 + 7 * rank + 11 * i) % 100 for i, d in enumerate(DIMS)}


def completion(cls: str, rank: int, cap: int) -> str:
    """A completion of failure class `cls` (`cap`: the run's max_new_tokens)."""
    obj = json.dumps(_object(rank))
    if cls == "unterminated":
        # prose first, then the object, cut a few characters before the cap
        prose = f"Here are the hidden parameters for request {rank}, judged from its mood: "
        while len(prose) + len(obj) <= cap * 3:
            prose = "Let me think about the tempo and the instruments first. " + prose
        return (prose + obj)[: cap * 3 - 4]
    if cls == "trailing_text":
        return f"Sure! Here is the JSON you asked for:\n{obj}\nLet me know if you need more."
    if cls == "markdown_fence":
        return f"```json\n{obj}\n```"
    if cls == "no_json":
        return "This request sounds calm and a little nostalgic, like an old record."
    if cls == "decode_error":
        return obj.replace('"energy"', "energy")
    raise ValueError(f"unknown failure class {cls}")


def build(root: Path, runs: Mapping[str, Mapping[str, Any]]) -> None:
    """Write every run of `runs` (name -> spec) into the workspace at `root`."""
    submissions = []
    for i, (name, spec) in enumerate(runs.items()):
        env = {**DEFAULT_ENV, **{k: str(v) for k, v in (spec.get("env") or {}).items()}}
        cap = int(env.get("HF_FT_GENERATION_MAX_NEW_TOKENS", "96"))
        n = int(spec.get("eval_size", 80))
        failures: dict[str, int] = dict(spec.get("failures") or {})
        failed = sum(failures.values())
        cases = []
        rank = 1
        for cls, count in failures.items():
            for _ in range(count):
                cases.append(
                    hard_case(rank, parse_error=PARSE_ERRORS[cls], text=completion(cls, rank, cap))
                )
                rank += 1
        for _ in range(int(spec.get("valid_cases", 4))):
            cases.append(hard_case(rank))
            rank += 1
        version = str(spec.get("dataset_version", env["FT_DATASET_VERSION"]))
        metrics = final_metrics(
            json_valid_rate=round(1 - failed / n, 10),
            mae_raw=float(spec.get("mae_raw", 8.0)),
            dataset_version=version,
            valid_examples=n,
            hard_cases_top_k=len(cases),
        )
        out = root / "outputs" / name
        out.mkdir(parents=True, exist_ok=True)
        (out / "final_metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        _jsonl(out / "hard_cases.valid.jsonl", cases)
        if spec.get("series"):
            _jsonl(out / "iter_eval_metrics.jsonl", [_point(p) for p in spec["series"]])
        record = submission(name, env=env)
        record["submitted_at"] = f"2026-11-0{i + 1}T10:00:00Z"
        submissions.append(record)
    _jsonl(root / "artifacts" / "hf_jobs" / "submissions.jsonl", submissions)


def _point(p: Mapping[str, Any]) -> dict[str, Any]:
    metrics = {k: v for k, v in p.items() if k != "step"}
    if "json_valid_rate" in metrics and "parse_error_rate" not in metrics:
        metrics["parse_error_rate"] = round(1 - metrics["json_valid_rate"], 10)
    return {"step": p["step"], "metrics": metrics}


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
