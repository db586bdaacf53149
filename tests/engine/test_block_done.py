"""`block_done` (`ftlint.rule.BatchVisitor`): after every visitor has had a block, the
engine calls each distinct hook once, drops its own reference, and only then reads the
next block, so a block's rows are freed before the next one is decoded."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

from helpers import bench_generator, lint_streamed

from ftlint.engine import stream
from ftlint.model import Run
from ftlint.rules.format import _common, _views
from ftlint.rules.security import _block_hints


class _Row:
    """A stand-in row that can be weakly referenced (a `HardCase` has no weakref slot)."""


class _Engine:
    def _internal(self, rule: Any, run: str | None, where: str, exc: BaseException) -> str:
        return f"{rule.code} crashed in {where}: {exc}"


class _Rule:
    def __init__(self, code: str) -> None:
        self.code = code


_HELD: list[Any] = [None]  # a memo shared by visitors, as `_views._BLOCK` is


def _forget() -> None:
    _HELD[0] = None


class _Visitor:
    block_done = staticmethod(_forget)  # shared: called once a block, not once a visitor

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def row_batch(self, cases: list[Any]) -> None:
        _HELD[0] = cases
        self.log.append(f"{self.name} {len(cases)}")

    def finish(self) -> list[Any]:
        return []


def _blocks(log: list[str], alive: list[weakref.ref[Any]], n: int) -> Any:
    for i in range(n):
        gc.collect()  # (nothing is cyclic: only to be sure a reference is what holds it)
        log.append(f"read {i} (earlier blocks alive: {sum(r() is not None for r in alive)})")
        row = _Row()
        alive.append(weakref.ref(row))
        yield [row, _Row()]
        del row


def test_hooks_run_once_per_block_after_every_visitor_and_before_the_next_read() -> None:
    log: list[str] = []
    seen: list[str] = []

    class Own(_Visitor):
        def block_done(self) -> None:  # a hook of its own: called too
            seen.append("own")

    visitors = [(_Rule("A"), _Visitor("a", log)), (_Rule("B"), _Visitor("b", log)),
                (_Rule("C"), Own("c", log))]  # fmt: skip
    feed = stream._Feed(visitors)  # type: ignore[arg-type]
    assert len(feed.done) == 2  # the shared hook once, the own one once
    alive: list[weakref.ref[Any]] = []
    findings: list[Any] = []
    count = feed.stream(_Engine(), Run(name="r"), _blocks(log, alive, 3), [], findings, None)  # type: ignore[arg-type]
    assert count == 6 and findings == [] and seen == ["own"] * 3
    assert log == [
        "read 0 (earlier blocks alive: 0)", "a 2", "b 2", "c 2",
        "read 1 (earlier blocks alive: 0)", "a 2", "b 2", "c 2",
        "read 2 (earlier blocks alive: 0)", "a 2", "b 2", "c 2",
    ]  # fmt: skip


def test_without_the_hook_the_memo_keeps_the_block_alive_while_the_next_is_read() -> None:
    """The same feed without `block_done`: the memo still holds a block when the next
    is read (what the hook is for)."""
    log: list[str] = []

    class NoHook(_Visitor):
        block_done = None  # type: ignore[assignment]

    feed = stream._Feed([(_Rule("A"), NoHook("a", log))])  # type: ignore[arg-type]
    alive: list[weakref.ref[Any]] = []
    feed.stream(_Engine(), Run(name="r"), _blocks(log, alive, 2), [], [], None)  # type: ignore[arg-type]
    assert log[2] == "read 1 (earlier blocks alive: 1)"
    _forget()


def test_a_crashing_hook_is_its_rules_crash_and_the_others_go_on() -> None:
    log: list[str] = []

    class Bad(_Visitor):
        def block_done(self) -> None:
            raise RuntimeError("boom")

    feed = stream._Feed([(_Rule("A"), Bad("a", log)), (_Rule("B"), _Visitor("b", log))])  # type: ignore[arg-type]
    findings: list[Any] = []
    feed.stream(_Engine(), Run(name="r"), _blocks(log, [], 2), [], findings, None)  # type: ignore[arg-type]
    assert findings == ["A crashed in block_done: boom"]
    assert [line for line in log if not line.startswith("read")] == ["a 2", "b 2", "b 2"]


def test_the_built_in_memos_hold_no_block_after_a_lint(tmp_path: Path) -> None:
    """Every memo the built-in visitors keep of a block (shared views, the choice
    test, the failed rows, the completion scan) is dropped by their hooks."""
    root = tmp_path / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=300, steps=3)
    findings, rows, _ = lint_streamed(root)
    assert rows == 300 and findings
    assert _views._BLOCK[0] is None and _views._CHOICE[0] is None
    assert _common._SELECTED[0] is None and _block_hints._LAST[0] is None


def test_a_hook_that_does_not_hash_is_still_called() -> None:
    """Hooks are told apart by identity: a plugin's callable need not be hashable."""
    calls: list[int] = []

    class Hook:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> None:
            calls.append(1)

    class WithHook(_Visitor):
        block_done = Hook()  # type: ignore[assignment]

    feed = stream._Feed([(_Rule("A"), WithHook("a", []))])  # type: ignore[arg-type]
    findings: list[Any] = []
    feed.stream(_Engine(), Run(name="r"), _blocks([], [], 2), [], findings, None)  # type: ignore[arg-type]
    assert calls == [1, 1] and findings == []
    _forget()
