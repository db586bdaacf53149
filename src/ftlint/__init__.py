"""ftlint: a rule-engine linter for fine-tuning eval runs."""

__version__ = "0.1.0"
