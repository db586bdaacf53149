"""Runs that load when linted, and the summary a run leaves behind afterwards.

A sweep of 10,000 runs must not be held whole: a loaded run is ~45 KB of Python
objects (series, curves, metrics, submissions, traces, the raw final metrics), most of
which only its per-run rules read. So an adapter may yield a `LazyRun`: the run's
identity, files and job records, plus a `loader` that reads the rest. The engine loads
each run right before its per-run rules (`full`), in whichever process lints it, and
keeps only `summary(run)` afterwards: what the pair and campaign rules, the gates, the
plan and the reports read of a run that is neither the baseline nor the candidate
(those two stay whole). The values are the same objects' values, so every output is
byte-identical; only the memory differs.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field, fields, replace
from operator import attrgetter
from typing import Any

from ftlint import frozen
from ftlint.model import Evidence, Metric, Point, Run, Submission

__all__ = ["LazyRun", "SharedKeysMap", "full", "is_lazy", "lazy", "shared_keys", "summary"]


_EMPTY: Mapping[str, Any] = {}


@frozen
class LazyRun(Run):
    """A run whose contents are read on demand: `loader()` returns the whole `Run`.

    Until then it holds what discovery knows (name, kind, timestamp, files, job
    records, W&B identity): enough to choose the pair, list the files read and find
    copied artifacts, and for per-run rules that look at other runs' job records."""

    loader: Callable[[], Run] | None = field(default=None, compare=False, repr=False)


def lazy(run: Run, loader: Callable[[], Run]) -> LazyRun:
    """`run` (what discovery knows) with the `loader` of the whole run. Its settings
    and env are left to the loaded run: nothing reads them before (per-run rules that
    look at other runs read their identity, provenance and job records)."""
    values = dict(zip(_RUN_FIELDS, _run_values(run), strict=True))
    values.update(env=_EMPTY, env_sources=_EMPTY, settings=_EMPTY, settings_evidence=_EMPTY)
    return LazyRun(**values, loader=loader)


#: `Run`'s field names, and a getter of all their values in one call: discovery makes a
#: `LazyRun` of every run (`fields(Run)` and a getattr each were ~4 of its 9 us)
_RUN_FIELDS = tuple(f.name for f in fields(Run))
_run_values = attrgetter(*_RUN_FIELDS)


def is_lazy(run: Run) -> bool:
    return isinstance(run, LazyRun) and run.loader is not None


def full(run: Run) -> Run:
    """The whole run: loaded now for a `LazyRun`, else `run` itself."""
    if isinstance(run, LazyRun) and run.loader is not None:
        return run.loader()
    return run


def summary(run: Run) -> Run:
    """What a run that is neither the baseline nor the candidate keeps after its per-run
    rules: everything but the per-point data (the series and W&B history keep their
    last point, without values, so "has a series" still holds; curves, metrics and train
    metrics are compact mappings of the same values), the Weave traces, the raw
    final-metrics and eval-result documents, the W&B tables, the settings and env (the
    plan and the pair rules read them of the pair only), and of each job record the raw
    record, command and env (and the output tails of a job that exited 0). SEC001 scans
    those documents in its per-run step; the pair and campaign steps read the rest.
    """
    keep_series = not run.curves  # curves_of() falls back on them: kept whole then
    last = run.series[-1:]
    return replace(
        run,
        env=_EMPTY,
        env_sources=_EMPTY,
        settings=_EMPTY,
        settings_evidence=_EMPTY,
        metrics=compact_metrics(run.metrics),
        train_metrics=compact_metrics(run.train_metrics),
        curves=compact_curves(run.curves),
        series=run.series if keep_series else tuple(replace(p, metrics=_EMPTY) for p in last),
        wandb_history=run.wandb_history if keep_series else run.wandb_history[-1:],
        traces=(),
        final_metrics=_EMPTY if run.final_metrics is not None else None,
        eval_result=_EMPTY if run.eval_result is not None else None,
        submissions=tuple(_slim_submission(s) for s in run.submissions),
        wandb_tables=(),
        weave_evals=(),
    )


def _slim_submission(sub: Submission) -> Submission:
    ok = sub.exit_code in (None, 0)  # OPS001 quotes the output of failed jobs only
    return replace(
        sub,
        raw=_EMPTY,
        command="",
        env=_EMPTY,
        stdout_tail="" if ok else sub.stdout_tail,
        stderr_tail="" if ok else sub.stderr_tail,
    )


