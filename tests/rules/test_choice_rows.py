"""Eval rows of a closed-label (choice) eval reach the row rules: the contract's answer
classes (`invalid_choice`, `run_on`), the views the engine streams, and the JSON-format
rules staying quiet on labels (a classifier is never reported as JSON failures)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ftlint.analysis.contract import Contract, choice_answer, choice_error, infer_contract
from ftlint.engine.rows import choice_view, hard_case_view
from ftlint.model import EvalRow, Evidence, HardCase
from ftlint.rules.format._views import choice_row, is_choice

try:
    from tests.rules._issue14 import ge, gt, lint
except ImportError:  # pragma: no cover - depends on how pytest was started
    from _issue14 import ge, gt, lint  # type: ignore[no-redef]

LABELS = ("negative", "neutral", "positive")
SENTIMENT = Contract("choice", choices=LABELS)
#: every rule that judges a row as a JSON object; none may fire on labels
JSON_RULES = ("FMT001", "FMT002", "FMT004", "FMT005", "FMT008", "QLT004")


def test_inferred_choice_contract() -> None:
    refs = ["positive", "negative", "neutral"] * 4
    assert infer_contract(refs) == SENTIMENT


def test_answer_classes() -> None:
    assert choice_answer("positive", SENTIMENT) == ("positive", None)
    assert choice_answer("  neutral\n", SENTIMENT) == ("neutral", None)
    assert choice_answer("positive\nExplanation: it is upbeat", SENTIMENT) == (
        "positive",
        "run_on",
    )
    assert choice_answer("negative. The reviewer hated it", SENTIMENT) == ("negative", "run_on")
    for bad in ("Positive", "positive.", "positively so", "", None, "I think positive", "pos"):
        assert choice_answer(bad, SENTIMENT) == (None, "invalid_choice"), bad


def test_longest_label_wins() -> None:
    contract = Contract("choice", choices=("yes", "yes please"))
    assert choice_answer("yes please and thanks", contract) == ("yes please", "run_on")
    assert choice_answer("yes please", contract) == ("yes please", None)


@given(st.text(max_size=80))
def test_choice_answer_is_total(text: str) -> None:
    answer, error = choice_answer(text, SENTIMENT)
    assert error in (None, "run_on", "invalid_choice")
    assert (answer is None) == (error == "invalid_choice")
    assert answer is None or answer in LABELS
    assert choice_error(text, SENTIMENT) == error


def _row(output: str | None, reference: object) -> EvalRow:
    return EvalRow(
        id="r1", input="review", output=output, reference=reference, evidence=Evidence("p")
    )


def test_views_say_their_contract() -> None:
    case = choice_view(_row("positive and more", "neutral"), SENTIMENT, 1)
    assert case.parse_error == "run_on" and case.target_vector is None
    assert case.raw["contract"] == "choice" and case.raw["choices"] == LABELS
    assert is_choice(case) and choice_row(case) == ("neutral", "positive")
    json_case = hard_case_view(_row('{"a": 1}', '{"a": 2}'), Contract("json", ("a",)), 1)
    assert json_case.raw["contract"] == "json" and not is_choice(json_case)


def test_a_hard_case_line_cannot_pose_as_a_choice_row() -> None:
    raw = {"contract": "choice", "choices": ["a", "b"], "label": "a", "answer": "a"}
    case = HardCase(1, "s", None, None, None, None, None, None, "x", "x", Evidence("h"), raw)
    assert not is_choice(case) and choice_row(case) is None


def _predictions(outs: list[str], labels: list[str]) -> list[dict[str, str]]:
    return [
        {"prompt": f"Classify the sentiment of review {i}:", "predict": o, "label": lab}
        for i, (o, lab) in enumerate(zip(outs, labels, strict=True))
    ]


def _messy_classifier() -> tuple[list[str], list[str]]:
    labels = [LABELS[i % 3] for i in range(30)]
    outs = list(labels)
    outs[0] = "Positive"
    outs[3] = ""
    outs[6] = outs[6] + "\n" + "The review is long and detailed. " * 20
    outs[9] = outs[9] + " because the review says so"
    return outs, labels


def test_json_rules_quiet_on_label_rows_llamafactory(tmp_path: Path) -> None:
    outs, labels = _messy_classifier()
    gt.lf_run(tmp_path / "lf", predictions=_predictions(outs, labels))
    for code in JSON_RULES:
        assert lint(tmp_path, code) == [], code
    classes = {f.measurements["class"] for f in lint(tmp_path, "FMT003")}
    assert classes == {"invalid_choice", "run_on"}


def test_json_rules_quiet_on_label_rows_generic(tmp_path: Path) -> None:
    outs, labels = _messy_classifier()
    rows = [
        {"id": f"ex{i}", "prompt": f"Classify: {i}", "prediction": o, "label": lab}
        for i, (o, lab) in enumerate(zip(outs, labels, strict=True))
    ]
    ge.write_jsonl(tmp_path / "ws" / "evals" / "sentiment.jsonl", rows)
    from ftlint import api
    from ftlint.config.settings import load_config

    cfg = tmp_path / "rules.yaml"
    cfg.write_text(
        "sources:\n  generic:\n    - files: evals/*.jsonl\n      id: id\n      input: prompt\n"
        "      output: prediction\n      reference: label\n",
        encoding="utf-8",
    )
    session = api.setup(config=load_config(cfg), use_entry_points=False)
    campaign = api.load_campaign(session, tmp_path / "ws")
    found = api.lint(session, campaign).findings
    assert not [f for f in found if f.rule == "FTL001"], found
    assert not [f for f in found if f.rule in JSON_RULES], found
    fmt003 = sorted(f.measurements["class"] for f in found if f.rule == "FMT003")
    assert fmt003 == ["invalid_choice", "run_on"]


def test_json_contract_text_after_object_is_trailing_text_not_run_on(tmp_path: Path) -> None:
    labels = [f'{{"score": {i % 3}}}' for i in range(20)]
    outs = list(labels)
    outs[2] = outs[2] + " Because the review is positive."
    gt.lf_run(tmp_path / "lf", predictions=_predictions(outs, labels))
    classes = {f.measurements["class"] for f in lint(tmp_path, "FMT003")}
    assert "run_on" not in classes and "invalid_choice" not in classes
    assert classes == {"trailing_text"}


def test_run_on_to_the_cap_is_counted() -> None:
    from ftlint.model import Campaign, Run
    from ftlint.rule import RuleContext
    from ftlint.rules.format._choice import ChoiceTally
    from ftlint.rules.format.parse_error_taxonomy import ParseErrorTaxonomy

    run = Run("r", env={"EVAL_LOCAL_MAX_NEW_TOKENS": "32"})
    rule = ParseErrorTaxonomy()
    ctx = RuleContext(
        rule,
        ParseErrorTaxonomy.param_defaults(),
        None,
        {"max_new_tokens": ("EVAL_LOCAL_MAX_NEW_TOKENS",)},
        Campaign("ws", (run,)),
    )
    tally = ChoiceTally(run, ctx)
    rows = [("positive", "positive")] * 18 + [("positive", "positive " + "so very good " * 8)]
    rows += [("neutral", "neutral, fine")]
    for i, (label, out) in enumerate(rows):
        tally.row(choice_view(_row(out, label), SENTIMENT, i))
    (finding,) = list(tally.finish())
    assert finding.measurements["class"] == "run_on" and finding.measurements["at_cap"] == 1
    assert "1 of them run to the max_new_tokens cap 32" in finding.message
    texts = [a.text for a in finding.actions]
    assert any(t.startswith("Stop after the label") for t in texts), texts


def test_duplicate_inputs_with_different_labels(tmp_path: Path) -> None:
    labels = [LABELS[i % 3] for i in range(20)]
    rows = _predictions(list(labels), labels)
    rows.append({**rows[0], "label": "positive", "predict": "positive"})  # same input
    gt.lf_run(tmp_path / "lf", predictions=rows)
    (finding,) = lint(tmp_path, "PRV008")
    assert finding.measurements["conflicting_references"] == 1
