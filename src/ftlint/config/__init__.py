"""Configuration: find, load and validate rules.yaml / [tool.ftlint]; the reference config; suppressions."""