#: key tuples shared by every run with the same metric names (10,000 runs: one each)
_INTERNED: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _intern(items: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(_INTERNED) > 4096:
        _INTERNED.clear()  # bounded: a pathological campaign only loses the sharing
    return _INTERNED.setdefault(items, items)


class _Keyed(Mapping[str, Any]):
    """What the packed mappings below share: a key tuple, shared by every mapping with
    the same keys, and the position of each key in it (`_index_of`)."""

    __slots__ = ("_keys",)
    _keys: tuple[str, ...]

    def __contains__(self, key: object) -> bool:
        return key in _index_of(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


class CompactMetrics(_Keyed):
    """Final metrics of one file, as arrays: the same `Metric`s, rebuilt on access.

    ~0.3 KB per run instead of ~7.5 KB (a `Metric`, an `Evidence` and a float per key);
    the key, pointer and source-key tuples are shared by runs with the same keys."""

    __slots__ = ("_path", "_pointers", "_sources", "_values")

    def __init__(self, path: str, keys: tuple[str, ...], pointers: tuple[Any, ...],
                 sources: tuple[Any, ...], values: array) -> None:  # fmt: skip
        self._path, self._keys, self._pointers = path, keys, pointers
        self._sources, self._values = sources, values

    def __getitem__(self, key: str) -> Metric:
        i = _index_of(self._keys)[key]
        ev = Evidence(self._path, None, self._pointers[i])
        return Metric(self._values[i], ev, self._sources[i])


#: position of each key, one dict per distinct (interned) key tuple, shared by runs
_INDEXES: dict[tuple[str, ...], dict[str, int]] = {}


def _index_of(keys: tuple[str, ...]) -> dict[str, int]:
    found = _INDEXES.get(keys)
    if found is None:
        if len(_INDEXES) > 4096:
            _INDEXES.clear()
        found = _INDEXES[keys] = {k: i for i, k in enumerate(keys)}
    return found


def compact_metrics(metrics: Mapping[str, Metric]) -> Mapping[str, Metric]:
    """`metrics` as a `CompactMetrics` when every value is a float read from one file
    with a plain pointer (the usual case); anything else is kept as it is."""
    if not metrics or isinstance(metrics, CompactMetrics) or len(metrics) < 4:
        return metrics
    path = None
    for m in metrics.values():
        ev = m.evidence
        if (
            type(m.value) is not float
            or ev.line is not None
            or ev.sample_id is not None
            or ev.url is not None
        ):
            return metrics
        if path is None:
            path = ev.path
        elif ev.path != path:
            return metrics
    keys = tuple(metrics)
    pointers = _intern(tuple(m.evidence.pointer for m in metrics.values()))
    sources = _intern(tuple(m.source_key for m in metrics.values()))
    values = array("d", (m.value for m in metrics.values()))
    return CompactMetrics(str(path), _intern(keys), pointers, sources, values)


class CompactCurves(_Keyed):
    """A run's canonical curves packed in three arrays (steps, values, lines of one
    file; curve `i` is `bounds[i]:bounds[i + 1]`), rebuilt as the same tuples of `Point`
    on access: ~25 bytes a point instead of ~200. Names and bounds are shared tuples."""

    __slots__ = ("_bounds", "_lines", "_path", "_steps", "_values")

    def __init__(self, path: str, names: tuple[str, ...], bounds: tuple[int, ...],
                 steps: array, values: array, lines: array) -> None:  # fmt: skip
        self._path, self._keys, self._bounds = path, names, bounds
        self._steps, self._values, self._lines = steps, values, lines

    def __getitem__(self, key: str) -> tuple[Point, ...]:
        i = _index_of(self._keys)[key]
        lo, hi = self._bounds[i], self._bounds[i + 1]
        path = self._path
        return tuple(
            Point(s, v, Evidence(path, line if line >= 0 else None))
            for s, v, line in zip(
                self._steps[lo:hi], self._values[lo:hi], self._lines[lo:hi], strict=True
            )
        )


def compact_curves(
    curves: Mapping[str, tuple[Point, ...]],
) -> Mapping[str, tuple[Point, ...]]:
    """`curves` as `CompactCurves` when every point has an int step, a float value and
    a path:line (or path) evidence of one file; anything else is kept as it is."""
    if not curves or isinstance(curves, CompactCurves):
        return curves
    path: str | None = None
    lines_of: dict[int, int] = {}  # the points of one series line share its Evidence
    steps: list[Any] = []
    values: list[Any] = []
    lines: list[int] = []
    bounds = [0]
    for points in curves.values():
        for p in points:
            ev = p.evidence
            line = lines_of.get(id(ev))
            if line is None:
                if (
                    ev.pointer is not None
                    or ev.sample_id is not None
                    or ev.url is not None
                    or (path is not None and ev.path != path)
                ):
                    return curves
                if ev.line is None:
                    line = -1
                elif type(ev.line) is int and ev.line >= 0:
                    line = ev.line
                else:
                    return curves
                path = ev.path
                lines_of[id(ev)] = line
            lines.append(line)
            steps.append(p.step)
            values.append(p.value)
        bounds.append(len(steps))
    if path is None:
        return curves
    if any(type(x) is not int for x in steps) or any(type(x) is not float for x in values):
        return curves
    try:
        packed = (array("q", steps), array("d", values), array("q", lines))
    except OverflowError:  # a step or line beyond 64 bits: kept as it is
        return curves
    names = _intern(tuple(curves))
    return CompactCurves(path, names, _intern(tuple(bounds)), *packed)


class SharedKeysMap(_Keyed):
    """A small read-only mapping as a key tuple shared by every mapping with the same
    keys and a tuple of values: ~0.3 KB for 30 items instead of a dict's ~1.2 KB. For
    what discovery holds per run until it is linted (a job record and its `--env`
    pairs: a sweep's records have the same keys run after run)."""

    __slots__ = ("_values",)

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...]) -> None:
        self._keys, self._values = keys, values

    def __getitem__(self, key: str) -> Any:
        return self._values[_index_of(self._keys)[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = _index_of(self._keys).get(key)
        return default if i is None else self._values[i]

    def __repr__(self) -> str:  # as the dict it stands for (env values are printed)
        return repr(dict(zip(self._keys, self._values, strict=True)))


def shared_keys(items: dict[str, Any]) -> Mapping[str, Any]:
    """`items` as a `SharedKeysMap` (same keys, values and order); a small or odd dict
    (fewer than 4 items, a key that is not a string) is kept as it is."""
    if len(items) < 4 or any(type(k) is not str for k in items):
        return items
    return SharedKeysMap(_intern(tuple(items)), tuple(items.values()))
