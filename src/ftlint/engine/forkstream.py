"""One forked process per task, its result sent back through a pipe (`--jobs` on one
big file: `ftlint.engine.ranges`).

`fork_each` forks every task's process at once (plain `os.fork`: `multiprocessing`
cost ~14 ms of imports before the first row), `dump` sends a result and `load` reads
it: a header, the raw memory of every large `array` in the result (PRV008's tables,
~42 of the ~49 MB a worker sends at 512 MB of rows), then the pickle of the rest, whose
arrays refer to those buffers (pickle's out-of-band buffers). No side copies an array
into a bytes object: the worker writes its memory, the driver reads the pipe straight
into the array it allocates. `reap` closes the pipes and reaps the processes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ftlint.engine.forkpool import _read_exact, _widen, _write_all

__all__ = ["RAW_MIN_BYTES", "dump", "fork_each", "load", "reap"]

#: arrays from this size on travel as raw memory; smaller ones inside the pickle
RAW_MIN_BYTES = 1 << 16


def fork_each(
    tasks: Sequence[tuple[int, int]], target: Callable[[int, int, int], None]
) -> list[tuple[int, int]]:
    """One forked process per `(start, end)` task, all started at once, as `(pid, read
    end of its pipe)`: each runs `target(start, end, write end)` and exits."""
    sys.stdout.flush()  # a worker flushes what it inherited: never print anything twice
    sys.stderr.flush()
    started: list[tuple[int, int]] = []
    try:
        for start, end in tasks:
            reader, writer = os.pipe()
            _widen(writer)
            try:
                pid = os.fork()
            except OSError:
                os.close(reader)
                os.close(writer)
                raise
            if pid == 0:  # the worker: never returns
                code = 1
                try:
                    os.close(reader)
                    for _, other in started:  # the earlier workers' pipes
                        os.close(other)
                    target(start, end, writer)
                    code = 0
                finally:
                    os._exit(code)
            os.close(writer)
            started.append((pid, reader))
    except BaseException:
        reap(started)
        raise
    return started


def dump(result: Any, fd: int) -> None:
    """Send `result` through the pipe `fd` for `load`, then close it. A result that
    cannot be pickled sends nothing: `load` then gives None."""
    import copyreg
    import io
    from array import array

    sender = _Arrays()
    try:
        body = io.BytesIO()
        pickler = pickle.Pickler(body, 5, buffer_callback=sender.buffers.append)
        pickler.dispatch_table = {**copyreg.dispatch_table, array: sender.reduce}
        pickler.dump(result)
        views = [buffer.raw() for buffer in sender.buffers]
        header = [len(body.getbuffer()), len(views)]
        for code, view in zip(sender.codes, views, strict=True):
            header += [ord(code), view.nbytes]
        _write_all(fd, b"".join(n.to_bytes(8, "little") for n in header))
        for view in views:
            _write_all(fd, view)
        _write_all(fd, body.getbuffer())
    except Exception:
        return  # the stream ends short: `load` gives None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def load(fd: int) -> Any:
    """What `dump` sent through `fd`, or None (a short or broken stream)."""
    from array import array

    try:
        head = _read_exact(fd, 16)
        if head is None:
            return None
        size, count = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
        meta = _read_exact(fd, 16 * count) if count else b""
        if meta is None:
            return None
        arrays = []
        for k in range(count):
            code = chr(int.from_bytes(meta[16 * k : 16 * k + 8], "little"))
            nbytes = int.from_bytes(meta[16 * k + 8 : 16 * k + 16], "little")
            item = array(code).itemsize
            made = array(code, bytes(item)) * (nbytes // item)
            if not _read_into(fd, memoryview(made).cast("B")):
                return None
            arrays.append(made)
        body = _read_exact(fd, size)
        if body is None:
            return None
        return pickle.loads(body, buffers=arrays)
    except Exception:
        return None


def reap(workers: list[tuple[int, int]]) -> None:
    """Close the pipes and reap the workers; one still running (the driver was
    interrupted, or has read all it needs while it exits) is killed first."""
    for pid, fd in workers:
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


class _Arrays:
    """Arrays of one `dump` sent out of band: their buffers and typecodes, in the order
    the pickle refers to them (an array met twice is sent once: pickle's memo)."""

    def __init__(self) -> None:
        self.buffers: list[pickle.PickleBuffer] = []
        self.codes: list[str] = []

    def reduce(self, a: Any) -> Any:
        if a.itemsize * len(a) < RAW_MIN_BYTES:
            return a.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        self.codes.append(a.typecode)
        return _array_of, (a.typecode, pickle.PickleBuffer(a))


def _array_of(typecode: str, buffer: Any) -> Any:
    """An array unpickled from its out-of-band buffer: `load` passes the array itself."""
    from array import array

    if isinstance(buffer, array) and buffer.typecode == typecode:
        return buffer
    made = array(typecode)
    made.frombytes(bytes(buffer))
    return made


def _read_into(fd: int, view: memoryview) -> bool:
    """Fill `view` from `fd`; False at the end of the pipe before it is full."""
    done = 0
    while done < len(view):
        try:
            got = os.readv(fd, [view[done:]])
        except InterruptedError:
            continue
        if not got:
            return False
        done += got
    return True
