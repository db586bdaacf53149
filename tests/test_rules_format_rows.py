"""Hard-case format rules: FMT003 taxonomy, FMT004 truncation, FMT005 trailing text,
FMT008 degenerate output and QLT004 contaminated quality metrics."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from helpers import DIMS, codes, final_metrics, hard_case, lint

from ftlint.analysis.taxonomy import FailureClass
from ftlint.rules.format._views import RowView, view_row

OBJ = json.dumps({d: 40 + i for i, d in enumerate(DIMS)})  # 101 characters
PROSE = (
    "Let me think about this step by step. The request asks for a calm piano piece for "
    "studying on a snowy evening, so energy should be low, warmth high, brightness low, "
    "acousticness high, complexity moderate and nostalgia moderate. Here is the JSON:\n"
)
CUT = PROSE + OBJ[:40]  # prose, then an object cut at the token cap


def only(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.rule == code]


def one(findings: list[Any], code: str) -> Any:
    found = only(findings, code)
    assert len(found) == 1, [f.message for f in findings]
    return found[0]


def failed(rank: int, text: str, error: str = "json_block_not_found", **extra: Any) -> dict:
    return hard_case(rank, parse_error=error, text=text, **extra)


def parsed(rank: int, text: str | None = None) -> dict:
    row = hard_case(rank)
    if text is not None:
        row["generated_text"] = text
    return row


# -- the shared row view -----------------------------------------------------------------


def test_row_view_cases() -> None:
    from ftlint.model import Evidence, HardCase, Provenance, Run

    run = Run("r", provenance=Provenance(target_keys=DIMS, target_scale=100.0))

    def view(error: str | None, text: str | None) -> RowView:
        case = HardCase(1, "1", None, None, None, None, None, 1.0, error, text, Evidence("x"), {})
        return view_row(case, run)

    assert view(None, OBJ) == RowView(False, None, None, len(OBJ), False)  # fast path
    assert view(None, "   ").cls is FailureClass.NO_JSON  # empty = failed despite no error
    assert view(None, '{"energy": 1}').cls is FailureClass.MISSING_KEY  # invalid per text
    assert view(None, "Here: " + OBJ).fragile
    assert view("json_block_not_found", CUT).truncated
    long_prose = "x" * 600
    cut_by_writer = view(None, long_prose)
    assert not cut_by_writer.failed and cut_by_writer.writer_cut
    assert view("json_decode_error:Expecting value", None).cls is FailureClass.DECODE_ERROR


# -- FMT003 ------------------------------------------------------------------------------


def _taxonomy_ws(ws, **metrics: Any) -> None:
    cases = [
        failed(1, CUT, "json_decode_error:Expecting ',' delimiter: line 5 column 1 (char 300)"),
        failed(2, CUT),
        failed(3, CUT),
        failed(4, OBJ + "\nHope this helps!", "json_decode_error:Extra data: line 2 column 1"),
        failed(5, "```json\n" + OBJ + "\n```", "error"),
        parsed(6),
        parsed(7),
    ]
    ws.run("r", metrics=final_metrics(**({"json_valid_rate": 0.875} | metrics)), cases=cases)


def test_fmt003_one_finding_per_class(ws) -> None:
    _taxonomy_ws(ws)
    found = {f.measurements["class"]: f for f in lint(ws.root, select=["FMT003"])}
    assert sorted(found) == ["markdown_fence", "trailing_text", "unterminated"]
    unterminated = found["unterminated"]
    assert unterminated.severity == "error"  # 60% share, 3/80 rows > 2% alone
    assert unterminated.measurements == {
        "class": "unterminated",
        "count": 3,
        "share": 0.6,
        "sample_ids": ["101", "102", "103"],
        "failed_in_hard_cases": 5,
        "run_failures": 10,
    }
    assert unterminated.message.startswith(
        "unterminated: 3 of 5 failed rows in hard cases (60%); hard cases hold 5 of the "
        "run's 10 failures (parse_error_rate 0.125 (10/80)); samples 101, 102, 103"
    )
    assert [(e.path, e.line, e.sample_id) for e in unterminated.evidence] == [
        ("outputs/r/hard_cases.valid.jsonl", 1, "101"),
        ("outputs/r/hard_cases.valid.jsonl", 2, "102"),
        ("outputs/r/hard_cases.valid.jsonl", 3, "103"),
    ]
    env = next(a for a in unterminated.actions if a.knob == "max_new_tokens")
    assert env.tier == 1 and env.kind == "env"
    assert f"EVAL_LOCAL_MAX_NEW_TOKENS: 96 -> {env.value}" in env.text
    assert any(a.kind == "decode" and "EOS" in a.text for a in unterminated.actions)
    assert found["trailing_text"].severity == "warning"  # 1 of 5 = 20% = warning_share
    fence = found["markdown_fence"]
    assert fence.measurements["count"] == 1 and fence.evidence[0].line == 5
    assert any("no markdown" in a.text for a in fence.actions)
    assert any(a.kind == "process" and "fence" in a.text for a in fence.actions)


def test_fmt003_share_thresholds_are_params(ws) -> None:
    _taxonomy_ws(ws)
    cfg = "rules:\n  FMT003:\n    error_share: 0.7\n    warning_share: 0.1\n"
    found = {
        f.measurements["class"]: f.severity
        for f in lint(ws.root, select=["FMT003"], config_text=cfg)
    }
    assert found == {
        "unterminated": "warning",
        "trailing_text": "warning",
        "markdown_fence": "warning",
    }


def test_fmt003_is_info_when_the_run_is_within_budget(ws) -> None:
    ws.run(
        "r", metrics=final_metrics(json_valid_rate=0.9875), cases=[failed(1, "No idea."), parsed(2)]
    )
    f = one(lint(ws.root, select=["FMT003"]), "FMT003")
    assert f.severity == "info" and f.measurements["class"] == "no_json"
    assert "hard cases hold 1 of the run's 1 failures" in f.message
    assert any("apply_chat_template" in a.text for a in f.actions)


def test_fmt003_contract_classes_get_constrained_decoding(ws) -> None:
    bad = json.dumps({d: (140 if d == "energy" else 40) for d in DIMS})
    ws.run(
        "r",
        metrics=final_metrics(json_valid_rate=0.9),
        cases=[failed(1, bad, "out_of_range:energy=140")],
    )
    f = one(lint(ws.root, select=["FMT003"]), "FMT003")
    assert f.measurements["class"] == "out_of_range"
    decode = f.actions[0]
    assert decode.tier == 1 and decode.value["properties"]["energy"]["maximum"] == 100
    assert "from 0 to 100" in f.actions[1].text


def test_fmt003_near_miss_all_parsed(ws) -> None:
    ws.run(
        "r",
        metrics=final_metrics(json_valid_rate=1.0),
        cases=[parsed(1), parsed(2, "Here: " + OBJ)],
    )
    assert "FMT003" not in codes(lint(ws.root, select=["FMT003"]))


# -- FMT004 ------------------------------------------------------------------------------


def test_fmt004_proposes_max_new_tokens_from_observed_lengths(ws) -> None:
    cases = [failed(1, CUT), failed(2, CUT[:-8]), parsed(3), parsed(4)]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=cases)
    f = one(lint(ws.root, select=["FMT004"]), "FMT004")
    start = CUT.index("{")
    needed_tokens = math.ceil((start + len(OBJ)) / 3.0)
    expected = math.ceil(math.ceil(1.25 * needed_tokens) / 16) * 16
    env = f.actions[0]
    assert (env.tier, env.kind, env.knob, env.value) == (1, "env", "max_new_tokens", expected)
    assert env.text == (
        f"HF_FT_GENERATION_MAX_NEW_TOKENS: unset -> {expected}; "
        f"EVAL_LOCAL_MAX_NEW_TOKENS: 96 -> {expected}"
    )
    assert f.measurements["truncated"] == 2
    assert f.measurements["prose_first"] == 2
    assert f.measurements["longest_object_chars"] == len(OBJ)
    assert f.severity == "error"  # 2 of 80 rows = 2.5% >= error_rate 2%
    assert [e.line for e in f.evidence[:2]] == [1, 2]
    assert f.evidence[-1].path == "artifacts/hf_jobs/submissions.jsonl"
    assert f"propose max_new_tokens {expected}" in f.message
    assert any(a.kind == "prompt" and "preamble" in a.text for a in f.actions)


def test_fmt004_proposal_is_at_least_current_plus_a_step(ws) -> None:
    short_cut = OBJ[:70]  # an object cut at 70 chars with no prose: ~24 tokens needed
    ws.run(
        "r", metrics=final_metrics(json_valid_rate=0.95), cases=[failed(1, short_cut), parsed(2)]
    )
    cfg = "rules:\n  FMT004:\n    eos_fraction: 0.1\n"
    f = one(lint(ws.root, select=["FMT004"], config_text=cfg), "FMT004")
    assert f.actions[0].value == 112  # 96 + 16, not a blind doubling


def test_fmt004_chars_per_token_param(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=[failed(1, CUT), parsed(2)])
    default = one(lint(ws.root, select=["FMT004"]), "FMT004").actions[0].value
    cfg = "rules:\n  FMT004:\n    chars_per_token: 4.5\n"
    lower = one(lint(ws.root, select=["FMT004"], config_text=cfg), "FMT004").actions[0].value
    assert lower < default


def test_fmt004_far_below_the_cap_points_at_eos(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=[failed(1, OBJ[:30]), parsed(2)])
    f = one(lint(ws.root, select=["FMT004"]), "FMT004")
    assert "far below the cap" in f.message and "EOS" in f.message
    assert not [a for a in f.actions if a.knob == "max_new_tokens"]
    assert f.actions[0].tier == 1 and "pad_token" in f.actions[0].text
    assert f.measurements["proposed_max_new_tokens"] is None


def test_fmt004_prose_cut_mid_word_at_the_cap(ws) -> None:
    prose = (PROSE.strip() + " I will now estimate every dimension on the target sc")[:290]
    assert "{" not in prose and prose[-1].isalnum()
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=[failed(1, prose), parsed(2)])
    f = one(lint(ws.root, select=["FMT004"]), "FMT004")
    assert f.measurements["truncated"] == 1


def test_fmt004_writer_cut_is_not_evidence_of_the_cap(ws) -> None:
    text = (PROSE * 3)[:560] + OBJ[:40]
    assert len(text) == 600
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=[failed(1, text), parsed(2)])
    f = one(lint(ws.root, select=["FMT004"]), "FMT004")
    assert f.severity == "info" and "600-character cut" in f.message
    assert not [a for a in f.actions if a.knob == "max_new_tokens"]


def test_fmt004_near_miss(ws) -> None:
    cases = [
        failed(1, OBJ + " thanks", "json_decode_error:Extra data"),
        failed(2, "No."),
        parsed(3),
    ]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=cases)
    assert "FMT004" not in codes(lint(ws.root, select=["FMT004"]))


def test_fmt004_error_rate_param(ws) -> None:
    cases = [failed(i, CUT) for i in (1, 2)] + [parsed(3)]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95), cases=cases)
    assert one(lint(ws.root, select=["FMT004"]), "FMT004").severity == "error"  # 2/80 >= 2%
    cfg = "rules:\n  FMT004:\n    error_rate: 0.05\n"
    assert one(lint(ws.root, select=["FMT004"], config_text=cfg), "FMT004").severity == "warning"


# -- FMT005 ------------------------------------------------------------------------------


def test_fmt005_counts_failed_and_fragile_rows(ws) -> None:
    cases = [
        failed(1, "Here is the JSON: " + OBJ + " Want changes?", "json_decode_error:Extra data"),
        failed(2, OBJ + "\n" + OBJ, "json_decode_error:Extra data: line 2 column 1"),
        parsed(3, "Sure! " + OBJ),
        parsed(4),
    ]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.975), cases=cases)
    f = one(lint(ws.root, select=["FMT005"]), "FMT005")
    assert f.severity == "error"  # 2 of 80 = 2.5% >= 2%
    assert f.measurements["failed_kinds"] == {"prose after": 1, "repeated object": 1}
    assert f.measurements["fragile_kinds"] == {"leading prose": 1}
    assert f.message.startswith(
        "2 failed completion(s) have text around the object: 1 prose after, 1 repeated "
        "object; 1 parsed completion(s) are fragile: 1 leading prose"
    )
    assert [e.line for e in f.evidence] == [1, 2, 3]
    kinds = [(a.tier, a.kind) for a in f.actions]
    assert (2, "decode") in kinds and (2, "prompt") in kinds
    assert any("greedy" in a.text for a in f.actions)
    assert any("EOS" in a.text and "pad_token" in a.text for a in f.actions)  # repeated object


def test_fmt005_fragile_only_is_info(ws) -> None:
    ws.run(
        "r",
        metrics=final_metrics(json_valid_rate=1.0),
        cases=[parsed(1, "```json\n" + OBJ + "\n```")],
    )
    f = one(lint(ws.root, select=["FMT005"]), "FMT005")
    assert f.severity == "info" and f.measurements["fragile_kinds"] == {"markdown fence": 1}


def test_fmt005_near_miss(ws) -> None:
    ws.run(
        "r",
        metrics=final_metrics(json_valid_rate=0.95),
        cases=[failed(1, CUT), parsed(2), parsed(3)],
    )
    assert "FMT005" not in codes(lint(ws.root, select=["FMT005"]))


# -- FMT008 ------------------------------------------------------------------------------


def test_fmt008_empty_completion(ws) -> None:
    ws.run(
        "r",
        metrics=final_metrics(json_valid_rate=0.95),
        cases=[failed(1, ""), parsed(2), parsed(3)],
    )
    f = one(lint(ws.root, select=["FMT008"]), "FMT008")
    assert f.severity == "warning"
    assert f.message == "1 of 3 hard-case completions are empty (33%); samples 101"
    assert f.evidence[0].line == 1


def test_fmt008_identical_completions(ws) -> None:
    same = [
        '{"energy": 50,  "warmth": 50}',
        '{"energy": 50, "warmth": 50}\n',
        ' {"energy": 50, "warmth": 50}',
    ]
    cases = [failed(i + 1, t, "missing_key:brightness") for i, t in enumerate(same)]
    cases += [parsed(i) for i in range(4, 11)]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=cases)
    f = one(lint(ws.root, select=["FMT008"]), "FMT008")
    assert f.measurements["identical"] == 3 and f.measurements["share"] == 0.3
    assert [e.line for e in f.evidence] == [1, 2, 3]
    cfg = "rules:\n  FMT008:\n    identical_share: 0.5\n"
    assert "FMT008" not in codes(lint(ws.root, select=["FMT008"], config_text=cfg))


def test_fmt008_near_miss(ws) -> None:
    same = '{"energy": 50}'
    cases = [failed(1, same, "missing_key:warmth"), failed(2, same, "missing_key:warmth")]
    cases += [parsed(i) for i in range(3, 8)]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=cases)
    assert "FMT008" not in codes(lint(ws.root, select=["FMT008"]))  # 2 < min count 3


# -- QLT004 ------------------------------------------------------------------------------


def _contaminated(ws, failures_in_hard_cases: int, rate: float = 0.9) -> tuple[list[dict], float]:
    cases = [failed(i, CUT) for i in range(1, failures_in_hard_cases + 1)]
    cases += [parsed(i) for i in range(failures_in_hard_cases + 1, failures_in_hard_cases + 4)]
    mae = 9.0
    ws.run("r", metrics=final_metrics(json_valid_rate=rate, mae_raw=mae), cases=cases)
    return cases, mae


def test_qlt004_exact_parsed_mae_when_all_failures_are_in_hard_cases(ws) -> None:
    cases, mae = _contaminated(ws, 8)  # 0.9 x 80 -> 8 failures, all in the hard cases
    f = one(lint(ws.root, select=["QLT004"]), "QLT004")
    failed_sum = sum(c["mae_raw"] for c in cases[:8])
    exact = (mae * 80 - failed_sum) / 72
    m = f.measurements
    assert m["placeholder_rows"] == 8 and m["placeholder_value"] == 50.0
    assert m["mae_parsed_all"] == pytest.approx(exact, abs=1e-6)
    assert m["mae_failed_hard_cases"] == pytest.approx(failed_sum / 8, abs=1e-6)
    assert "every dimension 50 = target_scale/2" in f.message
    assert f"MAE over the 72 parsed rows is {exact:.4g}" in f.message
    assert f.evidence[0].pointer == "/eval/mae_raw" and f.evidence[1].line == 1
    assert f.actions[0].tier == 1 and f"(here {exact:.4g})" in f.actions[0].text


def test_qlt004_range_when_failures_lie_outside_the_hard_cases(ws) -> None:
    _contaminated(ws, 4)
    f = one(lint(ws.root, select=["QLT004"]), "QLT004")
    low, high = f.measurements["mae_parsed_all_range"]
    assert low < high
    assert "4 failures lie outside the hard cases" in f.message


def test_qlt004_json_valid_rate_zero(ws) -> None:
    metrics = final_metrics(json_valid_rate=0.0, mae_raw=0.0)
    ws.run("r", metrics=metrics, cases=[failed(1, "")])
    f = one(lint(ws.root, select=["QLT004"]), "QLT004")
    assert f.severity == "error"
    assert f.message.startswith("json_valid_rate 0 with quality metrics reported (mae_raw 0")
    assert [e.pointer for e in f.evidence[:2]] == ["/eval/json_valid_rate", "/eval/mae_raw"]


def test_qlt004_near_miss_no_placeholder(ws) -> None:
    row = failed(1, CUT)
    row["predicted_vector"] = None
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=[row, parsed(2)])
    assert "QLT004" not in codes(lint(ws.root, select=["QLT004"]))


def test_qlt004_small_shift_is_info_and_param(ws) -> None:
    _contaminated(ws, 1, rate=0.9875)
    f = one(lint(ws.root, select=["QLT004"]), "QLT004")
    assert f.severity == "info"
    cfg = "rules:\n  QLT004:\n    warning_shift: 0.0001\n"
    assert one(lint(ws.root, select=["QLT004"], config_text=cfg), "QLT004").severity == "warning"


# -- edge cases --------------------------------------------------------------------------


def test_fmt003_no_budget_when_the_cap_did_not_cut(ws) -> None:
    writer_cut = (PROSE * 3)[:560] + OBJ[:40]
    cases = [failed(1, OBJ[:30]), failed(2, OBJ[:35]), failed(3, writer_cut), parsed(4)]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=cases)
    f = one(lint(ws.root, select=["FMT003"]), "FMT003")
    assert f.measurements["class"] == "unterminated" and f.measurements["count"] == 3
    assert not [a for a in f.actions if a.knob == "max_new_tokens"]
    assert f.actions[0].tier == 1 and "EOS" in f.actions[0].text


def test_rows_without_text_use_the_parse_error(ws) -> None:
    row = failed(1, "x", "missing_key:energy")
    del row["generated_text"]
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=[row, parsed(2)])
    found = lint(ws.root, select=["FMT003", "FMT004", "FMT005", "FMT008", "QLT004"])
    assert [f.measurements["class"] for f in only(found, "FMT003")] == ["missing_key"]
    assert not [f for f in found if f.rule.startswith("FTL")]


def test_fmt008_heavy_hitter_among_many_distinct_completions(ws) -> None:
    same = parsed(0)["generated_text"]
    cases = []
    for i in range(1, 3001):
        row = parsed(i)
        if i % 3:  # two thirds distinct, one third the same text
            row["generated_text"] = json.dumps({d: i for d in DIMS})
        else:
            row["generated_text"] = same
        cases.append(row)
    ws.run("r", metrics=final_metrics(), cases=cases)
    f = one(lint(ws.root, select=["FMT008"]), "FMT008")
    assert f.measurements["identical"] >= 900  # Misra-Gries: a lower bound beyond 1024 keys
    assert f.measurements["rows"] == 3000


def test_format_pack_is_deterministic(ws) -> None:
    _taxonomy_ws(ws)
    select = ["FMT", "QLT004"]
    first = [f.to_dict() for f in lint(ws.root, select=select)]
    assert first == [f.to_dict() for f in lint(ws.root, select=select)]
