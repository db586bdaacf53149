"""Command line: argparse wiring only (`ftlint.cli.app`)."""

from ftlint.cli.nogc import paused

with paused():  # what the CLI imports lives as long as the process (`nogc`)
    from ftlint.cli.app import main

__all__ = ["main"]
