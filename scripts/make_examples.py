"""Write the deterministic example eval workspace used by docs, demos and tests.

    python scripts/make_examples.py [--out examples]

Standard library only. Every value comes from `random.Random(SEED)`-derived streams
and fixed timestamps, so two runs write byte-identical files. The campaign is a
JSON-output regression task (six integer "hidden parameter" dimensions); the metrics
in `final_metrics.json`, the iteration series and the eval-job results are computed
from simulated per-row predictions, scored the way the pipeline scores them: an output
that fails to parse is replaced by the mid-scale placeholder vector. The candidate's
W&B run folder (JSON and YAML files) and Weave evaluation export, and a CSV export of
the baseline's hard-case traces, are derived from the same predictions.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import math
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20250310
KEYS = ("energy", "warmth", "brightness", "acousticness", "complexity", "nostalgia")
MARKER = "# ftlint example workspace"
NAMESPACE = "acme-ml"
BASE_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
DATASET_REPO = "acme-ml/hidden-params-sft"
WEAVE_URL = "https://wandb.ai/acme-ml/hidden-params/weave/traces/"
SOURCE_MIX = "request_text:0.6,rule_prompt:0.4"
EVAL_ROWS = 80
TRAIN_EXAMPLES = 1440
BATCH, GRAD_ACCUM, EPOCHS, EVAL_STEPS = 8, 2, 2, 20
TOTAL_STEPS = TRAIN_EXAMPLES * EPOCHS // (BATCH * GRAD_ACCUM)
MAX_NEW_TOKENS = 96
WEAVE_TOP = 10
T0 = datetime(2025, 3, 10, 9, 0, 0, tzinfo=UTC)

Vector = dict[str, int]
Json = dict[str, Any]

# (phrase, [energy, warmth, brightness, acousticness, complexity, nostalgia]) on 0..100
REQUESTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Upbeat synthwave for a night drive", (78, 40, 62, 8, 45, 70)),
    ("Something mellow with acoustic guitar for a rainy Sunday", (25, 75, 40, 90, 35, 55)),
    ("90s hip hop that feels like summer", (70, 65, 70, 20, 50, 85)),
    ("Dark techno for a late coding session", (82, 20, 25, 5, 55, 15)),
    ("Café jazz for a slow Sunday morning", (30, 80, 55, 80, 60, 55)),
    ("Epic orchestral music for a long run", (85, 45, 70, 60, 80, 30)),
    ("Lo-fi beats to focus while reading", (30, 65, 45, 40, 30, 50)),
    ("Old-school soul for cooking dinner with friends", (60, 85, 65, 55, 50, 80)),
    ("Bright indie pop for a road trip", (75, 60, 85, 40, 40, 35)),
    ("Melancholic piano for a late walk home", (20, 45, 25, 90, 55, 70)),
    ("Heavy metal to get through leg day", (95, 25, 40, 10, 65, 30)),
    ("Dreamy shoegaze for staring out the window", (45, 55, 40, 30, 60, 65)),
    ("Traditional Irish folk for a pub evening", (70, 80, 60, 95, 45, 75)),
    ("Minimal ambient for falling asleep", (8, 50, 20, 45, 25, 40)),
    ("Funky disco for a kitchen dance party", (88, 75, 85, 25, 50, 80)),
    ("Cinematic post-rock for a train ride through the mountains", (55, 50, 55, 45, 75, 45)),
    ("Smooth jazz for a quiet evening with wine", (30, 85, 45, 75, 65, 60)),
    ("Reggae for a lazy afternoon at the beach", (50, 80, 80, 50, 35, 55)),
    ("Early-2000s pop punk for cleaning the apartment", (85, 55, 75, 30, 35, 90)),
    ("Bossa nova à la Jobim for breakfast", (35, 80, 65, 85, 55, 60)),
    ("Retro city pop for a Tokyo night walk", (65, 70, 70, 25, 55, 88)),
    ("Drum and bass for a sprint workout", (95, 30, 65, 5, 60, 20)),
    ("Warm Americana for a porch evening", (40, 85, 55, 85, 40, 75)),
    ("Spacey electronica for stargazing", (35, 40, 35, 15, 60, 35)),
)
RULE_PROMPTS: tuple[tuple[str, tuple[int, ...], int], ...] = (  # phrase, vector, weight
    ("calm piano for studying", (15, 60, 35, 95, 40, 45), 5),
    ("nostalgic 80s ballads for a long drive", (45, 70, 55, 35, 40, 92), 3),
    ("energetic rock for the gym", (90, 35, 60, 20, 45, 35), 2),
    ("warm jazz for a dinner party", (40, 85, 50, 70, 65, 60), 2),
    ("chill electronic for working late", (40, 45, 40, 10, 45, 25), 2),
)
WEATHER: dict[str, tuple[int, ...]] = {
    "rainy": (-5, 5, -10, 5, 0, 5),
    "clear night": (0, 0, -8, 0, 0, 6),
    "sunny": (6, 4, 10, 0, 0, 0),
    "overcast": (-3, 0, -6, 0, 0, 3),
    "snowy": (-4, 8, -2, 6, 0, 8),
    "foggy morning": (-6, 2, -8, 4, 2, 4),
    "thunderstorm": (5, -4, -10, -4, 4, 0),
    "humid afternoon": (-2, 4, 4, 0, -2, 0),
    "windy": (3, -2, 2, 0, 0, 0),
    "light drizzle": (-3, 4, -5, 4, 0, 4),
}


@dataclass(frozen=True)
class Row:
    """One eval row: a request with its target vector."""

    index: int
    request_text: str
    source_type: str
    weather: str
    template: str
    target: Vector


@dataclass(frozen=True)
class Scored:
    """One model output for one row, parsed and scored like the pipeline does."""

    row: Row
    text: str
    parse_error: str | None
    predicted: Vector

    @property
    def abs_error(self) -> Vector:
        return {k: abs(self.row.target[k] - self.predicted[k]) for k in KEYS}

    @property
    def mae(self) -> float:
        return sum(self.abs_error.values()) / len(KEYS)


@dataclass(frozen=True)
class RunSpec:
    """The knobs of one simulated training run."""

    name: str
    cycle_id: str
    dataset_version: str
    scale: int
    top_k: int
    lr: str
    seed: int
    sigma: float  # per-dim prediction noise at the end of training, on 0..100
    rule_extra: float  # extra noise on rule_prompt rows
    nostalgia_bias: float  # systematic nostalgia error at the end, on 0..100
    fail_schedule: tuple[int, ...]  # parse failures at each written eval step
    fail_final: int
    fail_kinds: tuple[str, ...]  # failure kinds in order; n failures use the first n
    loss_end: float
    submitted_at: datetime
    partial_last_line: bool = False
    init_adapter: str = ""

    @property
    def output_model_id(self) -> str:
        return f"{NAMESPACE}/qwen2.5-0.5b-hidden-params-{self.name}"

    @property
    def remote_dir(self) -> str:
        return f"/data/runs/{self.name}"


RUNS = (
    RunSpec(
        name="sft-c1-baseline",
        cycle_id="c1",
        dataset_version="v3",
        scale=100,
        top_k=16,
        lr="0.00002",
        seed=11,
        sigma=10.5,
        rule_extra=1.0,
        nostalgia_bias=-3.0,
        fail_schedule=(4, 3, 2, 2, 1, 2, 1, 1, 1),
        fail_final=1,
        fail_kinds=("no_json", "truncated", "fence_comma", "truncated"),
        loss_end=0.4127,
        submitted_at=T0,
    ),
    RunSpec(
        name="sft-c2-candidate",
        cycle_id="c2",
        dataset_version="v3",
        scale=100,
        top_k=24,
        lr="0.00005",
        seed=22,
        sigma=6.5,
        rule_extra=4.0,
        nostalgia_bias=-27.0,
        fail_schedule=(2, 1, 1, 1, 13, 14, 15, 14, 15),
        fail_final=15,
        fail_kinds=(
            *("truncated",) * 7,
            "truncated_wrapper",
            "prose_brace",
            "repeated",
            "fence_comma",
            "prose_brace",
            "wrapper",
            "repeated",
            "empty",
        ),
        loss_end=0.2986,
        submitted_at=T0 + timedelta(days=2, hours=-0.5),
        init_adapter=f"{NAMESPACE}/qwen2.5-0.5b-hidden-params-sft-c1-baseline",
    ),
    RunSpec(
        name="sft-c2-scale10",
        cycle_id="c2",
        dataset_version="v4",
        scale=10,
        top_k=8,
        lr="0.00002",
        seed=33,
        sigma=9.0,
        rule_extra=1.0,
        nostalgia_bias=-4.0,
        fail_schedule=(3, 2, 2, 1, 2, 2),
        fail_final=2,
        fail_kinds=("truncated", "repeated", "fence_comma"),
        loss_end=0.3904,
        submitted_at=T0 + timedelta(days=2, hours=-0.25),
        partial_last_line=True,
    ),
)


# ---------------------------------------------------------------- the writer's parser

FENCE_RE = re.compile(r"```json\s*(.*?)```", re.DOTALL)


def extract_json_block(text: str) -> str | None:
    """A fenced ```json block, else the span from the first `{` to the last `}`."""
    fenced = FENCE_RE.search(text)
    if fenced:
        return fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        return None
    return text[start : end + 1]


def parse_vector(text: str, scale: int) -> tuple[Vector | None, str | None]:
    """Re-implementation of the writer's parser: (vector, None) or (None, parse_error)."""
    block = extract_json_block(text)
    if block is None:
        return None, "json_block_not_found"
    try:
        payload = json.loads(block)
    except json.JSONDecodeError as exc:
        return None, f"json_decode_error:{exc}"
    if not isinstance(payload, dict):
        return None, "invalid_vector:parsed_payload_not_object"
    if not any(k in payload for k in KEYS):
        return None, "invalid_vector:vector_payload_not_found"
    vector: Vector = {}
    for key in KEYS:
        value = payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"invalid_vector:invalid_value:{key}"
        if not math.isfinite(value):
            return None, f"invalid_vector:non_finite:{key}"
        vector[key] = min(max(round(value), 0), scale)
    return vector, None


# ---------------------------------------------------------------- eval rows


def clamp(value: float, scale: int) -> int:
    return min(max(round(value), 0), scale)


def make_target(base: Sequence[int], weather: str, rng: random.Random, scale: int) -> Vector:
    mods = WEATHER[weather]
    raw = [b + m + rng.gauss(0, 7) for b, m in zip(base, mods, strict=True)]
    return {k: clamp(v * scale / 100, scale) for k, v in zip(KEYS, raw, strict=True)}


def make_row(index: int, rule: bool, rng: random.Random, scale: int) -> Row:
    weather = rng.choice(sorted(WEATHER))
    if rule:
        weights = [w for _, _, w in RULE_PROMPTS]
        phrase, base, _ = rng.choices(RULE_PROMPTS, weights=weights)[0]
        text = f"Variant-{rng.randint(1, 9)}: {phrase}"
        source = "rule_prompt"
    else:
        phrase, base = rng.choice(REQUESTS)
        text = f"{phrase}, sample {index}" if rng.random() < 0.5 else phrase
        source = "request_text"
    target = make_target(base, weather, rng, scale)
    return Row(index, text, source, weather, phrase, target)


def make_rows(version: str, scale: int) -> list[Row]:
    """The eval set of a dataset version: 60% request_text, 40% rule_prompt rows."""
    rng = random.Random(f"{SEED}:rows:{version}")
    flags = [i % 5 in (1, 3) for i in range(EVAL_ROWS)]
    return [make_row(i, rule, rng, scale) for i, rule in enumerate(flags)]


# ---------------------------------------------------------------- completions


def compact(vector: Vector) -> str:
    return json.dumps({k: vector[k] for k in KEYS})


def truncated_text(row: Row, vector: Vector, rng: random.Random) -> str:
    """Reasoning before the JSON, cut by the token cap mid-key or mid-value (no EOS)."""
    lead = rng.choice(
        (
            'Let me think about this step by step. The request "{r}" with {w} weather '
            "suggests a specific mood. Energy depends on the activity, warmth on the "
            "instrumentation, brightness on the weather, acousticness on the genre, "
            "complexity on the arrangement and nostalgia on the era it evokes. "
            "Putting it together:\n\n",
            'Sure! First, a quick analysis. "{r}" ({w}) calls for music that matches '
            "both the activity and the atmosphere, so I will weigh the genre cues "
            "against the weather before choosing values for each of the six hidden "
            "parameters. Here is the JSON:\n\n",
            'The listener asked for "{r}". Because it is {w}, brightness should be '
            "adjusted, and the genre tells us a lot about acousticness and nostalgia. "
            "I will now estimate every dimension on the target scale and return them "
            "as a single JSON object:\n",
        )
    ).format(r=row.request_text, w=row.weather)
    body = compact(vector)
    return lead + body[: rng.randint(14, len(body) - 3)]


def truncated_wrapper_text(row: Row, vector: Vector, rng: random.Random) -> str:
    head = json.dumps({"request_text": row.request_text, "weather": row.weather})[:-1]
    reason = ' "reasoning": "Given the weather and the activity, the listener most likely wants'
    return f'{head}, "hidden_params": {compact(vector)},{reason}'[: 96 * 4]


def prose_brace_text(row: Row, vector: Vector, rng: random.Random) -> str:
    tail = rng.choice(
        (
            'Let me know if you want a version with {"energy"} turned up.',
            "Let me know if you'd like me to adjust any value (e.g. {nostalgia: 60}).",
        )
    )
    return f"Here is the JSON: {compact(vector)} {tail}"


def completion(kind: str, row: Row, vector: Vector, rng: random.Random) -> str:
    """The raw completion text for one failure kind (or `valid`/`valid_prose`)."""
    body = compact(vector)
    match kind:
        case "valid":
            return body
        case "valid_prose":
            return f"Here is the JSON for your request:\n{body}\nHope this fits the mood!"
        case "truncated":
            return truncated_text(row, vector, rng)
        case "truncated_wrapper":
            return truncated_wrapper_text(row, vector, rng)
        case "prose_brace":
            return prose_brace_text(row, vector, rng)
        case "repeated":
            again = {k: max(0, v - rng.randint(0, 2)) for k, v in vector.items()}
            return f"{body}\n{compact(again)}"
        case "fence_comma":
            lines = [f'  "{k}": {vector[k]},' for k in KEYS]
            return "```json\n{\n" + "\n".join(lines) + "\n}\n```"
        case "wrapper":
            wrapped = {"request_text": row.request_text, "hidden_params": vector}
            return json.dumps(wrapped)
        case "empty":
            return ""
        case "no_json":
            return (
                "I'm not sure which hidden parameters fit this request. Could you tell me "
                "more about the tempo and the mood you are after?"
            )
    raise ValueError(kind)


# ---------------------------------------------------------------- simulation


def predict(row: Row, spec: RunSpec, progress: float, rng: random.Random) -> Vector:
    """The model's intended vector: noise shrinking with training, a nostalgia bias."""
    factor = spec.scale / 100
    extra = spec.rule_extra if row.source_type == "rule_prompt" else 0.0
    sigma = (spec.sigma + extra) * (1.0 + 0.6 * (1.0 - progress)) * factor
    bias = spec.nostalgia_bias * (0.4 + 0.6 * progress) * factor
    if row.template == RULE_PROMPTS[0][0]:
        bias *= 1.4
    out: Vector = {}
    for key in KEYS:
        shift = bias if key == "nostalgia" else 0.0
        out[key] = clamp(row.target[key] + shift + rng.gauss(0, sigma), spec.scale)
    return out


def failing_order(rows: list[Row], spec: RunSpec, count: int) -> list[int]:
    """Which rows fail, in order: rule_prompt rows (calm piano first) are over-represented."""
    rng = random.Random(spec.seed * 7919)
    if spec.name != "sft-c2-candidate":
        return rng.sample(range(len(rows)), count)
    calm = [r.index for r in rows if r.template == RULE_PROMPTS[0][0]]
    other_rule = [r.index for r in rows if r.source_type == "rule_prompt" and r.index not in calm]
    plain = [r.index for r in rows if r.source_type == "request_text"]
    chosen = calm[:7] + rng.sample(other_rule, 4) + rng.sample(plain, count - 11)
    rng.shuffle(chosen)
    return chosen


def simulate(rows: list[Row], spec: RunSpec, step: int, failures: int) -> list[Scored]:
    """Score every row at one checkpoint; failing rows get the placeholder vector."""
    rng = random.Random(spec.seed * 100_003 + step)
    order = failing_order(rows, spec, max(spec.fail_schedule))
    kinds = dict(zip(order[:failures], spec.fail_kinds, strict=False))
    spare = [r.index for r in rows if r.index not in order]
    prose_rows = set(spare[3::16]) if spec.name == "sft-c2-candidate" else set()
    placeholder = dict.fromkeys(KEYS, spec.scale // 2)
    out = []
    for row in rows:
        intended = predict(row, spec, step / TOTAL_STEPS, rng)
        kind = kinds.get(row.index, "valid_prose" if row.index in prose_rows else "valid")
        text = completion(kind, row, intended, rng)
        vector, error = parse_vector(text, spec.scale)
        out.append(Scored(row, text, error, vector or placeholder))
    return out


# ---------------------------------------------------------------- metrics


def eval_metrics(scored: list[Scored], scale: int) -> Json:
    """The `eval` block: rates from counts, raw and normalised errors, per dimension."""
    n = len(scored)
    valid = sum(1 for s in scored if s.parse_error is None)
    errs = {k: [s.row.target[k] - s.predicted[k] for s in scored] for k in KEYS}
    flat = [e for k in KEYS for e in errs[k]]
    out: Json = {
        "json_valid_rate": valid / n,
        "parse_error_rate": (n - valid) / n,
        **error_block("", flat, scale),
    }
    for key in KEYS:
        out.update(error_block(f"_{key}", errs[key], scale))
    out["target_scale"] = scale
    return out


def error_block(suffix: str, errors: list[int], scale: int) -> Json:
    mae = sum(abs(e) for e in errors) / len(errors)
    mse = sum(e * e for e in errors) / len(errors)
    return {
        f"mae_raw{suffix}": round(mae, 6),
        f"mse_raw{suffix}": round(mse, 6),
        f"mae_norm{suffix}": round(mae / scale, 6),
        f"mse_norm{suffix}": round(mse / scale**2, 6),
    }


def hard_cases(scored: list[Scored], top_k: int) -> list[Json]:
    ranked = sorted(scored, key=lambda s: (-s.mae, s.row.index))[:top_k]
    return [hard_case(rank, s) for rank, s in enumerate(ranked, start=1)]


def hard_case(rank: int, s: Scored) -> Json:
    return {
        "rank": rank,
        "sample_index": s.row.index,
        "request_text": s.row.request_text,
        "source_type": s.row.source_type,
        "weather": s.row.weather,
        "target_vector": s.row.target,
        "predicted_vector": s.predicted,
        "abs_error_raw": s.abs_error,
        "mae_raw": round(s.mae, 4),
        "parse_error": s.parse_error,
        "generated_text": s.text[:600],
    }


# ---------------------------------------------------------------- per-run outputs


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def train_loss(spec: RunSpec, step: int) -> float:
    return round(spec.loss_end + 1.55 * math.exp(-step / 45) - 1.55 * math.exp(-4), 4)


def iteration_records(spec: RunSpec, rows: list[Row]) -> list[Json]:
    records = []
    for i, failures in enumerate(spec.fail_schedule):
        step = EVAL_STEPS * (i + 1)
        scored = simulate(rows, spec, step, failures)
        cases = hard_cases(scored, spec.top_k)
        records.append(
            {
                "timestamp": iso(spec.submitted_at + timedelta(minutes=6, seconds=13 * step)),
                "step": step,
                "train_loss": train_loss(spec, step),
                "metrics": eval_metrics(scored, spec.scale),
                "hard_cases_count": len(cases),
                "top_hard_case": cases[0],
            }
        )
    return records


def iteration_file(spec: RunSpec, records: list[Json]) -> str:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    if not spec.partial_last_line:
        return "\n".join(lines) + "\n"
    cut = lines[-1][: len(lines[-1]) * 11 // 20]
    return "\n".join(lines[:-1]) + "\n" + cut


def train_block(spec: RunSpec) -> Json:
    runtime = round(TOTAL_STEPS * 12.9 + spec.seed * 3.7, 4)
    return {
        "train_runtime": runtime,
        "train_samples_per_second": round(TRAIN_EXAMPLES * EPOCHS / runtime, 3),
        "train_steps_per_second": round(TOTAL_STEPS / runtime, 3),
        "total_flos": 1.0642e16 * (1.0 + spec.seed / 1000),
        "train_loss": spec.loss_end,
        "epoch": float(EPOCHS),
    }


def final_metrics(spec: RunSpec, scored: list[Scored]) -> Json:
    return {
        "objective": "hidden_params_json_regression",
        "target_keys": list(KEYS),
        "cycle_id": spec.cycle_id,
        "dataset_version": spec.dataset_version,
        "source_type_mix": SOURCE_MIX,
        "target_scale": spec.scale,
        "train": train_block(spec),
        "eval": eval_metrics(scored, spec.scale),
        "hard_cases_top_k": spec.top_k,
        "hard_cases_path": f"{spec.remote_dir}/hard_cases.valid.jsonl",
        "iter_eval_metrics_path": f"{spec.remote_dir}/iter_eval_metrics.jsonl",
        "weave_trace_path": f"{spec.remote_dir}/weave_eval_traces.json",
        "train_examples": TRAIN_EXAMPLES,
        "valid_examples": EVAL_ROWS,
        "detailed_eval_max_samples": EVAL_ROWS,
        "detailed_eval_examples": len(scored),
        "adapter_dir": f"{spec.remote_dir}/adapter",
        "hub_model_id": spec.output_model_id,
    }


def trace_id(rng: random.Random) -> str:
    """A UUIDv7-shaped id (time prefix 0195..., version 7, RFC 4122 variant)."""
    digits = f"0195{rng.getrandbits(112):028x}"
    variant = "89ab"[int(digits[16], 16) % 4]
    return f"{digits[:8]}-{digits[8:12]}-7{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


def case_trace_ids(spec: RunSpec, count: int) -> list[str]:
    """The Weave trace ids of a run's hard cases, by rank (the traces file lists the top ones)."""
    rng = random.Random(spec.seed * 31)
    return [trace_id(rng) for _ in range(count)]


def weave_traces(spec: RunSpec, cases: list[Json]) -> Json:
    rows = []
    top = cases[:WEAVE_TOP]
    for case, tid in zip(top, case_trace_ids(spec, len(top)), strict=True):
        rows.append(
            {
                "trace_id": tid,
                "trace_url_hint": WEAVE_URL + tid,
                "rank": case["rank"],
                "mae_raw": case["mae_raw"],
                "parse_error": case["parse_error"],
            }
        )
    return {"run_name": spec.name, "rows": rows}


def run_outputs(spec: RunSpec, rows: list[Row]) -> tuple[dict[str, str], list[Scored]]:
    scored = simulate(rows, spec, TOTAL_STEPS, spec.fail_final)
    cases = hard_cases(scored, spec.top_k)
    base = f"outputs/{spec.name}/"
    files = {
        base + "final_metrics.json": dump(final_metrics(spec, scored)),
        base + "iter_eval_metrics.jsonl": iteration_file(spec, iteration_records(spec, rows)),
        base + "hard_cases.valid.jsonl": dump_lines(cases),
        base + "weave_eval_traces.json": dump(weave_traces(spec, cases)),
    }
    return files, scored


# ---------------------------------------------------------------- job records


def hf_command(script: str, timeout: str, env: list[tuple[str, str]], extra: str = "") -> str:
    parts = ["hf jobs uv run --flavor a10g-small", f"--timeout {timeout}"]
    parts.append(extra or "--secrets HF_TOKEN")
    parts += ["--with trl>=0.12", "--with peft", "--with wandb", "--with weave"]
    parts += [f"--env {k}={v}" for k, v in env]
    return " ".join([*parts, script])


def train_env(spec: RunSpec) -> list[tuple[str, str]]:
    env = [
        ("HF_BASE_MODEL_ID", BASE_MODEL),
        ("HF_FT_DATASET_REPO_ID", DATASET_REPO),
        ("HF_FT_OUTPUT_MODEL_ID", spec.output_model_id),
        ("HF_FT_RUN_NAME", spec.name),
        ("HF_FT_EPOCHS", str(EPOCHS)),
        ("HF_FT_LR", spec.lr),
        ("HF_FT_BATCH_SIZE", str(BATCH)),
        ("HF_FT_GRAD_ACCUM", str(GRAD_ACCUM)),
        ("HF_FT_WARMUP_RATIO", "0.03"),
        ("HF_FT_MAX_LENGTH", "768"),
        ("HF_FT_EVAL_STEPS", str(EVAL_STEPS)),
        ("HF_FT_DETAILED_EVAL_STEPS", str(EVAL_STEPS)),
        ("HF_FT_HARD_CASE_TOP_K", str(spec.top_k)),
        ("HF_FT_GENERATION_MAX_NEW_TOKENS", str(MAX_NEW_TOKENS)),
        ("HF_FT_TARGET_SCALE", str(spec.scale)),
        ("HF_FT_LORA_R", "16"),
        ("HF_FT_LORA_ALPHA", "32"),
        ("HF_FT_LORA_DROPOUT", "0.05"),
    ]
    if spec.init_adapter:
        env.append(("HF_FT_INIT_ADAPTER_MODEL_ID", spec.init_adapter))
    return [
        *env,
        ("FT_DATASET_VERSION", spec.dataset_version),
        ("FT_SOURCE_TYPE_MIX", SOURCE_MIX),
        ("LOOP_CYCLE_ID", spec.cycle_id),
        ("EVAL_LOCAL_MAX_NEW_TOKENS", str(MAX_NEW_TOKENS)),
        ("WANDB_ENTITY", ""),
        ("WANDB_PROJECT", "hidden-params"),
        ("WANDB_RUN_GROUP", f"loop-{spec.cycle_id}"),
        ("WEAVE_PROJECT", f"{NAMESPACE}/hidden-params"),
    ]


def job_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def started(jid: str) -> str:
    return f"Job started with ID: {jid}\nView at: https://huggingface.co/jobs/{NAMESPACE}/{jid}\n"


def train_submission(spec: RunSpec, rng: random.Random, hide_id: bool) -> Json:
    jid = job_id(rng)
    return {
        "submitted_at": iso(spec.submitted_at),
        "namespace": NAMESPACE,
        "flavor": "a10g-small",
        "timeout": "2h",
        "run_name": spec.name,
        "output_model_id": spec.output_model_id,
        "dataset_repo_id": DATASET_REPO,
        "command": hf_command("scripts/train_sft.py", "2h", train_env(spec)),
        "exit_code": 0,
        "job_id": None if hide_id else jid,
        "stdout_tail": started(jid),
        "stderr_tail": "",
    }


TRACEBACK = """\
Traceback (most recent call last):
  File "/usr/local/bin/hf", line 8, in <module>
    sys.exit(main())
             ^^^^^^
  File "/usr/local/lib/python3.11/site-packages/huggingface_hub/cli/hf.py", line 59, in main
    service.run()
  File "/usr/local/lib/python3.11/site-packages/huggingface_hub/cli/jobs.py", line 812, in run
    job = self.api.run_uv_job(
          ^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/huggingface_hub/hf_api.py", line 9984, in run_uv_job
    return self.run_job(
           ^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/huggingface_hub/hf_api.py", line 9921, in run_job
    hf_raise_for_status(response)
  File "/usr/local/lib/python3.11/site-packages/huggingface_hub/utils/_http.py", line 482, in \
hf_raise_for_status
    raise _format(HfHubHTTPError, str(e), response) from e
huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: \
https://huggingface.co/api/jobs/acme-ml
"""


def fake_token(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "hf_" + "".join(rng.choice(alphabet) for _ in range(34))


@dataclass(frozen=True)
class EvalJob:
    """One eval-job submission."""

    mode: str
    adapter: str
    when: datetime
    run_name: str | None
    failed: bool = False
    pasted_token: bool = False


def eval_env(job: EvalJob) -> list[tuple[str, str]]:
    return [
        ("EVAL_MODE", job.mode),
        ("EVAL_DATASET_PATH", "data/eval/hidden_params_v3_valid.jsonl"),
        ("EVAL_TARGET_SCALE", "100"),
        ("EVAL_LOCAL_MAX_NEW_TOKENS", str(MAX_NEW_TOKENS)),
        ("EVAL_LOCAL_ADAPTER_MODEL_ID", job.adapter),
        ("EVAL_MISTRAL_FALLBACK_ENABLED", "1"),
        ("EVAL_REQUIRE_HF_DIRECT", "0"),
        ("HF_BASE_MODEL_ID", BASE_MODEL),
        ("FT_DATASET_VERSION", "v3"),
        ("WANDB_PROJECT", "hidden-params"),
    ]


def eval_submission(job: EvalJob, rng: random.Random) -> Json:
    jid = job_id(rng)
    env = eval_env(job)
    extra = ""
    if job.pasted_token:
        extra = "--secrets MISTRAL_API_KEY"
        env = [("HF_TOKEN", fake_token(rng)), *env]
    record: Json = {"submitted_at": iso(job.when), "namespace": NAMESPACE}
    record.update({"flavor": "a10g-small", "timeout": "1h"})
    if job.run_name:
        record["run_name"] = job.run_name
    record.update(
        {
            "mode": job.mode,
            "backend": "hf_local",
            "dataset_path": "data/eval/hidden_params_v3_valid.jsonl",
            "local_base_model_id": BASE_MODEL,
            "local_adapter_model_id": job.adapter or None,
            "dataset_repo_id": DATASET_REPO,
            "command": hf_command("scripts/run_eval.py", "1h", env, extra),
            "exit_code": 1 if job.failed else 0,
            "job_id": None if job.failed else jid,
            "stdout_tail": "" if job.failed else started(jid),
            "stderr_tail": TRACEBACK if job.failed else "",
        }
    )
    return record


def submissions() -> dict[str, str]:
    rng = random.Random(f"{SEED}:jobs")
    train = [train_submission(s, rng, hide_id=s.partial_last_line) for s in RUNS]
    day3 = T0 + timedelta(days=2, hours=4)
    jobs = (
        EvalJob("prompt_baseline", "", day3, None),
        EvalJob(
            "fine_tuned",
            RUNS[0].output_model_id,
            day3 + timedelta(minutes=20),
            RUNS[0].name,
            failed=True,
        ),
        EvalJob(
            "fine_tuned",
            RUNS[1].output_model_id,
            day3 + timedelta(minutes=41),
            None,
            pasted_token=True,
        ),
    )
    evals = [eval_submission(job, rng) for job in jobs]
    return {
        "artifacts/hf_jobs/submissions.jsonl": dump_lines(train),
        "artifacts/hf_jobs/eval_submissions.jsonl": dump_lines(evals),
    }


# ---------------------------------------------------------------- eval-job results


def r2_score(scored: list[Scored]) -> float:
    pairs = [(s.row.target[k], s.predicted[k]) for s in scored for k in KEYS]
    mean = sum(t for t, _ in pairs) / len(pairs)
    ss_res = sum((t - p) ** 2 for t, p in pairs)
    ss_tot = sum((t - mean) ** 2 for t, _ in pairs)
    return 1.0 - ss_res / ss_tot


def share(scored: list[Scored], tolerance: int) -> float:
    ok = sum(1 for s in scored if max(s.abs_error.values()) <= tolerance)
    return round(ok / len(scored), 4)


def job_metrics(scored: list[Scored], latency: tuple[float, float], cost: float) -> Json:
    base = eval_metrics(scored, 100)
    valid = [s for s in scored if s.parse_error is None]
    sane = [s for s in valid if len(set(s.predicted.values())) > 1]
    return {
        "json_valid_rate": base["json_valid_rate"],
        "vector_mae": base["mae_raw"],
        "mse_raw": base["mse_raw"],
        "mse_norm": base["mse_norm"],
        "r2_score": round(r2_score(scored), 6),
        "constraint_match_rate": share(scored, 20),
        "slot_exact_match": share(scored, 10),
        "intent_score_mean": round(sum(1 - s.mae / 100 for s in scored) / len(scored), 4),
        "output_sanity_score": round(len(sane) / len(scored), 4),
        "p50_inference_latency_ms": latency[0],
        "p95_inference_latency_ms": latency[1],
        "cost_per_100_requests_usd": cost,
        "target_scale": 100,
    }


def with_fallback(scored: list[Scored], count: int) -> list[Scored]:
    """Rows the fallback model answered: the first `count` parse failures, now valid."""
    rng = random.Random(f"{SEED}:fallback")
    failed = [s.row.index for s in scored if s.parse_error is not None][:count]
    out = []
    for s in scored:
        if s.row.index in failed:
            vector = {k: clamp(v + rng.gauss(0, 6), 100) for k, v in s.row.target.items()}
            s = Scored(s.row, compact(vector), None, vector)
        out.append(s)
    return out


def eval_result(mode: str, when: datetime, adapter: str | None, metrics: Json) -> Json:
    return {
        "dataset_version": "v3",
        "mode": mode,
        "backend": "hf_local",
        "local_adapter_model_id": adapter,
        "evaluated_count": EVAL_ROWS,
        "timestamp": iso(when),
        "metrics": metrics,
    }


def eval_results(rows: list[Row], candidate: list[Scored]) -> dict[str, str]:
    prompt_spec = RunSpec(
        name="prompt-baseline",
        cycle_id="c2",
        dataset_version="v3",
        scale=100,
        top_k=0,
        lr="",
        seed=44,
        sigma=30.0,
        rule_extra=4.0,
        nostalgia_bias=-6.0,
        fail_schedule=(21,),
        fail_final=21,
        loss_end=0.0,
        submitted_at=T0,
        fail_kinds=("no_json", "repeated", "wrapper", "fence_comma", "truncated") * 5,
    )
    prompt = simulate(rows, prompt_spec, TOTAL_STEPS, 21)
    tuned = with_fallback(candidate, 4)
    tuned_metrics = job_metrics(tuned, (418.6, 1187.3), 0.0214)
    tuned_metrics.update({"hf_direct_rate": 0.95, "mistral_fallback_rate": 0.05})
    day3 = T0 + timedelta(days=2, hours=4)
    t_prompt, t_tuned = day3 + timedelta(minutes=18, seconds=7), day3 + timedelta(minutes=63)
    prompt_metrics = job_metrics(prompt, (371.2, 942.8), 0.0187)
    return {
        f"artifacts/eval/runs/{stamp(t_prompt)}_prompt_baseline.json": dump(
            eval_result("prompt_baseline", t_prompt, None, prompt_metrics)
        ),
        f"artifacts/eval/runs/{stamp(t_tuned)}_fine_tuned.json": dump(
            eval_result("fine_tuned", t_tuned, RUNS[1].output_model_id, tuned_metrics)
        ),
    }


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------- Weave exports

WEAVE_PROJECT = f"{NAMESPACE}/hidden-params"
WEAVE_VERSION = "0.51.39"
PYTHON_VERSION = "3.11.11"
WANDB_VERSION = "0.19.8"
WANDB_ID = "c2cand01"  # the candidate's W&B run id (Weave calls carry it as wb_run_id)
LOG_STEPS = 10  # the trainer's logging_steps: one W&B history row per 10 optimizer steps
#: W&B's `_step` counts log calls (0-based): one per logging step, one per training-time
#: eval, the trainer's closing summary and the final eval with its failures table.
WANDB_LAST_STEP = TOTAL_STEPS // LOG_STEPS + TOTAL_STEPS // EVAL_STEPS + 1
FAILURE_COLUMNS = (
    "rank",
    "sample_index",
    "source_type",
    "request_text",
    "parse_error",
    "mae_raw",
    "generated_text",
)
#: Obviously fake personal data, recorded the way W&B does in wandb-metadata.json.
#: ftlint must never print any of it (tests/test_examples_findings.py checks).
FAKE_EMAIL = "ml-engineer@example.com"
FAKE_USER = "alice"
FAKE_HOME = f"/home/{FAKE_USER}"


def weave_digest(name: str) -> str:
    """A Weave-style object digest: 43 base64url-ish characters, stable per name."""
    raw = base64.urlsafe_b64encode(hashlib.sha256(f"{SEED}:{name}".encode()).digest())
    return raw.decode().rstrip("=").replace("-", "x").replace("_", "Z")


def weave_ref(kind: str, name: str) -> str:
    return f"weave:///{WEAVE_PROJECT}/{kind}/{name}:{weave_digest(name)}"


def stamp_us(moment: datetime) -> str:
    """ISO-8601 with microseconds and `Z`, as Weave and W&B write start times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def weave_attributes(spec: RunSpec) -> Json:
    client = {"client_version": WEAVE_VERSION, "source": "python-sdk", "os_name": "Linux"}
    return {"weave": client, "run_name": spec.name, "cycle_id": spec.cycle_id}


def weave_call(
    spec: RunSpec, op: str, ids: tuple[str, str, str | None], span: tuple[datetime, datetime]
) -> Json:
    """The common fields of one exported call (Weave's call schema, in its order)."""
    call_id, trace, parent = ids
    return {
        "id": call_id,
        "project_id": WEAVE_PROJECT,
        "op_name": weave_ref("op", op),
        "display_name": None,
        "trace_id": trace,
        "parent_id": parent,
        "started_at": stamp_us(span[0]),
        "ended_at": stamp_us(span[1]),
        "attributes": weave_attributes(spec),
        "inputs": {},
        "output": None,
        "exception": None,
        "summary": {},
        "wb_run_id": f"{WEAVE_PROJECT}/{WANDB_ID}",
        "deleted_at": None,
    }


def completion_tokens(text: str) -> int:
    """About 3 characters per token, capped by max_new_tokens (cut completions hit it)."""
    return min(MAX_NEW_TOKENS, max(1, math.ceil(len(text) / 3)))


def weave_exception(parse_error: str) -> str | None:
    """What the Weave model op raised for an unparsable completion; None if it returned."""
    if parse_error.startswith("json_decode_error:"):
        return "JSONDecodeError: " + parse_error.split(":", 1)[1]
    if parse_error == "json_block_not_found":
        return "ValueError: no JSON object in the completion (json_block_not_found)"
    return None  # parsed, but not a vector: returned, and the json_valid scorer says False


def usage(requests: int, prompt: int, completion: int) -> Json:
    return {
        "requests": requests,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@dataclass(frozen=True)
class ScoredCall:
    """One `Evaluation.predict_and_score` call and what Weave's summary counts of it."""

    call: Json
    end: datetime
    raised: bool
    valid: bool
    mae: float | None
    latency: float | None  # model latency in seconds, None when the op raised
    tokens: tuple[int, int]  # prompt, completion


def predict_and_score(
    spec: RunSpec, s: Scored, ids: tuple[str, str, str], start: datetime, rng: random.Random
) -> ScoredCall:
    """A row: the model op raises on unparsable JSON (output null), else scorers run."""
    prompt = 58 + math.ceil(len(s.row.request_text) / 4)
    tokens = completion_tokens(s.text)
    model_latency = round(0.092 + 0.0042 * tokens + rng.uniform(0.0, 0.03), 4)
    latency_ms = round(model_latency * 1000 + rng.uniform(2.0, 9.0))
    end = start + timedelta(milliseconds=latency_ms)
    call = weave_call(spec, "Evaluation.predict_and_score", ids, (start, end))
    example = {
        "sample_index": s.row.index,
        "request_text": s.row.request_text,
        "weather": s.row.weather,
        "source_type": s.row.source_type,
        "target": s.row.target,
    }
    call["inputs"] = {
        "self": weave_ref("object", "Evaluation"),
        "model": weave_ref("object", "HiddenParamsModel"),
        "example": example,
    }
    exception = weave_exception(s.parse_error) if s.parse_error else None
    status = "error" if exception else "success"
    call["summary"] = {
        "usage": {spec.output_model_id: usage(1, prompt, tokens)},
        "weave": {
            "status": status,
            "trace_name": "Evaluation.predict_and_score",
            "latency_ms": latency_ms,
        },
    }
    if exception:
        call["exception"] = exception
        return ScoredCall(call, end, True, False, None, None, (prompt, tokens))
    valid = s.parse_error is None
    block = extract_json_block(s.text)
    answer = s.predicted if valid else json.loads(block or "null")
    mae = round(s.mae, 4) if valid else None
    call["output"] = {
        "output": answer,
        "scores": {"json_valid": {"valid": valid}, "mae_scorer": {"mae_raw": mae}},
        "model_latency": model_latency,
    }
    return ScoredCall(call, end, False, valid, mae, model_latency, (prompt, tokens))


def weave_summary(rows: list[ScoredCall]) -> Json:
    """What Weave reports: every scorer aggregate over the rows with a value (None dropped)."""
    scored = [r for r in rows if not r.raised]
    maes = [r.mae for r in scored if r.mae is not None]
    latencies = [r.latency for r in scored if r.latency is not None]
    valid = sum(1 for r in scored if r.valid)
    return {
        "json_valid": {"valid": {"true_count": valid, "true_fraction": valid / len(scored)}},
        "mae_scorer": {"mae_raw": {"mean": sum(maes) / len(maes)}},
        "model_latency": {"mean": sum(latencies) / len(latencies)},
    }


def weave_eval_start(spec: RunSpec) -> datetime:
    """The final evaluation starts right after the last training-time eval."""
    return spec.submitted_at + timedelta(minutes=6, seconds=13 * TOTAL_STEPS + 31)


def weave_evaluation(spec: RunSpec, scored: list[Scored]) -> tuple[str, datetime]:
    """The candidate's final Weave evaluation as JSONL (root, 80 rows, summarize); its end.

    The model op raises on completions without parsable JSON, so those rows have
    `output: null` and an exception, and Weave's summary leaves them out.
    """
    rng = random.Random(f"{SEED}:weave:{spec.name}")
    trace = trace_id(rng)
    root_id = trace_id(rng)
    start = weave_eval_start(spec)
    moment = start + timedelta(milliseconds=41)
    rows: list[ScoredCall] = []
    for s in scored:
        row = predict_and_score(spec, s, (trace_id(rng), trace, root_id), moment, rng)
        rows.append(row)
        moment = row.end + timedelta(milliseconds=12)
    reported = weave_summary(rows)
    summarize_span = (moment, moment + timedelta(milliseconds=6))
    end = summarize_span[1] + timedelta(milliseconds=3)
    root = weave_call(spec, "Evaluation.evaluate", (root_id, trace, None), (start, end))
    root["display_name"] = f"eval-{spec.name}-{spec.dataset_version}-valid"
    root["inputs"] = {
        "self": weave_ref("object", "Evaluation"),
        "model": weave_ref("object", "HiddenParamsModel"),
    }
    root["output"] = reported
    errors = sum(1 for r in rows if r.raised)
    prompt = sum(r.tokens[0] for r in rows)
    completion = sum(r.tokens[1] for r in rows)
    root["summary"] = {
        "usage": {spec.output_model_id: usage(len(rows), prompt, completion)},
        "status_counts": {"success": len(rows) - errors + 1, "error": errors},
        "weave": {
            "status": "descendant_error" if errors else "success",
            "trace_name": "Evaluation.evaluate",
            "latency_ms": round((end - start).total_seconds() * 1000),
        },
    }
    summarize = weave_call(
        spec, "Evaluation.summarize", (trace_id(rng), trace, root_id), summarize_span
    )
    summarize["inputs"] = {"self": weave_ref("object", "Evaluation")}
    summarize["output"] = reported
    summarize["summary"] = {
        "weave": {"status": "success", "trace_name": "Evaluation.summarize", "latency_ms": 6}
    }
    calls = [root, *(r.call for r in rows), summarize]
    return dump_lines(calls), end


def hard_case_trace_csv(spec: RunSpec, cases: list[Json]) -> str:
    """A CSV export (dotted columns) of the `trace_hard_case` calls of every hard case.

    weave_eval_traces.json lists only the top WEAVE_TOP; these calls cover all top-k, so
    ftlint joins them by trace id and rank and links the remaining hard cases too.
    """
    rng = random.Random(f"{SEED}:weave-csv:{spec.name}")
    columns = (
        "id",
        "project_id",
        "op_name",
        "display_name",
        "trace_id",
        "parent_id",
        "started_at",
        "ended_at",
        "inputs.rank",
        "inputs.sample_index",
        "inputs.request_text",
        "inputs.source_type",
        "output.mae_raw",
        "output.parse_error",
        "exception",
        "summary.weave.status",
        "summary.weave.trace_name",
        "summary.weave.latency_ms",
        "attributes.run_name",
        "attributes.weave.client_version",
        "wb_run_id",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    moment = weave_eval_start(spec) + timedelta(seconds=95)
    op = weave_ref("op", "trace_hard_case")
    for case, tid in zip(cases, case_trace_ids(spec, len(cases)), strict=True):
        latency = round(rng.uniform(180.0, 420.0))
        end = moment + timedelta(milliseconds=latency)
        cells = (
            trace_id(rng),
            WEAVE_PROJECT,
            op,
            "",
            tid,
            "",
            stamp_us(moment),
            stamp_us(end),
            case["rank"],
            case["sample_index"],
            case["request_text"],
            case["source_type"],
            case["mae_raw"],
            case["parse_error"] or "",
            "",
            "success",
            "trace_hard_case",
            latency,
            spec.name,
            WEAVE_VERSION,
            "",
        )
        writer.writerow(cells)
        moment = end + timedelta(milliseconds=25)
    return buffer.getvalue()


# ---------------------------------------------------------------- W&B run folder


def yaml_scalar(value: Any) -> str:
    """A YAML scalar PyYAML reads back as the same value (floats keep a `.`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, list):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return json.dumps(value)


def wandb_config(spec: RunSpec) -> str:
    """`files/config.yaml`: `key: {value: ...}` entries (sorted, as W&B writes them)."""
    entries: dict[str, Any] = dict(train_env(spec))  # the script logs its env as strings
    entries.update(
        {
            "run_name": spec.name,
            "output_dir": f"{spec.remote_dir}/checkpoints",
            "learning_rate": float(spec.lr),
            "num_train_epochs": EPOCHS,
            "per_device_train_batch_size": BATCH,
            "gradient_accumulation_steps": GRAD_ACCUM,
            "warmup_ratio": 0.03,
            "logging_steps": LOG_STEPS,
            "eval_steps": EVAL_STEPS,
            "max_length": 768,
            "seed": 42,
            "bf16": True,
            "report_to": ["wandb"],
            "dataset_version": spec.dataset_version,
            "target_scale": spec.scale,
        }
    )
    lines: list[str] = []
    for key in sorted([*entries, "_wandb"]):
        if key == "_wandb":
            lines += [
                "_wandb:",
                "    value:",
                f"        cli_version: {WANDB_VERSION}",
                "        m: []",
                f"        python_version: {PYTHON_VERSION}",
                "        t:",
                '            "1": [1, 5, 11, 41, 49, 51, 53, 55, 71, 98]',
                '            "2": [1, 5, 11, 41, 49, 51, 53, 55, 71, 98]',
                '            "3": [7, 13, 19, 23, 55, 62, 66]',
                f'            "4": {PYTHON_VERSION}',
                f'            "5": {WANDB_VERSION}',
                '            "6": 4.49.0',
                '            "8": [5]',
                f'            "12": {WANDB_VERSION}',
                '            "13": linux-x86_64',
            ]
            continue
        lines += [f"{key}:", f"    value: {yaml_scalar(entries[key])}"]
    return "\n".join(lines) + "\n"


def wandb_metadata(spec: RunSpec, started: datetime) -> Json:
    """`files/wandb-metadata.json`, with the personal fields W&B records (fake here)."""
    rng = random.Random(f"{SEED}:git:{spec.name}")
    return {
        "os": "Linux-5.15.0-1072-aws-x86_64-with-glibc2.36",
        "python": f"CPython {PYTHON_VERSION}",
        "startedAt": stamp_us(started),
        "args": [],
        "program": f"{FAKE_HOME}/hidden-params/scripts/train_sft.py",
        "codePath": "scripts/train_sft.py",
        "codePathLocal": "scripts/train_sft.py",
        "git": {
            "remote": f"https://github.com/{NAMESPACE}/hidden-params.git",
            "commit": f"{rng.getrandbits(160):040x}",
        },
        "email": FAKE_EMAIL,
        "root": f"{FAKE_HOME}/hidden-params",
        "host": f"{FAKE_USER}-a10g-devbox",
        "username": FAKE_USER,
        "executable": f"{FAKE_HOME}/hidden-params/.venv/bin/python",
        "cpu_count": 4,
        "cpu_count_logical": 8,
        "gpu": "NVIDIA A10G",
        "gpu_count": 1,
        "disk": {"/": {"total": "536870912000", "used": "91268055040"}},
        "memory": {"total": "33285996544"},
        "gpu_nvidia": [
            {
                "name": "NVIDIA A10G",
                "memoryTotal": "24146608128",
                "cudaCores": 9216,
                "architecture": "Ampere",
            }
        ],
        "cudaVersion": "12.4",
    }


def failures_table(cases: list[Json]) -> str:
    """The failures among the top-k hard cases, as the script logs them (a wandb.Table)."""
    data = [[c[k] for k in FAILURE_COLUMNS] for c in cases if c["parse_error"] is not None]
    return json.dumps({"columns": list(FAILURE_COLUMNS), "data": data}, ensure_ascii=False) + "\n"


def wandb_summary(
    spec: RunSpec, scored: list[Scored], table: tuple[str, str], span: tuple[datetime, datetime]
) -> Json:
    """`files/wandb-summary.json`: the last logged value of every key, `/`-namespaced."""
    path, text = table
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    train = train_block(spec)
    evals = eval_metrics(scored, spec.scale)
    warmup = math.ceil(0.03 * TOTAL_STEPS)
    runtime = (span[1] - span[0]).total_seconds()
    rows = len(json.loads(text)["data"])
    artifact = f"wandb-client-artifact://{digest[20:40]}"
    summary: Json = {
        "train/loss": train_loss(spec, TOTAL_STEPS),
        "train/grad_norm": round(0.35 + spec.seed / 100, 4),
        "train/learning_rate": float(spec.lr) / (TOTAL_STEPS - warmup),
        "train/epoch": float(EPOCHS),
        "train/global_step": TOTAL_STEPS,
        "iter_eval/step": TOTAL_STEPS,
        "iter_eval/json_valid_rate": evals["json_valid_rate"],
        "iter_eval/parse_error_rate": evals["parse_error_rate"],
        "iter_eval/mae_raw": evals["mae_raw"],
        "iter_eval/hard_cases_count": spec.top_k,
        **{f"train/{k}": v for k, v in train.items() if k != "epoch"},
        **{f"eval/{k}": v for k, v in evals.items()},
        "eval/failures_top_k": {
            "_type": "table-file",
            "sha256": digest,
            "size": len(text.encode("utf-8")),
            "path": path,
            "ncols": len(FAILURE_COLUMNS),
            "nrows": rows,
            "artifact_path": f"{artifact}/eval/failures_top_k.table.json",
            "_latest_artifact_path": f"{artifact}:latest/eval/failures_top_k.table.json",
        },
        "_step": WANDB_LAST_STEP,
        "_runtime": round(runtime, 6),
        "_timestamp": span[1].timestamp(),
        "_wandb": {"runtime": int(runtime)},
    }
    return summary


def wandb_folder(
    spec: RunSpec, scored: list[Scored], cases: list[Json], end: datetime
) -> dict[str, str]:
    """An online W&B run folder: its JSON and YAML files, timed with the Weave eval.

    No binary run-<id>.wandb log: a real one cannot be written deterministically without
    the SDK, so the step history stays in outputs/<run>/iter_eval_metrics.jsonl.
    """
    started = spec.submitted_at + timedelta(minutes=4, seconds=12, microseconds=418305)
    folder = f"wandb/run-{started:%Y%m%d_%H%M%S}-{WANDB_ID}/files/"
    finished = end + timedelta(seconds=4, microseconds=207311)
    text = failures_table(cases)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]  # W&B: <key>_<step>_<hash>
    media = f"media/table/eval/failures_top_k_{WANDB_LAST_STEP}_{digest}.table.json"
    summary = wandb_summary(spec, scored, (media, text), (started, finished))
    return {
        folder + "wandb-summary.json": dump(summary),
        folder + "config.yaml": wandb_config(spec),
        folder + "wandb-metadata.json": dump(wandb_metadata(spec, started)),
        folder + media: text,
    }


def wandb_and_weave(run_scored: dict[str, list[Scored]]) -> dict[str, str]:
    """The candidate's W&B folder and Weave evaluation; the baseline's hard-case traces."""
    baseline, candidate = RUNS[0], RUNS[1]
    scored = run_scored[candidate.name]
    cases = hard_cases(scored, candidate.top_k)
    export, end = weave_evaluation(candidate, scored)
    files = wandb_folder(candidate, scored, cases, end)
    files[f"weave/{candidate.name}_eval_calls.jsonl"] = export
    base_cases = hard_cases(run_scored[baseline.name], baseline.top_k)
    files[f"weave/{baseline.name}_hard_case_traces.csv"] = hard_case_trace_csv(baseline, base_cases)
    return files


# ---------------------------------------------------------------- README and writing

README = f"""{MARKER}

A small, deterministic eval campaign for trying ftlint. Regenerate with
`python scripts/make_examples.py` (the test `tests/test_examples_fresh.py` fails
when this tree is stale). Every number below is computed from simulated per-row
predictions on the 80-row eval set; unparsed outputs are scored with the mid-scale
placeholder vector, as the real pipeline does.

Task: the model answers a music request with one JSON object holding six integer
hidden parameters on 0..target_scale:
{", ".join(KEYS)}.

Runs (`outputs/<run>/`, submitted in `artifacts/hf_jobs/submissions.jsonl`):

- `sft-c1-baseline` (cycle c1, dataset v3, scale 100): the healthy baseline:
  79 of 80 outputs parse (one has no JSON at all); mae_raw about 9.
- `sft-c2-candidate` (cycle c2, same dataset and eval set, LR 5e-5, initialised from
  the baseline adapter): train loss goes down while 15 of 80 outputs fail to parse.
  Most are completions cut at the 96-token cap; the rest are prose around the JSON,
  a markdown fence with a trailing comma, a wrapper object, repeated objects and one
  empty completion. The parse-error rate jumps at step 100 and never recovers.
  `nostalgia` is far worse than the other dimensions, quality metrics mix in
  placeholder predictions, and rule_prompt rows ("Variant-N: calm piano for
  studying") dominate the hard cases.
- `sft-c2-scale10` (cycle c2, dataset v4, target scale 10): not comparable with the
  other two. Its iteration series stops after a few evaluations and ends in a
  half-written line; its submission record has `job_id: null` (the id is only in
  `stdout_tail`).

Eval jobs (`artifacts/hf_jobs/eval_submissions.jsonl`, results in
`artifacts/eval/runs/`): a prompt baseline of the base model; a fine_tuned eval of the
baseline adapter whose submission failed (401 Unauthorized); a fine_tuned eval of the
candidate adapter where 5% of rows were answered by the Mistral fallback, and whose
command carries a pasted (fake) `HF_TOKEN`. Eval records without `run_name` join to
training runs by `local_adapter_model_id`.

W&B and Weave (`wandb/`, `weave/`):

- `wandb/run-20250312_083412-c2cand01/files/`: the candidate's online W&B run folder
  as the training job left it. `wandb-summary.json` holds the last logged values
  (`eval/*` equal to `final_metrics.json`, `train/*`, `iter_eval/*`, `_step`,
  `_runtime`, `_timestamp`, `_wandb`) and the `eval/failures_top_k` table entry;
  `config.yaml` holds the job's `--env` values and trainer arguments as
  `key: {{value: ...}}` entries plus the `_wandb` block; the table
  `media/table/eval/failures_top_k_28_<hash>.table.json` lists the 15 unparsed rows.
  The folder joins the run by `HF_FT_RUN_NAME` in `config.yaml`, so `ftlint runs
  examples` lists these files among the candidate's sources; every value agrees with
  the outputs and the job record, so no conflict is reported. `wandb-metadata.json`
  holds (fake) personal data the way W&B records it: an email, a user name, a host
  name and home-directory paths. ftlint keeps only the git commit, the repo-relative
  program and the start time; none of the personal fields appears in any output.
  There is no binary `run-<id>.wandb` log (a real one cannot be generated
  deterministically without the W&B SDK), so the step history comes from
  `iter_eval_metrics.jsonl`.
- `weave/sft-c2-candidate_eval_calls.jsonl`: a Weave export (one call per line) of the
  candidate's final evaluation: the `Evaluation.evaluate` root, its 80
  `Evaluation.predict_and_score` rows and the `Evaluation.summarize` call. The model
  op raises on the 14 completions without parsable JSON, so those rows have
  `output: null` and an exception; the wrapper-object row parses and is scored
  invalid. Weave's summary drops the failed rows: it reports a json_valid
  true_fraction of 0.9848 (65 of 66 scored rows) where the recount over all 80 rows is
  0.8125, and an MAE mean over only 65 rows. PRV007 `weave-denominator` reports it.
  The calls carry `wb_run_id` (the W&B run above) and a `run_name` attribute, which
  join them to `sft-c2-candidate`.
- `weave/sft-c1-baseline_hard_case_traces.csv`: a CSV export (dotted columns such as
  `inputs.rank`, `summary.weave.latency_ms`) of the baseline's 16 `trace_hard_case`
  calls. `weave_eval_traces.json` lists only the top 10; ftlint joins the CSV rows by
  trace id and rank, so findings on hard cases 11-16 link their traces too.
"""


def dump(obj: Json) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def dump_lines(objs: list[Json]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def build() -> dict[str, str]:
    """Every file of the workspace: relative POSIX path -> text."""
    files = {"README.md": README}
    run_scored: dict[str, list[Scored]] = {}
    for spec in RUNS:
        rows = make_rows(spec.dataset_version, spec.scale)
        run_files, run_scored[spec.name] = run_outputs(spec, rows)
        files.update(run_files)
    files.update(submissions())
    files.update(eval_results(make_rows("v3", 100), run_scored["sft-c2-candidate"]))
    files.update(wandb_and_weave(run_scored))
    return dict(sorted(files.items()))


def write(out: Path, files: dict[str, str]) -> None:
    """Write the files; remove stale files only from a tree this script generated."""
    existing = sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []
    readme = out / "README.md"
    ours = readme.is_file() and readme.read_text(encoding="utf-8").startswith(MARKER)
    if existing and not ours:
        raise SystemExit(f"refusing to write into {out}: not empty and not an example tree")
    for path in existing:
        if path.relative_to(out).as_posix() not in files:
            path.unlink()
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "examples"
    parser.add_argument("--out", type=Path, default=default, help="output directory")
    args = parser.parse_args(argv)
    write(args.out, build())
    return 0


if __name__ == "__main__":
    sys.exit(main())
