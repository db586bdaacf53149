"""ftlint-acme: ACME's team rules for ftlint, shipped as an ordinary plugin package."""

__version__ = "0.1.0"
