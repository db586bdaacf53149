"""Find and redact secrets (tokens, keys, passwords) in any text ftlint outputs.

Redaction is always on: every output format passes its final text through `redact`,
whatever rules are selected, so a token pasted into a job command never reaches a
terminal, a PR comment or a SARIF upload. SEC001 uses `find_secrets` to report them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MASK = "****"

#: (kind, pattern, group that holds the secret, visible prefix kept)
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Hugging Face token", re.compile(r"\b(hf_)[A-Za-z0-9]{20,}")),
    ("OpenAI/Anthropic-style API key", re.compile(r"\b(sk-)(?:ant-)?[A-Za-z0-9_\-]{20,}")),
    ("GitHub token", re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{30,}")),
    ("GitHub fine-grained token", re.compile(r"\b(github_pat_)[A-Za-z0-9_]{30,}")),
    ("AWS access key id", re.compile(r"\b(AKIA)[0-9A-Z]{16}\b")),
    ("Slack token", re.compile(r"\b(xox[baprs]-)[A-Za-z0-9\-]{10,}")),
    ("Weights & Biases API key", re.compile(r"\b(wandb_v1_)[A-Za-z0-9_]{20,}")),
    ("bearer token", re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/\-]{16,}=*")),
)

#: NAME=value where the name says it is secret (HF_TOKEN=..., WANDB_API_KEY=...).
#: The name must END with the secret word: HF_TOKEN yes, max_new_tokens / tokenizer no.
_SECRET_NAME = r"[A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY)"
_ASSIGNMENT = re.compile(r"(?i)\b(" + _SECRET_NAME + r")(=|:\s*|\"\s*:\s*\")([^\s\"'&;,]{4,})")


@dataclass(frozen=True, slots=True)
class SecretMatch:
    kind: str
    name: str | None
    start: int
    end: int
    masked: str


def find_secrets(text: str) -> Iterator[SecretMatch]:
    """Every secret-looking span in `text`, by position (never the value itself)."""
    if not text:
        return
    spans: list[SecretMatch] = []
    for kind, pattern in _TOKEN_PATTERNS:
        for m in pattern.finditer(text):
            spans.append(SecretMatch(kind, None, m.start(), m.end(), m.group(1) + MASK))
    for m in _ASSIGNMENT.finditer(text):
        value = m.group(3)
        if value == MASK or value.endswith(MASK) or value.startswith(("$", "{", "<")):
            continue  # already masked, or a reference like $HF_TOKEN / ${{ secrets.X }}
        spans.append(SecretMatch(f"{m.group(1)} value", m.group(1), m.start(3), m.end(3), MASK))
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
