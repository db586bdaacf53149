"""Deterministic synthetic eval workspaces for the ftlint benchmarks, at any scale.

    python benchmarks/generate.py OUT --runs 20 --hard-cases 80
    python benchmarks/generate.py OUT --hard-case-bytes 1G          # one 1 GiB run

Standard library only. Everything comes from `random.Random` streams seeded by
`seed` and the run name, and from fixed timestamps, so the same parameters write
byte-identical files. The layout is the one in ARTIFACTS.md sections 1-4: job
records whose `command` carries `--env KEY=VALUE` pairs, `outputs/<run>/` with
`final_metrics.json` (its `eval` block computed from the simulated eval rows),
`iter_eval_metrics.jsonl`, `hard_cases.valid.jsonl` (the top-k rows by per-row MAE,
with a chosen mix of failure modes) and `weave_eval_traces.json`, and optionally
W&B local run folders (`files/wandb-summary.json` and `files/config.yaml`).

Failure modes of a completion (`failure_mix` keys):

- `valid`: the JSON object (with a `rationale` field in long mode);
- `truncated`: reasoning, then the JSON cut by the token cap (no closing brace);
- `prose`: the JSON wrapped in prose (some tails contain a stray brace and fail);
- `fenced`: a markdown ```json fence (half of them with a trailing comma, which fails);
- `wrapper`: `{"request_text": ..., "hidden_params": {...}}` (no vector at top level);
- `empty`: an empty completion.

`parse_error` and `predicted_vector` come from a re-implementation of the writer's
parser, so `prose` and clean `fenced` rows parse (they are format warnings, not
failures) exactly as in the real pipeline; an unparsed row scores the mid-scale
placeholder vector. Every vector value is a float and `mae_raw` a float32 mean, as the
real writer stores them (`float(tensor[i, j].item())`: 95.0, not 95; 33.66666793823242):
JSON floats cost a reader more than integers, so the streaming budget is measured on
what ftlint meets in practice.

With `hard_case_bytes` the hard-case file of every run is stream-written until it
reaches that size: rows are serialised from a pre-rendered pool (sorted by MAE, so
ranks stay ordered by error) with a unique rank, sample index and request text each,
and never held in memory. `ensure_workspace` caches a generated tree under a work
directory with a small manifest and reuses it when the parameters match.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import struct
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

# The example generator (scripts/, not a package) owns the task's vocabulary and the
# re-implementation of the writer's parser; this generator reuses them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import make_examples as _examples
from make_examples import KEYS, Json, Vector, parse_vector

GENERATOR_VERSION = 5  # 5: float vectors and float32 MAEs, as the real writer stores them
FAILURE_MODES = ("valid", "truncated", "prose", "fenced", "wrapper", "empty")
#: A typical top-k: mostly valid rows with a tail of format failures.
DEFAULT_MIX: dict[str, float] = {
    "valid": 0.70,
    "truncated": 0.12,
    "prose": 0.06,
    "fenced": 0.05,
    "wrapper": 0.04,
    "empty": 0.03,
}
NAMESPACE = "acme-ml"
BASE_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
DATASET_REPO = "acme-ml/hidden-params-sft"
WEAVE_URL = "https://wandb.ai/acme-ml/hidden-params/weave/traces/"
SOURCE_MIX = "request_text:0.6,rule_prompt:0.4"
T0 = datetime(2025, 3, 10, 9, 0, 0, tzinfo=UTC)
TOTAL_STEPS = 180  # 1440 train examples / (batch 8 x grad_accum 2) x 2 epochs
MAX_NEW_TOKENS = 160
TEXT_CAP = 600  # the writer cuts generated_text to 600 characters
POOL_SIZE = 4096  # pre-rendered rows behind a streamed hard-case file
MARK = "@@SAMPLE@@"  # where a streamed row's own sample number goes
WEAVE_TOP = 10

#: The example workspace's first 14 request phrases and their target vectors.
REQUESTS = _examples.REQUESTS[:14]
RULE_PROMPTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("calm piano for studying", (15, 60, 35, 95, 40, 45)),
    ("nostalgic 80s ballads for a long drive", (45, 70, 55, 35, 40, 92)),
    ("energetic rock for the gym", (90, 35, 60, 20, 45, 35)),
    ("warm jazz for a dinner party", (40, 85, 50, 70, 65, 60)),
)
WEATHER = ("rainy", "clear night", "sunny", "overcast", "snowy", "foggy morning", "windy")
REASONING = (
    "Energy depends mostly on the activity the listener describes.",
    "Warmth follows the instrumentation: strings and voices feel warmer than synths.",
    "The weather shifts brightness, so a grey day pulls it down a little.",
    "Acousticness is high for folk, jazz and piano, low for electronic genres.",
    "Complexity tracks the arrangement and how much happens in each bar.",
    "Nostalgia depends on the era the request evokes and on personal memories.",
    "I will keep the values on the 0 to 100 scale and round them to integers.",
    "A late hour usually means calmer music, which lowers energy slightly.",
    "Dance music needs a steady beat, so energy and brightness both go up.",
    "The request mentions a specific decade, which raises nostalgia noticeably.",
)


# ---------------------------------------------------------------- rows and completions


@dataclass(frozen=True)
class Case:
    """One scored eval row: the hard-case fields except `rank`."""

    sample_index: int
    request_text: str
    source_type: str
    weather: str
    target: Vector
    predicted: Vector
    parse_error: str | None
    text: str

    @property
    def errors(self) -> dict[str, int]:
        """Signed per-dimension errors (target - predicted)."""
        return {k: self.target[k] - self.predicted[k] for k in KEYS}

    @property
    def mae(self) -> float:
        """The mean absolute error as the real writer stores it: a float32 mean
        (`torch.mean(...).item()`), so 33.66666793823242, not 33.6667."""
        return _float32(sum(abs(v) for v in self.errors.values()) / len(KEYS))

    def row(self, rank: int) -> Json:
        return {
            "rank": rank,
            "sample_index": self.sample_index,
            "request_text": self.request_text,
            "source_type": self.source_type,
            "weather": self.weather,
            # the real writer stores every dimension as `float(tensor[i, j].item())`
            "target_vector": {k: float(v) for k, v in self.target.items()},
            "predicted_vector": {k: float(v) for k, v in self.predicted.items()},
            "abs_error_raw": {k: float(abs(v)) for k, v in self.errors.items()},
            "mae_raw": self.mae,
            "parse_error": self.parse_error,
            "generated_text": self.text[:TEXT_CAP],
        }


def _float32(value: float) -> float:
    """`value` rounded to the nearest float32, as a Python float."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def clamp(value: float, scale: int) -> int:
    return min(max(round(value), 0), scale)


