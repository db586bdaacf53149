"""The listing (`Workspace.scan`, `ftlint.sources.listing`) finds exactly what Python
3.11's `Path.glob` and the glob probe found, path for path and problem for problem:
links in and out, loops, dangling links, hostile names, folders that cannot be listed
or entered; and `inside`/`rel` answer as before.

`Path.glob` itself changed in 3.12 and 3.13, and ftlint keeps 3.11's steps on every
Python. So on 3.11 the reference is `Path.glob` itself, and what it found in the fixed
trees here is recorded in `data/glob_reference.json`; on a later Python that record is
the reference. `FTLINT_UPDATE_GLOB_REFERENCE=1` (on 3.11 only) writes it again."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.config.settings import DEFAULT_INPUTS
from ftlint.sources import hf_trainer, llamafactory, lm_eval, openai_ft
from ftlint.sources._globprobe import probe
from ftlint.sources.io import Workspace
from ftlint.sources.listing import fast_parts, glob_error

ADAPTER_PATTERNS = [
    *(p for globs in DEFAULT_INPUTS.values() for p in globs),
    *hf_trainer.DEFAULT_PATTERNS,
    *llamafactory.DEFAULT_PATTERNS,
    *lm_eval.DEFAULT_PATTERNS,
    *openai_ft.DEFAULT_PATTERNS,
]
EXTRA_PATTERNS = [
    "*",
    "**",
    "**/*",
    "*/**/*.json",
    "outputs/**",
    "outputs/**/*.jsonl",
    "[ab]*/*.json",
    "?",
    "**/**/*.json",
    "out*/*/w*/run-*",
    "a//b/*",
    "./outputs/*/final_metrics.json",
    "outputs/*/",
    "../*",
    "outputs/../outputs/*/final_metrics.json",
    "in/**x/*",
    "outputs/*/*",
    "weird/*",
    "weird/[*]*",
    "loops/*/*",
    "links/*/*",
    "links/**/*.json",
    "outputs/**/",
    "outputs/**x",
    "x**/*.json",
    ".",
    "./",
    "",
    "/abs/*",
]


def _tree(root: Path, outside: Path) -> None:
    """A workspace with everything a glob can trip on."""
    for run in ("r1", "r2", ".hidden-run"):
        d = root / "outputs" / run
        d.mkdir(parents=True)
        (d / "final_metrics.json").write_text("{}")
        (d / "hard_cases.valid.jsonl").write_text("{}\n")
        (d / "wandb" / "run-20250101-abc").mkdir(parents=True)
    (root / "artifacts" / "hf_jobs").mkdir(parents=True)
    (root / "artifacts" / "hf_jobs" / "submissions.jsonl").write_text("{}\n")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "results_x.json").write_text("{}")
    (root / "b.csv").write_text("x\n")
    weird = root / "weird"
    weird.mkdir()
    for name in ("sp ace.json", "new\nline.json", "ünï.json", "[br]ack.json", "st*r.json",
                 "q?.json", "back\\slash.json", ".dot.json", "-dash.json"):  # fmt: skip
        (weird / name).write_text("{}")
    (outside / "secret").mkdir(parents=True)
    (outside / "secret" / "final_metrics.json").write_text("{}")
    links = root / "links"
    links.mkdir()
    (links / "in").symlink_to(root / "outputs" / "r1")
    (links / "out").symlink_to(outside / "secret")
    (links / "file.json").symlink_to(root / "b.csv")
    (links / "dangling.json").symlink_to(root / "nope")
    (root / "outputs" / "linked-run").symlink_to(root / "outputs" / "r2")
    (root / "outputs" / "escaped-run").symlink_to(outside / "secret")
    loops = root / "loops"
    loops.mkdir()
    (loops / "self").symlink_to(loops / "self")
    (loops / "up").symlink_to(loops)
    os.mkfifo(root / "outputs" / "r1" / "iter_eval_metrics.jsonl")


#: Python 3.11: `Path.glob` is the reference itself
ON_311 = sys.version_info[:2] == (3, 11)
REFERENCE = Path(__file__).parent / "data" / "glob_reference.json"
UPDATE = os.environ.get("FTLINT_UPDATE_GLOB_REFERENCE") == "1"


def _path_glob(root: Path, patterns: list[str]) -> dict[str, object]:
    """What `Workspace.glob` finds by its definition: the running Python's `Path.glob`
    (3.11's is the reference) for each pattern, paths relative to `root` and errors
    by type and message; under "skipped", the probe's problems without a listing, in
    the order the patterns first meet them (as `Workspace.skipped` holds them)."""
    ws = Workspace(root)
    answers: dict[str, object] = {}
    skipped: dict[tuple[str, str, str], None] = {}
    for pattern in patterns:
        why = glob_error(pattern)
        if why is not None:
            answers[pattern] = ["ValueError", f"glob {pattern!r} {why}"]
            continue
        try:
            answers[pattern] = sorted({ws.rel(path) for path in root.glob(pattern)})
            for path, message, kind in probe(root, pattern):
                skipped.setdefault((ws.rel(path), message, kind))
        except (ValueError, NotImplementedError, OSError) as exc:
            answers[pattern] = [type(exc).__name__, str(exc)]
    return _portable({"globs": answers, "skipped": [list(k) for k in skipped]}, root)


def _listed(root: Path, patterns: list[str], ws: Workspace) -> dict[str, object]:
    """`_path_glob`'s answers from `ws.glob` (with or without the shared listing)."""
    answers: dict[str, object] = {}
    for pattern in patterns:
        try:
            answers[pattern] = [ws.rel(path) for path in ws.glob((pattern,))]
        except (ValueError, NotImplementedError, OSError) as exc:
            answers[pattern] = [type(exc).__name__, str(exc)]
    skipped = [[p.evidence.path, p.message, p.kind] for p in ws.skipped]
    return _portable({"globs": answers, "skipped": skipped}, root)


def _portable(answer: object, root: Path) -> object:
    """An answer as JSON holds it: the temporary folders named by their role."""
    text = json.dumps(answer)
    for path, name in ((root, "<ws>"), (root.parent / "elsewhere", "<elsewhere>")):
        text = text.replace(json.dumps(str(path))[1:-1], name)
    return json.loads(text)


def _recorded(case: str, root: Path, patterns: list[str]) -> object:
    """The reference answers of `case`: `Path.glob`'s on 3.11 (checked against the
    record, or written to it with FTLINT_UPDATE_GLOB_REFERENCE=1), else the record's."""
    record = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    if not ON_311:
        assert case in record, f"no 3.11 reference recorded for {case}"
        return record[case]
    live = _path_glob(root, patterns)
    if UPDATE:
        record[case] = live
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    else:
        assert record.get(case) == live, f"{REFERENCE.name} is stale for {case}"
    return live


def _compare(root: Path, patterns: list[str], case: str | None = None) -> None:
    """The answers from the shared listing and from a listing made for each call are
    the reference's: recorded under `case`, else 3.11's `Path.glob` live (on another
    Python, with no record, only the two listings are compared)."""
    if case is not None:
        expected = _recorded(case, root, patterns)
    else:
        expected = _path_glob(root, patterns) if ON_311 else None
    plain, scanned = Workspace(root), Workspace(root)
    with scanned.scan():
        got = _listed(root, patterns, scanned)
    assert scanned.listing is None  # the listing lives for one discovery
    assert _listed(root, patterns, plain) == got
    if expected is not None:
        for pattern in patterns:
            assert got["globs"][pattern] == expected["globs"][pattern], pattern
        assert got["skipped"] == expected["skipped"]


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    _tree(root, tmp_path / "elsewhere")
    return root.resolve()


def test_every_adapter_pattern_finds_what_path_glob_found(ws_root: Path) -> None:
    _compare(ws_root, ADAPTER_PATTERNS + EXTRA_PATTERNS, "tree")


def test_several_patterns_in_one_glob_are_merged_alike(ws_root: Path) -> None:
    plain, scanned = Workspace(ws_root), Workspace(ws_root)
    patterns = ("**/*.json", "outputs/*/final_metrics.json", "links/*")
    with scanned.scan():
        assert scanned.glob(patterns) == plain.glob(patterns)


def test_inside_answers_as_resolving_does(ws_root: Path) -> None:
    plain, scanned = Workspace(ws_root), Workspace(ws_root)
    paths = [Path(d) / n for d, dirs, files in os.walk(ws_root) for n in dirs + files]
    paths += [ws_root / "outputs" / "nope.json", ws_root / "links" / "out" / "final_metrics.json"]
    paths += [ws_root / "outputs" / ".." / "b.csv", ws_root.parent / "elsewhere", ws_root]
    with scanned.scan():
        for path in paths:
            assert _outcome(scanned.inside, path) == _outcome(plain.inside, path), path


def _outcome(check, path: Path) -> object:
    """The answer, or the error (resolving a symlink loop raises, as it always did)."""
    try:
        return check(path)
    except (RuntimeError, OSError) as exc:
        return type(exc)


@pytest.mark.parametrize(
    "path", ["outputs/r1/final_metrics.json", "", "..", "../x", "outputs/../b.csv", "a/./b"]
)
def test_rel_answers_as_relative_to_does(ws_root: Path, path: str) -> None:
    ws = Workspace(ws_root)
    target = ws_root / path if path else ws_root
    try:
        expected = target.relative_to(ws_root).as_posix()
    except ValueError:
        expected = target.as_posix()
    assert ws.rel(target) == expected
    assert ws.rel(Path("relative/x.json")) == "relative/x.json"
    assert ws.rel(Path("/elsewhere/x.json")) == "/elsewhere/x.json"
    assert Workspace(Path("/")).rel(Path("/etc/x")) == "etc/x"


def _denied(monkeypatch, blocked: Path, *, stat_too: bool) -> None:
    """Folders under `blocked` cannot be listed (and, `stat_too`, not entered): what
    mode 000 does for a user that is not root (the tests run as root)."""
    real_scandir, real_stat, real_lstat = os.scandir, os.stat, os.lstat
    prefix = str(blocked)

    def deny(path: object) -> None:
        text = os.fspath(path) if not isinstance(path, int) else ""
        if text == prefix or text.startswith(prefix + "/"):
            raise PermissionError(errno.EACCES, "Permission denied", text)

    def scandir(path: object = ".") -> object:
        deny(path)
        return real_scandir(path)

    def stat(path: object, *a: object, **k: object) -> os.stat_result:
        if os.fspath(path) != prefix:
            deny(path)
        return real_stat(path, *a, **k)

    def lstat(path: object, *a: object, **k: object) -> os.stat_result:
        if os.fspath(path) != prefix:
            deny(path)
        return real_lstat(path, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    if stat_too:
        monkeypatch.setattr(os, "stat", stat)
        monkeypatch.setattr(os, "lstat", lstat)


@pytest.mark.parametrize("stat_too", [False, True], ids=["unlistable", "unsearchable"])
@pytest.mark.parametrize("blocked", ["outputs/r2", "outputs", "a"])
def test_folders_that_cannot_be_read_are_reported_alike(
    ws_root: Path, monkeypatch, blocked: str, stat_too: bool
) -> None:
    _denied(monkeypatch, ws_root / blocked, stat_too=stat_too)
    case = f"tree, {blocked} {'unsearchable' if stat_too else 'unlistable'}"
    _compare(ws_root, ADAPTER_PATTERNS + EXTRA_PATTERNS, case)


def test_the_listing_is_made_once_per_folder(ws_root: Path, monkeypatch) -> None:
    listed: list[str] = []
    real = os.scandir

    def scandir(path: object = ".") -> object:
        listed.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    ws = Workspace(ws_root)
    with ws.scan():
        for pattern in ADAPTER_PATTERNS + EXTRA_PATTERNS:
            if fast_parts(pattern) is not None:  # the others are Path.glob's own
                _listed(ws_root, [pattern], ws)
    assert listed and len(listed) == len(set(listed))


def test_patterns_are_split_as_python_3_11_split_them() -> None:
    """Every pattern `glob_error` accepts is globbed by the listing, on every Python: a
    trailing slash is a last empty part (folders only), a `..` part a name."""
    assert fast_parts("./a//b/*.json") == ("a", "b", "*.json")
    assert fast_parts("a/") == ("a", "")
    assert fast_parts("outputs/**//") == ("outputs", "**", "")
    assert fast_parts("../x") == ("..", "x")
    assert fast_parts("a/../b") == ("a", "..", "b")
    for pattern in ("", "/abs/*", "a/**b/c", "x**", ".", "./", "a\0b", 42):
        assert fast_parts(pattern) is None, pattern  # type: ignore[arg-type]
        assert glob_error(pattern) is not None, pattern  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("", "is empty"),
        ("/abs/*", "is absolute"),
        ("outputs/**x", "'**' inside a part"),
        ("x**/y", "'**' inside a part"),
        ("***", "'**' inside a part"),
        (".", "names no file"),
        ("././/", "names no file"),
        ("a\0b", "NUL"),
    ],
)
def test_a_pattern_that_is_no_glob_raises_alike_on_every_python(
    ws_root: Path, pattern: str, why: str
) -> None:
    """3.11's `Path.glob` raised ValueError for `**x` and IndexError for `.`; 3.13's
    matches `**x` as `*x`. Here each is one ValueError with its reason, scanning or not."""
    plain, scanned = Workspace(ws_root), Workspace(ws_root)
    with pytest.raises(ValueError, match=re.escape(why)):
        plain.glob(("outputs/*/final_metrics.json", pattern))
    with scanned.scan(), pytest.raises(ValueError, match=re.escape(why)):
        scanned.glob(("outputs/*/final_metrics.json", pattern))


