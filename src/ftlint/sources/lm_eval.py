"""lm-evaluation-harness outputs (ARTIFACTS.md section 6): `results_<ts>.json` and the
`samples_<task>_<ts>.jsonl` files written next to it.

Key scheme (what the vocabulary sees). lm-eval writes `"<metric>,<filter>"` per task.
When the file has one root task (one task, or one group whose subtasks are all the
others), its metrics keep that key as written (`acc,none`, `exact_match,strict-match`),
so the vocabulary resolves them (`acc` -> accuracy). Every other task's keys get the
task as a prefix: `<task>/<metric>,<filter>`; with several unrelated tasks there is no
single "accuracy" of the run, so those stay under their own names. The filter always
stays in the key: `exact_match,strict-match` and `exact_match,flexible-extract` are the
strict and lenient twins a rule compares. `_stderr` values are their own keys; lm-eval
writes `"N/A"` for them on tiny sets, which stays a string (metadata).

One samples file holds one row per document and filter. When a task reports several
filters, each filter is its own `RowFile` (`part="<task>,<filter>"`) so row ids stay
unique within a part; with one filter the part is the task name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import EvalRow, Evidence, Problem
from ..model import pointer as make_pointer
from ._lm_eval_rows import sample_row
from ._tabular import not_regular
from .adapters import default_patterns
from .base import RowFile, RunRecord, Value
from .io import Workspace, iter_jsonl, read_json

if TYPE_CHECKING:
    from ..config import Config

SOURCE_NAME = "lm_eval"
DEFAULT_PATTERNS: tuple[str, ...] = default_patterns(SOURCE_NAME)
_STAMPED = re.compile(r"^results_(?P<ts>.+)\.json$")
_SAMPLES = re.compile(r"^samples_(?P<rest>.+)\.jsonl$")
_TS_TAIL = re.compile(r"_(\d{4}-\d{2}-\d{2}T[0-9.:\-]+)$")
#: lm-eval's own results-file keys: any one of them marks a `results.json` as lm-eval's
_MARKERS = ("n-samples", "configs", "versions", "n-shot", "higher_is_better", "lm_eval_version")
GEN_SETTINGS = ("do_sample", "temperature", "max_gen_toks", "until", "top_p", "top_k")


class LmEvalSource:
    """Reads lm-evaluation-harness results and samples, one run per results file."""

    name: ClassVar[str] = SOURCE_NAME

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        inputs = getattr(config, "inputs", {}) or {}
        paths = ws.glob(tuple(inputs.get(SOURCE_NAME, DEFAULT_PATTERNS)))
        samples = [p for p in paths if _SAMPLES.match(p.name)]
        used: set[str] = set()
        for path in paths:
            if path.name.startswith("results") and path.suffix == ".json":
                siblings = [s for s in samples if s.parent == path.parent]
                record = read_results(ws, path, siblings, used)
                if record is not None:
                    yield record
        yield from _orphans(ws, [s for s in samples if ws.rel(s) not in used])

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        path = ws.root / rows.path
        bad = not_regular(ws, path, "a JSONL file")
        if bad is not None:
            yield bad
            return
        _, _, flt = rows.part.partition(",")
        max_line = int(getattr(config, "max_line_bytes", 16 << 20))
        for item in iter_jsonl(ws, path, max_line_bytes=max_line):
            if item.problem is not None:
                yield item.problem
                continue
            ev = Evidence(rows.path, item.line)
            if not isinstance(item.value, Mapping):
                yield Problem("invalid", "sample is not a JSON object; skipped", ev)
                continue
            if flt and "filter" in item.value and item.value["filter"] != flt:
                continue
            yield sample_row(item.value, ev)


def _is_lm_eval(data: Any, stamped: bool) -> bool:
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), Mapping):
        return False
    return stamped or any(k in data for k in _MARKERS)


def read_results(
    ws: Workspace, path: Path, samples: list[Path], used: set[str]
) -> RunRecord | None:
    """One run from one results file; None when a `results.json` is not lm-eval's."""
    rel = ws.rel(path)
    run_id = rel[: -len(".json")]
    stamp_match = _STAMPED.match(path.name)
    stamp = stamp_match.group("ts") if stamp_match else None
    bad = not_regular(ws, path, "a JSON file", run_id)
    data, problems = (None, [bad]) if bad is not None else read_json(ws, path, run_id)
    mine = [s for s in samples if _samples_task(s.name, stamp) is not None]
    if not _is_lm_eval(data, stamp is not None):
        if stamp is None and not mine:
            return None  # some other tool's results.json (the lead lists it as not read)
        if not problems:
            problems = [
                Problem(
                    "invalid",
                    "no `results` object; not an lm-eval results file",
                    Evidence(rel),
                    run_id,
                )
            ]
        return RunRecord(
            SOURCE_NAME,
            run_id,
            kind="eval",
            files=(rel,),
            problems=tuple(problems),
            stack="lm_eval",
        )
    assert isinstance(data, Mapping)
    reader = _Results(rel, run_id, data)
    reader.read()
    for s in mine:
        task = _samples_task(s.name, stamp) or ""
        srel = ws.rel(s)
        used.add(srel)
        reader.files.append(srel)
        filters = reader.filters.get(task, [])
        parts = [f"{task},{f}" for f in filters] if len(filters) > 1 else [task]
        reader.rows.extend(RowFile(srel, SOURCE_NAME, True, part) for part in parts)
        if task not in reader.tasks:
            reader.problems.append(
                Problem(
                    "inconsistent",
                    f"samples for task {task[:80]!r}, which the results file does not list",
                    Evidence(srel),
                    run_id,
                )
            )
    return reader.record(problems)


