"""`build_parser(command)` builds only that subcommand's arguments, and says the same.

Every other subcommand is listed with the help text `ftlint.cli.app._SUBCOMMANDS` keeps
for it, so `ftlint --help`, each subcommand's `--help` and a misspelt command's error
must read exactly as with the whole parser.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from ftlint.cli.app import _SUBCOMMANDS, _command, build_parser

NAMES = [name for names, _, _ in _SUBCOMMANDS for name in names]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_is_listed_in_order() -> None:
    assert list(_subparsers(build_parser())) == NAMES


@pytest.mark.parametrize("command", NAMES)
def test_a_partial_parser_reads_as_the_whole(command: str) -> None:
    whole, partial = build_parser(), build_parser(command)
    assert partial.format_help() == whole.format_help()
    assert partial.format_usage() == whole.format_usage()
    assert _subparsers(partial)[command].format_help() == _subparsers(whole)[command].format_help()


def test_the_command_is_the_first_argument() -> None:
    assert _command(["check", "ws", "--format", "json"]) == "check"
    assert _command(["gate", "--baseline", "a"]) == "gate"
    assert _command(["--version"]) is None
    assert _command(["-h"]) is None
    assert _command([]) is None
    assert _command(["chek"]) is None  # the whole parser names the valid choices


def test_a_misspelt_command_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser(_command(["chek"])).parse_args(["chek"])
    err = capsys.readouterr().err
    assert "invalid choice: 'chek'" in err and all(repr(n) in err for n in NAMES)


def test_a_local_workspace_does_not_import_the_remote_package(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    code = (
        "import sys\n"
        "from ftlint.cli.app import main\n"
        "main(['check', sys.argv[1], '--format', 'json', '-o', sys.argv[2], '--exit-zero'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('ftlint.remote')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(examples), str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert out.stdout.strip() == "[]"
