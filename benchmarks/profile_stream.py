"""Where a streamed hard-case row's time goes: reader, schema check, each rule's visitor.

    .venv/bin/python benchmarks/profile_stream.py              # a cached 64 MiB workspace
    .venv/bin/python benchmarks/profile_stream.py WS --mb 256  # or any workspace

In-process, on the same file, one stage at a time (no profiler overhead; CPU time of
this process, which a shared machine disturbs less than wall time): the bare
`json.loads` loop, ftlint's JSONL reader (`iter_jsonl`), the typed rows
(`stream_hard_cases`: reader + fast schema check + `HardCase`), the engine's block reader
(`hard_case_blocks`), then the whole engine
with every rule's `row_batch()` (or `row()`s) timed per block through a thin proxy. Prints microseconds per row.
Uses ftlint's internal APIs (the same ones tests/helpers.py `lint` uses), so it may
need a touch when they change; `run.py` only uses the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_clock = time.process_time  # CPU seconds of this process (one thread)
sys.path.insert(0, str(HERE))
import generate  # noqa: E402


class _Timed:
    """Proxy around a hard-case visitor that adds the time spent in `row` to a counter."""

    __slots__ = ("_inner", "_key", "_totals", "row_filter")

    def __init__(self, inner: Any, key: str, totals: dict[str, float]) -> None:
        self._inner, self._key, self._totals = inner, key, totals
        self.row_filter = getattr(inner, "row_filter", None)  # the engine feeds the same rows

    def row(self, case: Any) -> None:
        started = _clock()
        try:
            self._inner.row(case)
        finally:
            self._totals[self._key] += _clock() - started

    def row_batch(self, cases: Any) -> None:
        """A block of rows, as the engine feeds it (the inner `row_batch` or `row`s)."""
        started = _clock()
        try:
            batch = getattr(self._inner, "row_batch", None)
            if callable(batch):
                batch(cases)
            else:
                row = self._inner.row
                for case in cases:
                    row(case)
        finally:
            self._totals[self._key] += _clock() - started

    def finish(self) -> Any:
        started = _clock()
        try:
            return list(self._inner.finish() or ())
        finally:
            self._totals[self._key + " finish"] += _clock() - started


def profile(root: Path) -> dict[str, Any]:
    from ftlint.assemble.campaign import load_campaign
    from ftlint.config.settings import Config
    from ftlint.engine.run import run_engine, select_rules
    from ftlint.plugins import build_plugins
    from ftlint.sources.hardcases import hard_case_blocks, stream_hard_cases
    from ftlint.sources.io import Workspace, iter_jsonl

    files = sorted(root.glob("outputs/*/hard_cases.valid.jsonl"))
    if len(files) != 1:
        raise SystemExit(
            f"{root}: expected one outputs/*/hard_cases.valid.jsonl, found {len(files)}"
        )
    path = files[0]
    ws = Workspace(root.resolve())
    config = Config()
    limit = config.max_line_bytes
    stages: dict[str, float] = {}

    for _warm in range(2):  # the first pass only warms the page cache and the allocator
        started = _clock()
        rows = 0
        with path.open("rb") as handle:
            for line in handle:
                json.loads(line)
                rows += 1
        stages["bare json.loads loop"] = _clock() - started

    started = _clock()
    for _ in iter_jsonl(ws, ws.root / ws.rel(path.resolve()), max_line_bytes=limit, run="x"):
        pass
    stages["iter_jsonl (reader)"] = _clock() - started

    started = _clock()
    for _ in stream_hard_cases(ws, ws.root / ws.rel(path.resolve()), "x", max_line_bytes=limit):
        pass
    stages["stream_hard_cases (reader + check + HardCase)"] = _clock() - started

    started = _clock()
    for _ in hard_case_blocks(ws, ws.root / ws.rel(path.resolve()), "x", max_line_bytes=limit):
        pass
    stages["hard_case_blocks (the engine's block reader)"] = _clock() - started

    built = build_plugins(use_entry_points=True)
    classes = built.rule_classes()
    config = config.bind_rules(classes, built.config_schemas())
    chosen = select_rules(classes, config)
    totals: dict[str, float] = defaultdict(float)
    own = {cls: vars(cls).get("hard_case_visitor") for cls in chosen}  # restored afterwards
    for cls in chosen:
        original = cls.hard_case_visitor

        def timed(
            self: Any, run: Any, ctx: Any, _orig: Any = original, _code: str = cls.code
        ) -> Any:
            visitor = _orig(self, run, ctx)
            return None if visitor is None else _Timed(visitor, _code, totals)

        cls.hard_case_visitor = timed  # type: ignore[method-assign]
    try:
        started = _clock()
        campaign = load_campaign(root, config)
        stages["load_campaign"] = _clock() - started
        started, wall = _clock(), time.perf_counter()
        run_engine(campaign, chosen, config, jobs=1)  # every rule here, timed
        stages["engine (stream + every rule)"] = _clock() - started
        # wall time of the same pass (a loaded machine shows here)
        stages["engine, wall time (same pass)"] = time.perf_counter() - wall
    finally:
        for cls, method in own.items():
            if method is None:
                delattr(cls, "hard_case_visitor")  # it was inherited
            else:
                cls.hard_case_visitor = method  # type: ignore[method-assign]
    return {
        "file": str(path),
        "bytes": path.stat().st_size,
        "rows": rows,
        "stages": stages,
        "rules": dict(sorted(totals.items(), key=lambda kv: -kv[1])),
    }


def render(result: dict[str, Any]) -> str:
    rows = max(result["rows"], 1)
    lines = [
        f"{result['file']}: {result['bytes'] / 1e6:,.1f} MB, {result['rows']:,} rows",
        f"{'stage (CPU time)':<52}{'us/row':>10}{'MB/s':>10}",
    ]
    for name, seconds in result["stages"].items():
        rate = result["bytes"] / 1e6 / seconds if seconds else 0.0
        lines.append(f"{name:<52}{seconds / rows * 1e6:>10.2f}{rate:>10.1f}")
    rules_total = sum(v for k, v in result["rules"].items() if not k.endswith(" finish"))
    engine = result["stages"].get("engine (stream + every rule)", 0.0)
    reader = result["stages"].get("hard_case_blocks (the engine's block reader)", 0.0)
    lines += [
        f"{'  of which rule visitors (row_batch/row, sum)':<52}{rules_total / rows * 1e6:>10.2f}",
        f"{'  of which engine dispatch (rest)':<52}{(engine - rules_total - reader) / rows * 1e6:>10.2f}",
        "",
        f"{'rule visitor':<52}{'us/row':>10}{'share':>10}",
    ]
    for name, seconds in result["rules"].items():
        share = seconds / engine * 100 if engine else 0.0
        lines.append(f"{name:<52}{seconds / rows * 1e6:>10.2f}{share:>9.1f}%")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-stage and per-rule cost of a streamed row.")
    parser.add_argument("workspace", nargs="?", type=Path, help="a single-run workspace")
    parser.add_argument("--mb", type=float, default=64, help="size of the generated file (MiB)")
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--json", type=Path, help="also write the result as JSON")
    args = parser.parse_args(argv)
    root = args.workspace
    if root is None:
        size = int(args.mb * (1 << 20))
        root = generate.ensure_workspace(
            args.work,
            f"stream-{size}",
            sys.stderr,
            runs=1,
            steps=5,
            hard_case_bytes=size,
            wandb_summaries=False,
        )
    result = profile(root)
    sys.stdout.write(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
