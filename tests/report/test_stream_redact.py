"""The streaming writer redacts exactly as one final pass over the whole output did.

`RedactingWriter` redacts chunks that end at a newline no secret pattern crosses
(`ftlint.report._cuts.continues_past`). These tests cut texts built from the patterns'
building blocks (secret words, separators, whitespace and newlines, token bodies) at
every piece boundary and chunk size, and compare with `redact(whole)`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.redact import redact
from ftlint.report._cuts import continues_past
from ftlint.report.stream import RedactingWriter, redact_pieces

HEX40 = "0123456789abcdef0123456789abcdef01234567"
#: fragments that start, continue or end a secret, and ones that end nothing
FRAGMENTS = [
    "token",
    "TOKEN",
    "api_key",
    "api\\_key",
    "password",
    "HF_",
    "secret",
    "passwd",
    "=",
    " = ",
    ":",
    ": ",
    '"',
    '\\"',
    "&quot;",
    "&#x27;",
    "&#39;",
    "\\'",
    "'",
    ",",
    ";",
    "{",
    "}",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    "\n  ",
    "\u0130",
    "\u212a",
    "bearer",
    "Bearer ",
    "--key",
    "--key=",
    "wandb login",
    "wandb login --relogin",
    " --host",
    "--",
    "hunter2hunter2",
    "correct horse",
    '"hunter2 hunter2"',
    "abcdefghijklmnopqrstuvwxyz012345",
    "hf_",
    "hf_AbCdEfGhIjKl",
    "hf_AbCdEfGhIjKlMnOpQrStUvWx",
    "sk-",
    "ghp_",
    "AKIA",
    "ABCDEFGHIJKLMNOP",
    "xoxb-",
    "://user:",
    "@",
    "...",
    "\u2026",
    HEX40,
    HEX40[:12],
    "x",
    "m",
    "\x1b[1m",
    "outputs/a.json:3: ",
    "wandb_v1_",
    "github_pat_",
]

texts = st.lists(st.sampled_from(FRAGMENTS), max_size=40)


def _stream(pieces: list[str], chunk: int) -> str:
    out: list[str] = []
    writer = RedactingWriter(out.append, chunk=chunk)
    for piece in pieces:
        writer.write(piece)
    writer.close()
    return "".join(out)


@settings(max_examples=1500, deadline=None)
@given(texts, st.booleans(), st.integers(1, 64), st.lists(st.integers(0, 400), max_size=8))
def test_streamed_equals_whole(
    fragments: list[str], newline: bool, chunk: int, cuts: list[int]
) -> None:
    whole = "".join(fragments) + ("\n" if newline else "")
    pieces, last = [], 0
    for at in sorted(c % (len(whole) + 1) for c in cuts):
        pieces.append(whole[last:at])
        last = at
    pieces.append(whole[last:])
    expected = redact(whole)
    assert _stream(pieces, chunk) == expected
    assert _stream(whole.splitlines(keepends=True), chunk) == expected  # a line a piece


@pytest.mark.parametrize(
    "text",
    [
        # a secret name ends one line (a finding's message), its value starts the next
        # (a path beginning with "=" or ":"): only a pass over both lines sees it
        "msg ends with password\n=hunter2hunter2:3: X\n",
        "msg token:\n  hunter2hunter2\n",
        'msg \\"api_key\\"\n: \\"hunter2hunter2\\"\n',
        # a Python dict's repr (a logged config), the value on the next line
        "cfg {'password':\n'hunter2 hunter2'}\n",
        "cfg &#x27;password&#x27;\n: &#x27;hunter2hunter2&#x27;\n",
        "auth Bearer\nabcdefghijklmnopqrstuvwxyz/a.json:1: X\n",
        f"run wandb login --relogin\n{HEX40}\n",
        f"--key =\n=\n{HEX40}\n",
        # a clipped token at a line end is a token only at the very end of the output
        "hf_AbCdEfGhIjKl\nnext line\n",
        "next line\nhf_AbCdEfGhIjKl\n",
        # I with a dot lowers to two characters: positions after it still line up
        "\u0130" * 3 + " HF_TOKEN=hunter2hunter2\n",
    ],
)
def test_secrets_across_lines(text: str) -> None:
    lines = text.splitlines(keepends=True)
    for chunk in (1, 2, 5, 1 << 20):
        assert _stream(lines, chunk) == redact(text), chunk
        assert _stream(list(text), chunk) == redact(text), chunk


def test_the_dotted_capital_i_no_longer_shifts_redaction() -> None:
    """`str.lower` turns U+0130 into two characters; every NAME=value after one was
    looked for one character off, and missed."""
    assert redact("\u0130 HF_TOKEN=hunter2hunter2") == "\u0130 HF_TOKEN=****"


def test_a_cut_is_unsafe_only_after_an_open_pattern() -> None:
    assert continues_past("x password\n", 11)
    assert continues_past("x password =  \n", 15)
    assert continues_past("x Bearer\n\n", 10)
    assert continues_past("wandb login --a --b\n", 20)
    assert not continues_past("wandb login --a b\n", 18)
    assert not continues_past('{"code": "SEC001"},\n', 20)
    assert not continues_past("password=****\n", 14)


def test_large_output_is_written_in_chunks() -> None:
    chunks: list[str] = []
    writer = RedactingWriter(chunks.append, chunk=1000)
    lines = [f"line {i} HF_TOKEN=hunter{i:06d}\n" for i in range(2000)]
    for line in lines:
        writer.write(line)
    writer.close()
    assert len(chunks) > 10
    assert "".join(chunks) == redact("".join(lines)) == redact_pieces(lines)
