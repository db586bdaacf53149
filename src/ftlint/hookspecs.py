"""Hook specifications: the ways a plugin extends ftlint.

ftlint uses pluggy (project name ``ftlint``), like pytest. A plugin is any module or
object with functions marked ``@ftlint.hookimpl`` whose names match the hooks below.
Built-in rules are contributed through these same hooks, so a team's plugin is a peer
of the built-ins, not a second-class extension.

Plugins are found, in order:

1. the built-in modules (``ftlint.rules.*``, ``ftlint.report.*``);
2. installed distributions exposing an entry point in group ``ftlint``::

       [project.entry-points.ftlint]
       acme = "acme_ftlint.plugin"

3. modules in the local plugin directories named by ``plugins.paths`` in rules.yaml
   (default ``plugins/`` next to the config file; never inside the linted workspace);
4. ``-p MODULE`` on the command line.

``-p no:NAME`` or ``plugins.disable: [NAME]`` blocks a plugin by name (the entry point
name, the module name of a local plugin, or ``builtin.<module>`` for a built-in).

pluggy calls implementations last-registered-first and returns a list of their
results (``None`` results are dropped). Hook implementations may accept fewer
arguments than the spec, never more; pluggy does not pass arguments that have
default values in the implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.model import Run
    from ftlint.rule import Rule

hookspec = pluggy.HookspecMarker("ftlint")
hookimpl = pluggy.HookimplMarker("ftlint")


@hookspec
def ftlint_rules() -> Sequence[type[Rule]]:
    """Return the rule classes this plugin contributes.

    Each class subclasses :class:`ftlint.rule.Rule`, has a unique ``code`` (plugins
    use their own prefix, e.g. ``ACME001``), a kebab-case ``name`` and a docstring
    in three parts (What it detects / Why it matters / What the planner does).
    A code contributed twice is an error (exit 2) naming both plugins.

    Example::

        @ftlint.hookimpl
        def ftlint_rules():
            return [MinEvalSize]
    """


@hookspec
def ftlint_config_schema() -> Mapping[str, Any]:
    """Return ``{section_name: json_schema}`` for this plugin's own rules.yaml section.

    The section is validated with the rest of the config; an unknown key or a wrong
    type in it is exit 2 naming the YAML line. Read the values back with
    ``config.plugin_section(section_name)``.
    """


@hookspec
def ftlint_load_runs(workspace: Path, config: Config) -> Sequence[Run]:
    """Deprecated: write a source adapter (``ftlint_sources``) instead; it gets the
    vocabulary, identity, eval-row streaming and `runs -v` for free. Still called
    (through ``pm.hook``, so an implementation may declare fewer arguments), read as an
    adapter of its own named ``load_runs#N``, and ``setup`` warns once per plugin.

    Load extra runs from the workspace (e.g. lm-eval-harness results).

    Return fully built :class:`ftlint.model.Run` objects; they join the campaign
    beside the adapters' runs. A run whose name another adapter already yielded is
    dropped and reported (first in adapter-name order wins), never merged silently.
    Never read outside ``workspace``; record bad input as ``Run.problems``.
    """


@hookspec
def ftlint_sources() -> Sequence[Any]:
    """Return source adapters: objects with a unique ``name``, ``discover(ws, config)``
    yielding :class:`ftlint.sources.base.RunRecord` and ``iter_rows(ws, rows, config)``
    streaming :class:`ftlint.model.EvalRow` (see ``ftlint.sources.base.Source``). A
    layout whose files only make a run together (the built-in ``hfjobs``: job records,
    outputs folders, W&B folders, Weave exports) may instead yield finished
    :class:`ftlint.model.Run` objects, workspace-level ``Problem``s and job records that
    joined no run (``Submission``).

    The built-in adapters (``hf_trainer``, ``llamafactory``, ``openai_ft``, ``lm_eval``,
    ``generic``) register through this same hook, so a team adds a reader for its own
    format like it adds a rule. Adapters never decide what is wrong and never rename
    keys: they report every value under the stack's own key, with evidence, and the
    vocabulary maps it. Bad input is a ``Problem``, never an exception.

    Example::

        @ftlint.hookspecs.hookimpl
        def ftlint_sources():
            return [MyEvalFormat()]
    """


@hookspec
def ftlint_knobs() -> Mapping[str, Sequence[str]]:
    """Return extra planner knobs: ``{knob_name: [ENV_VAR, ...]}``.

    A knob is planner vocabulary (``max_new_tokens``); it maps to one or more env
    variables of the next run. rules.yaml ``knobs:`` overrides plugin defaults,
    and plugin knobs override nothing built in unless the user says so there.
    """


@hookspec
def ftlint_report_formats() -> Mapping[str, Callable[..., str]]:
    """Return extra output formats: ``{name: render}``.

    ``render(report)`` receives a :class:`ftlint.report.Report` and returns the
    whole output as a string. ftlint redacts secrets in the returned text and writes
    it atomically; the renderer must escape untrusted strings for its own format.

    A large output may stream instead: set ``render.stream = pieces``, where
    ``pieces(report)`` yields text pieces whose concatenation equals ``render(report)``;
    ftlint then redacts and writes them about a megabyte at a time (same bytes), so
    the whole text of a sweep's report is never held.
    """
