"""Every streamed format writes the bytes the whole-text path wrote (`render` + one final
`redact` + `write_output`), to a file and to a stream, secrets included: in a message,
in evidence, in measurements, and split over what are now separate pieces."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import per_run_rule

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.plugins import build_plugins
from ftlint.report import Report, render, render_pieces, write_output, write_report
from ftlint.report import stream as stream_module

FORMATS = ("text", "json", "sarif", "junit", "github")
HEX40 = "0123456789abcdef0123456789abcdef01234567"
#: (the raw secret, a part of it that must never be written)
SECRETS = {
    "hf": ("hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh", "Zq7Xw3Rt9Lm2Pk5"),
    "sk": ("sk-proj-Rt9Lm2Pk5Vn8BcQ4Yh7Xw3Zq", "Rt9Lm2Pk5Vn8Bc"),
    "wandb": (f"wandb login {HEX40}", HEX40[:20]),
    "name": ("HF_TOKEN=s3cr3tvalue9", "s3cr3tvalue9"),
    "bearer": ("Authorization: Bearer Yh7Xw3Zq0Rt9Lm2Pk5Vn8Bc", "Yh7Xw3Zq0Rt9Lm2"),
}


PerRun = per_run_rule()


def _finding(i: int, run: str | None, message: str, *evidence: Evidence, **kw) -> Finding:
    return Finding(
        rule="TST001",
        name="per-run",
        severity=(Severity.ERROR, Severity.WARNING, Severity.INFO)[i % 3],
        category=Category.QUALITY,
        run=run,
        message=message,
        evidence=evidence,
        fingerprint=f"fp{i:04d}",
        **kw,
    )


def _findings() -> list[Finding]:
    """Raw secrets everywhere a finding carries text (rules redact their messages; the
    final pass is what catches the ones a rule or plugin let through)."""
    out = []
    for i, (form, (secret, _)) in enumerate(sorted(SECRETS.items())):
        out.append(_finding(i, "run-a", f"message with {secret} inside"))
        out.append(
            _finding(
                i + 10,
                "run-b",
                "evidence holds it",
                Evidence(f"outputs/run-b/{form}.json", line=3, sample_id=secret, url=secret),
            )
        )
        out.append(_finding(i + 20, "run-c", "measured", measurements={"value": secret, "n": 1.5}))
    out.extend(_across_lines())
    out.append(_finding(44, None, "campaign-wide, a clipped token at the end hf_AbCdEfGhIjKl"))
    for i in range(300):  # enough lines for many chunks
        out.append(_finding(100 + i, f"run-{'abc'[i % 3]}", f"filler {i} api_key: v{i:08d}"))
    return out


def _across_lines() -> list[Finding]:
    """A message that ends in a secret's name, and the next line (the next finding's,
    in text output) that starts with its value: only a pass over both lines sees it."""
    return [
        _finding(40, "run-a", "the config sets password"),
        _finding(43, "run-a", "z", Evidence("=hunter2hunter2", line=1)),
        _finding(42, "run-b", "header Authorization: Bearer"),
        _finding(45, "run-b", "y", Evidence("abcdefghijklmnopqrstuvwxyz012.json", line=1)),
    ]


def _report(findings: list[Finding] | None = None, **extra) -> Report:
    runs = tuple(Run(name=n) for n in ("run-a", "run-b", "run-c"))
    return Report(
        tool_version="0.1.0",
        workspace="ws",
        campaign=Campaign(root="/nonexistent-ws", runs=runs, baseline="run-a", candidate="run-b"),
        findings=_findings() if findings is None else findings,
        rules=[PerRun],
        extra=extra,
    )


@pytest.fixture(scope="module")
def formats():
    return build_plugins(use_entry_points=False).report_formats()


@pytest.fixture(params=[64, 1 << 20], ids=["chunk64", "chunk1M"])
def chunk(request, monkeypatch) -> int:
    monkeypatch.setattr(stream_module, "CHUNK", request.param)
    return request.param


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "extra", [{}, {"quiet": True}, {"fold": False}, {"statistics": True}, {"max_results": 7}]
)
def test_streamed_output_is_byte_identical(fmt, extra, formats, chunk, tmp_path: Path) -> None:
    report = _report(**extra)
    whole = render(fmt, report, formats)
    assert "".join(render_pieces(fmt, report, formats)) == formats[fmt](report)

    old, new = tmp_path / "old.out", tmp_path / "new.out"
    write_output(whole, old, None)
    write_report(fmt, report, formats, new, None)
    assert new.read_bytes() == old.read_bytes()

    out = io.StringIO()
    write_report(fmt, report, formats, None, out)
    assert out.getvalue() == whole
    for secret, part in SECRETS.values():
        assert part not in whole, (fmt, secret)


def test_a_secret_split_over_two_findings_lines_is_still_caught(formats, chunk) -> None:
    report = _report(_across_lines(), quiet=True)
    whole = render("text", report, formats)
    assert whole == (  # run-b is the candidate: first
        ".: TST001 header Authorization: Bearer\n"
        "****:1: TST001 y\n"
        ".: TST001 the config sets password\n"
        "=**** TST001 z\n"  # the value ran to the next space: `=hunter2hunter2:1:`
    )
    out = io.StringIO()
    write_report("text", report, formats, None, out)
    assert out.getvalue() == whole


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_format_streams_in_pieces(fmt, formats) -> None:
    pieces = list(render_pieces(fmt, _report(), formats))
    # a finding (line, result) at a time; JUnit a (rule, run) case: 3 here, 1 rule x 3 runs
    assert len(pieces) > (5 if fmt == "junit" else 100)


def test_a_plugin_format_without_stream_is_written_whole(tmp_path: Path) -> None:
    formats = {"plain": lambda report: f"{len(report.findings)} findings, HF_TOKEN=abcdefgh\n"}
    target = tmp_path / "o.txt"
    write_report("plain", _report(), formats, target, None)
    assert target.read_text() == f"{len(_findings())} findings, HF_TOKEN=****\n"


def test_unknown_format_raises_before_the_file_is_touched(tmp_path: Path) -> None:
    from ftlint.errors import FtlintError

    target = tmp_path / "o.txt"
    target.write_text("old")
    with pytest.raises(FtlintError, match="unknown output format"):
        write_report("nope", _report(), {}, target, None)
    assert target.read_text() == "old"


def test_a_renderer_that_fails_midway_leaves_the_old_file(tmp_path: Path) -> None:
    def pieces(report):
        yield "first line\n" * 100_000
        raise RuntimeError("boom")

    def broken(report):
        return "".join(pieces(report))

    broken.stream = pieces  # type: ignore[attr-defined]
    target = tmp_path / "o.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        write_report("x", _report(), {"x": broken}, target, None)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.txt"]  # no temporary left


def test_run_named_answers_as_campaign_get_and_is_forgotten() -> None:
    from ftlint import report as report_module
    from ftlint.report import forget_runs, run_named

    first, second = Run(name="x", final_metrics_path="a.json"), Run(name="x")
    campaign = Campaign(root="/ws", runs=(first, second, Run(name="y")))
    for name in ("x", "y", "z", None):
        assert run_named(campaign, name) is campaign.get(name)
    forget_runs()
    assert report_module._INDEX is None