NAMES = ["a", "b", ".h", "x.json", "y.jsonl", "[a]", "s p", "run-1"]
PARTS = ["*", "**", "?", "a*", "[ab]*", "x.json", ".h", "*.json*", "run-*", "b", "[!a]*", "", ".."]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
            st.sampled_from(["file", "dir", "link-dir", "link-file", "dangling", "loop"]),
        ),
        max_size=12,
    ),
    patterns=st.lists(
        st.lists(st.sampled_from(PARTS), min_size=1, max_size=4).map("/".join),
        min_size=1,
        max_size=6,
    ),
)
def test_random_trees_and_patterns(tmp_path_factory, entries, patterns) -> None:
    root = tmp_path_factory.mktemp("ws").resolve()
    for parts, kind in entries:
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":
                path.write_text("{}")
            elif kind == "dir":
                path.mkdir(exist_ok=True)
            elif kind == "link-dir":
                path.symlink_to(root)
            elif kind == "link-file":
                path.symlink_to(root / "a")
            elif kind == "dangling":
                path.symlink_to(root / "missing")
            else:
                path.symlink_to(path)
        except OSError:
            continue  # a name already taken by another kind of entry
    _compare(root, patterns)


def test_walk_is_os_walk(ws_root: Path) -> None:
    def pruned(walker):
        out = []
        for folder, dirs, files in walker:
            dirs[:] = sorted(d for d in dirs if not d.startswith(".h"))
            out.append((folder, sorted(dirs), sorted(files)))
        return out

    ws = Workspace(ws_root)
    with ws.scan():
        assert ws.listing is not None
        assert pruned(ws.listing.walk(str(ws_root))) == pruned(os.walk(ws_root))


