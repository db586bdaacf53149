"""Class: secrets leak. Every secret form, from every place an untrusted string enters
(job commands and stderr tails, final-metrics strings, W&B config values, model
completions), must not show in any output format, not even in part (a clipped message,
a wrapped table cell, a Markdown-escaped `hf\\_`)."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from helpers import final_metrics, hard_case, submission
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.redact import redact
from ftlint.untrusted import clip, redact_value, safe_message
from safety._util import ftlint

HEX40 = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
#: form -> (text as pasted, the part that must never show, 8 characters or more)
FORMS = {
    "hf": ("hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh", "Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh"),
    "ghp": ("ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx"),
    "pat": ("github_pat_11AbCdEfG0_Hj2Kl3Mn4Pq5Rs6Tu7Vw8", "11AbCdEfG0_Hj2Kl3Mn4Pq5Rs6Tu7Vw8"),
    "sk": ("sk-proj-Rt9Lm2Pk5Vn8BcQ4Yh7Xw3Zq", "Rt9Lm2Pk5Vn8BcQ4Yh7Xw3Zq"),
    "url": ("https://alice:Pw9Zq7Xw3Rt9Lm2@git.example.com/r.git", "Pw9Zq7Xw3Rt9Lm2"),
    "wandb": (f"WANDB_API_KEY={HEX40}", HEX40),
    "wandb_login": (f"wandb login {HEX40}", HEX40),
    "aws": (
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCY9z",
        "wJalrXUtnFEMIK7MDENGbPxRfiCY9z",
    ),
    "bearer": ("authorization: bearer Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc", "Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc"),
}


def _windows(body: str, size: int = 8) -> set[str]:
    return {body[i : i + size] for i in range(len(body) - size + 1)}


def _leaks(text: str) -> list[str]:
    return [form for form, (_, body) in FORMS.items() if any(w in text for w in _windows(body))]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> os.PathLike[str]:
    """One workspace holding every secret form in every place."""
    root = tmp_path_factory.mktemp("secrets") / "ws"
    texts = [t for t, _ in FORMS.values()]
    records = [submission("base"), submission("cand")]
    for form, (text, _) in FORMS.items():
        records.append(
            submission(
                f"job-{form}",
                exit_code=1,
                env={"NOTE": text.replace(" ", "_")},
                stderr_tail=f"error: {text} refused\n" + "x" * 30,
            )
        )
    jobs = root / "artifacts/hf_jobs/submissions.jsonl"
    jobs.parent.mkdir(parents=True)
    jobs.write_text("".join(json.dumps(r) + "\n" for r in records))
    extra = {f"note_{form}": text for form, (text, _) in FORMS.items()}
    metrics = final_metrics(json_valid_rate=0.6, **extra)
    for form, (text, _) in FORMS.items():
        metrics["eval"][f"mae_norm_{form}"] = text  # a string where a number belongs
    for name, doc in (("base", final_metrics()), ("cand", metrics)):
        path = root / f"outputs/{name}/final_metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(doc, indent=2))
    cases = [
        hard_case(i, parse_error="json_decode", text=f"Sure! {t}") for i, t in enumerate(texts)
    ]
    (root / "outputs/cand/hard_cases.valid.jsonl").write_text(
        "".join(json.dumps(c) + "\n" for c in cases)
    )
    for form in ("hf", "ghp"):  # a token in a file or folder name: the run's name
        named = root / f"outputs/{FORMS[form][0]}/final_metrics.json"
        named.parent.mkdir(parents=True)
        named.write_text(json.dumps(final_metrics(json_valid_rate=0.5)))
    wandb = root / "wandb/run-20261101_100000-abc123/files"
    wandb.mkdir(parents=True)
    config = {f"secret_{form}": {"value": text} for form, (text, _) in FORMS.items()}
    config["WANDB_API_KEY"] = {"value": HEX40}
    config["api_key"] = {"value": HEX40}
    config["HF_FT_RUN_NAME"] = {"value": "cand"}
    (wandb / "config.yaml").write_text(yaml.safe_dump(config))
    (wandb / "wandb-summary.json").write_text(json.dumps({"eval/json_valid_rate": 0.6}))
    return root


COMMANDS = [
    ("check", "--format", "text", "--no-color"),
    ("check", "--format", "text"),
    ("check", "--format", "json"),
    ("check", "--format", "sarif"),
    ("check", "--format", "github"),
    ("check", "--format", "junit"),
    ("plan", "--format", "markdown"),
    ("plan", "--format", "text"),
    ("plan", "--format", "json"),
    ("gate", "--format", "text"),
    ("gate", "--format", "markdown"),
    ("gate", "--format", "json"),
    ("runs", "--format", "text"),
    ("runs", "--format", "json"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[::2]))
def test_no_secret_in_any_output(hostile, command: tuple[str, ...]) -> None:
    args = [command[0], str(hostile), *command[1:]]
    if command[0] in ("plan", "gate"):
        args += ["--baseline", "base", "--candidate", "cand"]
    env = {"FORCE_COLOR": "1", "COLUMNS": "60"} if command[-1] == "text" else {}
    result = ftlint(*args, cwd=hostile.parent, env=env)
    assert result.code in (0, 1), result.err
    assert not _leaks(result.out), (_leaks(result.out), result.out[:3000])
    assert not _leaks(result.err)


def test_output_file_is_redacted_and_byte_identical(hostile, tmp_path) -> None:
    outs = []
    for i in range(2):
        target = tmp_path / f"out{i}.json"
        ftlint("check", str(hostile), "--format", "sarif", "--output", str(target), cwd=tmp_path)
        outs.append(target.read_bytes())
    assert outs[0] == outs[1]
    assert not _leaks(outs[0].decode())


@pytest.mark.parametrize(("form", "pair"), FORMS.items())
@pytest.mark.parametrize(
    "render",
    [
        lambda t: t,
        lambda t: t.replace("_", "\\_"),  # Markdown escaping first
        lambda t: json.dumps(t),
        lambda t: json.dumps(json.dumps(t)),
        lambda t: t.replace('"', "&quot;"),
    ],
    ids=["plain", "markdown", "json", "json2", "xml"],
)
def test_final_pass_catches_rendered_forms(form: str, pair: tuple[str, str], render) -> None:
    text, _ = pair
    out = redact(render(f"see {text} here"))
    assert not _leaks(out), out


@pytest.mark.parametrize(("form", "pair"), FORMS.items())
@pytest.mark.parametrize("keep", [13, 17, 18, 19, 25])
def test_a_clipped_value_never_shows_the_token_start(form, pair, keep: int) -> None:
    text, body = pair
    shown = text[:keep]
    message = f"field is the string {shown!r}..."  # how sources clip values
    start = text.index(body)
    if len(shown) - start >= 10:  # 10+ characters of the body were kept
        assert body[:8] not in redact(message), redact(message)


def test_git_sha_is_kept_and_key_named_hex_is_masked() -> None:
    assert redact(f"commit {HEX40}") == f"commit {HEX40}"
    assert redact_value(HEX40) == HEX40
    assert redact_value(HEX40, "git_commit") == HEX40
    assert redact_value(HEX40, "WANDB_API_KEY") == "****"
    assert redact_value(HEX40, "api_key") == "****"
    assert redact_value({"wandb": {"key": HEX40}, "sha": HEX40}) == {
        "wandb": {"key": "****"},
        "sha": HEX40,
    }
    assert redact_value("<|endoftext|>", "eos_token") == "<|endoftext|>"
    assert redact_value("[PAD]-token-x", "pad_token") == "[PAD]-token-x"


def test_message_is_redacted_then_clipped() -> None:
    huge = "x" * 10_000_000 + FORMS["hf"][0]
    assert len(safe_message(huge)) <= 2000
    token_at_cut = "y" * 1990 + FORMS["hf"][0]
    assert not _leaks(safe_message(token_at_cut))
    assert clip("abc", 10) == "abc"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(FORMS)),
    st.text(alphabet=" \n\t:=,;'\"()[]{}<>#", max_size=4),
    st.text(alphabet=" \n\t:=,;'\"()[]{}<>#.", max_size=4),
    st.integers(0, 2000),
)
def test_any_surrounding_and_any_cut(form: str, before: str, after: str, cut: int) -> None:
    """A secret among punctuation, cut anywhere by a clipping message, never shows 10+
    characters of its body once the message is built."""
    text, body = FORMS[form]
    out = safe_message((before + text + after)[: cut + len(before) + 10] + "...")
    for window in _windows(body, 12):
        assert window not in out, out
