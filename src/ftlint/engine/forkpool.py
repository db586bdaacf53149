"""`ForkExecutor`'s workers: processes forked from the driver that take chunk numbers
from one shared queue and answer with pickled outcomes, each over a pipe of its own.

A `concurrent.futures.ProcessPoolExecutor` did the same with ~20 ms of imports
(multiprocessing, queues, connections), a management thread in the driver and a
pickled call per chunk. Here the work and the chunks are inherited by the fork.

The queue is one pipe holding every chunk's number (4 bytes, in chunk order), written
whole and its write end closed before the first fork: a process that is free reads the
next number (a read of 4 bytes from a pipe is atomic) and, once the pipe is drained,
reads its end and stops. Nobody hands chunks out, so nobody waits for a hand-out: a
worker never idles while the driver lints, and a chunk sent ahead to a busy worker
never keeps a free process waiting at the end (with two chunks handed to each worker,
the driver of a 20-run lint sat ~10-16 ms idle at the end while its worker still
linted the chunk it held). Whatever goes wrong with a worker (it raised, its outcomes
cannot be pickled, it died) makes its chunk `None`, and the engine reruns it here.

With `here` (what the engine uses), the driver is one of the `jobs` processes: it forks
`jobs - 1` workers and, whenever the chunk it needs next is not done, first takes every
finished chunk, then runs the next chunk of the queue itself: a chunk it runs is never
pickled (1,000 runs at `--jobs 2`: half the pickling and unpickling and one fork fewer
than two workers and a driver that only waits).
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

_BIG_PIPE = 1 << 20  # a chunk's outcomes fit: a worker rarely waits for the driver to read
#: the queue is written in writes of this many bytes: one such write to a pipe is atomic
#: (POSIX's PIPE_BUF, 4,096 on Linux), so a full pipe takes whole chunk numbers or none
_QUEUE_WRITE = 512


class _Worker:
    def __init__(self, pid: int, results: int) -> None:
        self.pid, self.results = pid, results


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
        self.next = 0
        #: the queue's read end (-1 once drained), and the chunks a full pipe did not
        #: take (only past ~16,000 chunks on a pipe Linux would not widen): the driver's
        self.queue, self.left = _queue(len(parts))
        sys.stdout.flush()  # a worker flushes what it inherited: never print anything twice
        sys.stderr.flush()
        forks = min(jobs - 1 if here else jobs, len(parts)) if self.queue >= 0 else 0
        for _ in range(forks):  # (no queue, no pipe for a worker to read: none)
            worker = self._fork(work)
            if worker is None:
                break
            self.workers[worker.results] = worker

    def __iter__(self) -> ForkPool:
        return self

    def __next__(self) -> Any:
        if self.next >= len(self.parts):
            self.close()
            raise StopIteration
        while self.next not in self.done:
            if self.here and (self.queue >= 0 or self.left):
                while self._receive(timeout=0):  # the workers' finished chunks first
                    pass
                if self.next in self.done:
                    break
                index = self._take()
                if index is not None:
                    self.done[index] = self.work(self.parts[index])
                continue
            if not self._receive():
                # no worker left to give it (it died, or the chunk was never queued)
                self.done[self.next] = None
        produced = self.done.pop(self.next)
        self.next += 1
        return produced

    def close(self) -> None:
        """Stop the workers (at once when chunks were left unread) and reap them."""
        unread = self.next < len(self.parts)
        for worker in list(self.workers.values()):
            self._drop(worker, kill=unread)
        if self.queue >= 0:
            with contextlib.suppress(OSError):
                os.close(self.queue)
            self.queue = -1

    # -- the driver's side ---------------------------------------------------------

    def _fork(self, work: Callable[[range], Any]) -> _Worker | None:
        try:
            results_r, results_w = os.pipe()
        except OSError:
            return None
        _widen(results_w)
        try:
            pid = os.fork()
        except OSError:
            for fd in (results_r, results_w):
                os.close(fd)
            return None
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                for other in self.workers.values():  # the earlier workers' pipes
                    os.close(other.results)
                os.close(results_r)
                _serve(work, self.parts, self.queue, results_w, self.dumps)
                code = 0
            finally:
                os._exit(code)
        os.close(results_w)
        return _Worker(pid, results_r)

    def _take(self) -> int | None:
        """The next chunk of the queue for the driver to run, None when none is left."""
        if self.queue >= 0:
            header = _read_exact(self.queue, 4)
            if header is not None:
                return int.from_bytes(header, "little")
            os.close(self.queue)
            self.queue = -1
        return self.left.pop(0) if self.left else None

    def _receive(self, timeout: float | None = None) -> bool:
        """Wait for one worker's next outcomes (or its end); with `timeout`, give up
        after it when none is ready. False when nothing came (no worker is left)."""
        if not self.workers:
            return False
        ready, _, _ = select.select(list(self.workers), [], [], timeout)
        if not ready:
            return False
        worker = self.workers[ready[0]]
        message = _read_message(worker.results)
        if message is None:  # it ended: done, or died with its chunk (rerun by the engine)
            self._drop(worker)
            return True
        index, payload = message
        try:
            produced = self.loads(payload) if payload else None
        except Exception:  # outcomes that do not unpickle: the chunk is rerun here
            produced = None
        self.done[index] = produced
        return True

    def _drop(self, worker: _Worker, kill: bool = False) -> None:
        """Forget a worker and reap its process (killed first with `kill`)."""
        if self.workers.pop(worker.results, None) is None:
            return
        with contextlib.suppress(OSError):
            os.close(worker.results)
        if kill:
            with contextlib.suppress(OSError):
                os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)  # a worker exits once the queue is drained


def _queue(count: int) -> tuple[int, list[int]]:
    """A pipe holding the chunk numbers `0..count-1`, its write end closed: the read
    end, and the numbers that did not fit (the driver's, in order)."""
    try:
        read, write = os.pipe()
    except OSError:
        return -1, list(range(count))
    _widen(write)
    os.set_blocking(write, False)
    data = b"".join(i.to_bytes(4, "little") for i in range(count))
    written = 0
    try:
        while written < len(data):
            written += os.write(write, data[written : written + _QUEUE_WRITE])
    except OSError:  # full (BlockingIOError): the rest stays with the driver
        pass
    finally:
        os.close(write)
    return read, list(range(written // 4, count))


# -- the worker's side --------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def _serve(
    work: Callable[[range], Any],
    parts: Sequence[range],
    queue: int,
    out: int,
    dumps: Callable[[Any], bytes] = _dumps,
) -> None:
    """Run the queue's chunks until it is drained: answer each with its number and its
    pickled outcomes, or no outcomes when the work raised or they cannot be pickled."""
    while True:
        header = _read_exact(queue, 4)
        if header is None:
            return
        index = int.from_bytes(header, "little")
        try:
            payload = dumps(work(parts[index]))
        except Exception:
            payload = b""
        _write_all(out, len(payload).to_bytes(8, "little") + header + payload)


def _read_message(fd: int) -> tuple[int, bytes] | None:
    """A worker's next answer: the chunk number and the pickled outcomes (empty: none);
    None at the end of its pipe (a cut message included)."""
    header = _read_exact(fd, 12)
    if header is None:
        return None
    payload = _read_exact(fd, int.from_bytes(header[:8], "little"))
    return None if payload is None else (int.from_bytes(header[8:], "little"), payload)


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
