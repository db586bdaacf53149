"""Command line: argparse wiring only (`ftlint.cli.app`)."""

from ftlint.cli.app import main

__all__ = ["main"]
