"""Find and redact secrets (tokens, keys, passwords) in any text ftlint outputs.

Redaction is always on: every output format passes its final text through `redact`,
whatever rules are selected, so a token pasted into a job command never reaches a
terminal, a PR comment or a SARIF upload. SEC001 uses `find_secrets` to report them. Untrusted values entering the model are
cleaned with these by `ftlint.untrusted` (`redact_value`, `safe_tree`, `safe_message`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from ftlint import frozen

MASK = "****"

#: A token body, also with Markdown's `\_` / `\-` escapes inside (a renderer that
#: escapes first must not hide the token from the final pass).
_ALNUM = r"[A-Za-z0-9]"
_WORDCH = r"(?:[A-Za-z0-9_\-]|\\[_\-])"
#: A token cut short by a message that clips its value (`hf_AbCdEfGhIjKl...`): a shorter
#: body counts when an ellipsis, a closing quote or the end of the text follows it.
_CLIPPED = r"(?=\.\.\.|\u2026|['\"]|$)"


def _token(prefix: str, body: str, least: int, after: str = "") -> re.Pattern[str]:
    return re.compile(f"({prefix}){after}(?:{body}{{{least},}}|{body}{{10,{least}}}{_CLIPPED})")


#: (kind, literal hints, case-insensitive, pattern). Group 1 is the visible prefix kept
#: in the mask. A pattern runs only when one of its hints occurs in the text (in the
#: lower-cased text when case-insensitive); the word boundary before a match is
#: checked in code.
_TOKEN_PATTERNS: tuple[tuple[str, tuple[str, ...], bool, re.Pattern[str]], ...] = (
    ("Hugging Face token", ("hf_", "hf\\_"), False, _token(r"hf\\?_", _ALNUM, 20)),
    (
        "OpenAI/Anthropic-style API key",
        ("sk-",),
        False,
        _token("sk-", _WORDCH, 20, after="(?:ant-)?"),
    ),
    (
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "ghp\\_", "gho\\_", "ghu\\_", "ghs\\_", "ghr\\_"),
        False,
        _token(r"gh[pousr]\\?_", _ALNUM, 30),
    ),
    (
        "GitHub fine-grained token",
        ("github_pat_", "github\\_pat\\_"),
        False,
        _token(r"github\\?_pat\\?_", r"(?:[A-Za-z0-9_]|\\_)", 30),
    ),
    ("AWS access key id", ("AKIA",), False, re.compile(r"(AKIA)[0-9A-Z]{16}\b")),
    (
        "Slack token",
        ("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"),
        False,
        re.compile(r"(xox[baprs]-)[A-Za-z0-9\-]{10,}"),
    ),
    (
        "Weights & Biases API key",
        ("wandb_v1_", "wandb\\_v1\\_"),
        False,
        _token(r"wandb\\?_v1\\?_", r"(?:[A-Za-z0-9_]|\\_)", 20),
    ),
    (
        "Weights & Biases API key",
        ("--key", "wandb login"),
        False,
        re.compile(
            r"((?:--key[=\s]+|wandb login\s+(?:--\S+\s+)*))"
            r"(?:[0-9a-f]{40}\b|[0-9a-f]{10,39}" + _CLIPPED + ")"
        ),
    ),
    (
        "bearer token",
        ("bearer",),
        True,
        # clipped by a message (`bearer Yh7Xw3Zq0Rt9...`): 10 characters or more, one
        # of them a digit (`Bearer authentication.` is prose), before the clip
        re.compile(
            r"((?i:bearer)\s+)(?:[A-Za-z0-9._~+/\-]{16,}=*"
            r"|(?=[A-Za-z_~+/\-]*[0-9])[A-Za-z0-9_~+/\-]{10,}" + _CLIPPED + ")"
        ),
    ),
    (
        # anchored at "://" (not at the scheme): a scheme-first pattern retries at every
        # letter of a long word, quadratic on a multi-megabyte string
        "password in a URL",
        ("://",),
        False,
        re.compile(
            r"(://[^\s/:@\"'<>]*:)"
            r"(?:[^\s/@\"'<>]+(?=@)|[^\s/@\"'<>.]{10,}" + _CLIPPED + ")"
        ),
    ),
)

#: NAME=value where the name says it is secret (HF_TOKEN=..., WANDB_API_KEY=...). The
#: name must END with the secret word: HF_TOKEN yes, max_new_tokens / tokenizer no.
#: Each secret word is found with str.find on the lower-cased text and the value is
#: matched right after it; the rest of the name is found by scanning back. The `\_`
#: spellings are the Markdown-escaped names.
_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "api\\_key",
    "access_key",
    "access\\_key",
    "private_key",
    "private\\_key",
)
#: The separator may be JSON-escaped (`\\"api_key\\": \\"x\\"` inside a JSON string),
#: XML-escaped (`&quot;`) or spaced like an INI file (`aws_secret_access_key = x`), so
#: the final pass over any output format still sees it. The value may be quoted after an
#: `=` or a `:` (`export WANDB_API_KEY="..."`, `password: 'x'`, `token=\\"x\\"` in
#: JSON, `&#x27;` in HTML): the quotes stay, and all between them on the line is masked
#: (`"correct horse battery"`, `"p@ss;word"`); with no closing quote on the line, the
#: value ends where an unquoted one does. (No value holds a newline: a report cut at one
#: that `continues_past` allows is redacted piece by piece as a whole.)
#: The quotes that close a name (`"api_key": `, Python's `{'api_key': `) or open a
#: value, escaped ones before the bare quote they end in (`report._cuts` matches them
#: from the end in this order)
QUOTES = ("&quot;", "&#x27;", "&#39;", '\\"', "\\'", '"', "'")
_QUOTE = "(?:" + "|".join(map(re.escape, QUOTES)) + ")"
_VALUE_AFTER = re.compile(
    r"(\s*=\s*|:\s*|" + _QUOTE + r"\s*:\s*)"
    r"(?:(?P<q>" + _QUOTE + r")(?P<quoted>[^\n]{1,256}?)(?P=q)"
    r"|" + _QUOTE + r"?(?P<bare>(?:[^\s\"'&;,\\]+|\\[_\-*])+))"
)
_LONGEST_WORD = max(map(len, _SECRET_WORDS))
#: a tokenizer's bracketed special token ([PAD], [UNK], [CLS]): no secret
_SPECIAL_TOKEN = re.compile(r"\[[A-Za-z_]+\]")
#: values that say whether a secret is used, not what it is (`use_auth_token=True`)
_NO_SECRET_VALUES = frozenset({"true", "false", "none", "null"})
#: the characters `_VALUE_AFTER` may start with, but whitespace
_SEPARATOR_STARTS = frozenset("=:\\\"'&")
#: Substrings every secret word contains: one quick scan before the per-word search.
_WORD_HINTS = ("token", "secret", "passw", "key")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


#: every literal hint of the token patterns, as written and lower-cased (with the words)
_CASE_HINTS = tuple(h for _, hints, lower, _ in _TOKEN_PATTERNS if not lower for h in hints)
_LOWER_HINTS = tuple(h for _, hints, lower, _ in _TOKEN_PATTERNS if lower for h in hints)
_LOWER_HINTS += _WORD_HINTS


def _hinted(hints: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a text holds one of `hints`: one regex when they share a first character
    (10 GitHub prefixes: 0.35 ms a MiB, not 4.7 with `in` each), else `in` each."""
    if len({hint[0] for hint in hints}) == 1:
        search = re.compile("|".join(map(re.escape, hints))).search
        return lambda text: search(text) is not None
    return lambda text: any(hint in text for hint in hints)


