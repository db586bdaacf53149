"""Discovery work done in a forked child while discovery goes on here (`--jobs`).

Discovery is serial and, at 1,000 runs, a fifth of a `--jobs 2` lint (~280 ms before
the map can start). Some of it depends only on files, not on what the rest of
discovery finds: parsing the job records (~70 ms of 1,000 records) is one. `Background`
forks a child that computes such a value and pickles it back through a pipe, while this
process walks the listing; `result()` unpickles it (~6 ms for 1,000 records).

Whatever goes wrong (no fork, threads running, the child raised or died, a result that
does not pickle) makes `result()` compute the value here, so the value is always the
one this process would have computed. A `Background` that is dropped unread (discovery
raised meanwhile) kills and reaps its child (`close`). Only allowed while discovery
runs under `allowed(jobs)` with `jobs` other than 1: `--jobs 1` means one process.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

#: the processes discovery may use (`allowed`); 1: none forked
_JOBS: list[int | None] = [1]


@contextlib.contextmanager
def allowed(jobs: int | None) -> Iterator[None]:
    """Within the block, `Background` may fork when `jobs` allows more than one process
    (`None` is `--jobs auto`: when `ftlint.engine.split.free_cores` finds two)."""
    before = _JOBS[0]
    _JOBS[0] = jobs
    try:
        yield
    finally:
        _JOBS[0] = before


def may_fork() -> bool:
    """True when a helper process is allowed now: `--jobs` above 1 (or auto with two
    free cores), `os.fork` exists, and no other thread runs (a fork of a threaded
    process may inherit a lock held forever)."""
    jobs = _JOBS[0]
    if jobs == 1 or not hasattr(os, "fork"):
        return False
    if jobs is None:
        from ftlint.engine.split import free_cores

        if free_cores() < 2:
            return False
    import threading

    return threading.active_count() == 1


class Background(Generic[T]):
    """`compute()` in a forked child (when `may_fork()`), else on `result()` here.

    `then`: more work for the child once its result is sent (it has the core to itself
    while this process goes on); `then_result()` gives that value, or None when the
    child could not give it (the caller then does that work itself)."""

    def __init__(self, compute: Callable[[], T], then: Callable[[], object] | None = None):
        self.compute = compute
        self.then = then
        self.pid = 0
        self.fd = self.then_fd = -1
        if may_fork():
            self._start()

    def _start(self) -> None:
        pipes: list[int] = []
        try:
            for _ in range(2 if self.then is not None else 1):
                pipes += os.pipe()
        except OSError:
            _close(pipes)
            return
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            with contextlib.suppress(Exception):  # None under pythonw, or closed
                stream.flush()  # type: ignore[union-attr]
        try:
            pid = os.fork()
        except OSError:
            _close(pipes)
            return
        if pid == 0:  # the child: never returns, never runs the parent's cleanup
            code = 1
            try:
                _close(pipes[0::2])
                _send(self.compute, pipes[1])
                if self.then is not None:
                    os.close(pipes[1])  # the parent may read the first result to its end
                    _send(self.then, pipes[3])
                code = 0
            finally:
                os._exit(code)
        _close(pipes[1::2])
        self.pid, self.fd = pid, pipes[0]
        self.then_fd = pipes[2] if len(pipes) > 2 else -1

    def result(self) -> T:
        """The value: the child's when it gave one, else computed here now."""
        if self.pid and self.fd >= 0:
            fd, self.fd = self.fd, -1
            value = _receive(fd)
            if value is _NOTHING or self.then_fd < 0:
                self.close()  # done, or it failed (`then` is not coming either)
            if value is not _NOTHING:
                return value  # type: ignore[return-value]
        return self.compute()

    def then_result(self) -> object | None:
        """What `then` gave in the child (after `result()`), or None."""
        value: object = _NOTHING
        if self.pid and self.then_fd >= 0:
            fd, self.then_fd = self.then_fd, -1
            value = _receive(fd)
        self.close()
        return None if value is _NOTHING else value

    def close(self) -> None:
        """Stop and reap the child (at once if it is still running); idempotent."""
        _close([fd for fd in (self.fd, self.then_fd) if fd >= 0])
        self.fd = self.then_fd = -1
        if self.pid:
            pid, self.pid = self.pid, 0
            with contextlib.suppress(OSError):
                finished, _ = os.waitpid(pid, os.WNOHANG)
                if finished:
                    return
                os.kill(pid, 9)  # SIGKILL
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_NOTHING = object()


def _send(compute: Callable[[], object], fd: int) -> None:
    """In the child: `compute()` pickled into `fd`; nothing when it raised, and a
    truncated pickle (no STOP: the parent's `load` raises) when it does not pickle.

    Pickled as a stream, frame by frame, not dumped whole first: the parent, usually
    waiting by then, unpickles each frame as it comes (1,000 job records: ~1.3 MB,
    ~8 ms to dump, ~6 ms to load, which overlap)."""
    import pickle

    try:
        value = compute()
    except Exception:
        return
    # cut short (does not pickle): the parent computes the value itself
    with os.fdopen(fd, "wb", closefd=False) as stream, contextlib.suppress(Exception):
        pickle.dump(value, stream, pickle.HIGHEST_PROTOCOL)


def _receive(fd: int) -> object:
    """One pickled value from `fd` (closed after), or `_NOTHING`."""
    import pickle

    try:
        # unpickled as it is read: the whole pickle is never in memory at once
        with os.fdopen(fd, "rb") as stream:
            return pickle.load(stream)  # type: ignore[no-any-return]
    except Exception:  # nothing came (the child failed) or only part of it
        return _NOTHING


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
