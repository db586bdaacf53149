"""pointer_line finds a JSON pointer's line; the files it reads are cached within a
bounded number of bytes (a sweep's report looks up many files)."""

from __future__ import annotations

import json
from pathlib import Path

from ftlint.report import locate


def _write(root: Path, name: str, doc: object) -> None:
    (root / name).write_text(json.dumps(doc, indent=2), encoding="utf-8")


def test_pointer_lines_and_a_bounded_cache(tmp_path: Path, monkeypatch) -> None:
    locate.clear_cache()
    monkeypatch.setattr(locate, "CACHE_BYTES", 200)
    for i in range(10):
        _write(tmp_path, f"f{i}.json", {"eval": {"mae": i, "pad": "x" * 40}})
    for i in range(10):
        assert locate.pointer_line(tmp_path, f"f{i}.json", "/eval/mae") == 3
    assert locate._held[0] <= 200
    assert len(locate._CACHE) < 10  # the oldest files were dropped
    assert locate._held[0] == sum(size for _, size in locate._CACHE.values())
    # a dropped file is read again, with the same answer
    assert locate.pointer_line(tmp_path, "f0.json", "/eval/pad") == 4
    locate.clear_cache()
    assert locate._held[0] == 0 and not locate._CACHE


def test_a_file_larger_than_the_cache_is_answered_not_kept(tmp_path: Path, monkeypatch) -> None:
    locate.clear_cache()
    monkeypatch.setattr(locate, "CACHE_BYTES", 10)
    _write(tmp_path, "big.json", {"a": 1, "b": {"c": 2}})
    assert locate.pointer_line(tmp_path, "big.json", "/b/c") == 4
    assert not locate._CACHE


def test_outside_or_missing_files_have_no_line(tmp_path: Path) -> None:
    locate.clear_cache()
    assert locate.pointer_line(tmp_path, "../x.json", "/a") is None
    assert locate.pointer_line(tmp_path, "missing.json", "/a") is None
    assert locate.pointer_line(tmp_path, "s3://b/x.json", "/a") is None
