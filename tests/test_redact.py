"""Secret detection and redaction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.redact import find_secrets, redact

HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"--env HF_TOKEN={HF} x", "--env HF_TOKEN=hf_**** x"),
        (f"token {HF}.", "token hf_****."),
        (
            "--env WANDB_API_KEY=0123456789abcdef0123456789abcdef01234567",
            "--env WANDB_API_KEY=****",
        ),
        ('{"api_key": "s3cr3t-value"}', '{"api_key": "****"}'),
        ("Authorization: Bearer abcdefghijklmnop1234", "Authorization: Bearer ****"),
        # clipped by a message before 16 characters (hypothesis found it showing 12)
        ("authorization: bearer Yh7Xw3Zq0Rt9...", "authorization: bearer ****..."),
        ("key AKIAABCDEFGHIJKLMNOP end", "key AKIA**** end"),
        ("ghp_" + "a" * 36, "ghp_****"),
        ("sk-ant-" + "b" * 40, "sk-****"),
        # a quoted value after `=` or `:`: shell, Python, YAML, and as JSON and HTML
        # escape the quotes in a report
        (f'export WANDB_API_KEY="{"0a" * 20}"', 'export WANDB_API_KEY="****"'),
        ("PASSWORD='hunter22x'", "PASSWORD='****'"),
        ('db_password = "hunter22x"', 'db_password = "****"'),
        ('token: "abcdefgh"', 'token: "****"'),
        ('"cmd": "PASSWORD=\\"hunter22x\\" run"', '"cmd": "PASSWORD=\\"****\\" run"'),
        ("PASSWORD=&#x27;hunter22x&#x27;", "PASSWORD=&#x27;****&#x27;"),
        ("PASSWORD=&#39;hunter22x&#39;", "PASSWORD=&#39;****&#39;"),
        ("password=[hunter2hunter2]", "password=****"),  # brackets, but no special token
        # a quoted value is masked to its closing quote on the line
        ('password: "correct horse battery staple"', 'password: "****"'),
        ('PASSWORD="p@ss;word12" next', 'PASSWORD="****" next'),
        ('{"api_key": "s3cr3t value", "n": 1}', '{"api_key": "****", "n": 1}'),
        ('{\\"api_key\\": \\"s3cr3t value\\"}', '{\\"api_key\\": \\"****\\"}'),
        ('token="n0cl0sing quote here', 'token="**** quote here'),
        # a Python dict's repr, as a log prints a config
        ("{'wandb_api_key': 'hunter 22x', 'lr': 2e-4}", "{'wandb_api_key': '****', 'lr': 2e-4}"),
        ("password: &quot;hunter22x&quot;", "password: &quot;****&quot;"),
        # the name's closing quote escaped right after the word (JSON in JSON, XML)
        ('{\\"api_key\\": \\"s3cr3t-value\\"}', '{\\"api_key\\": \\"****\\"}'),
        ("&quot;password&quot;: &quot;hunter22x&quot;", "&quot;password&quot;: &quot;****&quot;"),
    ],
)
def test_redacts(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "--secrets HF_TOKEN --env WANDB_ENTITY=",
        "--env HF_TOKEN=$HF_TOKEN",
        "--env HF_TOKEN=${{ secrets.HF_TOKEN }}",
        "tokenizer=Qwen/Qwen2.5 max_new_tokens=1024 --env HF_FT_GENERATION_MAX_NEW_TOKENS=160",
        "hf_short",
        "HF_TOKEN=****",
        'HF_TOKEN="****"',
        "uses Bearer authentication",
        'use_auth_token=True secret: "false" HF_TOKEN=None',
        'HF_TOKEN="${HF_TOKEN}"',
        'max_new_tokens="512" tokenizer="gpt2-large"',
        '{"pad_token": "[PAD]", "unk_token": "<unk>"}',  # a tokenizer's special tokens
    ],
)
def test_leaves_non_secrets_alone(text: str) -> None:
    assert redact(text) == text
    assert not list(find_secrets(text))


@given(st.text(max_size=200))
def test_redaction_is_idempotent_and_never_raises(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_json_output_redacts_secrets_hidden_by_escaping(ws, cli) -> None:
    """`"api_key": "x"` inside a message is escaped in JSON; it must still be redacted."""
    from helpers import submission

    ws.run("run-a")
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [
            submission(
                "run-a", exit_code=1, stderr_tail='ValueError: config {"api_key": "s3cr3t-v4lue"}'
            )
        ],
    )
    for fmt in ("json", "sarif", "junit", "github", "text"):
        out = cli("check", str(ws.root), "--format", fmt).out
        assert "s3cr3t-v4lue" not in out, fmt


def test_sec001_scans_completions_in_the_hard_case_pass(ws) -> None:
    from helpers import hard_case, lint

    token = "hf_" + "Zx9" * 12
    ws.run(
        "run-a",
        cases=[
            hard_case(1, text='{"energy": 1} use HF_TOKEN=' + token),
            hard_case(2, text='{"energy": 2, "note": "max_new_tokens=1024 tokenizer=x"}'),
        ],
    )
    found = [f for f in lint(ws.root, select=["SEC001"]) if f.rule == "SEC001"]
    assert len(found) == 1
    (f,) = found
    assert f.severity.value == "warning" and f.evidence[0].line == 1
    assert "Hugging Face token" in f.message and token not in f.message


def test_sec001_finds_an_aws_key_id_in_a_completion_without_separators(ws) -> None:
    from helpers import hard_case, lint

    ws.run("run-a", cases=[hard_case(1, text="{} AKIAABCDEFGHIJKLMNOP")])
    found = [f for f in lint(ws.root, select=["SEC001"]) if f.rule == "SEC001"]
    assert len(found) == 1 and "AWS access key id" in found[0].message


_FRAGMENTS = st.sampled_from(
    ["hf_", "sk-", "ant-", "ghp_", "gho_", "github_pat_", "AKIA", "xoxb-", "wandb_v1_",
     "Bearer ", "TOKEN", "Token", "secret", "PassWord", "api_key", "KEY", "=", ": ", '\\"',
     '"', "&quot;", "_", "-", " ", "\n", "A" * 20, "a1B2" * 8, "0123456789ABCDEF", "x"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_the_pre_check_never_hides_a_secret(text: str) -> None:
    """find_secrets skips texts without any literal hint; the full scan agrees."""
    from ftlint.redact import _scan, may_hold_secret

    full = list(_scan(text))
    if full:
        assert may_hold_secret(text), text
    assert list(find_secrets(text)) == full


@given(st.text(max_size=120))
def test_the_memo_for_short_strings_answers_as_the_scan(text: str) -> None:
    """Short strings go through a memo (the same keys and names recur thousands of times
    a lint); it never changes what is masked."""
    from ftlint.redact import _redact

    assert redact(text) == _redact(text)
    assert redact(text) == _redact(text)  # a second time: from the memo


def test_the_memo_masks_a_short_secret_every_time() -> None:
    for _ in range(3):
        assert redact("HF_TOKEN=hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh") == "HF_TOKEN=hf_****"


def _needle_pieces() -> list[str]:
    from ftlint.redact import _NEEDLES

    pieces = set()
    for needle in _NEEDLES:  # each needle, and its halves: glued, they overlap others
        pieces |= {needle, needle[: len(needle) // 2], needle[len(needle) // 2 :]}
    return sorted(
        pieces | {"=", ": ", '\\"', " ", "\u0130", "\u212a", "é", "\ud800", "x", "a1B2" * 8}
    )


_NEEDLE_TEXTS = st.lists(st.sampled_from(_needle_pieces()), max_size=16).map("".join)


@settings(max_examples=600, deadline=None)
@given(_NEEDLE_TEXTS)
def test_the_census_finds_every_needle_a_scan_finds(text: str) -> None:
    """One leftmost-first search reports no two overlapping matches; what it skips is
    looked for around what it reported. Needles glued so that they overlap (`secretoken`,
    `github_pat_` around `ghp_`) are each found, in ASCII and in other text."""
    from ftlint.redact import _NEEDLES, _census, _lower, _scan

    lower = _lower(text)
    present = _census(lower)
    assert present == [needle in lower for needle in _NEEDLES]
    assert list(_scan(text, lower, present)) == list(_scan(text))


@pytest.mark.parametrize("extra", ["", "\u00e9t\u00e9 ", "\ud800 "])
def test_a_long_text_is_redacted_as_piece_by_piece(extra: str) -> None:
    """Texts from 64 KiB on (a report's pieces) take the census; short ones the hints
    one by one: both mask the same, here with a secret word glued to another."""
    from ftlint.redact import _CENSUS_MIN

    tail = f" secretoken={'v' * 12} HF_TOKEN={HF} PASSWORD=hunter22x AKIAABCDEFGHIJKLMNOP {extra}"
    body = ("eos_token_id set, max_new_tokens: 64; " * (_CENSUS_MIN // 38 + 1)) + tail
    assert len(body) >= _CENSUS_MIN
    masked = redact(body)
    assert masked.endswith(f" secretoken=**** HF_TOKEN=hf_**** PASSWORD=**** AKIA**** {extra}")
    assert masked == "".join(redact(line) for line in body.splitlines(keepends=True))


def _overlaps(first: str, other: str) -> list[int]:
    """The offsets from the start of `first` at which `other` can start while the two
    overlap and agree on the characters they share (not `other` at 0 when equal)."""
    return [
        shift
        for shift in range(1 - len(other), len(first))
        if (shift, other) != (0, first)
        and all(
            first[i] == other[i - shift]
            for i in range(max(0, shift), min(len(first), shift + len(other)))
        )
    ]


def _glue(first: str, other: str, shift: int) -> str:
    """The shortest text holding `first` at 0 and `other` at `shift`."""
    if shift < 0:
        return other[:-shift] + first
    return first[:shift] + other + first[shift + len(other) :]


def test_the_glued_needles_are_every_overlap_of_two() -> None:
    """`redact._GLUED_NEEDLES` is written out: it must be every pair of different
    needles that can overlap, glued (a changed or added hint changes it)."""
    from ftlint.redact import _GLUED_NEEDLES, _NEEDLES

    derived = {
        (first, other, _glue(first, other, shift))
        for first in _NEEDLES
        for other in _NEEDLES
        if other != first
        for shift in _overlaps(first, other)
    }
    assert set(_GLUED_NEEDLES) == derived
    assert len(_GLUED_NEEDLES) == len(derived)


def _glued() -> list[str]:
    from ftlint.redact import _GLUED_NEEDLES

    return sorted({glued for _, _, glued in _GLUED_NEEDLES})


@pytest.mark.parametrize("glued", _glued())
def test_the_census_finds_both_needles_of_an_overlap(glued: str) -> None:
    from ftlint.redact import _NEEDLES, _census

    for text in (glued, f"x {glued} y", glued * 2):
        assert _census(text) == [needle in text for needle in _NEEDLES], text
