"""Retry with exponential backoff for transient remote faults (5xx, 429, timeouts,
dropped or truncated transfers), shared by the W&B and fsspec pulls.

The backoff base and attempt count come from `FTLINT_REMOTE_BACKOFF` (seconds, default
1.0) and `FTLINT_REMOTE_RETRIES` (default 4) so tests can make retries instant without a
separate code path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_TRANSIENT_WORDS = (
    "timeout",
    "timed out",
    "429",
    "rate limit",
    "too many requests",
    "500",
    "502",
    "503",
    "504",
    "connection",
    "unexpected eof",
    "truncated",
    "incomplete",
    "temporarily",
    "reset by peer",
)


class Permanent(Exception):
    """A fault that retrying cannot fix (not found, deleted, too large)."""


def _env_float(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, Permanent):
        return False
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    text = f"{type(exc).__name__} {exc}".lower()
    if "not found" in text or "404" in text or "403" in text or "401" in text:
        return False
    return any(word in text for word in _TRANSIENT_WORDS)


def retry(fn: Callable[[], T], *, what: str = "") -> T:
    """Call `fn`; on a transient fault wait base*2^n (n = 0, 1, ...) and try again."""
    attempts = max(1, int(_env_float("FTLINT_REMOTE_RETRIES", 4)))
    base = _env_float("FTLINT_REMOTE_BACKOFF", 1.0)
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            time.sleep(base * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def describe(exc: BaseException) -> str:
    """One line for the manifest and stderr; never a traceback, never request headers."""
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
