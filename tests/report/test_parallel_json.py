"""The JSON report's second half rendered and redacted in a fork (`--jobs N`): the
bytes written are exactly the one-process ones, secrets included, and every fallback
(an unsafe cut, a failed child, threads running) writes the same bytes."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from helpers import per_run_rule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.engine import split as split_module
from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.plugins import build_plugins
from ftlint.report import Report, render, write_report
from ftlint.report import parallel as parallel_module
from ftlint.report import stream as stream_module
from ftlint.report.stream import RedactingWriter

HEX40 = "0123456789abcdef0123456789abcdef01234567"
SECRETS = (
    "hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh",
    "sk-proj-Rt9Lm2Pk5Vn8BcQ4Yh7Xw3Zq",
    f"wandb login {HEX40}",
    "HF_TOKEN=s3cr3tvalue9",
    "Authorization: Bearer Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc",
    "api_key: v00001234",
)


PerRun = per_run_rule()


def _finding(i: int, message: str, **kw) -> Finding:
    return Finding(
        rule="TST001",
        name="per-run",
        severity=(Severity.ERROR, Severity.WARNING, Severity.INFO)[i % 3],
        category=Category.QUALITY,
        run=f"run-{i:04d}",
        message=message,
        fingerprint=f"fp{i:04d}",
        **kw,
    )


def _findings(count: int) -> list[Finding]:
    out = []
    for i in range(count):
        secret = SECRETS[i % len(SECRETS)]
        kw = {}
        if i % 4 == 1:
            kw["evidence"] = (Evidence(f"outputs/r{i}/x.json", line=i, sample_id=secret),)
        if i % 4 == 2:
            kw["measurements"] = {"value": secret, "nan": float("nan"), "n": i}
        out.append(_finding(i, f"finding {i} with {secret} inside, ünïcode ✓", **kw))
    return out


def _report(findings: list[Finding], **extra) -> Report:
    runs = tuple(Run(name=f.run) for f in findings if f.run)
    return Report(
        tool_version="0.1.0",
        workspace="ws",
        campaign=Campaign(root="/nonexistent-ws", runs=runs),
        findings=findings,
        rules=[PerRun],
        extra=extra,
    )


@pytest.fixture(scope="module")
def formats():
    return build_plugins(use_entry_points=False).report_formats()


@pytest.fixture(autouse=True)
def small(monkeypatch) -> None:
    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_FINDINGS", 2)


@pytest.fixture(autouse=True)
def _only_this_tests_threads_and_forks(monkeypatch) -> None:
    """The suite's earlier tests leave daemon threads (the loopback S3, W&B and Hub
    servers, fsspec's and wandb's own) for which the writer would refuse to fork: only
    threads started by the test count here. Every fork is recorded for `_no_child_left`."""
    import threading

    real_count, baseline = threading.active_count, threading.active_count()
    monkeypatch.setattr(threading, "active_count", lambda: real_count() - baseline + 1)
    real_fork = os.fork

    def recording() -> int:
        pid = real_fork()
        if pid:
            _FORKED.append(pid)
        return pid

    _FORKED.clear()
    monkeypatch.setattr(os, "fork", recording)


_FORKED: list[int] = []


def _no_child_left() -> bool:
    """Every process the test forked has been waited for (none is left a zombie)."""
    for pid in _FORKED:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def _both(report_findings: list[Finding], formats, tmp_path: Path) -> tuple[bytes, bytes]:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    write_report("json", _report(report_findings), formats, one, None)
    write_report("json", _report(report_findings, jobs=2), formats, two, None)
    return one.read_bytes(), two.read_bytes()


@pytest.mark.parametrize("count", [2, 3, 7, 120])
@pytest.mark.parametrize("chunk", [64, 1 << 20])
def test_forked_half_writes_the_same_bytes(count, chunk, formats, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(stream_module, "CHUNK", chunk)
    findings = _findings(count)
    one, two = _both(findings, formats, tmp_path)
    assert two == one
    assert one.decode("utf-8") == render("json", _report(findings), formats)
    for secret in ("Zq7Xw3Rt9Lm2Pk5", HEX40[:20], "s3cr3tvalue9", "Yh7Xw3Zq0Rt9Lm2"):
        assert secret not in one.decode("utf-8")
    assert _no_child_left()


def test_the_stream_target_gets_the_same_text(formats) -> None:
    findings = _findings(40)
    one, two = io.StringIO(), io.StringIO()
    write_report("json", _report(findings), formats, None, one)
    write_report("json", _report(findings, jobs=2), formats, None, two)
    assert two.getvalue() == one.getvalue()


def test_a_fork_is_used(formats, monkeypatch, tmp_path) -> None:
    forks: list[int] = []
    real = os.fork

    def counting() -> int:
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    one, two = _both(_findings(50), formats, tmp_path)
    assert two == one and len(forks) == 1


def test_an_unsafe_cut_renders_the_rest_here(formats, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(parallel_module, "continues_past", lambda text, end: True)
    one, two = _both(_findings(30), formats, tmp_path)
    assert two == one
    assert _no_child_left()


def test_a_failed_child_is_replaced_here(formats, monkeypatch, tmp_path) -> None:
    parent = os.getpid()
    real_close = RedactingWriter.close

    def close(self) -> None:
        if os.getpid() != parent:
            raise RuntimeError("the child dies")
        real_close(self)

    monkeypatch.setattr(RedactingWriter, "close", close)
    one, two = _both(_findings(30), formats, tmp_path)
    assert two == one
    assert _no_child_left()


def test_no_fork_while_threads_run(formats, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked with a thread running"))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        one, two = _both(_findings(30), formats, tmp_path)
    finally:
        stop.set()
        thread.join()
    assert two == one


def test_the_writer_falls_back_when_the_text_before_is_open() -> None:
    """A splice after text where a secret may run on: the raw rest is written through
    the redaction instead, exactly as one pass over everything."""

    class Fake:
        spliced = True
        discarded = False

        def raw(self):
            yield "hunter2hunter2 and more\n"

        def chunks(self):
            raise AssertionError("the child's text must not be used")

        def discard(self) -> None:
            self.discarded = True

    out: list[str] = []
    writer = RedactingWriter(out.append)
    writer.write("the config sets password =\n")
    fake = Fake()
    writer.write(fake)  # type: ignore[arg-type]
    writer.close()
    from ftlint.redact import redact

    assert "".join(out) == redact("the config sets password =\nhunter2hunter2 and more\n")
    assert fake.discarded


def test_the_engine_notes_its_split() -> None:
    split_module.note_split(3)
    assert split_module.last_split() == 3
    split_module.note_split(None)
    assert split_module.last_split() is None


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    messages=st.lists(
        st.lists(
            st.sampled_from(
                [*"ab =:\"'\\\n\t_-", "hf_", "token", "key", "Bearer ", "sk-", "password"]
            ),
            max_size=12,
        ).map("".join),
        min_size=2,
        max_size=12,
    )
)
def test_any_messages_write_the_same_bytes(messages, tmp_path_factory) -> None:
    formats = build_plugins(use_entry_points=False).report_formats()
    findings = [_finding(i, m + "A1b2C3d4E5f6G7h8I9j0K1l2") for i, m in enumerate(messages)]
    tmp = tmp_path_factory.mktemp("p")
    one, two = _both(findings, formats, tmp)
    assert two == one
