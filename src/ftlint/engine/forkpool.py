"""`ForkExecutor`'s workers: processes forked from the driver, fed chunk numbers and
answering with pickled outcomes, over one pair of pipes each.

A `concurrent.futures.ProcessPoolExecutor` did the same with ~20 ms of imports
(multiprocessing, queues, connections), a management thread in the driver and a
pickled call per chunk. Here the work and the chunks are inherited by the fork: only a
chunk's number (4 bytes) goes to a worker and its outcomes (one pickle) come back.
Each worker holds two chunks at a time, so it never waits for the driver to hand it
the next one. Whatever goes wrong with a worker (it raised, its outcomes cannot be
pickled, it died) makes its chunks `None`, and the engine reruns those here.

With `here` (what the engine uses), the driver is one of the `jobs` processes: it forks
`jobs - 1` workers and, whenever the chunk it needs next is not done, first takes every
finished chunk (handing out new ones), then runs the first chunk no worker holds itself:
a chunk it runs is never pickled (1,000 runs at `--jobs 2`: half the pickling and
unpickling and one fork fewer than two workers and a driver that only waits).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

#: chunks a worker holds at a time (one running, one waiting)
IN_FLIGHT = 2
_STOP = -1
_BIG_PIPE = 1 << 20  # a chunk's outcomes fit: a worker rarely waits for the driver to read


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.held: list[int] = []  # chunk numbers sent and not answered, in order


class ForkPool:
    """`jobs` workers running `work` on `parts`; `__next__` gives each chunk's outcomes
    (or None) in chunk order. `close()` stops everything (also midway)."""

    def __init__(
        self,
        work: Callable[[range], Any],
        parts: Sequence[range],
        jobs: int,
        *,
        dumps: Callable[[Any], bytes] | None = None,
        loads: Callable[[bytes], Any] = pickle.loads,
        here: bool = False,
    ) -> None:
        self.parts = parts
        self.work = work
        self.dumps = dumps or _dumps
        self.loads = loads
        #: the driver is one of the `jobs` processes: it runs chunks itself while it
        #: waits (`__next__`), so only `jobs - 1` are forked
        self.here = here
        self.workers: dict[int, _Worker] = {}  # by result descriptor
        self.done: dict[int, Any] = {}
        self.waiting = list(range(len(parts)))[::-1]  # popped from the end: chunk order
        self.next = 0
        sys.stdout.flush()  # a worker flushes what it inherited: never print anything twice
        sys.stderr.flush()
        for _ in range(min(jobs - 1 if here else jobs, len(parts))):
            worker = self._fork(work)
            if worker is None:
                break
            self.workers[worker.results] = worker
        for held in range(1, IN_FLIGHT + 1):  # one chunk each first, then the second
            for worker in list(self.workers.values()):
                self._feed(worker, held)
        self._orphans()

    def __iter__(self) -> ForkPool:
        return self

    def __next__(self) -> Any:
        if self.next >= len(self.parts):
            self.close()
            raise StopIteration
        while self.next not in self.done:
            if self.here and self.waiting:
                while self._receive(timeout=0):  # the workers' finished chunks, new ones
                    pass
                if self.next in self.done or not self.waiting:
                    continue
                index = self.waiting.pop()  # the first chunk no worker holds
                self.done[index] = self.work(self.parts[index])
                continue
            self._receive()
            if not self.workers and not self.waiting and self.next not in self.done:
                self.done[self.next] = None  # nobody can give it any more: rerun it here
        produced = self.done.pop(self.next)
        self.next += 1
        return produced

    def close(self) -> None:
        """Stop the workers (at once when chunks were left unread) and reap them."""
        for worker in list(self.workers.values()):
            self._drop(worker, kill=bool(worker.held))

    # -- the driver's side ---------------------------------------------------------

    def _fork(self, work: Callable[[range], Any]) -> _Worker | None:
        try:
            tasks_r, tasks_w = os.pipe()
            results_r, results_w = os.pipe()
        except OSError:
            return None
        for fd in (tasks_w, results_w):
            _widen(fd)
        try:
            pid = os.fork()
        except OSError:
            for fd in (tasks_r, tasks_w, results_r, results_w):
                os.close(fd)
            return None
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                for other in self.workers.values():  # the earlier workers' pipes
                    for fd in (other.tasks, other.results):
                        if fd >= 0:
                            os.close(fd)
                os.close(tasks_w)
                os.close(results_r)
                _serve(work, self.parts, tasks_r, results_w, self.dumps)
                code = 0
            finally:
                os._exit(code)
        os.close(tasks_r)
        os.close(results_w)
        return _Worker(pid, tasks_w, results_r)

    def _feed(self, worker: _Worker, upto: int = IN_FLIGHT) -> None:
        """Top the worker up to `upto` chunks; stop it when none are left. With every
        chunk handed out, its task pipe is closed at once: the worker reads the chunks
        still in the pipe, then the end, and exits while the driver unpickles its last
        outcomes (instead of the driver waiting for that exit at the end of the map)."""
        while len(worker.held) < upto and self.waiting:
            index = self.waiting.pop()
            worker.held.append(index)
            try:
                os.write(worker.tasks, index.to_bytes(4, "little", signed=True))
            except OSError:
                self._drop(worker)
                return
        if not worker.held:
            self._drop(worker)
        elif not self.waiting and worker.tasks >= 0:
            with contextlib.suppress(OSError):
                os.close(worker.tasks)
            worker.tasks = -1

    def _receive(self, timeout: float | None = None) -> bool:
        """Wait for one worker's next outcomes (or its end); with `timeout`, give up
        after it when none is ready. False when nothing came."""
        if not self.workers:
            self._orphans()
            return False
        ready, _, _ = select.select(list(self.workers), [], [], timeout)
        if not ready:
            return False
        worker = self.workers[ready[0]]
        message = _read_message(worker.results)
        if message is None:  # it died: its chunks are rerun by the engine
            self._drop(worker, kill=True)
            self._orphans()
            return True
        try:
            index, produced = self.loads(message)
        except Exception:  # outcomes that do not unpickle: the chunk is rerun here
            if not worker.held:
                return True
            index, produced = worker.held[0], None
        if index in worker.held:
            worker.held.remove(index)
        self.done[index] = produced
        self._feed(worker)
        return True

    def _drop(self, worker: _Worker, kill: bool = False) -> None:
        """Forget a worker: its unanswered chunks become None, its process is reaped."""
        if self.workers.pop(worker.results, None) is None:
            return
        for index in worker.held:
            self.done.setdefault(index, None)
        worker.held = []
        for fd in (worker.tasks, worker.results):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if kill:
            with contextlib.suppress(OSError):
                os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)  # a stopped worker exits when its task pipe closes

    def _orphans(self) -> None:
        """With no worker left, the chunks nobody took are None (rerun by the engine),
        unless the driver runs chunks itself (`here`): it then takes them in turn."""
        if not self.workers and not self.here:
            while self.waiting:
                self.done.setdefault(self.waiting.pop(), None)


# -- the worker's side --------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def _serve(
    work: Callable[[range], Any],
    parts: Sequence[range],
    tasks: int,
    out: int,
    dumps: Callable[[Any], bytes] = _dumps,
) -> None:
    """Run chunks until the task pipe closes: answer each with `(index, outcomes)`, or
    `(index, None)` when the work raised or its outcomes cannot be pickled."""
    while True:
        header = _read_exact(tasks, 4)
        if header is None:
            return
        index = int.from_bytes(header, "little", signed=True)
        if index == _STOP:
            return
        try:
            payload = dumps((index, work(parts[index])))
        except Exception:
            payload = pickle.dumps((index, None), pickle.HIGHEST_PROTOCOL)
        _write_all(out, len(payload).to_bytes(8, "little") + payload)


def _read_message(fd: int) -> bytes | None:
    header = _read_exact(fd, 8)
    if header is None:
        return None
    return _read_exact(fd, int.from_bytes(header, "little"))


def _read_exact(fd: int, size: int) -> bytes | None:
    """`size` bytes, or None at the end of the pipe before them."""
    parts: list[bytes] = []
    left = size
    while left:
        try:
            block = os.read(fd, min(left, 1 << 20))
        except InterruptedError:
            continue
        except OSError:
            return None
        if not block:
            return None
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _widen(fd: int) -> None:
    """A bigger pipe buffer where Linux allows it (a worker writes without waiting)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _BIG_PIPE)
    except (OSError, ImportError):
        pass
