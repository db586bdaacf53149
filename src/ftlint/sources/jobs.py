"""Job submission records (`artifacts/hf_jobs/*.jsonl`) and the `--env` pairs in their commands."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftlint.assemble.lazy import shared_keys
from ftlint.model import Evidence, Problem, Submission
from ftlint.sources.io import Workspace, iter_jsonl
from ftlint.sources.validate import schema_problems
from ftlint.untrusted import redact_value

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
JOB_ID_RE = re.compile(r"Job started with ID:\s*([A-Za-z0-9_\-]+)")
ENV_FLAGS = ("--env", "-e")


def parse_env(command: str) -> tuple[dict[str, str], list[str]]:
    """Parse the `--env KEY=VALUE` pairs (also `--env=KEY=VALUE`, `-e KEY=VALUE`).

    Returns (env, complaints). Values may be empty (`--env WANDB_ENTITY=`). A key given
    twice keeps the last value, as the job runner would, and is reported. A command
    with unbalanced quotes is split on whitespace instead of failing.
    """
    complaints: list[str] = []
    try:
        # shlex is slow; without quotes or escapes it splits exactly like str.split
        plain = not any(c in command for c in "\"'\\")
        tokens = command.split() if plain else shlex.split(command, posix=True)
    except ValueError as exc:
        complaints.append(f"command is not valid shell syntax ({exc}); split on whitespace")
        tokens = command.split()
    env: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        pair: str | None = None
        if token in ENV_FLAGS and i + 1 < len(tokens):
            pair = tokens[i + 1]
            i += 1
        elif token.startswith("--env="):
            pair = token[len("--env=") :]
        i += 1
        if pair is None:
            continue
        key, sep, value = pair.partition("=")
        if not sep or not ENV_NAME_RE.match(key):
            complaints.append(f"--env {pair[:40]!r} is not KEY=VALUE")
            continue
        if key in env and env[key] != value:
            complaints.append(f"--env {key} is given twice; the last value wins")
        env[key] = value
    return env, complaints


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


#: equal short strings of job records (env names and values, record keys) as one object:
#: a sweep's records repeat them run after run (10,000 runs: ~2 KB less per record)
_SHARED: dict[str, str] = {}
_SHARED_MAX = 100_000


def _shared(text: str) -> str:
    if len(text) > 80:
        return text
    found = _SHARED.get(text)
    if found is not None:
        return found
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()  # bounded: only the sharing is lost
    _SHARED[text] = text
    return text


#: redacted env values by (name, value): a sweep's records repeat them run after run
_REDACTED: dict[tuple[str, str], str] = {}


def _redacted(name: str, value: str) -> str:
    """`redact_value(value, name)`, shared: a pure function of its two strings."""
    if len(value) > 200:
        return redact_value(value, name)
    key = (name, value)
    found = _REDACTED.get(key)
    if found is None:
        if len(_REDACTED) >= _SHARED_MAX:
            _REDACTED.clear()
        found = _REDACTED[key] = _shared(redact_value(value, name))
    return found


class _View:
    """The fields of a record as `redact_value(record)` shows them, redacted only when
    read (a record's command and tails are long; a field's key names it, as there), and
    each once: a string through the shared `_redacted` memo (a sweep's records repeat
    their namespace, flavor, dataset and empty tails run after run)."""

    __slots__ = ("record", "seen")

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.seen: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        if key in self.seen:
            return self.seen[key]
        value = self.record.get(key)
        shown = _redacted(key, value) if isinstance(value, str) else redact_value(value, key)
        self.seen[key] = shown
        return shown


def load_job_records(
    ws: Workspace, path: Path, *, max_line_bytes: int
) -> Iterator[Submission | Problem]:
    """Stream one job-record file, yielding a `Submission` per good line, else `Problem`s.

    The string memos serve one file: they are emptied when it ends, so what they held
    (~7 MB at 10,000 records, most of it values seen once) does not stay for the lint."""
    try:
        yield from _load_job_records(ws, path, max_line_bytes=max_line_bytes)
    finally:
        _REDACTED.clear()
        _SHARED.clear()


def _load_job_records(
    ws: Workspace, path: Path, *, max_line_bytes: int
) -> Iterator[Submission | Problem]:
    rel = ws.rel(path)
    kind = "eval" if "eval" in path.name else "train"
    for item in iter_jsonl(ws, path, max_line_bytes=max_line_bytes):
        if item.problem is not None:
            yield item.problem
            continue
        ev = Evidence(rel, item.line)
        record = item.value
        problems = schema_problems("job_record", record, ev)
        if problems and not isinstance(record, dict):
            yield from problems
            continue
        yield from problems
        raw_command = record.get("command") if isinstance(record.get("command"), str) else ""
        raw_env, complaints = parse_env(raw_command)
        # untrusted strings are redacted here, where they enter the model, so no later
        # clip, wrap or escape can show part of a token; `raw` stays as read for SEC001
        command = redact_value(raw_command)
        env = {_shared(k): _redacted(k, v) for k, v in raw_env.items()}
        record = {_shared(k): v for k, v in record.items()}
        record_view = _View(record)
        for complaint in complaints:
            yield Problem(
                "invalid",
                f"command: {redact_value(complaint)}",
                Evidence(rel, item.line, "/command"),
            )
        exit_code = record_view.get("exit_code")
        stdout = (
            record_view.get("stdout_tail")
            if isinstance(record_view.get("stdout_tail"), str)
            else ""
        )
        job_id = _str(record_view.get("job_id"))
        if job_id is None and (m := JOB_ID_RE.search(stdout)):
            job_id = m.group(1)
        record_kind = "eval" if kind == "eval" or record_view.get("mode") else "train"
        yield Submission(
            evidence=ev,
            kind=record_kind,
            run_name=_str(record_view.get("run_name")) or env.get("HF_FT_RUN_NAME") or None,
            exit_code=exit_code
            if isinstance(exit_code, int) and not isinstance(exit_code, bool)
            else None,
            job_id=job_id,
            command=command,
            env=shared_keys(env),
            submitted_at=_str(record_view.get("submitted_at")),
            mode=_str(record_view.get("mode")) or env.get("EVAL_MODE") or None,
            output_model_id=_str(record_view.get("output_model_id"))
            or env.get("HF_FT_OUTPUT_MODEL_ID")
            or None,
            adapter_model_id=_str(record_view.get("local_adapter_model_id"))
            or env.get("EVAL_LOCAL_ADAPTER_MODEL_ID")
            or None,
            base_model_id=_str(record_view.get("local_base_model_id"))
            or env.get("HF_BASE_MODEL_ID")
            or None,
            dataset_repo_id=_str(record_view.get("dataset_repo_id"))
            or env.get("HF_FT_DATASET_REPO_ID")
            or None,
            dataset_path=_str(record_view.get("dataset_path"))
            or env.get("EVAL_DATASET_PATH")
            or None,
            stdout_tail=stdout,
            stderr_tail=record_view.get("stderr_tail")
            if isinstance(record_view.get("stderr_tail"), str)
            else "",
            raw=shared_keys(record),
        )
