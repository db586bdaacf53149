"""Read a W&B binary run log (`run-<id>.wandb`): framing here, payloads via the SDK's protobufs.

The framing is the LevelDB log format as W&B writes it: a 7-byte file header
(`:W&B`, magic 0xBEE1 little-endian, version 0), then 32 KiB blocks of chunks. A chunk
has a 7-byte header (CRC-32 of type byte + data, plain IEEE/zlib CRC, not LevelDB's
masked CRC-32C; little-endian length u16; type u8 full/first/middle/last) and never
crosses a block; fewer than 7 bytes left in a block are zero padding. Payloads are
`wandb_internal_pb2.Record` messages.

`wandb` is imported only inside `read_run_log` (it costs ~0.4 s and is an optional
extra); without it `WandbUnavailable` is raised and the caller says once what it
could not read. A cut-off or corrupt log is read up to the damage, which is returned
as `LogDamage`, never raised.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ftlint import frozen, mutable
from ftlint.sources.io import bounded_int, reject_constant

FILE_HEADER = b":W&B"
MAGIC = 0xBEE1
VERSION = 0
FILE_HEADER_LEN = 7
BLOCK_LEN = 32 * 1024
CHUNK_HEADER_LEN = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_CHUNK = struct.Struct("<IHB")
#: CRC of each type byte, the seed of a chunk's CRC (crc32(type + data)).
_TYPE_CRC = {t: zlib.crc32(bytes([t])) for t in (FULL, FIRST, MIDDLE, LAST)}


class WandbUnavailable(Exception):
    """The `wandb` package (its protobuf classes) cannot be imported."""


@frozen
class LogDamage:
    """Where and why reading a log stopped early."""

    offset: int  # byte offset of the chunk (or record) that could not be read
    reason: str
    cut_off: bool  # True: the file ends early; False: bytes present but corrupt
    size: int  # file size in bytes


@frozen
class HistoryRow:
    """One `wandb.log` call: its step and every logged key (nested keys as dicts)."""

    index: int
    step: int | None
    values: dict[str, Any]


@mutable
class RunLog:
    """Everything ftlint takes from a run log. Never host, user, email or paths."""

    size: int = 0
    records: int = 0
    run_id: str | None = None
    name: str | None = None
    group: str | None = None
    project: str | None = None
    start_time: str | None = None
    git_commit: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    has_exit: bool = False
    exit_code: int | None = None
    damage: LogDamage | None = None
    bad_values: int = 0

    @property
    def last_step(self) -> int | None:
        steps = [row.step for row in self.history if row.step is not None]
        return max(steps) if steps else None


def _record_class() -> Any:
    """Import the SDK's `Record` message class (lazily; never at module import)."""
    try:
        from wandb.proto import wandb_internal_pb2
    except Exception as exc:  # ImportError, or a protobuf version the SDK rejects
        raise WandbUnavailable(f"{type(exc).__name__}: {exc}") from None
    return wandb_internal_pb2.Record