def _samples_task(name: str, stamp: str | None) -> str | None:
    m = _SAMPLES.match(name)
    if m is None:
        return None
    rest = m.group("rest")
    if stamp is not None:
        suffix = "_" + stamp
        return rest[: -len(suffix)] if rest.endswith(suffix) and len(rest) > len(suffix) else None
    return None if _TS_TAIL.search(rest) else rest


class _Results:
    """Collects the values of one parsed results file, each with its JSON pointer."""

    def __init__(self, rel: str, run_id: str, data: Mapping[str, Any]) -> None:
        self.rel, self.run_id, self.data = rel, run_id, data
        self.values: list[Value] = []
        self.settings: list[Value] = []
        self.provenance: list[Value] = []
        self.rows: list[RowFile] = []
        self.files: list[str] = [rel]
        self.problems: list[Problem] = []
        self.filters: dict[str, list[str]] = {}
        self.joins: dict[str, str] = {}
        results = data["results"]
        self.tasks = [t for t in results if isinstance(t, str)]
        self.root = _root_task(self.tasks, data.get("group_subtasks"))
        self.name: str | None = None

    def ev(self, *tokens: str | int) -> Evidence:
        return Evidence(self.rel, pointer=make_pointer(*tokens))

    def prefix(self, task: str) -> str:
        return "" if task == self.root else f"{task}/"

    def read(self) -> None:
        data = self.data
        for task in self.tasks:
            self._task(task)
        for key in ("lm_eval_version", "git_hash", "date", "model_name"):
            if isinstance(data.get(key), (str, int, float)) and not isinstance(data[key], bool):
                self.values.append(Value(key, data[key], self.ev(key)))
        self._model(data.get("config"))

    def _task(self, task: str) -> None:
        data, pre = self.data, self.prefix(task)
        entry = data["results"][task]
        if not isinstance(entry, Mapping):
            self.problems.append(
                Problem(
                    "invalid",
                    f"results.{task[:80]} is not an object",
                    self.ev("results", task),
                    self.run_id,
                )
            )
            return
        filters: list[str] = []
        for key, value in entry.items():
            if not isinstance(key, str) or key == "alias":
                continue
            metric, comma, flt = key.partition(",")
            if comma and not metric.endswith("_stderr") and flt not in filters:
                filters.append(flt)
            self.values.append(Value(pre + key, value, self.ev("results", task, key)))
        self.filters[task] = filters
        for section in ("higher_is_better", "n-shot", "versions"):
            block = data.get(section)
            if isinstance(block, Mapping) and task in block:
                self.values.append(Value(pre + section, block[task], self.ev(section, task)))
        n = data.get("n-samples")
        counts = n.get(task) if isinstance(n, Mapping) else None
        if isinstance(counts, Mapping):
            if "effective" in counts:
                ev = self.ev("n-samples", task, "effective")
                self.provenance.append(Value(pre + "eval_size", counts["effective"], ev))
            if "original" in counts:
                ev = self.ev("n-samples", task, "original")
                self.values.append(Value(pre + "n-samples_original", counts["original"], ev))
        configs = data.get("configs")
        cfg = configs.get(task) if isinstance(configs, Mapping) else None
        if isinstance(cfg, Mapping):
            gen = cfg.get("generation_kwargs")
            if isinstance(gen, Mapping):
                where = ("configs", task, "generation_kwargs")
                for key in GEN_SETTINGS:
                    if key in gen:
                        self.settings.append(Value(pre + key, gen[key], self.ev(*where, key)))
                self.provenance.append(Value(pre + "decoding", dict(gen), self.ev(*where)))
            if "num_fewshot" in cfg:
                ev = self.ev("configs", task, "num_fewshot")
                self.settings.append(Value(pre + "num_fewshot", cfg["num_fewshot"], ev))
            if isinstance(cfg.get("dataset_path"), str):
                ev = self.ev("configs", task, "dataset_path")
                self.provenance.append(Value(pre + "eval_path", cfg["dataset_path"], ev))

    def _model(self, config: Any) -> None:
        if not isinstance(config, Mapping):
            return
        for key in ("model", "batch_size", "limit"):
            if isinstance(config.get(key), (str, int, float)):
                self.settings.append(Value(key, config[key], self.ev("config", key)))
        args = parse_model_args(config.get("model_args"))
        ev = self.ev("config", "model_args")
        base = args.get("pretrained") or args.get("model")
        adapter = args.get("peft") or args.get("lora_local_path") or args.get("adapter")
        if base:
            self.provenance.append(Value("base_model", base, ev))
        if adapter:
            self.provenance.append(Value("adapter", adapter, ev))
            self.joins["adapter_id"] = adapter
        name = self.data.get("model_name")
        self.name = name if isinstance(name, str) and name else base

    def record(self, problems: list[Problem]) -> RunRecord:
        return RunRecord(
            adapter=SOURCE_NAME,
            id=self.run_id,
            name=self.name or self.run_id,
            kind="eval",
            context="eval",
            status="finished",
            status_evidence=Evidence(self.rel),
            joins=self.joins,
            values=tuple(self.values),
            settings=tuple(self.settings),
            provenance=tuple(self.provenance),
            rows=tuple(self.rows),
            files=tuple(self.files),
            problems=(*problems, *self.problems),
            stack="lm_eval",
        )