def reasoning(rng: random.Random, chars: int) -> str:
    """Brace-free prose: whole sentences, at most `chars` characters (at least one)."""
    out = [rng.choice(REASONING)]
    size = len(out[0])
    while True:
        sentence = rng.choice(REASONING)
        if size + 1 + len(sentence) > chars:
            return " ".join(out)
        out.append(sentence)
        size += 1 + len(sentence)


def completion(kind: str, request: str, vector: Vector, rng: random.Random, long: bool) -> str:
    """The raw completion for one failure mode; `long` makes it about 400-600 characters
    (what a model that reasons before answering writes), else a short one."""
    body = json.dumps(vector)
    budget = rng.randint(460, TEXT_CAP - 20) if long else rng.randint(60, 160)
    quote = f'The listener asked for "{request}". ' if long else ""
    match kind:
        case "valid":
            if not long:
                return body
            why = quote + reasoning(rng, budget - len(body) - len(quote) - 16)
            return json.dumps({**vector, "rationale": why}, ensure_ascii=False)
        case "truncated":
            cut = rng.randint(16, len(body) - 3)
            lead = f'Let me think step by step about "{request}". '
            lead += reasoning(rng, max(40, budget - len(lead) - cut - 2)) + "\n\n"
            return lead + body[:cut]
        case "prose":
            text = quote + f"Here is the JSON for your request:\n{body}\n"
            tail = " Let me know if you want {energy} turned up." if rng.random() < 0.3 else ""
            return text + reasoning(rng, max(40, budget - len(text) - len(tail))) + tail
        case "fenced":
            comma = "," if rng.random() < 0.5 else ""
            lines = [f'  "{k}": {vector[k]}' for k in KEYS]
            block = "\n```json\n{\n" + ",\n".join(lines) + comma + "\n}\n```"
            return quote + reasoning(rng, max(40, budget - len(quote) - len(block))) + block
        case "wrapper":
            wrapped: Json = {"request_text": request, "hidden_params": vector}
            if long:
                wrapped["reasoning"] = reasoning(rng, budget - len(json.dumps(wrapped)) - 16)
            return json.dumps(wrapped, ensure_ascii=False)
        case "empty":
            return ""
    raise ValueError(f"unknown failure mode {kind!r}")


