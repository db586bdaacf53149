"""Which faults are retried, and the one-line message for each: the classification the
S3/HF/W&B pulls share (`ftlint.remote._retry`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftlint.remote._retry import Permanent, describe, is_transient, retry


def client_error(status: int, code: str) -> Exception:
    botocore = pytest.importorskip("botocore.exceptions")
    response = {
        "Error": {"Code": code, "Message": "x"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return botocore.ClientError(response, "GetObject")


def wrapped(cause: Exception) -> OSError:
    """What s3fs raises: a bare OSError `from` botocore's ClientError."""
    try:
        raise OSError(5, "injected") from cause
    except OSError as exc:
        return exc


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [
        (503, "SlowDown", True),
        (500, "InternalError", True),
        (429, "TooManyRequests", True),
        (404, "NoSuchKey", False),
        (403, "AccessDenied", False),
    ],
)
def test_status_found_through_the_cause(status: int, code: str, transient: bool) -> None:
    exc = wrapped(client_error(status, code))
    assert is_transient(exc) is transient
    assert f"(HTTP {status} {code})" in describe(exc)


def test_words_and_types() -> None:
    assert is_transient(TimeoutError("read"))
    assert is_transient(OSError("truncated download: 3 of 9 bytes"))
    assert is_transient(ValueError("Response payload is not completed"))
    assert not is_transient(Permanent("over the cap"))
    assert not is_transient(FileNotFoundError("404 not found"))
    assert not is_transient(ValueError("bad json"))


def test_retry_gives_up_after_the_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTLINT_REMOTE_RETRIES", "3")
    monkeypatch.setenv("FTLINT_REMOTE_BACKOFF", "0")
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("reset by peer")
        return "ok"

    assert retry(flaky) == "ok" and len(calls) == 3
    calls.clear()
    with pytest.raises(Permanent):
        retry(lambda: (_ for _ in ()).throw(Permanent("no")))


@given(st.text(max_size=500))
def test_describe_is_one_short_line(text: str) -> None:
    line = describe(RuntimeError(text))
    assert "\n" not in line and len(line) <= 240
