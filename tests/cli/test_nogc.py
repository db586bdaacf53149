"""The CLI pauses the cyclic collector while it imports its code (`ftlint.cli.nogc`),
then freezes what it made and resumes it; a library import changes nothing."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ftlint.cli.nogc import paused

PROBE = """
import gc, json, sys
before = gc.get_freeze_count()  # (Python 3.12 starts with a few hundred frozen)
walks = []
gc.callbacks.append(lambda phase, info: walks.append(1) if phase == "start" else None)
{body}
print(json.dumps({{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count() - before,
                  "walks": len(walks)}}))
"""


def _probe(body: str, *argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body), *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_leaves_the_collector_on_and_its_modules_frozen() -> None:
    got = _probe("import ftlint.cli")
    assert got["enabled"] is True
    assert got["frozen"] > 10_000  # the CLI's modules, out of the walked generations


def test_a_library_import_neither_pauses_nor_freezes() -> None:
    got = _probe("import ftlint, ftlint.api, ftlint.model")
    assert got == {"enabled": True, "frozen": 0, "walks": got["walks"]}


def test_a_check_through_the_entry_point_walks_less(tmp_path: Path) -> None:
    """`ftlint check` of the examples: with `setup` (the rules and adapters) and the
    report's modules imported paused, the collector starts fewer collections than
    when only the CLI's own import is (the pauses of `session` and `app` undone)."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    out = tmp_path / "out.json"
    run = (
        "from ftlint.cli import main\n"
        "code = main(['check', sys.argv[1], '--format', 'json', '-o', sys.argv[2], "
        "'--fail-on', 'never'])\n"
    )
    paused_run = _probe(run, str(examples), str(out))
    plain = run.replace(
        "from ftlint.cli import main",
        "from ftlint.cli import nogc\n"
        "import contextlib\n"
        "nogc.paused = contextlib.nullcontext\n"
        "import ftlint.cli.session, ftlint.cli.app\n"
        "ftlint.cli.session.paused = ftlint.cli.app.paused = "
        "contextlib.nullcontext\n"
        "from ftlint.cli import main",
    )
    unpaused = _probe(plain, str(examples), str(out))
    assert paused_run["enabled"] is True and unpaused["enabled"] is True
    assert paused_run["walks"] < unpaused["walks"]


def test_paused_restores_the_state_it_found_also_on_errors() -> None:
    assert gc.isenabled()
    with pytest.raises(ImportError), paused():
        assert not gc.isenabled()
        raise ImportError("a plugin that does not import")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()
