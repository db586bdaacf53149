"""`read_capped`: a whole artifact up to a cap, read at its size (not at the cap)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.sources.io import read_capped


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5000), cap=st.integers(0, 6000))
def test_it_reads_what_a_read_of_the_cap_reads(tmp_path_factory, size: int, cap: int) -> None:
    path = tmp_path_factory.mktemp("capped") / "a.json"
    path.write_bytes(bytes(i % 251 for i in range(size)))
    with path.open("rb") as handle:
        expected = handle.read(cap + 1)
    with path.open("rb") as handle:
        assert read_capped(handle, cap) == expected


def test_a_file_appended_to_while_open_is_read_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "growing.jsonl"
    path.write_bytes(b"x" * 10)
    with path.open("rb") as handle, path.open("ab") as writer:
        size_then = path.stat().st_size
        writer.write(b"y" * 40)  # appended while the reader has it open
        writer.flush()
        raw = read_capped(handle, 30)
    assert size_then == 10 and raw == b"x" * 10 + b"y" * 21  # the cap + 1: too large


def test_a_file_that_reports_no_size_is_read_whole() -> None:
    """/proc files are regular with st_size 0 and content."""
    with open("/proc/self/status", "rb") as handle:
        raw = read_capped(handle, 1 << 20)
    assert raw.startswith(b"Name:") and len(raw) < 1 << 20
