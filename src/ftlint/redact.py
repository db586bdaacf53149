"""Find and redact secrets (tokens, keys, passwords) in any text ftlint outputs.

Redaction is always on: every output format passes its final text through `redact`,
whatever rules are selected, so a token pasted into a job command never reaches a
terminal, a PR comment or a SARIF upload. SEC001 uses `find_secrets` to report them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

MASK = "****"

#: (kind, literal hint, pattern). Group 1 is the visible prefix kept in the mask. The
#: patterns start with their literal (fast to search in a large text); the word boundary
#: before it is checked in code. A pattern runs only when its hint occurs in the text.
_TOKEN_PATTERNS: tuple[tuple[str, str | tuple[str, ...], re.Pattern[str]], ...] = (
    ("Hugging Face token", "hf_", re.compile(r"(hf_)[A-Za-z0-9]{20,}")),
    ("OpenAI/Anthropic-style API key", "sk-", re.compile(r"(sk-)(?:ant-)?[A-Za-z0-9_\-]{20,}")),
    (
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"(gh[pousr]_)[A-Za-z0-9]{30,}"),
    ),
    ("GitHub fine-grained token", "github_pat_", re.compile(r"(github_pat_)[A-Za-z0-9_]{30,}")),
    ("AWS access key id", "AKIA", re.compile(r"(AKIA)[0-9A-Z]{16}\b")),
    (
        "Slack token",
        ("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"),
        re.compile(r"(xox[baprs]-)[A-Za-z0-9\-]{10,}"),
    ),
    ("Weights & Biases API key", "wandb_v1_", re.compile(r"(wandb_v1_)[A-Za-z0-9_]{20,}")),
    ("bearer token", "Bearer", re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/\-]{16,}=*")),
)

#: NAME=value where the name says it is secret (HF_TOKEN=..., WANDB_API_KEY=...). The
#: name must END with the secret word: HF_TOKEN yes, max_new_tokens / tokenizer no.
#: Each secret word is found with str.find on the lower-cased text and the value is
#: matched right after it; the rest of the name is found by scanning back.
_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "access_key",
    "private_key",
)
#: The separator may be JSON-escaped (`\\"api_key\\": \\"x\\"` inside a JSON string) or
#: XML-escaped (`&quot;`), so the final pass over any output format still sees it.
_QUOTE = r"(?:\\?\"|&quot;)"
_VALUE_AFTER = re.compile(r"(=|:\s*|" + _QUOTE + r"\s*:\s*" + _QUOTE + r")([^\s\"'&;,\\]{4,})")
#: Substrings every secret word contains: one quick scan before the per-word search.
_WORD_HINTS = ("token", "secret", "passw", "key")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
#: The pre-check of every token pattern: its literal hint, or for a family of hints
#: (ghp_, gho_, ...) their common prefix and, when it occurs, the family as one regex.
#: A clean text (almost every model completion) is settled by these `in` scans at
#: memchr speed and the lower-cased word hints, without the per-pattern loop.
_PRECHECKS: tuple[tuple[str, re.Pattern[str] | None], ...] = tuple(
    (hint, None)
    if isinstance(hint, str)
    else (
        os.path.commonprefix(list(hint)),  # noqa: RUF071 - a character prefix is wanted
        re.compile("|".join(re.escape(h) for h in hint)),
    )
    for _, hint, _ in _TOKEN_PATTERNS
)


def may_hold_secret(text: str) -> bool:
    """False only when `text` cannot hold a secret `find_secrets` would report."""
    for literal, family in _PRECHECKS:
        if literal in text and (family is None or family.search(text)):
            return True
    lower = text.lower()
    return any(hint in lower for hint in _WORD_HINTS)


@dataclass(frozen=True, slots=True)
class SecretMatch:
    kind: str
    name: str | None
    start: int
    end: int
    masked: str


def find_secrets(text: str) -> Iterator[SecretMatch]:
    """Every secret-looking span in `text`, by position (never the value itself)."""
    if text and may_hold_secret(text):
        yield from _scan(text)


def _scan(text: str) -> Iterator[SecretMatch]:
    """find_secrets without the pre-check (tests prove the pre-check never hides one)."""
    spans: list[SecretMatch] = []
    for (kind, _, pattern), (literal, family) in zip(_TOKEN_PATTERNS, _PRECHECKS, strict=True):
        if literal not in text or (family is not None and not family.search(text)):
            continue
        for m in pattern.finditer(text):
            if m.start() > 0 and text[m.start() - 1] in _NAME_CHARS:
                continue  # inside a longer word: not a token boundary
            spans.append(SecretMatch(kind, None, m.start(), m.end(), m.group(1) + MASK))
    lower = text.lower()
    if not any(word in lower for word in _WORD_HINTS) and not spans:
        return
    for word in _SECRET_WORDS:
        at = lower.find(word)
        while at != -1:
            after = at + len(word)
            m = _VALUE_AFTER.match(text, after)
            at = lower.find(word, after)
            if m is None:
                continue
            value = m.group(2)
            if value == MASK or value.endswith(MASK) or value.startswith(("$", "{", "<")):
                continue  # already masked, or a reference like $HF_TOKEN / ${{ secrets.X }}
            begin = after - len(word)
            while begin > 0 and text[begin - 1] in _NAME_CHARS:
                begin -= 1
            name = text[begin:after]
            spans.append(SecretMatch(f"{name} value", name, m.start(2), m.end(2), MASK))
    spans.sort(key=lambda s: (s.start, -s.end))
    last_end = -1
    for span in spans:
        if span.start >= last_end:
            yield span
            last_end = span.end


def redact(text: str) -> str:
    """Replace every secret in `text` with a masked form (`hf_****`, `HF_TOKEN=****`)."""
    if not text:
        return text
    matches = list(find_secrets(text))
    if not matches:
        return text
    out: list[str] = []
    pos = 0
    for m in matches:
        out.append(text[pos : m.start])
        out.append(m.masked)
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def redact_tree(value: object) -> object:
    """Redact every string inside a JSON-like value (before it is serialised).

    Serialising first escapes quotes (`"api_key": "x"` becomes `\\"api_key\\": ...`),
    which hides the assignment from `redact`; redacting the strings themselves does not
    depend on the output format's escaping.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_tree(v) for v in value]
    return value
