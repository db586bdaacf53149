"""Bad input: every case is a finding with file and line (or pointer), never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import final_metrics, hard_case, lint, submission

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config
from ftlint.errors import FtlintError


def _by_code(findings, code):
    return [f for f in findings if f.rule == code]


def test_malformed_jsonl_line_is_reported_and_other_rows_kept(ws) -> None:
    path = ws.jsonl("outputs/r/hard_cases.valid.jsonl", [hard_case(1), hard_case(2)])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json}\n")
        handle.write(json.dumps(hard_case(3)) + "\n")
    ws.run("r", cases=None)
    found = _by_code(lint(ws.root), "PRV005")
    assert len(found) == 1
    (f,) = found
    assert f.evidence[0].path == "outputs/r/hard_cases.valid.jsonl"
    assert f.evidence[0].line == 3
    assert "invalid JSON" in f.message


def test_half_written_last_line(ws) -> None:
    ws.run("r")
    ws.write(
        "outputs/r/iter_eval_metrics.jsonl",
        '{"step": 10, "metrics": {"json_valid_rate": 0.9}}\n{"step": 20, "metrics": {"json_va',
    )
    (f,) = _by_code(lint(ws.root), "PRV005")
    assert f.evidence[0].line == 2
    assert "half-written last line" in f.message
    assert f.severity.value == "warning"
    campaign = load_campaign(ws.root, Config())
    assert [p.step for p in campaign.get("r").series] == [10]


@pytest.mark.parametrize(
    "rel", ["outputs/r/hard_cases.valid.jsonl", "outputs/r/iter_eval_metrics.jsonl"]
)
def test_empty_jsonl_file(ws, rel: str) -> None:
    ws.run("r")
    ws.write(rel, "")
    (f,) = _by_code(lint(ws.root), "PRV005")
    assert f.evidence[0].path == rel and "empty" in f.message


def test_empty_final_metrics(ws) -> None:
    ws.run("r")
    ws.write("outputs/r/final_metrics.json", "  \n")
    found = _by_code(lint(ws.root), "PRV005")
    assert any(
        f.evidence[0].path == "outputs/r/final_metrics.json" and "empty" in f.message for f in found
    )


def test_truncated_json_document_names_line(ws) -> None:
    ws.run("r")
    text = json.dumps(final_metrics(), indent=2)
    ws.write("outputs/r/final_metrics.json", text[: len(text) // 2])
    (f,) = [
        f for f in lint(ws.root) if f.evidence and f.evidence[0].path.endswith("final_metrics.json")
    ]
    assert f.rule == "PRV005" and "truncated JSON" in f.message
    assert f.evidence[0].line and f.evidence[0].line > 1


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_metric(ws, value: str) -> None:
    text = json.dumps(final_metrics()).replace('"mae_raw": 8.0', f'"mae_raw": {value}')
    ws.run("r")
    ws.write("outputs/r/final_metrics.json", text)
    found = _by_code(lint(ws.root), "PRV005")
    hit = [f for f in found if f.evidence[0].pointer == "/eval/mae_raw"]
    assert hit and "not a finite number" in hit[0].message
    assert load_campaign(ws.root, Config()).get("r").metric("mae_raw") is None


def test_string_where_a_number_belongs(ws) -> None:
    doc = final_metrics()
    doc["eval"]["json_valid_rate"] = "0.99"
    ws.run("r", metrics=doc)
    found = _by_code(lint(ws.root), "PRV005")
    hit = [f for f in found if f.evidence[0].pointer == "/eval/json_valid_rate"]
    assert len(hit) == 1 and "expected number" in hit[0].message


def test_rate_outside_unit_interval(ws) -> None:
    doc = final_metrics()
    doc["eval"]["json_valid_rate"] = 1.4
    ws.run("r", metrics=doc)
    found = _by_code(lint(ws.root), "PRV005")
    hit = [f for f in found if f.evidence[0].pointer == "/eval/json_valid_rate"]
    assert hit and "1.4" in hit[0].message and "out of range" in hit[0].message
    assert load_campaign(ws.root, Config()).get("r").metric("json_valid_rate") is None


def test_missing_referenced_file_and_absolute_path_from_another_machine(ws) -> None:
    doc = final_metrics(hard_cases_path="/mnt/job-42/runs/r/hard_cases.valid.jsonl")
    ws.run("r", metrics=doc)
    (f,) = [f for f in _by_code(lint(ws.root), "PRV004") if "hard_cases_path" in f.message]
    assert f.evidence[0].pointer == "/hard_cases_path"
    assert "not found in outputs/r/" in f.message
    # the same absolute path resolves by file name once the file is in the run folder
    ws.jsonl("outputs/r/hard_cases.valid.jsonl", [hard_case(1)])
    assert not [f for f in _by_code(lint(ws.root), "PRV004") if "hard_cases_path" in f.message]


def test_hostile_path_never_leaves_the_workspace(ws, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text('{"rank": 1, "generated_text": "root:x:0:0"}\n', encoding="utf-8")
    ws.run(
        "r",
        metrics=final_metrics(
            hard_cases_path="../../passwd", weave_trace_path="../../../../etc/passwd"
        ),
    )
    campaign = load_campaign(ws.root, Config())
    assert campaign.get("r").hard_cases_path is None
    found = _by_code(lint(ws.root), "PRV004")
    assert {f.evidence[0].pointer for f in found} >= {"/hard_cases_path", "/weave_trace_path"}


def test_symlink_out_of_the_workspace_is_not_followed(ws, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(json.dumps(hard_case(1)) + "\n", encoding="utf-8")
    ws.run("r")
    os.symlink(outside, ws.root / "outputs/r/hard_cases.valid.jsonl")
    found = lint(ws.root)
    assert any(f.rule == "PRV004" and "outside the workspace" in f.message for f in found)
    assert load_campaign(ws.root, Config()).get("r").hard_cases_path is None


def test_non_utf8_bytes(ws) -> None:
    ws.run("r")
    good = json.dumps(hard_case(1)).encode()
    ws.write(
        "outputs/r/hard_cases.valid.jsonl",
        good + b"\n" + b'{"rank": 2, "generated_text": "\xff\xfe"}\n',
    )
    (f,) = _by_code(lint(ws.root), "PRV005")
    assert f.evidence[0].line == 2 and "UTF-8" in f.message


def test_line_of_several_megabytes_is_skipped_not_loaded(ws) -> None:
    ws.run("r")
    big = json.dumps(hard_case(2, text="x" * 3_000_000))
    ws.write(
        "outputs/r/hard_cases.valid.jsonl",
        json.dumps(hard_case(1)) + "\n" + big + "\n" + json.dumps(hard_case(3)) + "\n",
    )
    found = lint(ws.root, config_text="limits:\n  max-line-bytes: 1048576\n")
    (f,) = _by_code(found, "PRV005")
    assert f.evidence[0].line == 2 and "over the 1,048,576-byte limit" in f.message
    # with the default 16 MiB limit the same line is read normally
    assert not _by_code(lint(ws.root), "PRV005")


def test_directory_where_a_file_should_be(ws) -> None:
    ws.run("r")
    (ws.root / "outputs/r/hard_cases.valid.jsonl").mkdir()
    (ws.root / "outputs/r/weave_eval_traces.json").mkdir()
    found = _by_code(lint(ws.root), "PRV004")
    messages = {f.evidence[0].path: f.message for f in found}
    for rel in ("outputs/r/hard_cases.valid.jsonl", "outputs/r/weave_eval_traces.json"):
        assert "is a directory" in messages[rel]


def test_wrong_type_in_hard_case_row(ws) -> None:
    ws.run("r", cases=[hard_case(1), hard_case(2, mae_raw="high"), {"rank": 0}])
    found = _by_code(lint(ws.root), "PRV005")
    lines = sorted(e.line for f in found for e in f.evidence)
    assert lines == [2, 3]


def test_malformed_job_record_line_and_bad_command(ws) -> None:
    ws.run("r", submit=False)
    ws.write(
        "artifacts/hf_jobs/submissions.jsonl",
        json.dumps(submission("r"))
        + "\n"
        + "[1, 2\n"
        + json.dumps(submission("r", exit_code="x"))
        + "\n",
    )
    found = _by_code(lint(ws.root), "PRV005")
    lines = sorted(e.line for f in found for e in f.evidence)
    assert lines == [2, 3]


def test_workspace_that_does_not_exist_is_exit_2(tmp_path: Path) -> None:
    with pytest.raises(FtlintError, match="workspace not found"):
        load_campaign(tmp_path / "nope", Config())
    (tmp_path / "file").write_text("x")
    with pytest.raises(FtlintError, match="must be a directory"):
        load_campaign(tmp_path / "file", Config())


def test_many_bad_lines_make_one_finding(ws) -> None:
    ws.run("r")
    ws.write("outputs/r/hard_cases.valid.jsonl", "".join("oops\n" for _ in range(500)))
    (f,) = _by_code(lint(ws.root), "PRV005")
    assert f.measurements["count"] == 500 and len(f.evidence) == 5
    assert "500 bad lines" in f.message


def test_empty_workspace_is_not_a_silent_pass(ws, cli) -> None:
    result = cli("check", str(ws.root), "--no-color")
    assert result.code == 2  # nothing at all was read: a usage error, not a clean lint
    assert "nothing to lint in" in result.err and "no source read any run" in result.err


@pytest.mark.parametrize(
    "command",
    [
        "hf jobs run --env A=1 --env B= x.py",
        "hf jobs run --env 'A=two words' --env B=\"q\" x.py",
        "hf jobs run -e A=1 --env=B=2 --env C=3 --env C=4",
        "hf jobs run --env 'A=unbalanced x.py",
    ],
)
def test_env_parsing_fast_path_matches_shlex(command: str) -> None:
    import itertools
    import shlex

    from ftlint.sources.jobs import parse_env

    env, complaints = parse_env(command)
    try:
        tokens = shlex.split(command)
    except ValueError:
        assert any("not valid shell syntax" in c for c in complaints)
        return
    expected = {}
    for flag, value in itertools.pairwise(tokens):
        if flag in ("--env", "-e") and "=" in value:
            k, _, v = value.partition("=")
            expected[k] = v
    for token in tokens:
        if token.startswith("--env="):
            k, _, v = token[len("--env=") :].partition("=")
            expected[k] = v
    assert env == expected