def _root_task(tasks: list[str], groups: Any) -> str | None:
    """The one task whose metrics are the run's own: the only task, or the only group
    whose subtasks (transitively) are all the other tasks."""
    if len(tasks) == 1:
        return tasks[0]
    if not isinstance(groups, Mapping):
        return None
    children = {
        str(c)
        for subs in groups.values()
        if isinstance(subs, list)
        for c in subs
        if isinstance(c, str)
    }
    roots = [t for t in tasks if t not in children]
    return roots[0] if len(roots) == 1 and roots[0] in groups else None


def parse_model_args(raw: Any) -> dict[str, str]:
    """`pretrained=org/m,peft=path,dtype=bfloat16` (or lm-eval's dict form) -> dict."""
    out: dict[str, str] = {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float))}
    if not isinstance(raw, str):
        return out
    for part in raw.split(","):
        key, eq, value = part.partition("=")
        if eq and key.strip():
            out[key.strip()] = value.strip()
    return out


def _orphans(ws: Workspace, samples: list[Path]) -> Iterator[RunRecord]:
    """Samples files with no results file: the eval did not finish writing (lm-eval
    writes the results first), or the results file was not kept."""
    by_run: dict[str, list[Path]] = {}
    for s in samples:
        m = _SAMPLES.match(s.name)
        rest = m.group("rest") if m else s.stem
        tail = _TS_TAIL.search(rest)
        stem = f"results_{tail.group(1)}" if tail else "results"
        by_run.setdefault(ws.rel(s.parent / stem), []).append(s)
    for run_id, files in sorted(by_run.items()):
        rels = tuple(ws.rel(f) for f in files)
        rows = []
        for f in files:
            m = _SAMPLES.match(f.name)
            rest = m.group("rest") if m else f.stem
            tail = _TS_TAIL.search(rest)
            rows.append(
                RowFile(ws.rel(f), SOURCE_NAME, True, rest[: tail.start()] if tail else rest)
            )
        problem = Problem(
            "missing",
            f"no {Path(run_id).name}.json next to these samples; the eval may not have finished",
            Evidence(rels[0]),
            run_id,
        )
        yield RunRecord(
            SOURCE_NAME,
            run_id,
            kind="eval",
            context="eval",
            rows=tuple(rows),
            files=rels,
            problems=(problem,),
            stack="lm_eval",
        )


SOURCE = LmEvalSource()
