"""Every source adapter over one workspace -> a `Campaign`.

The adapters (built-ins and plugins alike, through `ftlint_sources`) find their files
and read their runs; `ftlint.assemble.discover` turns what they yield into `Run`s with
one identity each and lists the artifact-looking files no adapter read. Nothing here
knows a stack's file names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from ftlint.assemble.digests import identical_artifacts
from ftlint.assemble.lazy import full, is_lazy
from ftlint.config.settings import Config
from ftlint.errors import FtlintError
from ftlint.model import Campaign, Evidence, Problem, Run


def load_campaign(
    root: Path,
    config: Config,
    *,
    sources: Sequence[Any] | None = None,
    extra_loaders: Sequence[Callable[[Path, Config], Sequence[Run]]] = (),
    deferred: bool = False,
    jobs: int | None = 1,
) -> Campaign:
    """Load the workspace at `root` with `sources` (default: the built-in adapters).
    Raises FtlintError only if `root` itself is unusable. `extra_loaders`: deprecated
    `ftlint_load_runs` plugins, read like an adapter that yields finished runs.

    `deferred`: runs an adapter yields as `LazyRun`s (`ftlint.assemble.lazy`) stay so,
    to be read one at a time when linted (the CLI: a sweep is never held whole);
    otherwise every run is read now and the campaign holds whole runs.

    `jobs`: the processes discovery may use (`--jobs`; None: auto): an adapter may then
    do part of its reading in a child meanwhile (`ftlint.assemble.background`); 1: none.

    The cyclic garbage collector is paused while loading: everything built here lives
    as long as the campaign (reference counting frees the rest), and every full
    collection re-walked all runs loaded so far (10,000 runs: 7.5 of 25 s of loading).
    """
    import gc

    from ftlint.assemble.background import allowed

    if sources is None:
        from ftlint.sources.adapters import ftlint_sources

        sources = ftlint_sources()
    adapters = [*sources, *(LoaderSource(i, f) for i, f in enumerate(extra_loaders))]
    paused = gc.isenabled()
    gc.disable()
    try:
        with allowed(jobs):
            campaign = _load(root, config, adapters)
        if deferred or not any(is_lazy(run) for run in campaign.runs):
            return campaign
        return replace(campaign, runs=tuple(full(run) for run in campaign.runs))
    finally:
        if paused:
            gc.enable()


class LoaderSource:
    """A deprecated `ftlint_load_runs` implementation, read as an adapter of its own."""

    name: ClassVar[str] = "load_runs"

    def __init__(self, index: int, load: Callable[[Path, Config], Sequence[Run]]) -> None:
        self.name = f"load_runs#{index}"  # type: ignore[misc]  # one per plugin loader
        self.load = load

    def discover(self, ws: Any, config: Config) -> Iterator[Run]:
        yield from self.load(ws.root, config) or ()

    def iter_rows(self, ws: Any, rows: Any, config: Config) -> Iterator[Any]:
        return iter(())


def _load(root: Path, config: Config, sources: Sequence[Any]) -> Campaign:
    from ftlint.assemble.discover import begin_discovery, read_sources
    from ftlint.sources.io import Workspace

    if not root.exists():
        raise FtlintError("workspace not found", root)
    if not root.is_dir():
        raise FtlintError("workspace must be a directory", root)
    ws = Workspace(root.resolve())
    with ws.scan():  # one shared listing for every adapter's globs (sources/listing.py)
        begun = begin_discovery(ws, config, sources)  # children under --jobs
        try:
            read = read_sources(ws, config, sources)
            runs = read.runs
            known: dict[str, Any] = {}  # digests of files hashed ahead by such children
            for handle in begun:
                known.update(getattr(handle, "known_digests", dict)())
            copies = identical_artifacts(ws, runs, known)
        finally:
            for handle in begun:
                handle.close()
    problems, unread = read.problems, read.unread
    problems += _unique(ws.skipped)  # folders not listable, symlink loops, links out
    for item in unread:  # named by PRV004, never a silent skip
        problems.append(
            Problem(
                "unread",
                f"looks like an eval artifact but was not read: {item.reason}",
                Evidence(item.path),
            )
        )
    if not runs and not problems and not read.unjoined:
        looked = ", ".join(g for kind in sorted(config.inputs) for g in config.inputs[kind])
        problems.append(
            Problem(
                "missing",
                f"no eval artifacts found in this workspace (looked for {looked}); "
                "check the path or the `inputs:` globs",
                Evidence("."),
            )
        )
    return Campaign(
        root=str(ws.root),
        runs=tuple(runs),
        problems=tuple(problems),
        unjoined=tuple(read.unjoined),
        unread=tuple(unread),
        copies=copies,
    )


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    """Each skipped folder once, though several adapters globbed past it."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.evidence.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