class _Framer:
    """Yield (offset, payload) of each complete record; set `damage` where it stops."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size
        self.damage: LogDamage | None = None

    def _stop(self, offset: int, reason: str, cut_off: bool) -> None:
        self.damage = LogDamage(offset, reason, cut_off, self.size)

    def records(self) -> Iterator[tuple[int, bytes]]:
        head = self.handle.read(FILE_HEADER_LEN)
        if len(head) < FILE_HEADER_LEN or head[:4] != FILE_HEADER:
            self._stop(0, "not a W&B run log (no ':W&B' header)", len(head) < FILE_HEADER_LEN)
            return
        magic, version = struct.unpack("<HB", head[4:])
        if magic != MAGIC or version != VERSION:
            self._stop(0, f"unknown log header (magic 0x{magic:04X}, version {version})", False)
            return
        parts: list[bytes] = []
        start = 0
        block_start = 0
        pos = FILE_HEADER_LEN
        block = head + self.handle.read(BLOCK_LEN - FILE_HEADER_LEN)
        while True:
            if len(block) - pos < CHUNK_HEADER_LEN:
                if len(block) < BLOCK_LEN:  # the last block: the file ends here
                    if pos < len(block):
                        self._stop(block_start + pos, "file ends inside a chunk header", True)
                    elif parts:
                        self._stop(start, "file ends inside a multi-chunk record", True)
                    return
                block_start += BLOCK_LEN
                pos = 0
                block = self.handle.read(BLOCK_LEN)
                continue
            offset = block_start + pos
            crc, length, kind = _CHUNK.unpack_from(block, pos)
            end = pos + CHUNK_HEADER_LEN + length
            if end > len(block):
                if len(block) < BLOCK_LEN:
                    self._stop(offset, f"file ends inside a {length}-byte chunk", True)
                else:
                    self._stop(offset, f"chunk length {length} crosses a block boundary", False)
                return
            data = block[pos + CHUNK_HEADER_LEN : end]
            if kind not in _TYPE_CRC:
                self._stop(offset, f"unknown chunk type {kind}", False)
                return
            if zlib.crc32(data, _TYPE_CRC[kind]) != crc:
                self._stop(offset, "bad CRC", end >= self.size)
                return
            pos = end
            if kind in (FULL, FIRST):
                if parts:
                    self._stop(start, "record never finished (a new one starts)", False)
                    return
                if kind == FULL:
                    yield offset, data
                    continue
                parts, start = [data], offset
                continue
            if not parts:
                self._stop(offset, "continuation chunk without a first chunk", False)
                return
            parts.append(data)
            if kind == LAST:
                yield start, b"".join(parts)
                parts = []


def _value(raw: str, log: RunLog) -> Any:
    try:
        return json.loads(raw, parse_constant=reject_constant, parse_int=bounded_int)
    except (ValueError, RecursionError):  # bad JSON, a 4,300-digit integer, deep nesting
        log.bad_values += 1
        return None


def _item_path(item: Any) -> list[str]:
    if item.key:
        return [item.key]
    return list(item.nested_key)


def _set(target: dict[str, Any], path: list[str], value: Any) -> None:
    if not path:
        return
    for key in path[:-1]:
        nxt = target.get(key)
        if not isinstance(nxt, dict):
            nxt = target[key] = {}
        target = nxt
    target[path[-1]] = value


def _remove(target: dict[str, Any], path: list[str]) -> None:
    for key in path[:-1]:
        nxt = target.get(key)
        if not isinstance(nxt, dict):
            return
        target = nxt
    if path:
        target.pop(path[-1], None)


def _apply(target: dict[str, Any], record: Any, log: RunLog, skip_wandb: bool = False) -> None:
    """Apply a ConfigRecord or SummaryRecord (update + remove items) to a dict."""
    for item in record.update:
        path = _item_path(item)
        if skip_wandb and path[:1] == ["_wandb"]:
            continue
        _set(target, path, _value(item.value_json, log))
    for item in record.remove:
        _remove(target, _item_path(item))


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _step_of(history: Any, values: dict[str, Any]) -> int | None:
    if history.HasField("step"):
        return int(history.step.num)
    step = values.get("_step")
    if isinstance(step, bool) or not isinstance(step, (int, float)):
        return None
    if isinstance(step, float) and not math.isfinite(step):
        return None  # a NaN or infinite `_step` is no step
    return int(step)


def read_run_log(path: Path) -> RunLog:
    """Read a `.wandb` log up to its end or its first damage.

    Raises `WandbUnavailable` when the SDK cannot be imported and `OSError` when the
    file cannot be opened; everything wrong inside the file is `RunLog.damage`.
    """
    record_class = _record_class()
    log = RunLog()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (FIFO, socket or device)")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        log.size = info.st_size
        framer = _Framer(handle, log.size)
        for offset, payload in framer.records():
            record = record_class()
            try:
                record.ParseFromString(payload)
            except Exception:  # google.protobuf.message.DecodeError
                framer.damage = LogDamage(offset, "undecodable record", False, log.size)
                break
            log.records += 1
            _take(record, log)
        log.damage = framer.damage
    return log


def _take(record: Any, log: RunLog) -> None:
    kind = record.WhichOneof("record_type")
    if kind == "history":
        values: dict[str, Any] = {}
        for item in record.history.item:
            _set(values, _item_path(item), _value(item.value_json, log))
        log.history.append(HistoryRow(len(log.history), _step_of(record.history, values), values))
    elif kind == "summary":
        _apply(log.summary, record.summary, log)
    elif kind == "config":
        _apply(log.config, record.config, log, skip_wandb=True)
    elif kind == "run":
        run = record.run
        log.run_id = run.run_id or log.run_id
        log.name = run.display_name or log.name
        log.group = run.run_group or log.group
        log.project = run.project or log.project
        if run.HasField("start_time") and run.start_time.seconds:
            log.start_time = _iso(run.start_time.seconds)
        if run.HasField("git") and run.git.commit:
            log.git_commit = run.git.commit
        if run.HasField("config"):
            _apply(log.config, run.config, log, skip_wandb=True)
        if run.HasField("summary"):
            _apply(log.summary, run.summary, log)
    elif kind == "exit":
        log.has_exit = True
        log.exit_code = int(record.exit.exit_code)