#: `_hinted` of each token pattern's hints, in `_TOKEN_PATTERNS` order
_HINTED = tuple(_hinted(hints) for _, hints, _, _ in _TOKEN_PATTERNS)
#: from this length a text is checked pattern by pattern (`_HINTED`), not hint by hint
_LONG = 512


def may_hold_secret(text: str) -> bool:
    """False only when `text` cannot hold a secret `find_secrets` would report: a flat
    loop over the hints for a short text (every key, value and message of a lint comes
    here), each pattern's `_hinted` for a long one (a report's 1 MiB pieces)."""
    if len(text) >= _LONG:
        lower = text.lower()
        for (_, _, insensitive, _), hinted in zip(_TOKEN_PATTERNS, _HINTED, strict=True):
            if hinted(lower if insensitive else text):
                return True
        return any(hint in lower for hint in _WORD_HINTS)
    for hint in _CASE_HINTS:
        if hint in text:
            return True
    lower = text.lower()
    for hint in _LOWER_HINTS:  # noqa: SIM110 (any() of a generator: the cost above)
        if hint in lower:
            return True
    return False


@frozen
class SecretMatch:
    kind: str
    name: str | None
    start: int
    end: int
    masked: str


def find_secrets(text: str) -> Iterator[SecretMatch]:
    """Every secret-looking span in `text`, by position (never the value itself)."""
    if len(text) >= _CENSUS_MIN:
        lower = _lower(text)
        present = _census(lower)
        if present is not None:
            if any(present):
                yield from _scan(text, lower, present)
            return
    if text and may_hold_secret(text):
        yield from _scan(text)


