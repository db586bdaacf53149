"""A run being assembled: what `campaign` and the W&B/Weave joins fill in, before `Run`.

Its own module so the joins (`ftlint.sources.hfjobs.wandb_join`) and the campaign loader
that calls them share the type without importing each other.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftlint import mutable
from ftlint.model import Problem, Submission

if TYPE_CHECKING:  # the W&B and Weave readers load only when a workspace has such files
    from ftlint.sources.wandb_runs import WandbRun
    from ftlint.sources.weave_export import WeaveEvaluation, WeaveRow


@mutable
class Draft:
    """A run being assembled from its sources."""

    name: str
    kind: str = "train"
    run_dir: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    submissions: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    wandb: WandbRun | None = None
    weave_evals: list[WeaveEvaluation] = field(default_factory=list)
    weave_rows: list[WeaveRow] = field(default_factory=list)
    #: final_metrics.json's `hub_model_id`, noted before the file is loaded (job joins)
    hub_model_id: str | None = None
    #: final_metrics.json was read for `hub_model_id` and its references only
    peeked: bool = False