@pytest.mark.parametrize("blocked", [None, "outputs/r2", "weird"])
def test_unread_files_are_found_alike(ws_root: Path, monkeypatch, blocked: str | None) -> None:
    from ftlint.assemble.discover import unread_files

    (ws_root / "a" / "eval_scores.json").write_text("{}")
    (ws_root / "outputs" / "r2" / "predictions.jsonl").write_text("{}\n")
    if blocked:
        _denied(monkeypatch, ws_root / blocked, stat_too=False)
    read = {"outputs/r1/final_metrics.json"}
    plain, scanned = Workspace(ws_root), Workspace(ws_root)
    expected = unread_files(plain, read)
    with scanned.scan():
        assert unread_files(scanned, read) == expected
        assert unread_files(scanned, read, limit=7) == unread_files(plain, read, limit=7)
    assert any(u.path == "a/eval_scores.json" for u in expected)


def test_a_folder_swapped_for_a_link_after_the_listing_is_not_read(tmp_path: Path) -> None:
    """`inside` answers from the listing made at the start of discovery; a reader checks
    the file it actually opened, so a folder replaced by a link out of the workspace
    since then is still refused, as resolving before the open refused it."""
    import shutil

    from ftlint.assemble.digests import _digest
    from ftlint.sources.io import read_json

    root = (tmp_path / "ws").resolve()
    (root / "outputs" / "r1").mkdir(parents=True)
    (root / "outputs" / "r1" / "final_metrics.json").write_text('{"acc": 1}')
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "final_metrics.json").write_text('{"secret": 1}')
    ws = Workspace(root)
    with ws.scan():
        (found,) = ws.glob(("outputs/*/final_metrics.json",))
        assert ws.inside(found)  # as listed
        shutil.rmtree(root / "outputs" / "r1")
        (root / "outputs" / "r1").symlink_to(outside)
        data, problems = read_json(ws, found)
        assert data is None and [p.kind for p in problems] == ["unsafe-path"]
        assert _digest(ws, "outputs/r1/final_metrics.json") is None
    data, problems = read_json(ws, found)  # and without the listing, as always
    assert data is None and [p.kind for p in problems] == ["unsafe-path"]


