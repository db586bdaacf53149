"""The HTML report: self-contained, deterministic, escaped, and checked in a real browser.

The browser test opens the page in headless Chromium (Debian's `chromium`) over the
DevTools pipe and checks what a reader would get: no console errors, no network
request besides the page itself, every chart's SVG series present, hostile strings
shown as text, and a screenshot that is not blank. With FTLINT_WRITE_SCREENSHOT=PATH
it also writes the screenshot (that is how docs/img/report.png is made).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _cdp import Browser, chromium_path
from _example import EXAMPLES, PAIR, REPO, Example
from _png import luminance_variance, read_png

from ftlint import api
from ftlint.report.curves import CURVE_GROUPS, curves_of, series_names
from ftlint.report.html import EXAMPLES_PER_CLUSTER, render_plan_html

HOSTILE = '<script>window.__pwned=1</script><img src="http://127.0.0.1:9/x.png">'
CONTROL = "\x1b[31mred\u202eevil"


def hostile_page(ex: Example) -> str:
    plan = ex.plan
    cluster = dataclasses.replace(plan.clusters[0], message=HOSTILE, sample_ids=("evil",))
    plan = dataclasses.replace(
        plan,
        diagnosis=(*plan.diagnosis, HOSTILE, CONTROL),
        clusters=(cluster, *plan.clusters[1:]),
        candidate=plan.candidate,
    )
    examples = {"evil": "</pre>" + HOSTILE + "\n" + CONTROL}
    return render_plan_html(plan, ex.campaign, ex.findings, examples)


def test_cli_report_is_deterministic_small_and_self_contained(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.html", "b.html"):
        target = tmp_path / name
        cmd = [sys.executable, "-m", "ftlint", "plan", str(EXAMPLES), "--baseline", PAIR[0]]
        cmd += ["--candidate", PAIR[1], "--format", "html", "-o", str(target)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
        assert proc.returncode == 0, proc.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) < 1_000_000
    page = outputs[0].decode()
    assert page.startswith("<!DOCTYPE html>")
    # nothing to fetch at view time: no scripts, stylesheets, images, frames or fonts
    for pattern in (
        r"<script",
        r"<link",
        r"<img",
        r"<iframe",
        r"\bsrc=",
        r"\bhref=",
        r"url\(",
        "@import",
    ):
        assert not re.search(pattern, page, re.I), pattern
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_report_sections_and_example_completions(example: Example) -> None:
    page = _page(example)
    for section in ("diagnosis", "gates", "scoreboard", "curves", "clusters", "actions"):
        assert f'<section id="{section}">' in page
    assert 'data-chart="forest" data-series="4"' in page
    assert "best@step 40 spike@step 100" in page  # the candidate's format break
    assert "sample 21" in page  # an example completion of the largest cluster
    assert "HF_FT_GENERATION_MAX_NEW_TOKENS=192" in page


def test_untrusted_strings_are_escaped(example: Example) -> None:
    page = hostile_page(example)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;/pre&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page
    assert "\\x1b[31mred\\u202eevil" in page


def test_render_without_campaign_or_gates(example: Example) -> None:
    plan = dataclasses.replace(example.plan, gates=None, clusters=(), overrides=(), actions=())
    page = render_plan_html(plan)
    assert "Promotion: NOT EVALUATED" in page
    assert "No run logged a curve" in page
    assert "No failure clusters." in page


def _need_chromium() -> None:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (.ci/apt-packages.txt installs it)")
        pytest.skip("headless Chromium not installed (apt-get install chromium); CI runs this")


CHARTS_JS = """JSON.stringify([...document.querySelectorAll('svg.chart')].map(s => ({
  kind: s.dataset.chart, declared: +s.dataset.series,
  series: s.querySelectorAll('.series').length,
  paths: s.querySelectorAll('.series path').length})))"""


def _problems(browser: Browser, page_url: str) -> list[str]:
    out = []
    for e in browser.named("Runtime.consoleAPICalled", "Runtime.exceptionThrown"):
        out.append(f"{e['method']}: {e['params']}")
    for e in browser.named("Log.entryAdded"):
        if e["params"]["entry"].get("level") in ("error", "warning"):
            out.append(f"log: {e['params']['entry'].get('text')}")
    for e in browser.named("Network.requestWillBeSent"):
        if e["params"]["request"]["url"] != page_url:
            out.append(f"request: {e['params']['request']['url']}")
    return out


def test_report_in_headless_chromium(example: Example, tmp_path: Path) -> None:
    _need_chromium()
    clean = tmp_path / "report.html"
    clean.write_text(_page(example), "utf-8")
    evil = tmp_path / "hostile.html"
    evil.write_text(hostile_page(example), "utf-8")
    leaky = tmp_path / "leaky.html"  # the negative control: the checks must see a fetch
    leaky.write_text(clean.read_text("utf-8").replace("</main>", HOSTILE + "</main>"), "utf-8")
    shot = tmp_path / "report.png"
    with Browser(tmp_path / "profile", width=1200, height=1500) as browser:
        browser.open(clean.as_uri())
        assert _problems(browser, clean.as_uri()) == []
        charts = json.loads(browser.evaluate(CHARTS_JS))
        for chart in charts:
            assert chart["series"] == chart["declared"] > 0, chart
        kinds = [c["kind"] for c in charts]
        assert kinds.count("forest") == 1
        assert charts[0]["series"] == len(example.plan.gates.results)
        expected_lines = [
            len(names)
            for run in example.campaign.runs
            for _, group in CURVE_GROUPS
            if (names := series_names(curves_of(run), group))
        ]
        lines = [c for c in charts if c["kind"] == "line"]
        assert sorted(c["series"] for c in lines) == sorted(expected_lines)
        assert all(c["paths"] == c["series"] for c in lines)
        assert kinds.count("bar") == 4  # 3 scoreboard charts + the failure taxonomy
        assert browser.evaluate("document.scripts.length") == 0
        browser.screenshot(shot)

        browser.events.clear()
        browser.open(evil.as_uri())
        assert _problems(browser, evil.as_uri()) == []
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        text = browser.evaluate("document.body.innerText")
        assert "<script>window.__pwned=1</script>" in text
        assert browser.evaluate("document.querySelectorAll('img, script').length") == 0

        browser.events.clear()
        browser.open(leaky.as_uri())
        assert _problems(browser, leaky.as_uri()), "the CSP/network checks saw nothing"

    width, height, _, _ = read_png(shot)
    assert (width, height) == (1200, 1500)
    assert luminance_variance(shot, step=6) > 100  # not a blank page
    target = os.environ.get("FTLINT_WRITE_SCREENSHOT")
    if target:
        out = REPO / target
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(shot.read_bytes())


def _page(example) -> str:
    """The page `plan --format html` writes: examples read by the pipeline, then rendered."""
    session = api.setup(None, builtin_only=True)
    plan = example.plan
    wanted = [s for c in plan.clusters for s in c.sample_ids[:EXAMPLES_PER_CLUSTER]]
    examples = api.cluster_examples(session, example.campaign, plan.candidate, wanted)
    return render_plan_html(plan, example.campaign, example.findings, examples)
