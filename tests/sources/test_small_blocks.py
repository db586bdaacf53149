"""The block reader of a small file (#19: `hardsmall.small_cases`, one `json.loads` of a
block of lines joined as an array, a colon count for duplicated keys) answers exactly
as the line reader (`stream_hard_cases`): the same rows (every field, `raw` with its
keys in file order), the same problems with their messages and lines, in order, over
the whole file and over spans, on hostile text: cut lines, a row split over two lines
next to two rows on one line (the join's one weak spot), duplicated keys at any depth
(and an escaped colon that would make up for one in a count), NaN and Infinity, huge
integers, lone surrogates, a BOM, CRLF, blank lines, deep nesting, non-object rows,
wrong types, NUL and invalid UTF-8 bytes, over-long lines."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_blocks_are_rows, flat_blocks, sample_traces
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ftlint.sources import hardcases, hardsmall
from ftlint.sources.io import Workspace

KEYS = ["energy", "warmth", "brightness", "acousticness", "complexity", "nostalgia"]
TEXTS = ["", "a:b", "x", 'say "hi"', "{\"energy\": 5, \"warmth\":", "é日本\u2028", "\U0001f3b5:",
         "line\nbreak", "invalid_vector:vector_payload_not_found", "},{", "\\", ",\n{"]  # fmt: skip


def plain_row(rng: random.Random, rank: int) -> dict[str, Any]:
    """A row of the shape the HF Jobs writer writes (float vectors, as it writes them)."""
    target = {k: float(rng.randint(0, 100)) for k in KEYS}
    predicted = {k: float(rng.randint(0, 100)) for k in KEYS}
    row = {
        "rank": rank,
        "sample_index": rng.choice([rank, str(rank), None, "a:b"]),
        "request_text": rng.choice(TEXTS),
        "source_type": rng.choice(["request_text", None]),
        "weather": rng.choice(["snowy", None, "a:b"]),
        "target_vector": target,
        "predicted_vector": predicted,
        "abs_error_raw": {k: abs(target[k] - predicted[k]) for k in KEYS},
        "mae_raw": rng.choice([rng.random() * 50, None]),
        "parse_error": rng.choice([None, "json_block_not_found", "invalid_vector:x"]),
        "generated_text": rng.choice(TEXTS),
    }
    if rng.random() < 0.2:
        del row["weather"]
    return row


def _swap(line: str, old: str, new: str) -> str:
    return line.replace(old, new, 1)


#: How a line goes bad (each takes the line and a random source, returns the new text)
MUTATIONS = {
    "cut": lambda line, rng: line[: rng.randint(0, len(line))],
    "dup-top": lambda line, rng: _swap(line, '"rank"', '"rank": 1, "rank"'),
    "dup-vector": lambda line, rng: _swap(line, '"warmth"', '"energy": 3.0, "warmth"'),
    "dup-same": lambda line, rng: _swap(line, '"energy": ', '"energy": 1.0, "energy": '),
    # a duplicate hides one colon; an escaped colon in a string adds one back to a count
    "dup-escaped": lambda line, rng: _swap(
        _swap(line, '"rank"', '"rank": 1, "rank"'),
        '"generated_text": "',
        '"generated_text": "\\u003a',
    ),
    "escaped-colon": lambda line, rng: _swap(
        line, '"generated_text": "', '"generated_text": "\\u003A'
    ),
    "escaped-key": lambda line, rng: _swap(line, '"rank"', '"r\\u0061nk"'),
    "nan": lambda line, rng: _swap(line, '"energy": ', '"energy": NaN, "x": '),
    "inf-mae": lambda line, rng: _swap(line, '"mae_raw": ', '"mae_raw": -Infinity, "y": '),
    "overflow": lambda line, rng: _swap(line, '"warmth": ', '"warmth": 1e400, "z": '),
    "huge-int": lambda line, rng: _swap(line, '"warmth": ', '"warmth": 1' + "0" * 400 + ', "z": '),
    "giant-int": lambda line, rng: _swap(
        line, '"warmth": ', '"warmth": 1' + "0" * 4400 + ', "z": '
    ),
    "int64": lambda line, rng: _swap(line, '"rank": ', '"rank": 9223372036854775808, "q": '),
    "surrogate": lambda line, rng: _swap(line, '"generated_text": "', '"generated_text": "\\ud800'),
    "raw-surrogate": lambda line, rng: _swap(
        line, '"generated_text": "', '"generated_text": "\ud800'
    ),
    "bom": lambda line, rng: "\ufeff" + line,
    "lead-space": lambda line, rng: " " + line,
    "trail-space": lambda line, rng: line + " \t",
    "cr": lambda line, rng: line + "\r",
    "blank": lambda line, rng: rng.choice(["", " ", "\t", "\r"]),
    "deep": lambda line, rng: _swap(
        line, '"weather": ', '"deep": ' + "[" * 450 + "]" * 450 + ', "weather": '
    ),
    "deep-line": lambda line, rng: "[" * 1200 + "]" * 1200,
    "deep-object": lambda line, rng: line[:-1] + ', "d": ' + '{"a": ' * 405 + "1" + "}" * 405 + "}",
    "list-value": lambda line, rng: _swap(line, '"weather": ', '"weather": [1, {"a": 2}], "w": '),
    "not-object": lambda line, rng: rng.choice(
        ["[1]", "7", '"x"', "null", "[]", "{}", '{"rank": 1}']
    ),
    "rank-type": lambda line, rng: _swap(
        line, '"rank": ', '"rank": ' + rng.choice(['"1"', "0", "5.0", "true", "-1"]) + ', "r2": '
    ),
    "sample-float": lambda line, rng: _swap(line, '"sample_index": ', '"sample_index": 4.0, "s": '),
    "mae-int": lambda line, rng: _swap(line, '"mae_raw": ', '"mae_raw": 12, "m": '),
    "weather-object": lambda line, rng: _swap(
        line, '"request_text": ', '"weather": {"sky": "a:b"}, "request_text": '
    ),
    "extra-key": lambda line, rng: line[:-1] + ', "contract": "choice", "label": "A"}',
    "vector-null": lambda line, rng: _swap(line, '"energy": ', '"energy": null, "e": '),
    "vector-key-colon": lambda line, rng: _swap(line, '"warmth"', '"wa:rmth"'),
    "nul": lambda line, rng: _swap(line, '"rank"', '"ra\x00nk"'),
    "nul-start": lambda line, rng: "{\x00" + line[1:],
    "trailing-garbage": lambda line, rng: line + rng.choice([" x", ",", "}", "]"]),
}


def _file(seed: int, rows: int, bad: float, crlf: bool) -> bytes:
    """Plain rows, some gone bad, some split over two lines or two put on one."""
    rng = random.Random(seed)
    lines: list[str] = []
    for rank in range(1, rows + 1):
        line = json.dumps(plain_row(rng, rank), ensure_ascii=rng.random() < 0.5)
        roll = rng.random()
        if roll < bad:
            line = MUTATIONS[rng.choice(sorted(MUTATIONS))](line, rng)
        elif roll < bad * 1.3:  # split after a member: the next line does not open an object
            at = rng.choice([i for i in range(len(line)) if line.startswith(', "', i)])
            lines.append(line[:at])
            line = line[at + 2 :]
        elif roll < bad * 1.6 and lines:  # two rows on one line
            line = lines.pop() + rng.choice([", ", ",", " "]) + line
        lines.append(line)
    end = "\r\n" if crlf else "\n"
    text = "".join(line + end for line in lines)
    if rng.random() < 0.2:
        text = text[: -len(end)]  # no newline after the last line
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = data.replace(b"snowy", b"sn\xffwy", 1)  # invalid UTF-8
    return data


@settings(max_examples=500, deadline=None)
@given(
    seed=st.integers(0, 1 << 30),
    rows=st.integers(0, 40),
    bad=st.sampled_from([0.0, 0.05, 0.2, 0.6]),
    crlf=st.booleans(),
    block=st.sampled_from([1, 300, 2048, 1 << 15]),
    gather=st.sampled_from([1, 7, hardcases.GATHER_ROWS]),
    backoff=st.sampled_from([0, 0, hardcases.SMALL_BACKOFF]),  # (0: every block tries)
    limit=st.sampled_from([700, 1 << 20]),
    cut=st.integers(0, 45),
    traced=st.booleans(),
)
@example(seed=1, rows=30, bad=0.0, crlf=False, block=1 << 15, gather=64, backoff=0,
         limit=1 << 20, cut=3, traced=False)  # fmt: skip
def test_small_blocks_are_the_line_reader(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    rows: int,
    bad: float,
    crlf: bool,
    block: int,
    gather: int,
    backoff: int,
    limit: int,
    cut: int,
    traced: bool,
) -> None:
    data = _file(seed, rows, bad, crlf)
    _check(tmp_path_factory, data, block, gather, limit, cut, traced, backoff)


def _check(
    tmp_path_factory: pytest.TempPathFactory,
    data: bytes,
    block: int,
    gather: int,
    limit: int,
    cut: int,
    traced: bool,
    backoff: int = 0,
) -> None:
    path = tmp_path_factory.mktemp("small") / "hard_cases.valid.jsonl"
    path.write_bytes(data)
    assert len(data) < hardcases.FAST_MIN_BYTES  # (the small path)
    traces: dict[int, Any] = sample_traces() if traced else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hardcases, "SMALL_BLOCK_BYTES", block)
        patch.setattr(hardcases, "GATHER_ROWS", gather)
        patch.setattr(hardcases, "SMALL_BACKOFF", backoff)
        assert_blocks_are_rows(Workspace(path.parent), path, data, limit, traces, cut)


def _weak_spot(spot: str) -> list[str]:
    """Lines that only one check of `small_cases` refuses (all others pass them)."""
    rng = random.Random(3)
    a, b, c = (json.dumps(plain_row(rng, rank)) for rank in (4, 5, 6))
    if spot == "line starts":  # a row split after a member, and two rows on one line:
        head, tail = a.split(', "request_text"')  # as many values as lines
        return [head, '"request_text"' + tail, b + ", " + c]
    if spot == "arrays":  # a row that ends in an open array the next line closes
        return [a[:-1] + ', "w": [1', "{}]}", b + ", " + c]
    if spot == "one value a line":
        return [b + ", " + c]
    row = plain_row(rng, 7) | {"generated_text": ":"}
    text = json.dumps(row).replace('"rank": 7', '"rank": 7, "rank": 8')
    if spot == "escapes":  # a duplicated key hides a colon, an escaped one adds one back
        text = text.replace('"generated_text": ":"', '"generated_text": "\\u003a"')
    return [text]


@pytest.mark.parametrize("spot", ["line starts", "arrays", "one value a line", "colons", "escapes"])
def test_each_check_is_needed(tmp_path_factory: pytest.TempPathFactory, spot: str) -> None:
    """Blocks only one check of `small_cases` refuses (a mutation that drops the check
    fails here), read whole and in every span."""
    rng = random.Random(9)
    plain = [json.dumps(plain_row(rng, rank)) for rank in range(1, 4)]
    lines = plain + _weak_spot(spot) + plain
    data = "".join(line + "\n" for line in lines).encode()
    for cut in range(len(lines) + 1):
        _check(tmp_path_factory, data, 1 << 15, 160, 1 << 20, cut, False)


def test_plain_rows_take_the_small_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of plain rows is read by `small_cases` block after block, never on the
    exact path, and the blocks hold up to BLOCK_ROWS rows (gathered)."""
    rng = random.Random(5)
    rows = [plain_row(rng, rank) for rank in range(1, 301)]
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("".join(json.dumps(row) + "\r\n" * (rank % 2) + "\n" * (1 - rank % 2)
                            for rank, row in enumerate(rows)), encoding="utf-8")  # fmt: skip
    answered = []
    real = hardsmall.small_cases

    def spy(*args: Any) -> Any:
        got = real(*args)
        answered.append(got[0] is not None)
        return got

    monkeypatch.setattr(hardsmall, "small_cases", spy)
    monkeypatch.setattr(hardcases, "SMALL_BLOCK_BYTES", 4096)
    monkeypatch.setattr(hardcases, "stream_hard_cases", None)  # (a call would raise)
    ws = Workspace(tmp_path)
    blocks = list(hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20))
    assert len(answered) > 20 and all(answered)
    sizes = [len(block) for block in blocks]
    assert max(sizes) <= hardcases.BLOCK_ROWS and min(sizes[:-1]) >= hardcases.GATHER_ROWS
    assert sum(map(len, blocks)) == 300
    monkeypatch.undo()
    got = flat_blocks(iter(blocks))
    want = hardcases.stream_hard_cases(ws, path, "r", max_line_bytes=1 << 20)
    assert got == [repr(item) for item in want]
