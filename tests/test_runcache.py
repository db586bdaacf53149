"""The result cache: an unchanged workspace replays the recorded run byte for byte without
importing ftlint's linting code; any change to what the run depended on runs it again.

Replays are told apart from runs with `python -X importtime`: a run imports
`ftlint.cli`, a replay does not. The interpreter's flags are not part of the cache key,
so the probe changes nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from ftlint import runcache

ARGS = ("check", "{ws}", "--baseline", "sft-c1-baseline", "--fail-on", "error")
COPIES = 21


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Copies of the example workspace that are older than the racy window (a cache entry
    is only stored for inputs that were not modified in the last RACY_SECONDS)."""
    base = tmp_path_factory.mktemp("aged")
    copies = []
    for i in range(COPIES):
        target = base / f"ws{i}"
        shutil.copytree(REPO / "examples", target)
        if i == 16:  # a workspace at a repository root, as the pre-commit hook lints it
            (target / ".git" / "objects").mkdir(parents=True)
            (target / ".git" / "index").write_bytes(b"DIRC")
            (target / ".hidden").mkdir()
        copies.append(target)
    time.sleep(runcache.RACY_SECONDS + 0.2)
    return copies


class Runner:
    def __init__(self, tmp_path: Path, ws: Path) -> None:
        self.ws = ws
        self.cwd = tmp_path / "cwd"
        self.cwd.mkdir(exist_ok=True)
        self.cache = tmp_path / "cache"
        self.env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
        self.env["FTLINT_CACHE_DIR"] = str(self.cache)
        self.env.pop("FTLINT_NO_CACHE", None)

    def __call__(self, *extra: str, env: dict[str, str] | None = None, args=ARGS):
        argv = [a.format(ws=self.ws) for a in args]
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "ftlint", *argv, *extra],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=120,
        )
        imported = {
            line.rsplit("|", 1)[-1].strip()
            for line in proc.stderr.splitlines()
            if line.startswith("import time:")
        }
        err = "".join(
            line + "\n" for line in proc.stderr.splitlines() if not line.startswith("import time:")
        )
        assert "Traceback" not in err, err
        return proc.returncode, proc.stdout, err, "ftlint.cli" not in imported

    def entries(self) -> list[Path]:
        return sorted(self.cache.glob("*.run")) if self.cache.is_dir() else []


def test_unchanged_workspace_replays_byte_for_byte(tmp_path: Path, aged: list[Path]) -> None:
    run = Runner(tmp_path, aged[0])
    code, out, err, replayed = run()
    assert (code, replayed) == (1, False)
    assert "FMT" in out and len(run.entries()) == 1
    again = run()
    assert again == (code, out, err, True)
    assert run() == (code, out, err, True)


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown"])
def test_output_file_is_restored_identically(tmp_path: Path, aged: list[Path], fmt: str) -> None:
    ws = aged[{"json": 1, "sarif": 2, "markdown": 3}[fmt]]
    run = Runner(tmp_path, ws)
    out = tmp_path / f"report.{fmt}"
    command = "plan" if fmt == "markdown" else "check"
    args = (command, "{ws}", "--baseline", "sft-c1-baseline", "--format", fmt, "-o", str(out))
    first = run(args=args)
    assert first[3] is False
    written = out.read_bytes()
    inode = out.stat().st_ino
    assert run(args=args)[:3] == first[:3]
    assert out.read_bytes() == written
    assert out.stat().st_ino == inode, "an identical output file is left alone"
    out.unlink()
    second = run(args=args)
    assert second[3] is True and out.read_bytes() == written
    out.write_text("tampered\n")
    assert run(args=args)[3] is True and out.read_bytes() == written


def _edit_hard_cases(ws: Path) -> None:
    path = ws / "outputs/sft-c2-candidate/hard_cases.valid.jsonl"
    text = path.read_text()
    path.write_text(text.replace("energy", "enerxy", 1))  # same size


def _add_run(ws: Path) -> None:
    shutil.copytree(ws / "outputs/sft-c1-baseline", ws / "outputs/sft-c3-new")


