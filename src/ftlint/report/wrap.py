"""Word wrapping for a terminal: lines break between words, never inside one.

A terminal soft-wraps a long line at the last column, in the middle of a word or a
path. `wrap` breaks each long line at spaces instead, indenting the continuation under
the line's own text (so a bullet's continuation stays under the bullet), and leaves a
single word longer than the width whole (the terminal wraps it, but nothing is cut).
ANSI colour sequences take no columns; the text is otherwise left as it is. Output that
is piped or written with `-o` is not wrapped, so grep sees whole lines.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def _indent_of(line: str) -> str:
    plain = _ANSI.sub("", line)
    lead = len(plain) - len(plain.lstrip(" "))
    match = re.match(r"\s*(?:[-*•]|\d+[.)])\s+", plain)
    return " " * (match.end() if match else lead)


def wrap_line(line: str, width: int) -> list[str]:
    if width <= 10 or visible_len(line) <= width:
        return [line]
    indent = _indent_of(line)
    lead = line[: len(line) - len(line.lstrip(" "))]
    words = line.lstrip(" ").split(" ")
    out: list[str] = []
    current = lead
    current_len = len(lead)
    has_word = False
    for word in words:
        size = visible_len(word)
        if has_word and current_len + 1 + size > width:
            out.append(current)
            current, current_len, has_word = indent + word, len(indent) + size, True
            continue
        sep = " " if has_word else ""
        current += sep + word
        current_len += len(sep) + size
        has_word = has_word or bool(word)
    out.append(current)
    return out


def wrap(text: str, width: int) -> str:
    """Every line of `text` wrapped at word boundaries to `width` visible columns."""
    trailing = text.endswith("\n")
    lines = [w for line in text.splitlines() for w in wrap_line(line, width)]
    return "\n".join(lines) + ("\n" if trailing else "")
