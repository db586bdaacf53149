"""PRV008 keys references with msgspec's encoder only for a hard-case file big enough
that the reader imports msgspec anyway (`_references.for_rows`): a lint of small files
never imports it (~11 ms of start-up), and every row of one run is keyed one way."""

from __future__ import annotations

from pathlib import Path

from helpers import modules_after_check

from ftlint.rules.provenance import _references
from ftlint.sources.io import FAST_MIN_BYTES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_encoder_follows_the_file_size() -> None:
    assert _references.for_rows(3, FAST_MIN_BYTES) is None
    assert _references.for_rows(FAST_MIN_BYTES - 1, FAST_MIN_BYTES) is None
    assert _references.for_rows(None, FAST_MIN_BYTES) is None  # (unknown, other rows)
    assert _references.for_rows(FAST_MIN_BYTES, FAST_MIN_BYTES) is _references.encoder()


def test_discovery_notes_the_size_the_rule_reads(tmp_path: Path) -> None:
    """The visitor sizes its work by `Run.hard_cases_bytes`, which discovery notes (the
    rule never stats the file): a big file keys by msgspec, a small one by the text."""
    from helpers import bench_generator

    from ftlint import api
    from ftlint.assemble.lazy import full
    from ftlint.rules.provenance import duplicate_eval_rows as prv

    root = tmp_path / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=20, steps=3)
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    session = api.setup(workspace=root)
    (run,) = api.load_campaign(session, root, deferred=True).runs
    assert run.hard_cases_bytes == hard.stat().st_size == full(run).hard_cases_bytes
    assert prv._encoder_for(run) is None
    with hard.open("ab") as handle:
        handle.truncate(FAST_MIN_BYTES)  # (grown after discovery: the noted size holds)
    assert prv._encoder_for(run) is None
    big = api.load_campaign(session, root, deferred=True).runs[0]
    assert prv._encoder_for(big) is _references.encoder()


def test_both_forms_meet_exactly_when_the_json_does() -> None:
    """The JSON text (small files) and msgspec's encoding (big ones) each key equal
    references alike and different ones apart; a run uses one of them throughout."""
    from types import SimpleNamespace

    def key(target: object, encode: object) -> int | None:
        case = SimpleNamespace(target_vector=target, raw={})
        return _references.reference_key(case, encode)  # type: ignore[arg-type]

    encode = _references.encoder()
    for form in (None, encode):
        assert key({"a": 1.0, "b": 2.0}, form) == key({"b": 2.0, "a": 1.0}, form)
        assert key({"a": 1.0}, form) != key({"a": 1}, form)
        assert key({"a": -0.0}, form) != key({"a": 0.0}, form)
        assert key({"a": 0.5}, form) != key({"a": 2.0**60}, form)


def test_a_lint_of_small_files_does_not_import_msgspec(tmp_path: Path) -> None:
    assert modules_after_check(tmp_path, EXAMPLES, "msgspec") == []