def make_case(
    rng: random.Random, index: int | str, kind: str, scale: int, sigma: float, long: bool
) -> Case:
    """A scored eval row whose completion has failure mode `kind`. In `long` mode every
    request carries its sample number and every completion but an empty one quotes the
    request, so no two rows are alike (as in real eval sets)."""
    if rng.random() < 0.4:
        phrase, base = rng.choice(RULE_PROMPTS)
        request, source = f"Variant-{rng.randint(1, 9)}: {phrase}", "rule_prompt"
        if long:
            request += f", sample {index}"
    else:
        phrase, base = rng.choice(REQUESTS)
        request, source = f"{phrase}, sample {index}", "request_text"
    factor = scale / 100
    target = {
        k: clamp((b + rng.gauss(0, 7)) * factor, scale) for k, b in zip(KEYS, base, strict=True)
    }
    intended = {k: clamp(target[k] + rng.gauss(0, sigma * factor), scale) for k in KEYS}
    text = completion(kind, request, intended, rng, long)
    vector, error = parse_vector(text, scale)
    placeholder = dict.fromkeys(KEYS, scale // 2)
    return Case(
        index, request, source, rng.choice(WEATHER), target, vector or placeholder, error, text
    )


def pick_kinds(rng: random.Random, count: int, mix: Mapping[str, float]) -> list[str]:
    """`count` failure modes in the proportions of `mix` (largest remainder), shuffled."""
    total = sum(mix.values())
    shares = {k: count * v / total for k, v in mix.items()}
    counts = {k: int(s) for k, s in shares.items()}
    left = count - sum(counts.values())
    for k in sorted(shares, key=lambda k: (counts[k] - shares[k], k))[:left]:
        counts[k] += 1
    kinds = [k for k in mix for _ in range(counts[k])]
    rng.shuffle(kinds)
    return kinds


def check_mix(mix: Mapping[str, float]) -> dict[str, float]:
    unknown = sorted(set(mix) - set(FAILURE_MODES))
    if unknown:
        raise ValueError(f"unknown failure modes {unknown}; known: {', '.join(FAILURE_MODES)}")
    if any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
        raise ValueError("failure_mix weights must be >= 0 with a positive sum")
    return {k: float(mix[k]) for k in FAILURE_MODES if mix.get(k, 0) > 0}


# ---------------------------------------------------------------- metrics


class ErrorSums:
    """Running sums of per-dimension errors, so metrics never need the rows in memory."""

    def __init__(self) -> None:
        self.n = 0
        self.valid = 0
        self.abs = dict.fromkeys(KEYS, 0.0)
        self.sq = dict.fromkeys(KEYS, 0.0)

    def add(self, case: Case, times: int = 1) -> None:
        self.n += times
        self.valid += times if case.parse_error is None else 0
        for k, e in case.errors.items():
            self.abs[k] += abs(e) * times
            self.sq[k] += e * e * times

    def eval_block(self, scale: int) -> Json:
        n = max(self.n, 1)
        out: Json = {
            "json_valid_rate": round(self.valid / n, 6),
            "parse_error_rate": round((n - self.valid) / n, 6),
        }
        out.update(
            _errors("", sum(self.abs.values()) / 6 / n, sum(self.sq.values()) / 6 / n, scale)
        )
        for k in KEYS:
            out.update(_errors(f"_{k}", self.abs[k] / n, self.sq[k] / n, scale))
        out["target_scale"] = scale
        return out


def _errors(suffix: str, mae: float, mse: float, scale: int) -> Json:
    return {
        f"mae_raw{suffix}": round(mae, 6),
        f"mse_raw{suffix}": round(mse, 6),
        f"mae_norm{suffix}": round(mae / scale, 6),
        f"mse_norm{suffix}": round(mse / scale**2, 6),
    }


# ---------------------------------------------------------------- one run


@dataclass(frozen=True)
class RunPlan:
    name: str
    index: int
    cycle: str
    scale: int
    sigma: float
    lr: str
    submitted_at: datetime
    seed: int = 0

    def rng(self, stream: str) -> random.Random:
        """A random stream of this run (seed 0 keeps the historical, seed-free keys)."""
        prefix = f"{self.seed}:" if self.seed else ""
        return random.Random(f"{prefix}{self.name}:{stream}")

    @property
    def remote_dir(self) -> str:
        return f"/data/runs/{self.name}"

    @property
    def model_id(self) -> str:
        return f"{NAMESPACE}/qwen2.5-0.5b-hidden-params-{self.name}"


def plan_runs(count: int, seed: int) -> list[RunPlan]:
    rng = random.Random(f"{seed}:plans")
    plans = []
    for i in range(count):
        cycle = f"c{i // 10 + 1}"
        plans.append(
            RunPlan(
                name=f"sft-{cycle}-r{i:04d}",
                index=i,
                cycle=cycle,
                scale=100,
                sigma=round(rng.uniform(5.0, 12.0), 2),
                lr=rng.choice(("0.00001", "0.00002", "0.00005")),
                submitted_at=T0 + timedelta(minutes=37 * i),
                seed=seed,
            )
        )
    return plans


def _dump(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _hard_cases_small(
    plan: RunPlan, count: int, mix: Mapping[str, float], out: Path
) -> tuple[list[Json], ErrorSums, int]:
    """Top-`count` hard cases with the chosen mix, plus easier rows that complete the
    eval set (all valid, never worse than the easiest hard case)."""
    rng = plan.rng("cases")
    kinds = pick_kinds(rng, count, mix)
    cases = [
        make_case(rng, i * 7 + 3, k, plan.scale, plan.sigma, False) for i, k in enumerate(kinds)
    ]
    cases.sort(key=lambda c: (-c.mae, c.sample_index))
    sums = ErrorSums()
    for case in cases:
        sums.add(case)
    eval_rows = max(80, 2 * count)
    floor_mae = int(cases[-1].mae) if cases else 5
    for j in range(eval_rows - count):
        target = {k: rng.randint(10, plan.scale - 10) for k in KEYS}
        predicted = {k: target[k] + rng.randint(-floor_mae, floor_mae) for k in KEYS}
        sums.add(Case(j * 7 + 5, "", "request_text", "sunny", target, predicted, None, ""))
    rows = [c.row(rank) for rank, c in enumerate(cases, start=1)]
    _write(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return rows, sums, eval_rows


def _hard_cases_stream(
    plan: RunPlan, target_bytes: int, mix: Mapping[str, float], out: Path
) -> tuple[list[Json], ErrorSums, int]:
    """Stream-write rows until the file reaches `target_bytes`; constant memory.

    Each row comes from a pool of pre-rendered cases sorted by MAE (block i of the file
    uses pool entry i * POOL_SIZE // n, so MAE never increases with rank); its rank and
    sample number are spliced in, so every request and completion is unique.
    """
    rng = plan.rng("stream")
    kinds = pick_kinds(rng, POOL_SIZE, mix)
    pool = [make_case(rng, MARK, k, plan.scale, plan.sigma, True) for k in kinds]
    pool.sort(key=lambda c: -c.mae)
    parts = []  # each row's JSON after `"sample_index": N, `, split where N goes again
    for case in pool:
        doc = case.row(0)
        del doc["rank"], doc["sample_index"]
        parts.append((json.dumps(doc, ensure_ascii=False)[1:] + "\n").split(MARK))
    avg = sum(len("".join(p).encode()) + 40 for p in parts) / len(pool)
    planned = max(1, math.ceil(target_bytes / avg))
    counts = [0] * len(pool)
    first: list[Json] = []
    written = rows = 0
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        buf: list[str] = []
        while written < target_bytes:
            p = min(rows * len(pool) // planned, len(pool) - 1)
            rows += 1
            n = str(rows)
            line = f'{{"rank": {n}, "sample_index": {n}, ' + n.join(parts[p])
            counts[p] += 1
            if rows <= WEAVE_TOP:
                first.append(json.loads(line))
            written += len(line) if line.isascii() else len(line.encode())
            buf.append(line)
            if len(buf) >= 2048:
                handle.write("".join(buf))
                buf.clear()
        handle.write("".join(buf))
    sums = ErrorSums()
    for case, times in zip(pool, counts, strict=True):
        if times:
            sums.add(case, times)
    return first, sums, rows


def _series(plan: RunPlan, steps: int, final: Json, top: Json | None) -> str:
    rng = plan.rng("series")
    lines = []
    every = eval_every(steps)
    for i in range(min(steps, TOTAL_STEPS)):
        step = min(every * (i + 1), TOTAL_STEPS)
        progress = (i + 1) / steps
        worse = 1.0 + 0.6 * (1.0 - progress)
        metrics = {
            k: round(v * worse * rng.uniform(0.97, 1.03), 6) if "_raw" in k or "_norm" in k else v
            for k, v in final["eval"].items()
        }
        valid = min(1.0, final["eval"]["json_valid_rate"] + 0.02 * (1 - progress))
        metrics["json_valid_rate"] = round(valid, 6)
        metrics["parse_error_rate"] = round(1 - valid, 6)
        record = {
            "timestamp": (plan.submitted_at + timedelta(minutes=6, seconds=13 * step)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "step": step,
            "train_loss": round(0.35 + 1.5 * math.exp(-step / 45), 4),
            "metrics": metrics,
            "hard_cases_count": final["hard_cases_top_k"],
            "top_hard_case": top,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def _trace_id(rng: random.Random) -> str:
    d = f"0195{rng.getrandbits(112):028x}"
    return f"{d[:8]}-{d[8:12]}-7{d[13:16]}-{'89ab'[int(d[16], 16) % 4]}{d[17:20]}-{d[20:]}"


def _traces(plan: RunPlan, rows: Sequence[Json]) -> Json:
    rng = plan.rng("traces")
    out = []
    for row in rows[:WEAVE_TOP]:
        tid = _trace_id(rng)
        out.append(
            {
                "trace_id": tid,
                "trace_url_hint": WEAVE_URL + tid,
                "rank": row["rank"],
                "mae_raw": row["mae_raw"],
                "parse_error": row["parse_error"],
            }
        )
    return {"run_name": plan.name, "rows": out}


def eval_every(steps: int) -> int:
    """The eval interval that spreads `steps` evaluations over the whole training."""
    return max(1, TOTAL_STEPS // max(steps, 1))


def _env(plan: RunPlan, top_k: int, steps: int) -> list[tuple[str, str]]:
    return [
        ("HF_BASE_MODEL_ID", BASE_MODEL),
        ("HF_FT_DATASET_REPO_ID", DATASET_REPO),
        ("HF_FT_OUTPUT_MODEL_ID", plan.model_id),
        ("HF_FT_RUN_NAME", plan.name),
        ("HF_FT_EPOCHS", "2"),
        ("HF_FT_LR", plan.lr),
        ("HF_FT_BATCH_SIZE", "8"),
        ("HF_FT_GRAD_ACCUM", "2"),
        ("HF_FT_EVAL_STEPS", str(eval_every(steps))),
        ("HF_FT_HARD_CASE_TOP_K", str(top_k)),
        ("HF_FT_GENERATION_MAX_NEW_TOKENS", str(MAX_NEW_TOKENS)),
        ("HF_FT_TARGET_SCALE", str(plan.scale)),
        ("HF_FT_LORA_R", "16"),
        ("HF_FT_LORA_ALPHA", "32"),
        ("FT_DATASET_VERSION", "v3"),
        ("FT_SOURCE_TYPE_MIX", SOURCE_MIX),
        ("LOOP_CYCLE_ID", plan.cycle),
        ("EVAL_LOCAL_MAX_NEW_TOKENS", str(MAX_NEW_TOKENS)),
        ("WANDB_ENTITY", ""),
        ("WANDB_PROJECT", "hidden-params"),
        ("WEAVE_PROJECT", f"{NAMESPACE}/hidden-params"),
    ]


def _submission(plan: RunPlan, top_k: int, steps: int) -> Json:
    jid = f"{plan.rng('job').getrandbits(96):024x}"
    command = " ".join(
        [
            "hf jobs uv run --flavor a10g-small --timeout 2h --secrets HF_TOKEN",
            "--with trl>=0.12 --with peft --with wandb",
            *(f"--env {k}={v}" for k, v in _env(plan, top_k, steps)),
            "scripts/train_sft.py",
        ]
    )
    return {
        "submitted_at": plan.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "namespace": NAMESPACE,
        "flavor": "a10g-small",
        "timeout": "2h",
        "run_name": plan.name,
        "output_model_id": plan.model_id,
        "dataset_repo_id": DATASET_REPO,
        "command": command,
        "exit_code": 0,
        "job_id": jid,
        "stdout_tail": f"Job started with ID: {jid}\n",
        "stderr_tail": "",
    }


def _wandb(root: Path, plan: RunPlan, final: Json, top_k: int, steps: int) -> None:
    rid = f"{plan.rng('wandb').getrandbits(40):010x}"[:8]
    folder = root / "wandb" / f"run-{plan.submitted_at.strftime('%Y%m%d_%H%M%S')}-{rid}" / "files"
    summary: Json = {f"eval/{k}": v for k, v in final["eval"].items()}
    summary.update({"train/loss": final["train"]["train_loss"], "_step": 200, "_runtime": 2600.5})
    summary["_timestamp"] = plan.submitted_at.timestamp() + 2600.5
    summary["_wandb"] = {"runtime": 2600}
    _write(folder / "wandb-summary.json", json.dumps(summary) + "\n")
    lines = ["_wandb:", "  value:", "    cli_version: 0.19.8", "    python_version: 3.11.9"]
    for key, value in _env(plan, top_k, steps):
        lines += [f"{key}:", f"  value: {json.dumps(value)}"]
    _write(folder / "config.yaml", "\n".join(lines) + "\n")


def _one_run(
    root: Path,
    plan: RunPlan,
    hard_cases: int,
    steps: int,
    mix: Mapping[str, float],
    hard_case_bytes: int | None,
) -> tuple[int, int]:
    run_dir = root / "outputs" / plan.name
    run_dir.mkdir(parents=True, exist_ok=True)
    hc_path = run_dir / "hard_cases.valid.jsonl"
    if hard_case_bytes:
        rows, sums, count = _hard_cases_stream(plan, hard_case_bytes, mix, hc_path)
        eval_rows, top_k = count, count
    else:
        rows, sums, eval_rows = _hard_cases_small(plan, hard_cases, mix, hc_path)
        count = top_k = len(rows)
    final: Json = {
        "objective": "hidden_params_json_regression",
        "target_keys": list(KEYS),
        "cycle_id": plan.cycle,
        "dataset_version": "v3",
        "source_type_mix": SOURCE_MIX,
        "target_scale": plan.scale,
        "train": {
            "train_runtime": 2580.0 + plan.index,
            "train_samples_per_second": 1.116,
            "train_loss": round(0.33 + plan.sigma / 100, 4),
            "epoch": 2.0,
        },
        "eval": sums.eval_block(plan.scale),
        "hard_cases_top_k": top_k,
        "hard_cases_path": f"{plan.remote_dir}/hard_cases.valid.jsonl",
        "iter_eval_metrics_path": f"{plan.remote_dir}/iter_eval_metrics.jsonl",
        "weave_trace_path": f"{plan.remote_dir}/weave_eval_traces.json",
        "train_examples": 1440,
        "valid_examples": eval_rows,
        "detailed_eval_max_samples": eval_rows,
        "detailed_eval_examples": eval_rows,
        "adapter_dir": f"{plan.remote_dir}/adapter",
        "hub_model_id": plan.model_id,
    }
    _write(run_dir / "final_metrics.json", _dump(final))
    top = rows[0] if rows else None
    if steps:
        _write(run_dir / "iter_eval_metrics.jsonl", _series(plan, steps, final, top))
    _write(run_dir / "weave_eval_traces.json", _dump(_traces(plan, rows)))
    return count, top_k


def generate_workspace(
    root: str | Path,
    runs: int = 20,
    hard_cases: int = 80,
    steps: int = 5,
    failure_mix: Mapping[str, float] | None = None,
    job_records: bool = True,
    wandb_summaries: bool = False,
    hard_case_bytes: int | None = None,
    seed: int = 0,
) -> Json:
    """Write a synthetic workspace into `root` (created; must be empty or absent).

    `hard_cases` rows per run (top-k of an eval set of max(80, 2k) rows), `steps`
    iteration records per run, `failure_mix` weights over FAILURE_MODES. With
    `hard_case_bytes` every run's hard-case file is stream-written to that size
    instead (`hard_cases` is then ignored). Returns a summary: rows and bytes written.
    """
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    mix = check_mix(failure_mix if failure_mix is not None else DEFAULT_MIX)
    plans = plan_runs(runs, seed)
    total_rows = 0
    submissions = []
    for plan in plans:
        count, top_k = _one_run(root, plan, hard_cases, steps, mix, hard_case_bytes)
        total_rows += count
        if job_records:
            submissions.append(json.dumps(_submission(plan, top_k, steps)) + "\n")
        if wandb_summaries:
            final = json.loads((root / "outputs" / plan.name / "final_metrics.json").read_text())
            _wandb(root, plan, final, top_k, steps)
    if job_records:
        _write(root / "artifacts/hf_jobs/submissions.jsonl", "".join(submissions))
    hc_bytes = sum(p.stat().st_size for p in root.glob("outputs/*/hard_cases.valid.jsonl"))
    return {"runs": runs, "hard_case_rows": total_rows, "hard_case_bytes": hc_bytes}


# ---------------------------------------------------------------- cached workspaces


def ensure_workspace(work: Path, name: str, log: TextIO | None = None, **params: Any) -> Path:
    """A workspace generated with `params` under `work/name`, reused when its manifest
    (`work/name.manifest.json`, written last) matches; regenerated otherwise."""
    root = work / name
    manifest = work / f"{name}.manifest.json"
    wanted = {"generator_version": GENERATOR_VERSION, "params": params}
    if root.is_dir() and manifest.is_file():
        try:
            stored = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            stored = {}
        if {k: stored.get(k) for k in wanted} == wanted:
            return root
    manifest.unlink(missing_ok=True)
    if root.exists():
        shutil.rmtree(root)
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if log is not None:
        log.write(f"generating {root} ...\n")
        log.flush()
    summary = generate_workspace(root, **params)
    took = round(time.perf_counter() - started, 2)
    doc = {**wanted, "summary": summary, "seconds": took}
    manifest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if log is not None:
        log.write(f"  {summary['hard_case_bytes'] / 1e6:,.1f} MB of hard cases in {took} s\n")
    return root


def manifest_summary(work: Path, name: str) -> Json:
    doc = json.loads((work / f"{name}.manifest.json").read_text(encoding="utf-8"))
    return dict(doc["summary"])


# ---------------------------------------------------------------- CLI


def parse_size(text: str) -> int:
    """`1G`, `512M`, `64K` (binary units) or a plain byte count."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def parse_mix(text: str) -> dict[str, float]:
    """`valid=0.8,truncated=0.1,empty=0.1` -> weights."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        out[key.strip()] = float(value)
    return check_mix(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic ftlint eval workspace.")
    parser.add_argument("out", type=Path, help="output directory (must be empty or absent)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hard-cases", type=int, default=80, help="hard-case rows per run")
    parser.add_argument("--steps", type=int, default=5, help="iteration records per run")
    parser.add_argument("--mix", type=parse_mix, default=None, help="e.g. valid=0.8,empty=0.2")
    parser.add_argument("--no-job-records", action="store_true")
    parser.add_argument("--wandb", action="store_true", help="also write W&B run folders")
    parser.add_argument(
        "--hard-case-bytes",
        type=parse_size,
        default=None,
        help="stream each run's file to this size (e.g. 1G)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        summary = generate_workspace(
            args.out,
            runs=args.runs,
            hard_cases=args.hard_cases,
            steps=args.steps,
            failure_mix=args.mix,
            job_records=not args.no_job_records,
            wandb_summaries=args.wandb,
            hard_case_bytes=args.hard_case_bytes,
            seed=args.seed,
        )
    except (FileExistsError, ValueError) as exc:
        parser.error(str(exc))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