def _remove_file(ws: Path) -> None:
    (ws / "outputs/sft-c2-candidate/weave_eval_traces.json").unlink()


def _rename_run(ws: Path) -> None:
    (ws / "outputs/sft-c2-candidate").rename(ws / "outputs/sft-c2-renamed")


def _new_job_record(ws: Path) -> None:
    folder = ws / "artifacts/hf_jobs"
    first = sorted(folder.glob("*.jsonl"))[0]
    shutil.copy(first, folder / "zz-extra.jsonl")


def _empty_subfolder(ws: Path) -> None:
    (ws / "outputs/sft-c1-baseline/wandb").mkdir(exist_ok=True)


MUTATIONS = {
    "edit a hard case (same size)": _edit_hard_cases,
    "add a run": _add_run,
    "remove an input file": _remove_file,
    "rename a run": _rename_run,
    "add a job record": _new_job_record,
    "add an empty folder": _empty_subfolder,
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_any_change_to_the_workspace_runs_again(
    tmp_path: Path, aged: list[Path], name: str
) -> None:
    run = Runner(tmp_path, aged[4 + sorted(MUTATIONS).index(name)])
    run()
    assert run()[3] is True
    MUTATIONS[name](run.ws)
    after = run()
    assert after[3] is False, f"{name}: a stale result was replayed"
    fresh = run("--no-cache")
    assert after[:3] == fresh[:3]


def test_config_env_and_arguments_are_part_of_the_key(tmp_path: Path, aged: list[Path]) -> None:
    run = Runner(tmp_path, aged[10])
    run()
    assert run()[3] is True
    assert run("--select", "FMT")[3] is False
    assert run(env={"NO_COLOR": "1"})[3] is False
    (run.cwd / "rules.yaml").write_text("select: [FMT]\n")
    _code, out, _, replayed = run()
    assert replayed is False
    assert "QLT" not in out and "FMT" in out, "the new config applies"
    (run.cwd / "rules.yaml").unlink()
    assert run()[3] is True, "back to the first config: the first entry is fresh again"


def test_a_plugin_source_change_runs_again(tmp_path: Path, aged: list[Path]) -> None:
    run = Runner(tmp_path, aged[11])
    plugin = tmp_path / "plugdir" / "myplug.py"
    plugin.parent.mkdir()
    plugin.write_text("MARK = 1\n")
    old = time.time() - 3600
    os.utime(plugin, (old, old))
    run.env["PYTHONPATH"] = str(plugin.parent)
    time.sleep(runcache.RACY_SECONDS + 0.2)  # the plugin's ctime is new
    run("-p", "myplug")
    assert run("-p", "myplug")[3] is True
    plugin.write_text("MARK = 2\n")
    assert run("-p", "myplug")[3] is False


def test_fresh_inputs_are_not_stored(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(REPO / "examples", ws)
    run = Runner(tmp_path, ws)
    run()
    assert run.entries() == [], "inputs modified within the racy window must not be cached"
    assert run()[3] is False


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cache_can_be_turned_off(tmp_path: Path, aged: list[Path], how: str) -> None:
    run = Runner(tmp_path, aged[12 if how == "flag" else 13])
    extra, env = (("--no-cache",), None) if how == "flag" else ((), {"FTLINT_NO_CACHE": "1"})
    run(*extra, env=env)
    assert run.entries() == []
    run()
    assert run(*extra, env=env)[3] is False


def test_errors_are_not_cached(tmp_path: Path, aged: list[Path]) -> None:
    run = Runner(tmp_path, aged[14])
    code, _, err, _ = run("--baseline", "no-such-run")
    assert code == 2 and "no-such-run" in err
    assert run.entries() == []


def test_untrusted_or_corrupt_cache_is_not_used(tmp_path: Path, aged: list[Path]) -> None:
    run = Runner(tmp_path, aged[15])
    run.cache.mkdir()
    run.cache.chmod(0o777)
    first = run()
    assert run.entries() == [] and run()[3] is False
    why = run(env={"FTLINT_CACHE_DEBUG": "1"})[2]
    assert "is not a folder only its owner may write" in why
    run.cache.chmod(0o700)
    run()
    (entry,) = run.entries()
    entry.write_bytes(b"\x00garbage")
    again = run()
    assert again[3] is False and again[:3] == first[:3]
    assert run()[3] is True


def test_terminal_output_is_never_cached() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    saved = sys.stdout
    sys.stdout = Tty()  # type: ignore[assignment]
    try:
        assert runcache.cache_key(["check", "."]) is None
    finally:
        sys.stdout = saved
    assert runcache.cache_key(["rules"]) is None
    assert runcache.cache_key(["check", ".", "--write-suppressions", "s.json"]) is None
    assert runcache.cache_key(["check", "."]) is not None


def test_git_folder_changes_do_not_defeat_the_cache(tmp_path: Path, aged: list[Path]) -> None:
    """`git add` rewrites .git/index on every commit: a pre-commit hook must still replay.
    Other hidden folders are workspace contents like any other."""
    run = Runner(tmp_path, aged[16])
    first = run()
    assert run()[3] is True
    (run.ws / ".git" / "index").write_bytes(b"DIRC changed")
    (run.ws / ".git" / "objects" / "ab").mkdir()
    assert run() == (*first[:3], True)
    (run.ws / ".hidden" / "note.txt").write_text("new\n")
    assert run()[3] is False


def test_tree_walk_prunes_only_untouched_tool_folders(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".git" / "refs").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "outputs" / "r").mkdir(parents=True)
    files: dict = {}
    dirs: dict = {}
    git_head = str(root / ".git" / "HEAD")
    assert runcache._walk_tree(str(root), files, dirs, touched=(git_head,))
    assert git_head in files, "a file the run read inside .git is walked"
    assert str(root / "node_modules" / "x") not in dirs
    assert "node_modules" in dirs[str(root)], "a pruned folder stays in its parent's listing"
    assert str(root / "outputs" / "r") in dirs


def test_cache_folder_inside_the_workspace(tmp_path: Path, aged: list[Path]) -> None:
    """Storing an entry must not count as a change of the workspace it was stored for."""
    run = Runner(tmp_path, aged[18])
    run.cache = run.ws / ".ftlint-cache"
    run.env["FTLINT_CACHE_DIR"] = str(run.cache)
    first = run()
    assert len(run.entries()) == 1
    assert run() == (*first[:3], True)


def test_replay_into_a_closed_pipe_is_quiet(tmp_path: Path, aged: list[Path]) -> None:
    """`ftlint check | head`: the replay stops writing without a traceback."""
    run = Runner(tmp_path, aged[19])
    run()
    assert run()[3] is True
    argv = [a.format(ws=run.ws) for a in ARGS]
    proc = subprocess.run(  # `true` exits without reading: every write meets a closed pipe
        f"{sys.executable} -m ftlint {' '.join(argv)} | true",
        shell=True,
        cwd=run.cwd,
        capture_output=True,
        text=True,
        env=run.env,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr


def test_entries_are_compressed_and_a_damaged_entry_is_a_miss(
    tmp_path: Path, aged: list[Path]
) -> None:
    import marshal
    import zlib

    run = Runner(tmp_path, aged[20])
    out = tmp_path / "report.json"
    args = ("check", "{ws}", "--format", "json", "-o", str(out), "--fail-on", "never")
    first = run(args=args)
    (entry,) = run.entries()
    assert entry.stat().st_size * 2 < out.stat().st_size, "stored compressed"
    data = marshal.loads(zlib.decompress(entry.read_bytes()))
    data["printed"] = ("only", "two")  # a well-formed entry with a damaged payload
    entry.write_bytes(zlib.compress(marshal.dumps(data)))
    again = run(args=args)
    assert again[3] is False and again[:3] == first[:3]
    assert out.read_text() and run(args=args)[3] is True


@pytest.mark.parametrize("flag", [("--no-cach",), ("--write-supp", "accepted.json")])
def test_abbreviated_flags_are_honoured(tmp_path: Path, aged: list[Path], flag) -> None:
    """argparse accepts unambiguous prefixes; the cache must see them as the CLI does."""
    run = Runner(tmp_path, aged[0])
    run(*flag)
    assert run.entries() == []
