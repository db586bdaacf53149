"""RFC 6901 JSON pointers: how evidence names a value inside a JSON document.

`ftlint.model` re-exports these (evidence is built with them everywhere)."""

from __future__ import annotations

from functools import lru_cache


def escape_pointer_token(token: str) -> str:
    """Escape one RFC 6901 reference token (`~` -> `~0`, `/` -> `~1`)."""
    return token.replace("~", "~0").replace("/", "~1")


@lru_cache(maxsize=8192, typed=True)
def pointer(*tokens: str | int) -> str:
    """Build an RFC 6901 JSON pointer from raw tokens: pointer("eval", "a/b") == "/eval/a~1b".

    Memoised: loaders build one per metric key of every run (hundreds per run), and the
    keys repeat from run to run, so 10,000 runs share one string per key instead of
    holding their own (a pure function of its tokens: no result of a lint is cached)."""
    return "".join("/" + escape_pointer_token(str(t)) for t in tokens)


def pointer_label(at: str) -> str:
    """A JSON pointer as a readable field name: `/eval/a~1b` -> `eval.a/b` ("" for the root)."""
    return ".".join(p.replace("~1", "/").replace("~0", "~") for p in at.split("/")[1:])
