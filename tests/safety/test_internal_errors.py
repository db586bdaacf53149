"""Class: internal errors that aborted the whole lint. Deep nesting, huge integers,
NaN where a number is read, a damaged W&B log record or a malformed suppressions file
must each be a finding (or exit 2 naming the file, for CLI inputs), and every other run
must still be linted."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import final_metrics, hard_case, lint, submission

from ftlint.sources import wandb_log
from safety._util import ftlint

DEEP = 5000
WANDB = "wandb/run-20261101_100000-abc123"


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def deep_object(depth: int = DEEP) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


HUGE = "9" * 5000  # over Python's 4,300-digit int parsing limit
BIG = "1" + "0" * 400  # parses, but is too large for a float


def _metrics_text(**raw: str) -> str:
    """final_metrics.json text with some values replaced by raw JSON text."""
    doc = final_metrics(json_valid_rate=0.99)
    marks = {}
    for i, (key, text) in enumerate(raw.items()):
        where, _, name = key.rpartition("__")
        target = doc[where] if where else doc
        target[name] = f"@@{i}@@"
        marks[f'"@@{i}@@"'] = text
    out = json.dumps(doc, indent=2)
    for mark, text in marks.items():
        out = out.replace(mark, text)
    return out


def _log(values: list[tuple[str, str, int | None]]) -> bytes:
    """A minimal `.wandb` log: one history record per (key, value_json, step)."""
    record_class = wandb_log._record_class()
    out = bytearray(wandb_log.FILE_HEADER + struct.pack("<HB", wandb_log.MAGIC, 0))
    for key, value_json, step in values:
        record = record_class()
        item = record.history.item.add()
        item.key, item.value_json = key, value_json
        if step is not None:
            record.history.step.num = step
        data = record.SerializeToString()
        crc = zlib.crc32(data, zlib.crc32(bytes([wandb_log.FULL])))
        out += struct.pack("<IHB", crc, len(data), wandb_log.FULL) + data
    return bytes(out)


def _wandb_log(ws, n: str, values) -> None:
    ws.write(f"wandb/run-20261101_100000-{n}/run-{n}.wandb", _log(values))


def _wb(n: str) -> str:
    return f"wandb/run-20261101_100000-{n}/files"


#: case -> writes the bad input for a run (or file) named `n` into the workspace
CASES: dict[str, Callable[..., object]] = {
    "deep-final-metrics": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json", _metrics_text(extra=deep_json())
    ),
    "deep-object-final-metrics": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json", deep_object()
    ),
    "deep-hard-case-line": lambda ws, n: (
        ws.json(f"outputs/{n}/final_metrics.json", final_metrics()),
        ws.write(
            f"outputs/{n}/hard_cases.valid.jsonl",
            deep_json() + "\n" + json.dumps(hard_case(1)) + "\n",
        ),
    ),
    "deep-series-line": lambda ws, n: (
        ws.json(f"outputs/{n}/final_metrics.json", final_metrics()),
        ws.write(f"outputs/{n}/iter_eval_metrics.jsonl", deep_object() + "\n"),
    ),
    "deep-job-record": lambda ws, n: ws.write(
        f"artifacts/hf_jobs/{n}.jsonl", deep_json() + "\n" + json.dumps(submission(n)) + "\n"
    ),
    "deep-eval-result": lambda ws, n: ws.write(f"artifacts/eval/runs/{n}.json", deep_json()),
    "deep-weave-json": lambda ws, n: ws.write(f"weave/{n}.json", deep_json()),
    "deep-weave-jsonl": lambda ws, n: ws.write(f"weave/{n}.jsonl", deep_json() + "\n"),
    "deep-wandb-summary": lambda ws, n: ws.write(f"{_wb(n)}/wandb-summary.json", deep_json()),
    "deep-wandb-config": lambda ws, n: ws.write(
        f"{_wb(n)}/config.yaml", "a:\n  value: " + "[" * 3000 + "]" * 3000 + "\n"
    ),
    "deep-wandb-config-block": lambda ws, n: ws.write(
        f"{_wb(n)}/config.yaml",
        "a:\n  value:\n" + "".join("  " * (i + 2) + f"k{i}:\n" for i in range(1200)),
    ),
    "huge-int-final-metrics": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json", _metrics_text(eval__mae_raw=HUGE)
    ),
    "big-int-final-metrics": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json",
        _metrics_text(eval__mae_raw=BIG, train__epoch=BIG, target_scale=BIG),
    ),
    "big-int-hard-case": lambda ws, n: (
        ws.json(f"outputs/{n}/final_metrics.json", final_metrics()),
        ws.write(
            f"outputs/{n}/hard_cases.valid.jsonl",
            json.dumps(hard_case(1)).replace('"rank": 1', f'"rank": {BIG}') + "\n",
        ),
    ),
    "big-int-series": lambda ws, n: (
        ws.json(f"outputs/{n}/final_metrics.json", final_metrics()),
        ws.write(
            f"outputs/{n}/iter_eval_metrics.jsonl",
            f'{{"step": {BIG}, "metrics": {{"json_valid_rate": {BIG}}}}}\n',
        ),
    ),
    "big-int-job": lambda ws, n: ws.write(
        f"artifacts/hf_jobs/{n}.jsonl",
        json.dumps(submission(n)).replace('"exit_code": 0', f'"exit_code": {BIG}') + "\n",
    ),
    "big-int-wandb-summary": lambda ws, n: ws.write(
        f"{_wb(n)}/wandb-summary.json", f'{{"eval/mae_raw": {BIG}, "_step": {BIG}}}'
    ),
    "nan-target-scale": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json",
        _metrics_text(target_scale="NaN", eval__mae_raw="NaN"),
    ),
    "inf-target-scale": lambda ws, n: ws.write(
        f"outputs/{n}/final_metrics.json", _metrics_text(target_scale="-Infinity")
    ),
    "wandb-log-deep-value": lambda ws, n: _wandb_log(ws, n, [("eval/mae_raw", deep_json(), 1)]),
    "wandb-log-huge-int": lambda ws, n: _wandb_log(ws, n, [("eval/mae_raw", HUGE, 1)]),
    "wandb-log-big-int": lambda ws, n: _wandb_log(
        ws, n, [("eval/mae_raw", BIG, 1), ("_step", BIG, None)]
    ),
    "wandb-log-nan-step": lambda ws, n: _wandb_log(
        ws, n, [("_step", "NaN", None), ("iter_eval/json_valid_rate", "NaN", None)]
    ),
}


def _other_is_linted(out: str) -> bool:
    findings = json.loads(out)["findings"]
    return any(f["rule"] == "FMT001" and f["run"] == "other" for f in findings)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_finding_and_the_rest_is_linted(ws, case: str) -> None:
    """In-process, one case at a time (the CLI runs all of them at once below)."""
    ws.run("other", metrics=final_metrics(json_valid_rate=0.5))
    CASES[case](ws, "bad")
    found = lint(ws.root)
    assert any(f.rule == "FMT001" and f.run == "other" for f in found)
    assert any(f.run == "bad" or "bad" in (f.evidence[0].path if f.evidence else "") for f in found)


COMMANDS = [
    ("check", "--format", "text"),
    ("check", "--format", "json"),
    ("check", "--format", "sarif"),
    ("check", "--format", "junit"),
    ("check", "--format", "github"),
    ("runs", "--format", "text"),
    ("runs", "--format", "json"),
    ("plan", "--format", "markdown", "--candidate", "other"),
    ("plan", "--format", "json", "--candidate", "other"),
    ("gate", "--format", "text", "--candidate", "other", "--baseline", "base"),
    ("gate", "--format", "json", "--candidate", "other", "--baseline", "base"),
]


@pytest.fixture(scope="module")
def everything(tmp_path_factory) -> Path:
    """One workspace holding every bad input at once, each in a run of its own."""
    from helpers import WorkspaceBuilder

    builder = WorkspaceBuilder(tmp_path_factory.mktemp("bad") / "ws")
    builder.root.mkdir()
    builder.run("base")
    builder.run("other", metrics=final_metrics(json_valid_rate=0.5))
    for i, case in enumerate(sorted(CASES)):
        CASES[case](builder, f"bad{i}")
    return builder.root


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:3:2]))
def test_every_command_and_format_survives_all_of_them(everything, command) -> None:
    result = ftlint(command[0], str(everything), *command[1:], cwd=everything.parent)
    assert result.code in (0, 1), result.err
    if command[:3] == ("check", "--format", "json"):
        assert _other_is_linted(result.out)
    if "json" in command or "sarif" in command:
        json.loads(result.out, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 1}',
        '{"version": 1, "suppressions": [1]}',
        '{"version": 1, "suppressions": {"a": 1}}',
        deep_json(),
        '{"version": ' + HUGE + "}",
        "\xff\xfe",
        "",
    ],
)
def test_malformed_suppressions_is_exit_2_naming_the_file(ws, tmp_path: Path, text: str) -> None:
    ws.run("other")
    bad = tmp_path / "supp.json"
    bad.write_bytes(text.encode("latin-1"))
    result = ftlint("check", str(ws.root), "--suppressions", str(bad), cwd=tmp_path)
    assert result.code == 2
    assert str(bad) in result.err


def test_unsearchable_wandb_files_folder_is_reported(tmp_path: Path, monkeypatch) -> None:
    """A `files/` folder that cannot be searched (mode 000 for a non-root user) made
    Path.exists raise PermissionError; simulated here so the test also runs as root."""
    from ftlint.sources import wandb_files
    from ftlint.sources.io import Workspace
    from ftlint.sources.wandb_folder import WandbRun

    files = tmp_path / "run" / "files"
    files.mkdir(parents=True)
    real_exists, real_open = Path.exists, wandb_files.open_regular

    def exists(self: Path) -> bool:
        if self.parent == files:
            raise PermissionError(13, "Permission denied")
        return real_exists(self)

    def open_regular(ws, path, run, what):
        if path.parent == files:
            from ftlint.model import Evidence, Problem

            return None, Problem("missing", "cannot read: Permission denied", Evidence("x"), run)
        return real_open(ws, path, run, what)

    monkeypatch.setattr(Path, "exists", exists)
    monkeypatch.setattr(wandb_files, "open_regular", open_regular)
    wr = WandbRun(rel="run")
    wandb_files.load_config(Workspace(tmp_path), files / "config.yaml", wr)
    assert any("Permission denied" in p.message for p in wr.problems)
