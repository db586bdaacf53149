"""Where a report may be cut into pieces that are redacted one by one: the streaming
writer (`ftlint.report.stream`) and the report's second half made in a fork
(`ftlint.report.parallel`) cut only at a newline no secret pattern of `ftlint.redact`
runs on past (`continues_past`), so piecewise redaction masks exactly what one pass over
the whole output would.
"""

from __future__ import annotations

from ftlint.redact import _LONGEST_WORD, _SECRET_WORDS, QUOTES, _lower


def continues_past(text: str, end: int) -> bool:
    """True when a secret `redact(text)` finds may run on past `text[:end]` (which ends
    in whitespace): a writer that redacts piece by piece cuts only where this is False.

    Only patterns with `\\s` cross a line: `--key`/`wandb login [--opt ...]` then a key,
    `bearer` then a token, a secret word then `=`, `:` or a quoted `":"` then a value;
    so a cut is unsafe when `text[:end]`, trailing whitespace aside, ends in such a
    beginning (tests compare piecewise and whole-text redaction on random texts)."""
    i = _skip_space(text, end)
    if i == 0:
        return False
    if _lower(text[max(0, i - 6) : i]) == "bearer" or _word_before(text, i):
        return True
    j = i
    while j > 0 and (text[j - 1] == "=" or text[j - 1].isspace()):
        j -= 1
    if text.endswith("--key", 0, j):
        return True
    last = text[i - 1]
    if last == "=" and _word_before(text, _skip_space(text, i - 1)):
        return True  # NAME = |value
    if last == ":":
        if _word_before(text, i - 1):
            return True  # NAME:|value
        quote = _quote_before(text, _skip_space(text, i - 1))
        if quote is not None and _word_before(text, quote):
            return True  # \"NAME\" :|\"value\"
    quote = _quote_before(text, i)
    if quote is not None and _word_before(text, quote):
        return True  # \"NAME\"|: \"value\"
    return _wandb_login_before(text, i)


def _skip_space(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isspace():  # str.isspace is exactly re's \s
        i -= 1
    return i


def _word_before(text: str, i: int) -> bool:
    return _lower(text[max(0, i - _LONGEST_WORD) : i]).endswith(_SECRET_WORDS)


def _quote_before(text: str, i: int) -> int | None:  # where a quote ending at i starts
    for quote in QUOTES:
        if text.endswith(quote, 0, i):
            return i - len(quote)
    return None


def _wandb_login_before(text: str, i: int) -> bool:  # `wandb login(\s+--\S+)*` ends at i
    while True:
        if text.endswith("wandb login", 0, i):
            return True
        start = i
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        if start == 0 or i - start < 3 or not text.startswith("--", start, i):
            return False
        i = _skip_space(text, start)
