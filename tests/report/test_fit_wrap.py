"""Fitting tables to a width and wrapping between words: properties, not examples."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.report.changed import filter_changed
from ftlint.report.fit import fit, lines, middle, to_csv
from ftlint.report.wrap import visible_len, wrap

WORD = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=30)


@given(st.lists(WORD, min_size=1, max_size=40), st.integers(20, 120), st.integers(0, 6))
def test_wrap_breaks_only_between_words(words: list[str], width: int, indent: int) -> None:
    line = " " * indent + " ".join(words)
    out = wrap(line, width).splitlines()
    assert [w for row in out for w in row.split()] == words  # no word cut, none lost
    for row in out:
        assert visible_len(row) <= width or len(row.split()) == 1 or row.strip() == ""


def test_wrap_ignores_colour_codes_and_keeps_bullet_indent() -> None:
    text = "  - \x1b[1mbold\x1b[0m " + "word " * 30
    out = wrap(text, 40).splitlines()
    assert all(visible_len(row) <= 40 for row in out)
    assert all(row.startswith("    ") for row in out[1:])


@given(st.text(min_size=0, max_size=60), st.integers(1, 60))
def test_middle_keeps_both_ends(text: str, width: int) -> None:
    cut = middle(text, width)
    assert len(cut) <= max(width, 0) or cut == text
    if len(text) > width > 2:
        assert cut[0] == text[0] and cut[-1] == text[-1] and "…" in cut


@given(
    st.lists(st.lists(st.text(min_size=0, max_size=40), min_size=4, max_size=4), max_size=8),
    st.integers(30, 200),
)
def test_fit_gives_rows_within_the_width(rows: list[list[str]], width: int) -> None:
    rows = [[c.replace("\n", " ") for c in r] for r in rows]
    headers = ["run", "kind", "adapter", "sources"]
    shown, cells, dropped = fit(headers, rows, width, ("sources", "kind"))
    assert len(cells) == len(rows) and set(dropped) <= {"sources", "kind"}
    assert all(len(line) <= width for line in lines(shown, cells))


def test_csv_has_every_cell_and_defuses_formulas() -> None:
    text = to_csv(["a", "b", "c"], [["=HYPERLINK(1)", "-", "-0.5"]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b", "c"], ["'=HYPERLINK(1)", "", "-0.5"]]


def _f(run: str | None, *paths: str) -> Finding:
    return Finding(
        "PRV005",
        "x",
        Severity.ERROR,
        Category.PROVENANCE,
        run,
        run or "campaign",
        tuple(Evidence(p) for p in paths),
    )


def test_changed_files_select_their_runs_and_findings_pointing_into_them() -> None:
    campaign = Campaign(
        "/ws",
        (Run("a", sources=("outputs/a/m.json",)), Run("b", sources=("outputs/b/m.json",))),
    )
    findings = [
        _f("a", "outputs/a/m.json"),
        _f("b", "outputs/b/m.json", "outputs/a/m.json"),  # a pair finding involving a
        _f("b", "outputs/b/m.json"),
        _f(None, "outputs/b/m.json"),
    ]
    kept = filter_changed(findings, campaign, {"outputs/a/m.json"})
    assert kept == findings[:2]
    assert filter_changed(findings, campaign, {"rules.yaml"}) == findings  # config: all
