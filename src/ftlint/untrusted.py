"""How untrusted values enter the model: every string redacted (`ftlint.redact`) and,
where a finding or report quotes it, clipped.

Artifact strings (commands, configs, run names, stderr tails, model outputs) are
untrusted: they are cleaned here once, where they enter a finding or a report table, so
no output format has to remember to.
"""

from __future__ import annotations

import re
from typing import Any

from ftlint.redact import _SECRET_WORDS, MASK, redact

#: tokenizer settings are named like secrets but hold vocabulary entries
_TOKENIZER_NAMES = frozenset(
    f"{w}_token" for w in ("pad", "eos", "bos", "unk", "sep", "cls", "mask", "chat", "special")
)
#: a whole value that looks like a credential (no spaces, no markup)
_CREDENTIAL_VALUE = re.compile(r"[A-Za-z0-9_\-.~+/=:]{8,}")
#: a W&B API key is 40 hex digits, like a git SHA: only a key-named field's whole value
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")


#: the secret words a field or variable name may end with (not the Markdown-escaped)
_NAME_ENDINGS = tuple(word for word in _SECRET_WORDS if "\\" not in word)


def secret_name(name: str) -> bool:
    """True when a field or variable named `name` holds a secret (HF_TOKEN, api_key,
    aws_secret_access_key), not a tokenizer setting (pad_token) or a count."""
    lower = name.lower().replace("\\_", "_")
    if lower in _TOKENIZER_NAMES:
        return False
    return lower.endswith(_NAME_ENDINGS)


def redact_value(value: Any, name: str | None = None) -> Any:
    """Redact every string in an untrusted value where it enters the model (commands,
    configs, run names, stderr tails, file names), before any code clips or wraps it.

    `name` is the field the value came from: a whole value of a field named like a
    secret is masked even when it has no token shape (a 40-hex W&B key in
    `WANDB_API_KEY` or `api_key`; a bare 40-hex elsewhere is a git SHA and kept).
    Mappings pass each key as the name of its value; other types are returned as is.
    """
    if isinstance(value, str):
        if name and value and value != MASK and not value.startswith(("$", "{", "<")):
            lower = name.lower()
            if secret_name(name) and _CREDENTIAL_VALUE.fullmatch(value):
                return MASK
            if lower.endswith("key") and _HEX40.fullmatch(value):
                return MASK
        return redact(value)
    if isinstance(value, dict):
        return {
            (redact(k) if isinstance(k, str) else k): redact_value(
                v, k if isinstance(k, str) else None
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v) for v in value)
    return value


def redact_tree(value: object) -> object:
    """Redact every string inside a JSON-like value (before it is serialised).

    Serialising first escapes quotes (`"api_key": "x"` becomes `\\"api_key\\": ...`),
    which hides the assignment from `redact`; redacting the strings themselves does not
    depend on the output format's escaping. Tuples become lists (JSON arrays).
    """
    if isinstance(value, tuple):
        value = list(value)
    out = redact_value(value)
    return out


#: the most a finding message quotes; a 300 MB string field is not copied whole
MESSAGE_LIMIT = 2000
#: the most of a message read before redaction (redaction is linear, not free)
_SCAN_LIMIT = 64 * 1024


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` cut to `limit` characters with a visible `...` (after redaction, so a
    cut never shows the first characters of a token)."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)] + "..."


def safe_tree(value: Any, name: str | None = None) -> Any:
    """`redact_value`, with every string also clipped to MESSAGE_LIMIT: what a finding's
    measurements or a report's table may quote of an untrusted value. Only the first
    64 KiB of a string is scanned (the rest is cut anyway)."""
    if isinstance(value, str):
        return clip(redact_value(value[:_SCAN_LIMIT], name))
    if isinstance(value, dict):
        return {
            (clip(redact(k[:_SCAN_LIMIT])) if isinstance(k, str) else k): safe_tree(
                v, k if isinstance(k, str) else None
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [safe_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(safe_tree(v) for v in value)
    return value


def safe_message(message: str) -> str:
    """A finding message as reports show it: whitespace folded, secrets masked, then
    clipped. The one place messages are cleaned, used by `RuleContext.finding`."""
    return clip(redact(" ".join(message[:_SCAN_LIMIT].split())))
