"""The JSON Schemas ftlint ships (config, findings, plan, gate, artifacts) and their checker."""
