"""The built-in adapters registered as `Deferred` stand-ins (`ftlint.sources.adapters`):
each finds exactly what its module finds, and a module is imported only when the
workspace holds a file it could read."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import bench_generator

from ftlint.sources.adapters import DEFERRED, Deferred, ftlint_sources
from ftlint.sources.io import Workspace

from .gen_evalfiles import config

ROOT = Path(__file__).resolve().parents[2]
STACKS = sorted(p for p in (ROOT / "examples-stacks").iterdir() if p.is_dir())
WORKSPACES = [ROOT / "examples", *STACKS]


@pytest.mark.parametrize(("name", "module", "default"), DEFERRED)
def test_each_stand_in_matches_its_module(name: str, module: str, default: object) -> None:
    """Name and globs are the module's own (a renamed glob there must be renamed here)."""
    mod = importlib.import_module(module)
    assert mod.SOURCE.name == name
    if isinstance(default, tuple):
        assert default == mod.DEFAULT_PATTERNS


def test_the_hook_keeps_the_registration_order() -> None:
    names = [s.name for s in ftlint_sources()]
    assert names == [
        "hfjobs",
        "hf_trainer",
        "llamafactory",
        "openai_ft",
        "lm_eval",
        "generic",
        "wandb_table",
    ]


@pytest.mark.parametrize("ws_root", WORKSPACES, ids=lambda p: p.name)
@pytest.mark.parametrize(("name", "module", "default"), DEFERRED)
def test_a_stand_in_discovers_what_its_adapter_discovers(
    ws_root: Path, name: str, module: str, default: object
) -> None:
    real = importlib.import_module(module).SOURCE
    cfg = config()
    ws_a, ws_b = Workspace(ws_root), Workspace(ws_root)
    assert list(Deferred(name, module, default).discover(ws_a, cfg)) == list(
        real.discover(ws_b, cfg)
    )
    assert ws_a.skipped == ws_b.skipped


def test_the_configs_inputs_are_the_globs_it_looks_for(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "results_2024-01-01T00-00-00.json").write_text(
        json.dumps({"results": {"t": {"acc,none": 0.5}}, "n-samples": {"t": 10}}),
        encoding="utf-8",
    )
    spec = next(spec for spec in DEFERRED if spec[0] == "lm_eval")
    real = importlib.import_module(spec[1]).SOURCE
    for inputs, found in (({}, True), ({"lm_eval": ("b/*.json",)}, False)):
        cfg = config(inputs=inputs)
        ours = list(Deferred(*spec).discover(Workspace(tmp_path), cfg))
        assert ours == list(real.discover(Workspace(tmp_path), cfg))
        assert bool(ours) is found
        assert Deferred(*spec)._may_match(Workspace(tmp_path), cfg) is found


def test_generic_is_read_only_with_mappings(tmp_path: Path) -> None:
    (tmp_path / "rows.jsonl").write_text('{"id": "1", "output": "x"}\n', encoding="utf-8")
    stand_in = Deferred(*next(spec for spec in DEFERRED if spec[0] == "generic"))
    assert list(stand_in.discover(Workspace(tmp_path), config())) == []
    mapping = {"generic": [{"files": "rows.jsonl", "run": "r1"}]}
    found = list(stand_in.discover(Workspace(tmp_path), config(source_settings=mapping)))
    assert [r.id for r in found] == ["r1"]


def test_a_pattern_the_glob_refuses_is_left_to_the_adapter(tmp_path: Path) -> None:
    class Refusing(Workspace):
        def glob(self, patterns: tuple[str, ...]) -> list[Path]:
            raise ValueError("unacceptable pattern")

    stand_in = Deferred("hf_trainer", "ftlint.sources.hf_trainer", ("**/trainer_state.json",))
    assert stand_in._may_match(Refusing(tmp_path), config())


def test_a_one_stack_workspace_imports_no_other_adapter(tmp_path: Path) -> None:
    """An HF Jobs workspace through the real pipeline imports none of the six other
    adapter modules (in a fresh interpreter: this one has imported them all)."""
    bench_generator().generate_workspace(tmp_path / "ws", runs=3, hard_cases=10, steps=3)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ftlint import api\n"
        "ws = Path(sys.argv[1])\n"
        "s = api.setup(None, workspace=ws)\n"
        "api.lint(s, api.load_campaign(s, ws, deferred=True))\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('ftlint.sources.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ws")],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.split()
    assert "ftlint.sources.hfjobs" in out
    assert not {module for _, module, _ in DEFERRED} & set(out)
