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
    "not completed",  # aiohttp's ClientPayloadError (s3fs, gcsfs): a body cut short
    "contentlengtherror",
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


_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "TooManyRequests",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
}


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: s3fs turns botocore's ClientError (which has the
    HTTP status) into a bare OSError("injected") raised `from` it."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(out) < 8 and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _http_status(exc: BaseException) -> tuple[int | None, str]:
    """HTTP status and service error code of a botocore ClientError (response dict) or
    a requests/httpx error (response object), else (None, "")."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        meta = response.get("ResponseMetadata") or {}
        error = response.get("Error") or {}
        status = meta.get("HTTPStatusCode") if isinstance(meta, dict) else None
        code = error.get("Code", "") if isinstance(error, dict) else ""
        return (status if isinstance(status, int) else None), str(code)
    status = getattr(response, "status_code", None)
    return (status if isinstance(status, int) else None), ""


def is_transient(exc: BaseException) -> bool:
    chain = _chain(exc)
    if any(isinstance(e, Permanent) for e in chain):
        return False
    for link in chain:
        status, code = _http_status(link)
        if status in _TRANSIENT_STATUS or code in _TRANSIENT_CODES:
            return True
        if status is not None and 400 <= status < 500:
            return False
    if any(isinstance(e, TimeoutError | ConnectionError) for e in chain):
        return True
    text = " ".join(f"{type(e).__name__} {e}" for e in chain).lower()
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
    for link in _chain(exc):  # s3fs hides the HTTP status in the cause: show it
        status, code = _http_status(link)
        if status is not None and str(status) not in text:
            text = f"{text} (HTTP {status}{' ' + code if code else ''})".strip()
            break
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