def test_a_file_read_during_discovery_reads_as_before(ws_root: Path) -> None:
    from ftlint.sources.io import read_json

    path = ws_root / "outputs" / "r1" / "final_metrics.json"
    plain, scanned = Workspace(ws_root), Workspace(ws_root)
    with scanned.scan():
        assert read_json(scanned, path) == read_json(plain, path)
        link = ws_root / "links" / "out" / "final_metrics.json"
        assert read_json(scanned, link) == read_json(plain, link)


def _resolves_inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def test_inside_without_the_listing_answers_as_resolving_every_time(ws_root: Path) -> None:
    """Outside discovery `inside` resolves a folder once (`plain_folders`) and then
    only asks whether the file is a link: the answers stay those of resolving each path,
    asked once or again, in any order."""
    ws = Workspace(ws_root)
    paths = [Path(d) / n for d, dirs, files in os.walk(ws_root) for n in dirs + files]
    paths += [ws_root / "outputs" / "nope.json", ws_root / "links" / "out" / "final_metrics.json"]
    paths += [ws_root / "outputs" / ".." / "b.csv", ws_root.parent / "elsewhere", ws_root]
    for path in paths + paths[::-1]:
        assert ws.inside(path) == _resolves_inside(ws.root, path), path
    assert ws.plain_folders  # (the memo was used)


def test_a_folder_swapped_for_a_link_after_inside_resolved_it_is_not_read(tmp_path: Path) -> None:
    """The memo of plain folders may be stale by the open: the file opened is checked."""
    import shutil

    from ftlint.sources.io import read_json

    root = (tmp_path / "ws").resolve()
    (root / "outputs" / "r1").mkdir(parents=True)
    for name in ("final_metrics.json", "eval.json"):
        (root / "outputs" / "r1" / name).write_text('{"acc": 1}')
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "eval.json").write_text('{"secret": 1}')
    ws = Workspace(root)
    assert read_json(ws, root / "outputs" / "r1" / "final_metrics.json")[0] == {"acc": 1}
    assert str(root / "outputs" / "r1") in ws.plain_folders
    shutil.rmtree(root / "outputs" / "r1")
    (root / "outputs" / "r1").symlink_to(outside)
    data, problems = read_json(ws, root / "outputs" / "r1" / "eval.json")
    assert data is None and [p.kind for p in problems] == ["unsafe-path"]
