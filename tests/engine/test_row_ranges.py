"""`--jobs` on one big hard-cases file (`ftlint.engine.ranges`): the file is cut into
byte ranges read by forked workers and the visitors' states are merged in file order,
so the findings, the stream problems and the rows read are those of one sequential
pass, byte for byte, wherever the range boundaries fall (forced small here)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from helpers import bench_generator
from helpers import lint_streamed as _lint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.engine import ranges
from ftlint.sources.io import Span, Workspace, jsonl_items

MIX = {"valid": 0.3, "truncated": 0.2, "prose": 0.15, "fenced": 0.1, "wrapper": 0.1,
       "empty": 0.15}  # fmt: skip


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A one-run workspace with every failure mode, and its hard-case lines."""
    root = tmp_path_factory.mktemp("rr") / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=160, steps=3, failure_mix=MIX)
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    return root, hard.read_text(encoding="utf-8").splitlines()


def _nasty(lines: list[str]) -> list[str]:
    """Every kind of line a sequential pass reports or counts specially."""
    rows = [json.loads(line) for line in lines[:40]]
    secret = dict(rows[1], generated_text="key sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2)
    repeat = dict(rows[2], sample_index=90001)  # the same input again: PRV008
    repeat2 = dict(rows[2], sample_index=90002, target_vector={"energy": 1})
    same_example = dict(rows[3])  # the same example twice (skipped by PRV008)
    dup_key = json.dumps(rows[4])[:-1] + ', "rank": 5}'
    nan = json.dumps(rows[5])[:-1] + ', "mae_raw": NaN}'
    out = list(lines)
    out[10:10] = [json.dumps(secret), "not json", "", json.dumps(repeat), dup_key]
    out[60:60] = [nan, json.dumps(same_example), '{"rank": "x"}', "   ", json.dumps(repeat2)]
    out[100:100] = ["[1, 2]", json.dumps(repeat), "{" + '"a": ' * 3]
    return out


def _write(path: Path, lines: list[str], *, crlf: bool = False, last_newline: bool = True) -> None:
    end = "\r\n" if crlf else "\n"
    text = end.join(lines) + (end if last_newline and lines else "")
    path.write_bytes(text.encode("utf-8"))


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Ranges forced small; records what each split stream returned (None: not split)."""
    monkeypatch.setattr(ranges, "ROW_SPLIT_MIN_BYTES", 0)
    calls: list[Any] = []
    real = ranges.stream_split

    def spy(*args: Any) -> Any:
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(ranges, "stream_split", spy)
    return calls


def _same(root: Path, split: list[Any], monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(ranges, "RANGE_BYTES", size)
    one = _lint(root, 1)
    assert not split
    two = _lint(root, 2)
    assert split and split[-1] is not None  # really split
    assert one == two
    split.clear()


@pytest.mark.parametrize("size", [700, 4096, 50_000])
def test_nasty_file_same_result(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, _nasty(lines))
    _same(root, split, monkeypatch, size)
    findings = _lint(root, 1)[0]
    assert {"SEC001", "PRV008"} <= {f.rule for f in findings}


def test_crlf_and_no_last_newline(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, [*_nasty(lines)[:-1], '{"rank": 7, "mae_raw": '], crlf=True, last_newline=False)
    _same(root, split, monkeypatch, 1000)
    _write(hard, lines, last_newline=False)
    _same(root, split, monkeypatch, 3000)


def test_tiny_and_empty_files(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    monkeypatch.setattr(ranges, "RANGE_BYTES", 1)
    for content in (lines[:1], [], ["", "", ""], ["not json"], [lines[0], "", lines[1]]):
        _write(hard, content)
        assert _lint(root, 1) == _lint(root, 2)
    split.clear()


class _Plugin:
    """A plugin rule's visitor without merge support: the file is not split."""


def test_visitor_without_merge_is_not_split(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, lines)
    monkeypatch.setattr(ranges, "RANGE_BYTES", 2000)
    from ftlint.rules.format._common import FailureTally

    monkeypatch.delattr(FailureTally, "merge_state")
    assert _lint(root, 1) == _lint(root, 2)
    assert split and all(call is None for call in split)


def test_a_failing_begin_split_keeps_the_run_in_one_pass(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A visitor whose `begin_split` raises (a plugin's) is not told half a story: the
    run is streamed in one pass, with the findings of one pass and no traceback."""
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, lines)
    monkeypatch.setattr(ranges, "RANGE_BYTES", 2000)
    from ftlint.rules.quality._common import DimCollector

    def broken(self: Any) -> None:
        raise RuntimeError("plugin bug")

    monkeypatch.setattr(DimCollector, "begin_split", broken)
    assert _lint(root, 1) == _lint(root, 2)
    assert split and all(call is None for call in split)


def test_declined_merges_are_fed_here(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every visitor declines every merge: the driver feeds it each range itself."""
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, _nasty(lines))
    real = ranges._merge

    def declining(engine: Any, run: Any, feed: Any, visitors: Any, result: Any, f: Any) -> Any:
        return [i for i, (rule, _) in enumerate(visitors) if id(rule) not in feed.dead]

    monkeypatch.setattr(ranges, "_merge", declining)
    _same(root, split, monkeypatch, 3000)
    monkeypatch.setattr(ranges, "_merge", real)


def test_plan_cuts_at_line_starts(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    path = tmp_path / "f.jsonl"
    data = b"".join(b"x" * random.Random(i).randint(0, 40) + b"\n" for i in range(200))
    path.write_bytes(data)
    for pieces in (1, 2, 3, 7, 50, 1000):
        cuts = ranges.plan(ws, path, pieces)
        assert cuts[0][0] == 0 and cuts[-1][1] == len(data)
        for (_, end), (start, _) in itertools.pairwise(cuts):
            assert end == start and data[start - 1 : start] == b"\n"
        assert ranges.count_lines(ws, path, cuts[-1][0]) == data[: cuts[-1][0]].count(b"\n")


LINES = st.lists(
    st.sampled_from(['{"a": 1}', "", "  ", "bad", '{"a": 1, "a": 2}', '{"b": NaN}', "[]", "é"]),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, crlf=st.booleans(), last=st.booleans(), pieces=st.integers(1, 9))
def test_ranges_read_what_one_pass_reads(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], crlf: bool, last: bool, pieces: int
) -> None:
    """The reader over the planned spans yields exactly the lines of one pass, with
    the same line numbers and problems, and "empty" exactly when one pass says it."""
    root = tmp_path_factory.mktemp("spans")
    ws = Workspace(root)
    path = root / "f.jsonl"
    _write(path, lines, crlf=crlf, last_newline=last)
    whole = list(jsonl_items(ws, path, max_line_bytes=64))
    parts: list[Any] = []
    content = False
    for start, end in ranges.plan(ws, path, pieces):
        span = Span(start, end, ranges.count_lines(ws, path, start) + 1)
        parts += jsonl_items(ws, path, max_line_bytes=64, span=span)
        content = content or span.content
    empty = [item for item in whole if item[2] is not None and item[2].kind == "empty"]
    assert parts == [item for item in whole if item not in empty]
    assert bool(empty) == (not content)


@pytest.mark.parametrize("identical", [0, 30, 90])
def test_bounded_tables_past_their_bound(
    base: tuple[Path, list[str]],
    split: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    identical: int,
) -> None:
    """Misra-Gries steps in FMT008 (a table of 8), a prune in QLT006, a cap on PRV008's
    examples: merges decline, or merge loosely where no finding can depend on it."""
    from ftlint.rules.format import degenerate_output
    from ftlint.rules.provenance import duplicate_eval_rows

    monkeypatch.setattr(degenerate_output, "_HEAVY_HITTERS", 8)
    monkeypatch.setattr(duplicate_eval_rows, "MAX_EXAMPLES", 120)
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    rows = [json.loads(line) for line in lines]
    for row in rows[20 : 20 + identical]:
        row["generated_text"] = "I cannot answer that."
    _write(hard, [json.dumps(row) for row in rows])
    loose: list[bool] = []
    real = degenerate_output._DegenerateVisitor.merge_ahead

    def ahead(self: Any, states: Any) -> None:
        real(self, states)
        loose.append(self.loose)

    monkeypatch.setattr(degenerate_output._DegenerateVisitor, "merge_ahead", ahead)
    _same(root, split, monkeypatch, 20_000)
    same = [f for f in _lint(root, 1)[0] if f.rule == "FMT008" and "same text" in f.message]
    assert bool(same) == (identical == 90)
    assert loose and (identical != 0 or all(loose)) and (identical != 90 or not any(loose))


def test_a_dead_worker_costs_its_range_here(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, _nasty(lines))

    def dying(work: Any, start: int, end: int, conn: Any) -> None:
        import os

        os._exit(3)  # killed before it sends anything

    monkeypatch.setattr(ranges, "_child", dying)
    _same(root, split, monkeypatch, 5000)


def test_a_visitor_crashing_in_a_worker_crashes_as_in_one_pass(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEC001's visitor raises on one row (late in the file: in a worker's range) and
    FMT008's raises in `export_state`: FTL001 says the same as in one pass."""
    from ftlint.rules.format.degenerate_output import _DegenerateVisitor
    from ftlint.rules.security.secret_in_artifact import _CompletionScanner

    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, lines)
    real = _CompletionScanner.row

    def row(self: Any, case: Any) -> None:
        if case.rank == 150:
            raise ValueError("visitor broke")
        real(self, case)

    def export(self: Any) -> Any:
        raise RuntimeError("cannot export")

    monkeypatch.setattr(_CompletionScanner, "row", row)
    monkeypatch.delattr(_CompletionScanner, "row_batch")  # the engine then calls `row`
    monkeypatch.setattr(_DegenerateVisitor, "export_state", export)
    _same(root, split, monkeypatch, 4000)
    crashed = [f for f in _lint(root, 1)[0] if f.rule == "FTL001"]
    assert [f.measurements["crashed_rule"] for f in crashed] == ["SEC001"]


ROWS = st.lists(st.integers(0, 11), min_size=0, max_size=60)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(picks=ROWS, size=st.integers(200, 6000), crlf=st.booleans(), last=st.booleans())
def test_any_mix_of_lines_same_result(
    base: tuple[Path, list[str]],
    split: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    picks: list[int],
    size: int,
    crlf: bool,
    last: bool,
) -> None:
    """Random files of good rows, repeats and bad lines, cut anywhere: the same result."""
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    pool = _nasty(lines[:30])
    chosen = [pool[(i * 7 + k) % len(pool)] for k, i in enumerate(picks)]
    _write(hard, chosen, crlf=crlf, last_newline=last)
    monkeypatch.setattr(ranges, "RANGE_BYTES", size)
    assert _lint(root, 1) == _lint(root, 2)
    split.clear()


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run whose hard cases pass `ROW_SPLIT_MIN_BYTES`, with bad lines in them."""
    root = tmp_path_factory.mktemp("rrbig") / "ws"
    bench_generator().generate_workspace(
        root, runs=1, hard_case_bytes=ranges.ROW_SPLIT_MIN_BYTES + 1
    )
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    lines = hard.read_text(encoding="utf-8").splitlines()
    _write(hard, _nasty(lines[: len(lines) // 2]) + _nasty(lines[len(lines) // 2 :]))
    return root


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_cli_reports_byte_identical(cli: Any, big: Path, fmt: str) -> None:
    """The real command, no knob: `--jobs 2` splits the file (past ROW_SPLIT_MIN_BYTES)."""
    one = cli("check", str(big), "--format", fmt, "--fail-on", "never", "--jobs", "1")
    two = cli("check", str(big), "--format", fmt, "--fail-on", "never", "--jobs", "2")
    assert (one.code, one.out, one.err) == (two.code, two.out, two.err)
    assert fmt == "text" or ("SEC001" in one.out and "PRV008" in one.out)


def test_auto_splits_only_big_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--jobs auto` splits from ROW_SPLIT_AUTO_BYTES of hard cases with a file of
    ROW_SPLIT_MIN_BYTES; `--jobs 1` never; a plugin rule that visits rows: never."""
    from types import SimpleNamespace

    from ftlint.rule import Rule

    monkeypatch.setattr(ranges.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(ranges.sys, "platform", "linux")
    monkeypatch.setattr("ftlint.engine.cores.quota_cores", lambda: None)
    mib = 1 << 20

    def engine(jobs: int | None, *sizes: int, rules: Any = ()) -> Any:
        runs = []
        for i, size in enumerate(sizes):
            (tmp_path / f"h{i}.jsonl").write_bytes(b"\n" * size)
            runs.append(SimpleNamespace(hard_cases_path=f"h{i}.jsonl"))
        return SimpleNamespace(
            jobs=jobs, rules=list(rules), campaign=SimpleNamespace(runs=runs),
            ws=SimpleNamespace(root=tmp_path), _hard_case_bytes=lambda: sum(sizes),
            _largest_hard_cases=lambda: max(sizes),
        )  # fmt: skip

    assert ranges.row_split_jobs(engine(None, 20 * mib)) == 2
    assert ranges.row_split_jobs(engine(None, 5 * mib, 5 * mib)) == 2
    assert ranges.row_split_jobs(engine(None, 5 * mib)) is None
    assert ranges.row_split_jobs(engine(None, 3 * mib, 3 * mib, 3 * mib)) is None
    assert ranges.row_split_jobs(engine(1, 20 * mib)) is None
    assert ranges.row_split_jobs(engine(2, 1)) == 2  # each file still needs MIN_BYTES
    monkeypatch.setattr("ftlint.engine.cores.quota_cores", lambda: 1)  # `--cpus 1`
    assert ranges.row_split_jobs(engine(None, 20 * mib)) is None
    assert ranges.row_split_jobs(engine(2, 20 * mib)) == 2  # an explicit --jobs N still
    monkeypatch.setattr("ftlint.engine.cores.quota_cores", lambda: None)

    class Plugin(Rule):
        def hard_case_visitor(self, run: Any, ctx: Any) -> Any:
            return None

    assert ranges.row_split_jobs(engine(2, 20 * mib, rules=[(Plugin(), None)])) is None


def test_float_logs_past_their_cap_are_read_here(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A visitor whose float-addend log outgrows RANGE_LOG_CAP drops it and declines."""
    from ftlint.rules.quality import _common, contaminated_quality_metric

    # (QLT004 logs in its own module; QLT005 and QLT006 through `_common.log_addend`)
    for module in (contaminated_quality_metric, _common):
        monkeypatch.setattr(module, "RANGE_LOG_CAP", 3)
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, _nasty(lines))
    declined = _declined(monkeypatch)
    _same(root, split, monkeypatch, 6000)
    assert {"_SourceTypeVisitor", "_TemplateVisitor", "_PlaceholderVisitor"} <= set(declined)


def test_the_real_writers_float_vectors_merge_without_a_replay(
    base: tuple[Path, list[str]], split: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator writes what the HF Jobs writer does (`float(...)` of integer labels
    and predictions): every visitor's ranges merge (`begin_split` lets QLT002's sums
    tell 95.0 from 95.5), so the driver reads no range twice, with the same findings."""
    root, lines = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    _write(hard, lines)
    assert '"energy": ' in lines[0] and ".0, " in lines[0]  # float vectors
    replayed = _declined(monkeypatch)
    _same(root, split, monkeypatch, 3000)
    assert not replayed


def _declined(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The class names of the visitors whose merges decline (the driver then feeds them
    the range itself), recorded from `ranges._merge` as the lint runs."""
    declined: list[str] = []
    real = ranges._merge

    def spy(engine: Any, run: Any, feed: Any, visitors: Any, result: Any, f: Any) -> Any:
        again = real(engine, run, feed, visitors, result, f)
        declined.extend(type(visitors[i][1]).__name__ for i in again)
        return again

    monkeypatch.setattr(ranges, "_merge", spy)
    return declined


def test_verbose_names_the_row_ranges(cli: Any, big: Path) -> None:
    two = cli("check", str(big), "--format", "json", "--fail-on", "never", "--jobs", "2", "-v")
    assert (
        "ftlint: processes: hard-cases files of 4 MiB or more in row ranges over 2 processes\n"
        in two.err
    )
