"""What a source adapter yields: `RunRecord`s, partial runs with evidence for every value.

An adapter recognises the files of one stack (HF Trainer, LLaMA-Factory, OpenAI
fine-tuning, lm-eval, W&B, ...) and turns each run it finds into a `RunRecord`. It never
decides what is wrong (rules do) and never maps keys to canonical metrics (the
vocabulary does, in `ftlint.assemble`): it reports every value under the key the stack
wrote, with where it read it. Bad input becomes a `Problem` with file:line, never an
exception.

Adapters are plugins: the hook `ftlint_sources` returns `Source` objects, and the
built-ins register through the same hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ftlint import frozen
from ftlint.model import EvalRow, Evidence, Point, Problem

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.sources.io import Workspace

#: Run kinds: what a run did.
KINDS = ("train", "eval", "train+eval")
#: Run statuses (DESIGN.md "Data model").
STATUSES = ("finished", "crashed", "killed", "running", "unknown")


@frozen
class Value:
    """One raw value as the source wrote it: its own key (namespace included, e.g.
    `eval/json_valid_rate`, `eval_loss`, `valid_mean_token_accuracy`), the value (any
    JSON type: the vocabulary decides what is a metric and what is metadata) and where
    it was read."""

    key: str
    value: Any
    evidence: Evidence


@frozen
class RowFile:
    """A file of eval rows that the engine streams once per run (never loaded whole).

    `complete`: the file holds every eval row (rates can be recounted, runs paired row
    by row), not just the top-k worst. `adapter` names the `Source` whose `iter_rows`
    reads it; `part` selects a part of the file when it holds several (an lm-eval task,
    a W&B table key).
    """

    path: str
    adapter: str
    complete: bool
    part: str = ""


@frozen
class RunRecord:
    """A partial run, as one adapter saw it.

    `id` is the identity of the run within its source and must be unique per adapter in
    a workspace: the run folder's workspace-relative path, the W&B run id, the job id.
    Never a display name alone (the HF Trainer names every run `./results` by default).
    `name` is the display label. `joins` holds the explicit keys other sources may use
    to join this record (`wandb_id`, `run_name`, `output_dir`, `job_id`, `adapter_id`);
    assembly joins on them and reports an ambiguous join instead of merging.

    `context` tells the vocabulary how to read un-namespaced keys: `train` (a training
    log: `loss` is the train loss) or `eval` (an eval script's summary: `accuracy` is an
    eval metric).
    """

    adapter: str
    id: str
    name: str | None = None
    kind: str = "train"
    context: str = "eval"
    status: str = "unknown"
    exit_code: int | None = None
    status_evidence: Evidence | None = None
    joins: Mapping[str, str] = field(default_factory=dict)
    #: final values: metrics and metadata under the stack's own keys
    values: tuple[Value, ...] = ()
    #: curves: the stack's own key (e.g. `loss`, `eval_loss`, `train/loss`) -> points
    series: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)
    #: the run's settings as the stack names them (TrainingArguments, YAML keys,
    #: `--env` pairs, OpenAI hyperparameters), each with its evidence
    settings: tuple[Value, ...] = ()
    #: provenance fields by DESIGN.md name (base_model, adapter, dataset_version,
    #: eval_path, eval_size, target_scale, decoding...) where the stack states them
    provenance: tuple[Value, ...] = ()
    rows: tuple[RowFile, ...] = ()
    #: every workspace-relative file this record was read from
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: the settings' vocabulary for the planner: "env", "hf_trainer", "llamafactory",
    #: "openai", "lm_eval" or "" when unknown
    stack: str = ""


@frozen
class Unread:
    """A file that looks like an eval artifact but that no adapter read, and why."""

    path: str
    reason: str


class Source(Protocol):
    """A source adapter. `name` is unique (`hf_trainer`, `llamafactory`, ...)."""

    name: ClassVar[str]

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        """Find this stack's files in the workspace and read each run they hold.

        A layout adapter whose files only make a run together (`hfjobs`) may yield
        finished `Run`s, workspace-level `Problem`s and unjoined job records instead
        (`ftlint.assemble.discover.read_sources`)."""
        ...

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        """Stream the eval rows of one `RowFile` this adapter produced, in file order."""
        ...


def metadata_value(value: Any) -> bool:
    """True for values that are metadata, never a metric: strings, lists, dicts, None."""
    return not isinstance(value, (int, float)) or isinstance(value, bool)
