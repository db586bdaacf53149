"""PRV011 duplicate-run: The same artifacts, byte for byte, under two run names."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ftlint.model import Action, Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.sources.io import Workspace, open_regular

#: the key artifacts of a run, as named in messages
FINAL, HARD, ROWS, SUMMARY, RESULT = (
    "final metrics",
    "hard cases",
    "eval rows",
    "W&B summary",
    "eval result",
)
#: the files that carry a run's numbers: a copy of one of them is a copied run (equal
#: eval rows alone are reported with them, never on their own)
METRIC_FILES = frozenset({FINAL, SUMMARY, RESULT})
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Artifact:
    run: str
    kind: str
    path: str


def artifacts(run: Run) -> list[_Artifact]:
    """The run's key artifacts (workspace-relative), once each."""
    found: list[tuple[str, str | None]] = [
        (FINAL, run.final_metrics_path),
        (RESULT, run.eval_result_path),
        (HARD, run.hard_cases_path),
        *((ROWS, getattr(rf, "path", None)) for rf in run.row_files),
        (SUMMARY, run.wandb_summary_path),
    ]
    seen: set[str] = set()
    out = []
    for kind, path in found:
        if isinstance(path, str) and path and path not in seen:
            seen.add(path)
            out.append(_Artifact(run.name, kind, path))
    return out


def _size(ws: Workspace, rel: str) -> int | None:
    path = ws.root / rel
    if not ws.inside(path):
        return None
    try:
        return path.stat().st_size
    except OSError:
        return None


def _digest(ws: Workspace, rel: str) -> str | None:
    """sha256 of a regular file inside the workspace, streamed; None when unreadable."""
    handle, problem = open_regular(ws, ws.root / rel, None, "artifact")
    if handle is None or problem is not None:
        return None
    digest = hashlib.sha256()
    with handle:
        try:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        except OSError:
            return None
    return digest.hexdigest()


def identical_groups(
    root: Path, runs: Iterable[Run], min_bytes: int, kinds: Iterable[str] | None = None
) -> Iterator[list[_Artifact]]:
    """Groups of artifacts of one kind (of `kinds`, default all), from different runs and
    paths, with equal bytes.

    Cheap first: only files of equal kind and size (at least `min_bytes`) are hashed."""
    ws = Workspace(root)
    wanted = frozenset(kinds) if kinds is not None else None
    by_size: dict[tuple[str, int], list[_Artifact]] = defaultdict(list)
    for run in runs:
        for art in artifacts(run):
            if wanted is not None and art.kind not in wanted:
                continue
            size = _size(ws, art.path)
            if size is not None and size >= min_bytes:
                by_size[(art.kind, size)].append(art)
    for group in by_size.values():
        if len({a.run for a in group}) < 2:
            continue
        by_digest: dict[str, list[_Artifact]] = defaultdict(list)
        for art in group:
            digest = _digest(ws, art.path)
            if digest is not None:
                by_digest[digest].append(art)
        for same in by_digest.values():
            if len({a.run for a in same}) >= 2 and len({a.path for a in same}) >= 2:
                yield same


def _pair_up(
    same: list[_Artifact],
    order: Mapping[str, int],
    pairs: dict[tuple[str, str], list[tuple[_Artifact, _Artifact]]],
) -> None:
    """Each later run's copy paired with the first (original) run's file."""
    same.sort(key=lambda a: (order[a.run], a.path))
    first = same[0]
    for other in same[1:]:
        if other.run != first.run:
            pairs[(first.run, other.run)].append((first, other))


class DuplicateRun(Rule):
    """What it detects: two run names whose metrics files are byte-identical. The final
    metrics file, the eval result or the W&B summary of one is the same file, byte for
    byte, as the other's (at another path); identical hard cases and eval rows files are
    listed with it (alone they are not reported: one model evaluated twice greedily
    writes the same rows). Files smaller than `min_bytes` (an empty summary) are not
    compared; only files of equal kind and size are hashed (sha256). The run reported
    is the later one (the baseline is never the copy); it names the run it duplicates.

    Why it matters: a copy says nothing about the run it is named after. A candidate
    whose artifacts are a copy of the baseline's "matches the baseline" by construction,
    so a promotion gate on the pair would pass on no evidence; two sweep points with
    identical files mean one of them was never measured (a copy step overwrote its
    outputs, or the eval read the wrong adapter).

    What the planner does: a tier-1 process action: find which run the files really
    belong to, re-run the eval of the other, and keep the copy out of comparisons; the
    gate of a pair linked by this finding is INCONCLUSIVE.
    """

    code = "PRV011"
    name = "duplicate-run"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_bytes": Param(64, "smallest file compared (bytes)", minimum=1),
    }

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        runs = sorted(
            campaign.runs,
            key=lambda r: (r.name != campaign.baseline, r.timestamp or "", r.name),
        )
        order = {r.name: i for i, r in enumerate(runs)}
        root, least = Path(campaign.root), ctx.params["min_bytes"]
        pairs: dict[tuple[str, str], list[tuple[_Artifact, _Artifact]]] = defaultdict(list)
        # metrics files first; the (larger) row files only of runs already paired
        for same in identical_groups(root, runs, least, METRIC_FILES):
            _pair_up(same, order, pairs)
        involved = {name for pair in pairs for name in pair}
        rows: dict[tuple[str, str], list[tuple[_Artifact, _Artifact]]] = defaultdict(list)
        row_kinds = (HARD, ROWS)
        for same in identical_groups(
            root, [r for r in runs if r.name in involved], least, row_kinds
        ):
            _pair_up(same, order, rows)
        by_name = {r.name: r for r in runs}
        for (original, copy), matches in sorted(pairs.items()):
            matches = matches + rows.get((original, copy), [])
            yield self._finding(by_name[copy], original, matches, ctx)

    @staticmethod
    def _finding(
        run: Run,
        original: str,
        matches: list[tuple[_Artifact, _Artifact]],
        ctx: RuleContext,
    ) -> Finding:
        kinds = list(dict.fromkeys(b.kind for _, b in matches))
        first_a, first_b = matches[0]
        shown = ", ".join(f"{b.path} = {a.path}" for a, b in matches[:3])
        more = f" (+{len(matches) - 3} more)" if len(matches) > 3 else ""
        evidence = [Evidence(first_b.path), Evidence(first_a.path)]
        measurements: Mapping[str, object] = {
            "copy_of": original,
            "artifacts": kinds,
            "files": [[b.path, a.path] for a, b in matches],
        }
        return ctx.finding(
            run,
            f"the {' and '.join(kinds)} of run {run.name} are byte-identical to run "
            f"{original}'s ({shown}{more}): the same artifacts under two run names",
            anchor=f"copy-of:{original}",
            evidence=evidence,
            measurements=measurements,
            actions=[
                Action(
                    tier=1,
                    kind="process",
                    text=f"find out whether the files of {run.name} belong to {original}; "
                    f"re-run the eval of {run.name} and keep the copy out of comparisons",
                    why="a copy of another run's artifacts is no evidence about this run",
                    expected="distinct artifacts for each run name",
                )
            ],
        )