#: from this length (a report's 1 MiB pieces) the hints and secret words are found in
#: one multi-needle search (`_census`), not one scan of the text each: 19 of them are
#: absent from most texts, and each absent one cost a full pass (~0.35 ms a MB each,
#: ~7 ms a MB for all). Shorter texts (keys, values, messages) keep `may_hold_secret`.
_CENSUS_MIN = 1 << 16
#: every needle `_scan` asks about: the lower-cased hints of the token patterns, then
#: the secret words (a needle may be both; each is searched once)
_NEEDLES = tuple(
    dict.fromkeys(
        [hint.lower() for _, hints, _, _ in _TOKEN_PATTERNS for hint in hints] + list(_SECRET_WORDS)
    )
)
_NEEDLE_AT = {needle: i for i, needle in enumerate(_NEEDLES)}
#: per token pattern, the indexes of its hints among the needles
_PATTERN_NEEDLES = tuple(
    tuple(_NEEDLE_AT[hint.lower()] for hint in hints) for _, hints, _, _ in _TOKEN_PATTERNS
)
_WORD_NEEDLES = tuple(_NEEDLE_AT[word] for word in _SECRET_WORDS)


#: (a needle, another that can overlap it, the two glued where they overlap): a needle
#: the search skipped overlaps a reported one, so the text then holds one of these. Written
#: out (derived from `_NEEDLES` at import it cost ~15 ms); tests/test_redact.py derives it
#: and fails when a needle changes it.
_GLUED_NEEDLES = (
    ("sk-", "--key", "sk--key"),
    ("akia", "apikey", "akiapikey"),
    ("akia", "api_key", "akiapi_key"),
    ("akia", "api\\_key", "akiapi\\_key"),
    ("akia", "access_key", "akiaccess_key"),
    ("akia", "access\\_key", "akiaccess\\_key"),
    ("xoxb-", "--key", "xoxb--key"),
    ("xoxa-", "--key", "xoxa--key"),
    ("xoxp-", "--key", "xoxp--key"),
    ("xoxr-", "--key", "xoxr--key"),
    ("xoxs-", "--key", "xoxs--key"),
    ("--key", "sk-", "sk--key"),
    ("--key", "xoxb-", "xoxb--key"),
    ("--key", "xoxa-", "xoxa--key"),
    ("--key", "xoxp-", "xoxp--key"),
    ("--key", "xoxr-", "xoxr--key"),
    ("--key", "xoxs-", "xoxs--key"),
    ("token", "secret", "secretoken"),
    ("secret", "token", "secretoken"),
    ("apikey", "akia", "akiapikey"),
    ("api_key", "akia", "akiapi_key"),
    ("api\\_key", "akia", "akiapi\\_key"),
    ("access_key", "akia", "akiaccess_key"),
    ("access\\_key", "akia", "akiaccess\\_key"),
)
_GLUED = tuple((_NEEDLE_AT[a], _NEEDLE_AT[b], glued) for a, b, glued in _GLUED_NEEDLES)
_SEARCHERS: list[Any] = []


def _census(lower: str) -> list[bool] | None:
    """Which `_NEEDLES` occur in `lower`, by index: one leftmost-first search with
    `ahocorasick-rs` (a dependency: SIMD, ~0.5 ms a MB), None without it.

    A leftmost-first search reports no two overlapping matches, so an occurrence it
    skips overlaps one it reported (the search resumes at the end of the last match,
    and the next leftmost match would otherwise start at or before it): a needle not
    reported is then found by the glued text of the two (`_GLUED`, one `in` each for
    the few pairs that can overlap; `secretoken`). Case does not
    matter here: a case-sensitive pattern runs when its hint occurs in any case, and
    its regex decides (tests/test_redact.py holds this to the scans one by one)."""
    if not _SEARCHERS:
        try:
            import ahocorasick_rs
        except ImportError:
            _SEARCHERS.append(None)
        else:
            _SEARCHERS.append(
                ahocorasick_rs.BytesAhoCorasick(
                    [n.encode("ascii") for n in _NEEDLES],
                    matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST,
                ).find_matches_as_indexes
            )
    search = _SEARCHERS[0]
    if search is None:
        return None
    # searched in UTF-8 (4.8 ms for 11 MB; 13 as a str): the needles are ASCII and no
    # byte of a multi-byte character is, so the same needles occur; `surrogatepass`:
    # a JSON string may decode to a lone surrogate (a str search cannot encode it)
    matches = search(lower.encode("utf-8", "surrogatepass"))
    reported = {index for index, _, _ in matches}
    present = [i in reported for i in range(len(_NEEDLES))]
    for first, other, glued in _GLUED:
        if not present[other] and first in reported and glued in lower:
            present[other] = True
    return present


