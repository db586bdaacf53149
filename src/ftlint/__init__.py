"""ftlint: a rule-engine linter for fine-tuning eval runs."""

__version__ = "0.1.0"
#: config files looked up from the working directory upward, besides a pyproject.toml
#: with a [tool.ftlint] table (`ftlint.config.settings`)
CONFIG_NAMES = ("rules.yaml", ".ftlint.yaml")
