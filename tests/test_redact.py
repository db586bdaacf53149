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
        ("key AKIAABCDEFGHIJKLMNOP end", "key AKIA**** end"),
        ("ghp_" + "a" * 36, "ghp_****"),
        ("sk-ant-" + "b" * 40, "sk-****"),
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