#: a terminal style sequence (`\x1b[1m`) ends in a letter but is no part of a word
_ANSI_TAIL = re.compile(r"\x1b\[[0-9;]*m\Z")


def _inside_word(text: str, start: int) -> bool:
    """True when the match at `start` continues a longer word (`xhf_...`), so it is no
    token; a colored run name (`\x1b[1mhf_...`) or a URL's `://` starts one."""
    if start == 0 or text[start - 1] not in _NAME_CHARS or text[start] == ":":
        return False
    return not (text[start - 1] == "m" and _ANSI_TAIL.search(text, max(0, start - 16), start))


def _lower(text: str) -> str:
    """`text.lower()`, one character per character (positions in it are positions in
    `text`): U+0130 lowers to two, which shifted every later NAME=value and missed it."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.replace("\u0130", "\u0131").lower()


def _scan(
    text: str, lower: str | None = None, present: list[bool] | None = None
) -> Iterator[SecretMatch]:
    """find_secrets without the pre-check (tests prove the pre-check never hides one);
    `present`: which needles occur (`_census` of `lower`), else each is searched."""
    spans: list[SecretMatch] = []
    if lower is None:
        lower = _lower(text)
    for at, ((kind, _, insensitive, pattern), hinted) in enumerate(
        zip(_TOKEN_PATTERNS, _HINTED, strict=True)
    ):
        if present is not None:
            if not any(present[i] for i in _PATTERN_NEEDLES[at]):
                continue
        elif not hinted(lower if insensitive else text):
            continue  # no hint of this pattern: it cannot match
        for m in pattern.finditer(text):
            if _inside_word(text, m.start()):
                continue  # inside a longer word: not a token boundary
            spans.append(SecretMatch(kind, None, m.start(), m.end(), m.group(1) + MASK))
    if present is not None:
        words = [w for w, i in zip(_SECRET_WORDS, _WORD_NEEDLES, strict=True) if present[i]]
    elif any(word in lower for word in _WORD_HINTS):
        words = list(_SECRET_WORDS)
    else:
        words = []
    if not words and not spans:
        return
    for word in words:
        at = lower.find(word)
        while at != -1:
            after = at + len(word)
            # (most words run on into a name, `eos_token_id`: no regex for those)
            follow = text[after : after + 1]
            m = (
                _VALUE_AFTER.match(text, after)
                if follow in _SEPARATOR_STARTS or follow.isspace()
                else None
            )
            if m is None:
                at = lower.find(word, after)
                continue
            # search on after the value: a value holding the word again (token=token=...)
            # is one span, not one scan to the end per occurrence (quadratic on megabytes)
            at = lower.find(word, max(after, m.end()))
            group = "bare" if m.group("quoted") is None else "quoted"
            value = m.group(group)
            if (
                len(value) < 4
                or value == MASK
                or value.endswith(MASK)
                or value.startswith(("$", "{", "<"))
                or _SPECIAL_TOKEN.fullmatch(value)
                or value.lower() in _NO_SECRET_VALUES
            ):
                # already masked, a reference ($HF_TOKEN, ${{ secrets.X }}) or a
                # tokenizer's special token ("pad_token": "<pad>" / "[PAD]")
                continue
            begin = after - len(word)
            while begin > 0 and text[begin - 1] in _NAME_CHARS:
                begin -= 1
            name = text[begin:after]
            spans.append(SecretMatch(f"{name} value", name, m.start(group), m.end(group), MASK))
    spans.sort(key=lambda s: (s.start, -s.end))
    last_end = -1
    for span in spans:
        if span.start >= last_end:
            yield span
            last_end = span.end


#: strings up to this long are redacted through a memo: the same keys, names and short
#: values (metric names, env names, run names) are redacted thousands of times a lint
_SHORT = 96


def redact(text: str) -> str:
    """Replace every secret in `text` with a masked form (`hf_****`, `HF_TOKEN=****`)."""
    if not text:
        return text
    if len(text) <= _SHORT:
        return _redact_short(text)
    return _redact(text)


@lru_cache(maxsize=8192)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
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
