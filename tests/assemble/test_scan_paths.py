"""Discovery's own steps answer from the shared listing the way the `Path` routes do:
`digests._stat` (identities of the artifacts compared for copies) and the relative
folders of `discover.unread_files`, with links, hostile names and nested folders."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.assemble.digests import _stat
from ftlint.assemble.discover import SKIP_DIRS, unread_files
from ftlint.sources.io import Workspace


def _tree(root: Path) -> None:
    (root / "a" / "b c").mkdir(parents=True)
    (root / "a" / "b c" / "eval_results.json").write_text("{}")
    (root / "a" / "metrics.json").write_text("[1]")
    (root / "top_scores.csv").write_text("x\n")
    (root / "a" / "b c" / "weird name [1].jsonl").write_text("{}\n")
    outside = root.parent / f"{root.name}-outside.json"
    outside.write_text("{}")
    (root / "a" / "link.json").symlink_to(outside)  # a link out: never inside
    (root / "a" / "inner.json").symlink_to(root / "a" / "metrics.json")  # a link in
    (root / "linked").symlink_to(root / "a", target_is_directory=True)


RELS = [
    "a/metrics.json",
    "a/b c/eval_results.json",
    "a/link.json",
    "a/inner.json",
    "linked/metrics.json",
    "a/./metrics.json",
    "a//metrics.json",
    "a/../a/metrics.json",
    "missing.json",
    "a/b c",
    "",
]


def _slow_stat(ws: Workspace, rel: str):
    path = ws.root / rel
    if not ws.inside(path):
        return None
    try:
        st_ = path.stat()
    except OSError:
        return None
    return (st_.st_dev, st_.st_ino, st_.st_size, st_.st_mtime_ns)


def test_stat_from_the_listing_is_the_path_route(tmp_path: Path) -> None:
    _tree(tmp_path)
    ws = Workspace(tmp_path)
    without = {rel: _stat(ws, rel) for rel in RELS}
    assert without == {rel: _slow_stat(ws, rel) for rel in RELS}
    with ws.scan():
        assert {rel: _stat(ws, rel) for rel in RELS} == without
    assert without["a/link.json"] is None and without["a/metrics.json"] is not None


def test_unread_files_are_the_same_with_and_without_the_listing(tmp_path: Path) -> None:
    _tree(tmp_path)
    ws = Workspace(tmp_path)
    walked = unread_files(ws, set())
    with ws.scan():
        listed = unread_files(ws, set())
    assert listed == walked
    assert {u.path for u in walked} >= {"a/b c/eval_results.json", "top_scores.csv"}
    read = {"a/b c/eval_results.json"}
    with ws.scan():
        assert "a/b c/eval_results.json" not in {u.path for u in unread_files(ws, read)}


NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1
).filter(lambda n: n not in (".", "..") and len(n.encode()) < 200)


@settings(max_examples=25, deadline=None)
@given(folder=NAMES, name=NAMES)
def test_any_names_give_the_same_relative_paths(tmp_path_factory, folder, name) -> None:
    root = tmp_path_factory.mktemp("ws")
    try:
        (root / folder).mkdir()
        (root / folder / f"{name}_eval.json").write_text("{}")
    except OSError:
        return  # a name this filesystem refuses
    ws = Workspace(root)
    rel = f"{folder}/{name}_eval.json"
    walked = unread_files(ws, set())
    with ws.scan():
        assert unread_files(ws, set()) == walked
        assert _stat(ws, rel) == _slow_stat(ws, rel)
    assert _stat(ws, rel) == _slow_stat(ws, rel)
    if not folder.startswith(".") and folder not in SKIP_DIRS:
        assert [u.path for u in walked] == [rel]
    assert os.path.exists(root / rel)
