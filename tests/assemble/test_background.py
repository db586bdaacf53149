"""Discovery work in a forked child (`ftlint.assemble.background`): the value is always
the one this process computes, whatever the child does, and no child is left behind.
The job records of the HF Jobs layout parsed that way give the same campaign."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from helpers import bench_generator

from ftlint import api
from ftlint.assemble import background
from ftlint.assemble.background import Background, allowed, may_fork
from ftlint.sources.hfjobs import records

PARENT = os.getpid()


def _no_children() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _in_child() -> bool:
    return os.getpid() != PARENT


def test_the_value_comes_from_the_child() -> None:
    with allowed(2):
        job = Background(lambda: {"pid": os.getpid(), "rows": list(range(100_000))})
    assert job.pid
    value = job.result()
    assert value["pid"] != PARENT and value["rows"] == list(range(100_000))
    _no_children()


def _raises() -> str:
    if _in_child():
        raise RuntimeError("a bug that shows only in the child")
    return "here"


def _dies() -> str:
    if _in_child():
        os._exit(7)  # the OOM killer, a segfault
    return "here"


def _unpicklable() -> object:
    return (lambda: None) if _in_child() else "here"


def _sleeps() -> str:
    if _in_child():
        import time

        time.sleep(60)
    return "here"


@pytest.mark.parametrize("compute", [_raises, _dies, _unpicklable])
def test_a_failed_child_is_computed_here(compute) -> None:
    with allowed(2):
        job = Background(compute)
    assert job.pid and job.result() == "here"
    _no_children()


def test_an_unread_child_is_stopped_and_reaped() -> None:
    with allowed(2), Background(_sleeps) as job:
        assert job.pid
    _no_children()
    job.close()  # twice is harmless


def test_when_a_child_may_be_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not may_fork()  # outside `allowed`: one process, as the API's default
    with allowed(1):
        assert not may_fork() and Background(lambda: 1).pid == 0
    with allowed(2):
        assert may_fork()
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            assert not may_fork()  # a threaded process never forks
            job = Background(lambda: os.getpid())
            assert job.pid == 0 and job.result() == PARENT
        finally:
            stop.set()
            thread.join()
    monkeypatch.setattr("ftlint.engine.split.free_cores", lambda: 1)
    with allowed(None):
        assert not may_fork()  # auto on a busy machine
    monkeypatch.setattr("ftlint.engine.split.free_cores", lambda: 2)
    with allowed(None):
        assert may_fork()
    assert background._JOBS == [1]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("background") / "ws"
    bench_generator().generate_workspace(root, runs=12, hard_cases=4, steps=2)
    with (root / "artifacts/hf_jobs/submissions.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"run_name": "broken", "command": "hf jobs run \\"unbalanced"}\nnot json\n')
    metrics = sorted(root.glob("outputs/*/final_metrics.json"))
    metrics[5].write_bytes(metrics[2].read_bytes())  # a copied run (PRV011)
    return root


def _campaign(root: Path, jobs: int | None):
    session = api.setup(workspace=root)
    return api.load_campaign(session, root, jobs=jobs)


def test_records_parsed_in_a_child_give_the_same_campaign(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _campaign(workspace, 1)
    assert one.problems and any(s.run_name for r in one.runs for s in r.submissions)
    monkeypatch.setattr(records, "EARLY_MIN_BYTES", 0)
    started: list[records.Early | None] = []
    early = records.early
    monkeypatch.setattr(records, "early", lambda ws, c: started.append(early(ws, c)) or started[-1])
    assert one.copies  # the copied run's files are found either way
    assert _campaign(workspace, 2) == one
    assert len(started) == 1 and started[0] is not None  # one child parsed them
    _no_children()


def test_digests_hashed_ahead_are_used_only_for_the_same_file(workspace: Path) -> None:
    from ftlint.assemble.digests import identical_artifacts, known_digests
    from ftlint.sources.io import Workspace

    runs = _campaign(workspace, 1).runs
    ws = Workspace(workspace.resolve())
    with ws.scan():
        known = known_digests(ws, ("outputs/*/final_metrics.json",))
        assert len(known) == len(list(workspace.glob("outputs/*/final_metrics.json")))
        real = identical_artifacts(ws, runs)
        assert real and identical_artifacts(ws, runs, known) == real
        # a digest hashed ahead is trusted while the file's identity is unchanged...
        apart = {rel: (ident, f"{i:064x}") for i, (rel, (ident, _)) in enumerate(known.items())}
        assert identical_artifacts(ws, runs, apart) == ()
        # ...and not once the file changed (another size, inode or mtime)
        stale = {rel: ((0, 0, 0, 0), digest) for rel, (_, digest) in apart.items()}
        assert identical_artifacts(ws, runs, stale) == real


def test_a_discovery_that_raises_leaves_no_child(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ftlint.assemble.discover as discover

    monkeypatch.setattr(records, "EARLY_MIN_BYTES", 0)

    def broken(*args):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the child parsed

    monkeypatch.setattr(discover, "read_sources", broken)
    with pytest.raises(KeyboardInterrupt):
        _campaign(workspace, 2)
    _no_children()


def test_small_record_files_are_parsed_here(workspace: Path, monkeypatch) -> None:
    started: list[records.Early | None] = []
    early = records.early
    monkeypatch.setattr(records, "early", lambda ws, c: started.append(early(ws, c)) or started[-1])
    _campaign(workspace, 2)
    assert started == [None]  # a few kB: not worth a fork


def test_a_crashing_child_gives_the_same_campaign(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _campaign(workspace, 1)
    monkeypatch.setattr(records, "EARLY_MIN_BYTES", 0)
    parse = records.parse

    def crashing(*args):
        if _in_child():
            os._exit(3)
        return parse(*args)

    monkeypatch.setattr(records, "parse", crashing)
    assert _campaign(workspace, 2) == one
    _no_children()


def test_files_other_than_those_peeked_at_are_parsed_here(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layout's own glob found other record files than the peek (a file appeared
    meanwhile): the child's result is dropped, the child reaped, the files parsed here."""
    from ftlint.config.settings import Config
    from ftlint.sources.io import Workspace

    monkeypatch.setattr(records, "EARLY_MIN_BYTES", 0)
    ws = Workspace(workspace.resolve())
    config = Config()
    with allowed(2), ws.scan():
        started = records.early(ws, config)
        assert started is not None and len(started.paths) == 1
        paths = [*started.paths, *started.paths]
        got = records.items(ws, config, paths, started)
    assert got == records.parse(ws, paths, config.max_line_bytes)
    assert len(got) == 2 * len(records.parse(ws, paths[:1], config.max_line_bytes))
    _no_children()


def test_then_is_the_childs_next_value_or_none() -> None:
    with allowed(2):
        job = Background(lambda: "first", then=lambda: os.getpid())
        assert job.result() == "first" and job.then_result() not in (None, PARENT)
        broken = Background(lambda: "first", then=_raises)
        assert broken.result() == "first" and broken.then_result() is None
        dead = Background(_dies, then=lambda: "never")
        assert dead.result() == "here" and dead.then_result() is None
    alone = Background(lambda: "first", then=lambda: "not without a child")
    assert alone.pid == 0 and alone.result() == "first" and alone.then_result() is None
    _no_children()
